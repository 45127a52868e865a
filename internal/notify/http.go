package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// httpTimeout bounds one POST; the Standard Webhooks specification suggests
// giving receivers 15 to 30 seconds.
const httpTimeout = 30 * time.Second

const userAgent = "Accord-Notify/1"

// defaultClient does not follow redirects: a webhook that moved should be
// reconfigured, not chased (and a redirect could point anywhere).
func defaultClient() *http.Client {
	return &http.Client{
		Timeout: httpTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// post sends body to target and classifies the outcome. Errors never show
// the URL's path or query: Slack-style webhook URLs carry their secret there.
func post(ctx context.Context, client *http.Client, target string, header http.Header, body []byte, now func() time.Time) error {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Permanent(fmt.Errorf("webhook URL is not an http(s) URL"))
	}
	where := u.Scheme + "://" + u.Host
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return Permanent(fmt.Errorf("POST %s: %w", where, err))
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	if client == nil {
		client = defaultClient()
	}
	resp, err := client.Do(req)
	if err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err // url.Error would print the whole URL
		}
		return classifyTransport(fmt.Errorf("POST %s: %w", where, err))
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	// Drain a little more so the connection can be reused, but never read
	// an unbounded answer.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if err := classifyStatus(resp.StatusCode, resp.Header, string(snippet), now()); err != nil {
		return fmt.Errorf("POST %s: %w", where, err)
	}
	return nil
}

// nowFunc returns f, or time.Now when f is nil.
func nowFunc(f func() time.Time) func() time.Time {
	if f == nil {
		return time.Now
	}
	return f
}
