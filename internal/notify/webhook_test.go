package notify

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestWebhookSendsSignedMessage(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t)
	clk := newFakeClock()
	secret := NewSecret()
	w := &Webhook{URL: rcv.srv.URL + "/accord", Secret: secret, Now: clk.Now}
	n := sample(t)

	if err := w.Send(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	got := rcv.requests()
	if len(got) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(got))
	}
	r := got[0]
	if r.method != http.MethodPost || r.path != "/accord" {
		t.Errorf("request %s %s, want POST /accord", r.method, r.path)
	}
	if id := r.header.Get(HeaderID); id != n.ID {
		t.Errorf("webhook-id = %q, want the notification id %q", id, n.ID)
	}
	if ts := r.header.Get(HeaderTimestamp); ts != strconv.FormatInt(clk.Now().Unix(), 10) {
		t.Errorf("webhook-timestamp = %q, want %d", ts, clk.Now().Unix())
	}
	if sig := r.header.Get(HeaderSignature); !strings.HasPrefix(sig, "v1,") {
		t.Errorf("webhook-signature = %q, want v1,…", sig)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	if err := VerifyAt(secret, r.header, r.body, 0, clk.Now()); err != nil {
		t.Fatalf("Verify: %v", err)
	}

	var p struct {
		Type      string `json:"type"`
		Timestamp string `json:"timestamp"`
		Data      struct {
			AlertID          string   `json:"alert_id"`
			Kind             string   `json:"kind"`
			Lead             LeadRef  `json:"lead"`
			Obligation       string   `json:"obligation"`
			Rule             string   `json:"rule"`
			AgreementVersion string   `json:"agreement_version"`
			Owner            string   `json:"owner"`
			DueAt            string   `json:"due_at"`
			LateSeconds      int64    `json:"late_seconds"`
			Recipients       []string `json:"recipients"`
			Summary          string   `json:"summary"`
			Text             string   `json:"text"`
		} `json:"data"`
	}
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, r.body)
	}
	want := LeadRef{ID: "hs-1001", Name: "Ana Ruiz", Company: "Acme", URL: "https://accord.example/leads/hs-1001"}
	switch {
	case p.Type != "accord.sla.breach":
		t.Errorf("type = %q", p.Type)
	case p.Timestamp != "2026-03-02T19:17:00Z":
		t.Errorf("timestamp = %q, want the firing time", p.Timestamp)
	case p.Data.AlertID != n.ID || p.Data.Kind != "breach":
		t.Errorf("alert_id, kind = %q, %q", p.Data.AlertID, p.Data.Kind)
	case p.Data.Lead != want:
		t.Errorf("lead = %+v, want %+v", p.Data.Lead, want)
	case p.Data.Rule != "speed to lead, tier A" || p.Data.AgreementVersion != "3" || p.Data.Obligation != "first touch":
		t.Errorf("rule, version, obligation = %q, %q, %q", p.Data.Rule, p.Data.AgreementVersion, p.Data.Obligation)
	case p.Data.LateSeconds != 720 || p.Data.DueAt != "2026-03-02T19:05:00Z":
		t.Errorf("late_seconds, due_at = %d, %q", p.Data.LateSeconds, p.Data.DueAt)
	case p.Data.Owner != "sdr.kim" || len(p.Data.Recipients) != 2:
		t.Errorf("owner, recipients = %q, %q", p.Data.Owner, p.Data.Recipients)
	case !strings.Contains(p.Data.Text, "12 minutes late") || !strings.Contains(p.Data.Summary, "SLA breached"):
		t.Errorf("summary, text = %q, %q", p.Data.Summary, p.Data.Text)
	}
}

func TestWebhookEventTypes(t *testing.T) {
	t.Parallel()
	for kind, want := range map[Kind]string{Warning: "accord.sla.warning", Breach: "accord.sla.breach", Escalation: "accord.sla.escalation"} {
		if got := NewPayload(Notification{Kind: kind}).Type; got != want {
			t.Errorf("%s: type %q, want %q", kind, got, want)
		}
	}
}

