package notify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Error is a failed attempt, classified. A channel returns one so the
// Deliverer knows whether trying again can help and, when the destination
// said so (Retry-After), when.
type Error struct {
	Err       error
	Permanent bool      // trying again cannot succeed: dead-letter now
	RetryAt   time.Time // zero: follow the backoff policy
}

func (e *Error) Error() string {
	if e.Permanent {
		return "permanent: " + e.Err.Error()
	}
	return e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Permanent marks err as one that retrying cannot fix (a rejected address,
// a 400, a bad secret).
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &Error{Err: err, Permanent: true}
}

// Retryable marks err as worth another attempt, no earlier than at (zero: as
// the backoff policy says).
func Retryable(err error, at time.Time) error {
	if err == nil {
		return nil
	}
	return &Error{Err: err, RetryAt: at}
}

// IsPermanent reports whether err says retrying cannot help. Errors a channel
// did not classify are retryable: giving up on an alert is the worse mistake,
// and MaxAttempts bounds the cost.
func IsPermanent(err error) bool {
	e, ok := errors.AsType[*Error](err)
	return ok && e.Permanent
}

// RetryAt returns the time the destination asked to be tried again at, if
// it asked.
func RetryAt(err error) (time.Time, bool) {
	if e, ok := errors.AsType[*Error](err); ok && !e.Permanent && !e.RetryAt.IsZero() {
		return e.RetryAt, true
	}
	return time.Time{}, false
}

// classifyStatus turns an HTTP answer into nil or a classified error, as the
// Standard Webhooks specification and Slack's documentation suggest: 2xx is
// delivered; 408, 429 and 5xx are worth retrying (after Retry-After when
// given); redirects are not followed, so a 3xx means the URL must be fixed;
// any other 4xx (410 Gone above all) is permanent. snippet is the start of
// the response body, kept for the person reading the dead-letter list.
func classifyStatus(status int, h http.Header, snippet string, now time.Time) error {
	if status >= 200 && status < 300 {
		return nil
	}
	err := fmt.Errorf("answered %d %s", status, http.StatusText(status))
	// One short line of the answer: it ends up in the attempt log.
	if snippet = truncate(strings.Join(strings.Fields(snippet), " "), 200); snippet != "" {
		err = fmt.Errorf("answered %d %s: %s", status, http.StatusText(status), snippet)
	}
	switch {
	case status == http.StatusRequestTimeout, status == http.StatusTooManyRequests, status >= 500:
		at, _ := parseRetryAfter(h.Get("Retry-After"), now)
		return Retryable(err, at)
	case status >= 300 && status < 400:
		return Permanent(fmt.Errorf("%w (redirects are not followed: update the URL to %q)", err, h.Get("Location")))
	default:
		return Permanent(err)
	}
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date
// (RFC 9110, section 10.2.3).
func parseRetryAfter(v string, now time.Time) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s < 0 {
			return time.Time{}, false
		}
		s = min(s, int64(maxRetryAfter/time.Second))
		return now.Add(time.Duration(s) * time.Second), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// classifyTransport classifies an error that happened before any answer
// (refused connection, timeout, reset): retryable, except that our own
// cancellation is reported as such.
func classifyTransport(err error) error {
	if errors.Is(err, context.Canceled) {
		return Retryable(fmt.Errorf("cancelled before an answer: %w", err), time.Time{})
	}
	return Retryable(err, time.Time{})
}
