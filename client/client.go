// Package client is a small Go client for Accord's HTTP API: send events
// (as a JSON array or as NDJSON), read leads with their history, page
// through the event log, list people and teams, upload, sign and compare
// versions of the agreement, and read the audit log.
//
// Every method takes a context and returns an *Error for any answer the
// server refuses, carrying the HTTP status, the server's message and the
// field (or event index, or line and column) at fault:
//
//	c := client.New("http://localhost:8080", os.Getenv("ACCORD_TOKEN"))
//	rep, err := c.SendEvents(ctx, []client.Event{{
//		ID:         "hubspot-contact-42-created",
//		Type:       client.LeadUpserted,
//		OccurredAt: time.Now(),
//		Data:       client.LeadData{LeadID: "42", Email: "kim@example.com"},
//	}})
//
// The client depends only on the standard library.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client talks to one Accord server with one token. It is safe for
// concurrent use.
type Client struct {
	base      string
	token     string
	http      *http.Client
	userAgent string
	// strict makes decoding fail on fields the client does not know;
	// the package's tests use it to notice when the API grows.
	strict bool
}

// Option changes how a Client is built.
type Option func(*Client)

// WithHTTPClient sends requests through hc (for timeouts, proxies, TLS).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.http = hc } }

// WithUserAgent names the integration in the server's request log.
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }

