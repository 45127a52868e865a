package notify

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// memRecorder keeps attempts in memory, as the store will in tables.
type memRecorder struct {
	mu       sync.Mutex
	attempts []Attempt
	fail     error // returned by RecordAttempt when set
}

func (r *memRecorder) RecordAttempt(ctx context.Context, a Attempt) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.attempts = append(r.attempts, a)
	return nil
}

func (r *memRecorder) all() []Attempt {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Attempt(nil), r.attempts...)
}

// dedupingRecorder is a memRecorder that also answers Deduper.
type dedupingRecorder struct{ memRecorder }

func (r *dedupingRecorder) Delivered(_ context.Context, id, channel string) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, a := range r.attempts {
		if a.NotificationID == id && a.Channel == channel && a.Status == Delivered {
			return true, nil
		}
	}
	return false, nil
}

// channelFunc is a Channel made of a function, for the Deliverer's own logic.
type channelFunc func(ctx context.Context, n Notification) error

func (f channelFunc) Send(ctx context.Context, n Notification) error { return f(ctx, n) }

// TestDelivererTimeline drives retries the way the scheduler will: attempt,
// wait until NextAt, attempt again, against a real receiver that fails
// twice, asks for a minute's pause, then takes the alert.
func TestDelivererTimeline(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t,
		answer{status: 500},
		answer{status: 502},
		answer{status: 429, header: map[string]string{"Retry-After": "60"}},
		answer{status: 200},
	)
	clk := newFakeClock()
	start := clk.Now()
	rec := &memRecorder{}
	d := &Deliverer{Recorder: rec, Now: clk.Now}
	ch := &Webhook{URL: rcv.srv.URL, Secret: NewSecret(), Now: clk.Now}
	n := sample(t)

	type step struct {
		status     Status
		after      time.Time // NextAt within [after, before]
		before     time.Time
		errorMatch string
	}
	want := []step{
		{Failed, start.Add(4 * time.Second), start.Add(5 * time.Second), "500"},
		// The second wait starts when the first ended, itself jittered: 4–5 s.
		{Failed, start.Add(4*time.Second + 24*time.Second), start.Add(5*time.Second + 30*time.Second), "502"},
		{Failed, time.Time{}, time.Time{}, "429"}, // exactly Retry-After: checked below
		{Delivered, time.Time{}, time.Time{}, ""},
	}
	var outs []Outcome
	for number := 1; ; number++ {
		out, err := d.Deliver(context.Background(), ch, Delivery{Notification: n, Channel: "ops-webhook", Number: number})
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, out)
		if out.Status != Failed {
			break
		}
		if number == 3 {
			if wantAt := clk.Now().Add(60 * time.Second); !out.NextAt.Equal(wantAt) {
				t.Errorf("after the 429: NextAt %v, want Retry-After's %v", out.NextAt, wantAt)
			}
		}
		clk.Advance(out.NextAt.Sub(clk.Now())) // the scheduler waits
	}
	if len(outs) != len(want) {
		t.Fatalf("%d attempts, want %d: %+v", len(outs), len(want), outs)
	}
	attempts := rec.all()
	if len(attempts) != len(want) {
		t.Fatalf("the recorder saw %d attempts, want %d", len(attempts), len(want))
	}
	for i, w := range want {
		o, a := outs[i], attempts[i]
		if o.Status != w.status || a.Status != w.status {
			t.Errorf("attempt %d: outcome %s, recorded %s; want %s", i+1, o.Status, a.Status, w.status)
		}
		if !w.after.IsZero() && (o.NextAt.Before(w.after) || o.NextAt.After(w.before)) {
			t.Errorf("attempt %d: NextAt %v, want within [%v, %v]", i+1, o.NextAt.Sub(start), w.after.Sub(start), w.before.Sub(start))
		}
		if a.Number != i+1 || a.NotificationID != n.ID || a.Channel != "ops-webhook" || !a.NextAt.Equal(o.NextAt) {
			t.Errorf("attempt %d recorded as %+v", i+1, a)
		}
		if w.errorMatch == "" && a.Error != "" || !strings.Contains(a.Error, w.errorMatch) {
			t.Errorf("attempt %d: recorded error %q, want one with %q", i+1, a.Error, w.errorMatch)
		}
	}
	ids := map[string]bool{}
	for _, r := range rcv.requests() {
		ids[r.header.Get(HeaderID)] = true
	}
	if len(ids) != 1 || !ids[n.ID] {
		t.Errorf("webhook-ids across retries: %v, want only %q", ids, n.ID)
	}
}

func TestDelivererDeadAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	for _, policyMax := range []int{0, 3} { // 0: the default, MaxAttempts
		limit := policyMax
		if limit == 0 {
			limit = MaxAttempts
		}
		rec := &memRecorder{}
		clk := newFakeClock()
		sends := 0
		ch := channelFunc(func(context.Context, Notification) error {
			sends++
			return errors.New("connection reset")
		})
		d := &Deliverer{Recorder: rec, Now: clk.Now, Policy: Policy{MaxAttempts: policyMax, Backoff: func(int) time.Duration { return time.Minute }}}
		var out Outcome
		for number := 1; number <= limit+5; number++ {
			var err error
			out, err = d.Deliver(context.Background(), ch, Delivery{Notification: sample(t), Channel: "c", Number: number})
			if err != nil {
				t.Fatal(err)
			}
			if out.Status != Failed {
				break
			}
			if !out.NextAt.Equal(clk.Now().Add(time.Minute)) {
				t.Fatalf("NextAt %v, want the policy's minute", out.NextAt)
			}
			clk.Advance(time.Minute)
		}
		attempts := rec.all()
		if out.Status != Dead || sends != limit || len(attempts) != limit {
			t.Fatalf("max %d: last status %s after %d sends, %d recorded; want dead after %d", policyMax, out.Status, sends, len(attempts), limit)
		}
		last := attempts[limit-1]
		if last.Status != Dead || !last.NextAt.IsZero() || last.Error == "" {
			t.Errorf("last attempt recorded as %+v", last)
		}
		for _, a := range attempts[:limit-1] {
			if a.Status != Failed {
				t.Errorf("attempt %d recorded as %s, want failed", a.Number, a.Status)
			}
		}
	}
}