func TestWebhookSameIDOnRetry(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, answer{status: 503}, answer{status: 204})
	clk := newFakeClock()
	secret := NewSecret()
	w := &Webhook{URL: rcv.srv.URL, Secret: secret, Now: clk.Now}
	n := sample(t)

	if err := w.Send(context.Background(), n); err == nil || IsPermanent(err) {
		t.Fatalf("first attempt: %v, want a retryable error", err)
	}
	clk.Advance(5 * time.Second)
	if err := w.Send(context.Background(), n); err != nil {
		t.Fatalf("second attempt: %v", err)
	}
	got := rcv.requests()
	if len(got) != 2 {
		t.Fatalf("%d requests, want 2", len(got))
	}
	if a, b := got[0].header.Get(HeaderID), got[1].header.Get(HeaderID); a != b || a != n.ID {
		t.Errorf("webhook-id changed across retries: %q then %q", a, b)
	}
	if a, b := got[0].header.Get(HeaderTimestamp), got[1].header.Get(HeaderTimestamp); a == b {
		t.Errorf("webhook-timestamp should be the attempt's time, got %q twice", a)
	}
	if string(got[0].body) != string(got[1].body) {
		t.Errorf("the body changed across retries")
	}
	if err := VerifyAt(secret, got[1].header, got[1].body, 0, clk.Now()); err != nil {
		t.Errorf("the retry does not verify: %v", err)
	}
}

