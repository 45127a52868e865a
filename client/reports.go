package client

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
)

// Reports are documents with many nested figures; the client hands them
// over as JSON for the caller to decode into what it needs (see the
// schemas in the server's openapi.json). name is the report's path under
// /api/v1/reports: "sla", "funnel", "activity", "day", "lead-value" or
// "qbr"; params are its query parameters.
func (c *Client) Report(ctx context.Context, name string, params url.Values) (json.RawMessage, error) {
	var out json.RawMessage
	err := c.get(ctx, "/api/v1/reports/"+url.PathEscape(name), params, &out)
	return out, err
}

// Plan is the reverse-funnel plan (GET /api/v1/plan) as JSON.
func (c *Client) Plan(ctx context.Context, params url.Values) (json.RawMessage, error) {
	var out json.RawMessage
	err := c.get(ctx, "/api/v1/plan", params, &out)
	return out, err
}

// Week is a week's review (any day of the week) as JSON: its numbers,
// comments, sign-offs and restatements.
func (c *Client) Week(ctx context.Context, day string) (json.RawMessage, error) {
	var out json.RawMessage
	err := c.get(ctx, "/api/v1/reviews/weeks/"+url.PathEscape(day), nil, &out)
	return out, err
}

// ReviewWeek takes one step of a week's review: "snapshot", "lock" (no
// body), "comments" ({"metric","body"}) or "signoffs" ({"side","name"}).
// It returns the week as it now stands.
func (c *Client) ReviewWeek(ctx context.Context, day, step string, body any) (json.RawMessage, error) {
	var rd *bytes.Reader
	ct := ""
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd, ct = bytes.NewReader(b), "application/json"
	}
	var out json.RawMessage
	var err error
	if rd != nil {
		err = c.do(ctx, http.MethodPost, "/api/v1/reviews/weeks/"+url.PathEscape(day)+"/"+url.PathEscape(step), ct, rd, &out)
	} else {
		err = c.do(ctx, http.MethodPost, "/api/v1/reviews/weeks/"+url.PathEscape(day)+"/"+url.PathEscape(step), "", nil, &out)
	}
	return out, err
}