func TestDelivererPermanentIsDeadAtOnce(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, answer{status: 400, body: "invalid_payload"})
	rec := &memRecorder{}
	d := &Deliverer{Recorder: rec}
	out, err := d.Deliver(context.Background(), &Slack{URL: rcv.srv.URL}, Delivery{Notification: sample(t), Channel: "slack", Number: 1})
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != Dead || !IsPermanent(out.Err) {
		t.Fatalf("outcome %+v, want dead with a permanent error", out)
	}
	if a := rec.all(); len(a) != 1 || a[0].Status != Dead || !strings.Contains(a[0].Error, "invalid_payload") {
		t.Errorf("recorded %+v", a)
	}
}

func TestDelivererTimeout(t *testing.T) {
	t.Parallel()
	rec := &memRecorder{}
	d := &Deliverer{Recorder: rec, Timeout: 50 * time.Millisecond}
	hang := channelFunc(func(ctx context.Context, n Notification) error {
		<-ctx.Done()
		return ctx.Err()
	})
	out, err := d.Deliver(context.Background(), hang, Delivery{Notification: sample(t), Channel: "slow", Number: 1})
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != Failed || !strings.Contains(out.Err.Error(), "no answer within 50ms") {
		t.Fatalf("outcome %+v, want a retryable timeout", out)
	}
	if a := rec.all(); len(a) != 1 || a[0].Status != Failed {
		t.Errorf("recorded %+v", a)
	}
}

func TestDelivererRecordsEvenWhenCancelled(t *testing.T) {
	t.Parallel()
	rec := &memRecorder{}
	d := &Deliverer{Recorder: rec}
	ctx, cancel := context.WithCancel(context.Background())
	shutdown := channelFunc(func(context.Context, Notification) error {
		cancel() // the process is stopping while the request is in flight
		return classifyTransport(context.Canceled)
	})
	out, err := d.Deliver(ctx, shutdown, Delivery{Notification: sample(t), Channel: "c", Number: 1})
	if err != nil {
		t.Fatalf("the attempt was not recorded: %v", err)
	}
	if out.Status != Failed {
		t.Errorf("status %s, want failed (retry after the restart)", out.Status)
	}
	if len(rec.all()) != 1 {
		t.Errorf("recorded %d attempts, want 1", len(rec.all()))
	}
}

func TestDelivererRecorderFailure(t *testing.T) {
	t.Parallel()
	rec := &memRecorder{fail: errors.New("database is locked")}
	d := &Deliverer{Recorder: rec}
	ok := channelFunc(func(context.Context, Notification) error { return nil })
	out, err := d.Deliver(context.Background(), ok, Delivery{Notification: sample(t), Channel: "c", Number: 1})
	if err == nil || !strings.Contains(err.Error(), "database is locked") {
		t.Fatalf("err = %v, want the recorder's error", err)
	}
	if out.Status != Delivered {
		t.Errorf("status %s: the outcome is still reported", out.Status)
	}
}

func TestDelivererDedupe(t *testing.T) {
	t.Parallel()
	rec := &dedupingRecorder{}
	d := &Deliverer{Recorder: rec}
	sends := 0
	ch := channelFunc(func(context.Context, Notification) error { sends++; return nil })
	n := sample(t)
	for i := 1; i <= 2; i++ {
		out, err := d.Deliver(context.Background(), ch, Delivery{Notification: n, Channel: "c", Number: i})
		if err != nil || out.Status != Delivered || out.Duplicate != (i == 2) {
			t.Fatalf("delivery %d: %+v, %v", i, out, err)
		}
	}
	if sends != 1 || len(rec.all()) != 1 {
		t.Errorf("%d sends and %d attempts recorded, want 1 and 1", sends, len(rec.all()))
	}
	// Another channel is another delivery.
	if out, _ := d.Deliver(context.Background(), ch, Delivery{Notification: n, Channel: "other", Number: 1}); out.Duplicate || sends != 2 {
		t.Errorf("another channel: %+v after %d sends", out, sends)
	}
}

func TestDelivererRefusesBadDelivery(t *testing.T) {
	t.Parallel()
	d := &Deliverer{Recorder: &memRecorder{}}
	ch := channelFunc(func(context.Context, Notification) error { t.Error("sent"); return nil })
	for _, dl := range []Delivery{
		{Notification: sample(t), Channel: "", Number: 1},
		{Notification: sample(t), Channel: "c", Number: 0},
	} {
		if _, err := d.Deliver(context.Background(), ch, dl); err == nil {
			t.Errorf("%+v: no error", dl)
		}
	}
}