// New returns a client for the server at baseURL (e.g.
// "https://accord.example.com") that authenticates with token.
func New(baseURL, token string, opts ...Option) *Client {
	c := &Client{
		base:      strings.TrimRight(baseURL, "/"),
		token:     token,
		http:      &http.Client{Timeout: time.Minute},
		userAgent: "accord-go-client",
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// SendEvents sends a batch of events as a JSON array. Every event gets a
// Result in the Report. When the server rejected any event (HTTP 422) the
// other events are still stored, and SendEvents returns both the Report and
// an *Error whose Index and Field name the first rejected event.
func (c *Client) SendEvents(ctx context.Context, events []Event) (*Report, error) {
	if events == nil {
		events = []Event{}
	}
	body, err := json.Marshal(events)
	if err != nil {
		return nil, fmt.Errorf("accord: encode events: %w", err)
	}
	return c.send(ctx, "application/json", bytes.NewReader(body))
}

// SendNDJSON sends events as newline-delimited JSON, one event per line,
// read from r (a file, a pipe). A line that is not valid JSON rejects only
// that event; its Result's Error starts with "line N:". The result is as
// for SendEvents.
func (c *Client) SendNDJSON(ctx context.Context, r io.Reader) (*Report, error) {
	return c.send(ctx, "application/x-ndjson", r)
}

func (c *Client) send(ctx context.Context, contentType string, body io.Reader) (*Report, error) {
	var rep Report
	err := c.do(ctx, http.MethodPost, "/api/v1/events", contentType, body, &rep, http.StatusUnprocessableEntity)
	if err != nil {
		return nil, err
	}
	if rep.Rejected > 0 {
		return &rep, rep.firstRejection()
	}
	return &rep, nil
}

// ListLeads returns one page of leads, newest first. Pass the page's
// NextCursor as the next filter's Cursor to read on; it is empty on the
// last page.
func (c *Client) ListLeads(ctx context.Context, f LeadFilter) (*LeadPage, error) {
	q := url.Values{}
	for k, v := range map[string]string{
		"stage": f.Stage, "owner": f.Owner, "team": f.Team, "source": f.Source, "segment": f.Segment, "cursor": f.Cursor,
	} {
		if v != "" {
			q.Set(k, v)
		}
	}
	for k, v := range map[string]time.Time{
		"created_from": f.CreatedFrom, "created_to": f.CreatedTo, "updated_from": f.UpdatedFrom, "updated_to": f.UpdatedTo,
	} {
		if !v.IsZero() {
			q.Set(k, v.Format(time.RFC3339Nano))
		}
	}
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	var page LeadPage
	if err := c.get(ctx, "/api/v1/leads", q, &page); err != nil {
		return nil, err
	}
	return &page, nil
}

// Lead returns a lead, its ordered history and its opportunities. id may
// be the lead's id or any alias it came in under.
func (c *Client) Lead(ctx context.Context, id string) (*LeadDetail, error) {
	var d LeadDetail
	if err := c.get(ctx, "/api/v1/leads/"+url.PathEscape(id), nil, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// Events returns up to limit events of the log in arrival order, after the
// cursor after ("" for the start). Pass the page's NextCursor to read on;
// HasMore is false once the log is read to its end. limit 0 takes the
// server's default.
func (c *Client) Events(ctx context.Context, after string, limit int) (*EventPage, error) {
	q := url.Values{}
	if after != "" {
		q.Set("after", after)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var page EventPage
	if err := c.get(ctx, "/api/v1/events", q, &page); err != nil {
		return nil, err
	}
	return &page, nil
}

// People returns every person the server knows, by id.
func (c *Client) People(ctx context.Context) ([]Person, error) {
	var resp struct {
		People []Person `json:"people"`
	}
	if err := c.get(ctx, "/api/v1/people", nil, &resp); err != nil {
		return nil, err
	}
	return resp.People, nil
}

// Teams returns the teams people belong to, by name.
func (c *Client) Teams(ctx context.Context) ([]Team, error) {
	var resp struct {
		Teams []Team `json:"teams"`
	}
	if err := c.get(ctx, "/api/v1/teams", nil, &resp); err != nil {
		return nil, err
	}
	return resp.Teams, nil
}

// Tokens lists the server's API tokens (without secrets). It needs an admin
// token.
func (c *Client) Tokens(ctx context.Context) ([]Token, error) {
	var resp struct {
		Tokens []Token `json:"tokens"`
	}
	if err := c.get(ctx, "/api/v1/tokens", nil, &resp); err != nil {
		return nil, err
	}
	return resp.Tokens, nil
}

// CreateToken issues a token with a role (admin, marketing, sales or
// viewer). The secret is in the answer only. It needs an admin token.
func (c *Client) CreateToken(ctx context.Context, name, role string) (*NewToken, error) {
	body, err := json.Marshal(map[string]string{"name": name, "role": role})
	if err != nil {
		return nil, err
	}
	var tok NewToken
	if err := c.do(ctx, http.MethodPost, "/api/v1/tokens", "application/json", bytes.NewReader(body), &tok); err != nil {
		return nil, err
	}
	return &tok, nil
}

// Health asks whether the server and its database are up. It needs no
// token. A server whose database is down answers with an *Error of status
// 503.
func (c *Client) Health(ctx context.Context) (*Health, error) {
	var h Health
	if err := c.get(ctx, "/healthz", nil, &h); err != nil {
		return nil, err
	}
	return &h, nil
}

func (c *Client) get(ctx context.Context, path string, q url.Values, out any) error {
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	return c.do(ctx, http.MethodGet, path, "", nil, out)
}

// do sends a request and decodes a 2xx answer (or one of the statuses in
// alsoOK) into out; any other answer becomes an *Error.
func (c *Client) do(ctx context.Context, method, path, contentType string, body io.Reader, out any, alsoOK ...int) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return fmt.Errorf("accord: %w", err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("accord: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	ok := resp.StatusCode/100 == 2
	for _, s := range alsoOK {
		ok = ok || resp.StatusCode == s
	}
	if !ok {
		return responseError(resp)
	}
	dec := json.NewDecoder(resp.Body)
	if c.strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("accord: %s %s: decode answer: %w", method, path, err)
	}
	return nil
}

// responseError reads the server's JSON error, or keeps the start of a
// body that is not one (a proxy's HTML page, say).
func responseError(resp *http.Response) error {
	e := &Error{StatusCode: resp.StatusCode, RequestID: resp.Header.Get("X-Request-Id")}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var body struct {
		Error    string    `json:"error"`
		Field    string    `json:"field"`
		Index    *int      `json:"index"`
		Line     int       `json:"line"`
		Column   int       `json:"column"`
		Problems []Problem `json:"errors"`
	}
	if err := json.Unmarshal(b, &body); err == nil && body.Error != "" {
		e.Message, e.Field, e.Index, e.Line, e.Column = body.Error, body.Field, body.Index, body.Line, body.Column
		e.Problems = body.Problems
		return e
	}
	e.Message = strings.TrimSpace(string(b))
	if len(e.Message) > 200 {
		e.Message = e.Message[:200] + "…"
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	return e
}

// Error is an answer the server refused: the HTTP status, the server's
// message, and where it can say so, what was at fault.
type Error struct {
	// StatusCode is the HTTP status: 400 bad input, 401 no or bad token,
	// 403 the token's role may not do this, 404 not found, 413 too large,
	// 409 already done (an agreement signed twice), 415 not JSON,
	// 422 events or an agreement rejected, 5xx the server failed.
	StatusCode int
	Message    string
	// Field is the parameter or event field at fault, e.g. "data.amount".
	Field string
	// Index is the position of the event at fault in the batch, if any.
	Index *int
	// Line and Column place malformed JSON in the body, or the first
	// problem in a refused agreement (from 1).
	Line, Column int
	// Problems lists every problem in a refused agreement.
	Problems []Problem
	// RequestID finds the request in the server's log.
	RequestID string
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "accord: %d %s: ", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Index != nil {
		fmt.Fprintf(&b, "event %d: ", *e.Index)
	}
	if e.Field != "" && !strings.Contains(e.Message, e.Field) {
		fmt.Fprintf(&b, "%s: ", e.Field)
	}
	b.WriteString(e.Message)
	return b.String()
}

// StatusCode returns the HTTP status of an *Error in err's chain, or 0.
func StatusCode(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.StatusCode
	}
	return 0
}