func TestVerifyRejects(t *testing.T) {
	t.Parallel()
	secret, other := NewSecret(), NewSecret()
	now := time.Unix(1_780_000_000, 0)
	body := []byte(`{"type":"accord.sla.breach","timestamp":"2026-05-28T20:26:40Z","data":{}}`)
	signed := func(secrets ...string) http.Header {
		h := http.Header{}
		h.Set(HeaderID, "a:1")
		h.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
		var sigs []string
		for _, s := range secrets {
			sig, err := Sign(s, "a:1", now, body)
			if err != nil {
				t.Fatal(err)
			}
			sigs = append(sigs, sig)
		}
		h.Set(HeaderSignature, strings.Join(sigs, " "))
		return h
	}
	with := func(h http.Header, k, v string) http.Header {
		h = h.Clone()
		if v == "" {
			h.Del(k)
		} else {
			h.Set(k, v)
		}
		return h
	}
	tests := []struct {
		name   string
		secret string
		header http.Header
		body   string
		now    time.Time
		want   error
	}{
		{"valid", secret, signed(secret), string(body), now, nil},
		{"valid among several (rotation, other schemes)", secret, with(signed(other, secret), HeaderSignature, "v1a,AAAA "+signed(other, secret).Get(HeaderSignature)), string(body), now, nil},
		{"within tolerance, a little late", secret, signed(secret), string(body), now.Add(4 * time.Minute), nil},
		{"tampered body", secret, signed(secret), strings.Replace(string(body), "breach", "warning", 1), now, ErrNoMatchingSignature},
		{"tampered timestamp", secret, with(signed(secret), HeaderTimestamp, strconv.FormatInt(now.Unix()+1, 10)), string(body), now, ErrNoMatchingSignature},
		{"tampered id", secret, with(signed(secret), HeaderID, "a:2"), string(body), now, ErrNoMatchingSignature},
		{"old timestamp (replay)", secret, signed(secret), string(body), now.Add(6 * time.Minute), ErrTimestampTolerance},
		{"timestamp from the future", secret, signed(secret), string(body), now.Add(-6 * time.Minute), ErrTimestampTolerance},
		{"wrong secret", other, signed(secret), string(body), now, ErrNoMatchingSignature},
		{"not a whsec secret", "hunter2", signed(secret), string(body), now, ErrBadSecret},
		{"missing signature", secret, with(signed(secret), HeaderSignature, ""), string(body), now, ErrMissingHeader},
		{"missing id", secret, with(signed(secret), HeaderID, ""), string(body), now, ErrMissingHeader},
		{"timestamp not a number", secret, with(signed(secret), HeaderTimestamp, "yesterday"), string(body), now, ErrBadTimestamp},
		{"unknown version only", secret, with(signed(secret), HeaderSignature, "v2,"+strings.TrimPrefix(signed(secret).Get(HeaderSignature), "v1,")), string(body), now, ErrNoMatchingSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := VerifyAt(tt.secret, tt.header, []byte(tt.body), 5*time.Minute, tt.now)
			if !errors.Is(err, tt.want) {
				t.Errorf("VerifyAt = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestWebhookPreviousSecretDuringRotation(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t)
	clk := newFakeClock()
	oldSecret, newSecret := NewSecret(), NewSecret()
	w := &Webhook{URL: rcv.srv.URL, Secret: newSecret, PreviousSecret: oldSecret, Now: clk.Now}
	if err := w.Send(context.Background(), sample(t)); err != nil {
		t.Fatal(err)
	}
	r := rcv.requests()[0]
	for name, s := range map[string]string{"new": newSecret, "old": oldSecret} {
		if err := VerifyAt(s, r.header, r.body, 0, clk.Now()); err != nil {
			t.Errorf("a receiver holding the %s secret: %v", name, err)
		}
	}
}

func TestNewSecret(t *testing.T) {
	t.Parallel()
	a, b := NewSecret(), NewSecret()
	if a == b {
		t.Fatal("two secrets are equal")
	}
	key, err := secretKey(a)
	if err != nil || len(key) != 32 {
		t.Fatalf("secretKey(%q) = %d bytes, %v", a, len(key), err)
	}
}

// TestHTTPAnswers checks how the webhook and Slack channels classify what
// a receiver answers.
func TestHTTPAnswers(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	tests := []struct {
		name      string
		answer    answer
		permanent bool
		retryAt   time.Time // zero: none given
	}{
		{"500", answer{status: 500, body: "boom"}, false, time.Time{}},
		{"502", answer{status: 502}, false, time.Time{}},
		{"503 with a Retry-After date", answer{status: 503, header: map[string]string{"Retry-After": clk.Now().Add(10 * time.Minute).Format(http.TimeFormat)}}, false, clk.Now().Add(10 * time.Minute)},
		{"408", answer{status: 408}, false, time.Time{}},
		{"429 with Retry-After seconds", answer{status: 429, header: map[string]string{"Retry-After": "120"}}, false, clk.Now().Add(120 * time.Second)},
		{"429 with a Retry-After of a week, capped", answer{status: 429, header: map[string]string{"Retry-After": "604800"}}, false, clk.Now().Add(maxRetryAfter)},
		{"400", answer{status: 400, body: "invalid_payload"}, true, time.Time{}},
		{"404", answer{status: 404}, true, time.Time{}},
		{"410 gone", answer{status: 410, body: "channel_is_archived"}, true, time.Time{}},
		{"302 not followed", answer{status: 302, header: map[string]string{"Location": "https://elsewhere.example/"}}, true, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			channels := map[string]func(url string) Channel{
				"webhook": func(url string) Channel { return &Webhook{URL: url, Secret: NewSecret(), Now: clk.Now} },
				"slack":   func(url string) Channel { return &Slack{URL: url, Now: clk.Now} },
			}
			for name, mk := range channels {
				rcv := newReceiver(t, tt.answer)
				err := mk(rcv.srv.URL+"/services/T000/B000/s3cr3t").Send(context.Background(), sample(t))
				if err == nil {
					t.Fatalf("%s: no error for a %d", name, tt.answer.status)
				}
				if IsPermanent(err) != tt.permanent {
					t.Errorf("%s: IsPermanent = %v, want %v (%v)", name, IsPermanent(err), tt.permanent, err)
				}
				at, ok := RetryAt(err)
				if ok != !tt.retryAt.IsZero() || !at.Equal(tt.retryAt) {
					t.Errorf("%s: RetryAt = %v, %v; want %v", name, at, ok, tt.retryAt)
				}
				if strings.Contains(err.Error(), "s3cr3t") {
					t.Errorf("%s: the error shows the URL's secret path: %v", name, err)
				}
				if tt.answer.body != "" && !strings.Contains(err.Error(), tt.answer.body) {
					t.Errorf("%s: the error %q does not quote the answer %q", name, err, tt.answer.body)
				}
			}
		})
	}
}

func TestHTTPUnreachable(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t)
	url := rcv.srv.URL + "/hooks/s3cr3t"
	rcv.srv.Close() // nothing listens there any more
	err := (&Webhook{URL: url, Secret: NewSecret()}).Send(context.Background(), sample(t))
	if err == nil || IsPermanent(err) {
		t.Fatalf("connection refused: %v, want a retryable error", err)
	}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("the error shows the URL's secret path: %v", err)
	}
}

func TestWebhookRefusesWhatRetryingCannotFix(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t)
	good := sample(t)
	tests := []struct {
		name string
		w    Webhook
		edit func(n *Notification)
	}{
		{"id with a dot", Webhook{URL: rcv.srv.URL, Secret: NewSecret()}, func(n *Notification) { n.ID = "a.b" }},
		{"no id", Webhook{URL: rcv.srv.URL, Secret: NewSecret()}, func(n *Notification) { n.ID = "" }},
		{"unknown kind", Webhook{URL: rcv.srv.URL, Secret: NewSecret()}, func(n *Notification) { n.Kind = "nudge" }},
		{"bad secret", Webhook{URL: rcv.srv.URL, Secret: "whsec_short"}, func(n *Notification) {}},
		{"not an http URL", Webhook{URL: "ftp://example.com/", Secret: NewSecret()}, func(n *Notification) {}},
	}
	for _, tt := range tests {
		n := good
		tt.edit(&n)
		if err := tt.w.Send(context.Background(), n); !IsPermanent(err) {
			t.Errorf("%s: %v, want a permanent error", tt.name, err)
		}
	}
	if got := len(rcv.requests()); got != 0 {
		t.Errorf("%d requests were sent, want none", got)
	}
}
