package web_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/obligation"
	"github.com/accordhq/accord/internal/store"
)

// TestQueueShowsTheSoonestDue gives one rep more open obligations than
// the queue shows, the later started due the sooner: the queue keeps the
// ones due soonest (with the one breach, though it started first) and
// says how many it leaves out.
func TestQueueShowsTheSoonestDue(t *testing.T) {
	s := newSite(t)
	const n, shown = 520, 500
	now := time.Now().UTC().Truncate(time.Second)
	obs := make([]*obligation.Obligation, n)
	for i := range obs {
		start := now.Add(time.Duration(i-n) * time.Minute)
		due := now.Add(time.Duration(2*n-i) * time.Minute)
		if i == 0 {
			due = now.Add(-time.Hour)
		}
		obs[i] = &obligation.Obligation{ID: fmt.Sprintf("ob_flood_%03d", i), LeadKey: fmt.Sprintf("flood-%03d", i), Version: 1,
			Rule: "speed to lead", Kind: obligation.FirstTouch, Owner: "flood", Within: due.Sub(start),
			StartedAt: start, ResumedAt: start, StartEvent: fmt.Sprintf("e-flood-%03d", i), Status: obligation.Open, DueAt: due}
	}
	if err := s.store.Write(t.Context(), func(tx store.Tx) error { return tx.SaveObligations(t.Context(), obs, now) }); err != nil {
		t.Fatal(err)
	}
	c := s.client(t)
	c.signIn("viewer@acme.example", testPassword)
	_, body := c.get("/queue?owner=flood")
	if want := fmt.Sprintf("The %d due soonest of %d open", shown, n); !strings.Contains(body, want) {
		t.Errorf("the queue does not say %q", want)
	}
	if got := strings.Count(body, `<tr data-id="ob_flood_`); got != shown {
		t.Errorf("the queue has %d rows, want %d", got, shown)
	}
	// Kept: the breach (started first) and the soonest due (started last).
	// Left out: the next n-shown to start, due last.
	for i := range n {
		row := fmt.Sprintf(`<tr data-id="ob_flood_%03d"`, i)
		if want := i == 0 || i > n-shown; strings.Contains(body, row) != want {
			t.Errorf("ob_flood_%03d (started %d of %d, due %s) shown: %v, want %v", i, i+1, n, obs[i].DueAt.Sub(now), !want, want)
		}
	}
	var q struct {
		Open int
		Rows []struct{ ID string }
	}
	if _, body := c.get("/queue.json?owner=flood"); json.Unmarshal([]byte(body), &q) != nil {
		t.Fatalf("queue.json: %s", body)
	}
	if q.Open != n || len(q.Rows) != shown || q.Rows[0].ID != "ob_flood_000" {
		t.Errorf("queue.json: open %d, %d rows, first %v; want %d, %d, ob_flood_000", q.Open, len(q.Rows), q.Rows[:min(1, len(q.Rows))], n, shown)
	}
}
