package storetest

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/notify"
	"github.com/accordhq/accord/internal/obligation"
	"github.com/accordhq/accord/internal/store"
)

// ob is an open obligation of lead key due at due, with a warning 2
// minutes before and an escalation 10 minutes after.
func ob(id, key string, due time.Time) *obligation.Obligation {
	return &obligation.Obligation{
		ID: id, LeadKey: key, Version: 1, Rule: "speed to lead", Kind: obligation.FirstTouch, Owner: "sam", Team: "sdr",
		Calendar: "24/7", Within: 5 * time.Minute, StartedAt: due.Add(-5 * time.Minute), StartEvent: "e-" + id,
		ResumedAt: due.Add(-5 * time.Minute), Status: obligation.Open,
		DueAt: due, WarnAt: due.Add(-2 * time.Minute), EscalateAt: due.Add(10 * time.Minute),
	}
}

func saveObs(t *testing.T, st store.Store, staleBefore time.Time, obs ...*obligation.Obligation) {
	t.Helper()
	if err := st.Write(t.Context(), func(tx store.Tx) error { return tx.SaveObligations(t.Context(), obs, staleBefore) }); err != nil {
		t.Fatalf("SaveObligations: %v", err)
	}
}

// fire fires what is due at now and returns the ids fired, building one
// delivery per alert on channel "hook".
func fire(t *testing.T, st store.Store, now time.Time, limit int) []string {
	t.Helper()
	var ids []string
	n, err := st.FireAlerts(t.Context(), now, limit, func(due []store.DueAlert) ([]store.NewDelivery, error) {
		var out []store.NewDelivery
		for _, d := range due {
			if d.Obligation == nil || d.Obligation.ID != d.ObligationID {
				return nil, fmt.Errorf("alert %s came without its obligation", d.ID)
			}
			ids = append(ids, d.ID)
			out = append(out, store.NewDelivery{AlertID: d.ID, Channel: "hook", Payload: []byte(`{"alert":"` + d.ID + `"}`)})
		}
		return out, nil
	})
	if err != nil {
		t.Fatalf("FireAlerts: %v", err)
	}
	if n != len(ids) {
		t.Fatalf("FireAlerts says %d fired, build saw %d", n, len(ids))
	}
	return ids
}

// testObligations: obligations are stored and read back whole; the open
// ones are what live ingest loads; each open one has its alerts pending.
func testObligations(t *testing.T, open Opener) {
	st := open(t)
	ctx := t.Context()
	a, b := ob("ob_a", "L1", T0.Add(time.Hour)), ob("ob_b", "L1", T0.Add(2*time.Hour))
	c := ob("ob_c", "L2", T0.Add(3*time.Hour))
	b.Missing = []string{"budget"}
	saveObs(t, st, T0, a, b, c)
	got, err := st.LeadObligations(ctx, "L1")
	if err != nil || len(got) != 2 || got[0].ID != "ob_a" || got[1].Missing[0] != "budget" || !got[0].DueAt.Equal(a.DueAt) {
		t.Fatalf("LeadObligations(L1) = %+v, %v", got, err)
	}
	pending := false
	alerts, err := st.Alerts(ctx, store.AlertFilter{LeadKey: "L1", Fired: &pending})
	if err != nil || len(alerts) != 6 {
		t.Fatalf("pending alerts of L1 = %d (%v), want 6 (warning, breach, escalation × 2)", len(alerts), err)
	}
	if next, err := st.NextAlertAt(ctx); err != nil || !next.Equal(a.WarnAt) {
		t.Errorf("NextAlertAt = %v, %v; want %v", next, err, a.WarnAt)
	}
	// a is met: it leaves the open set and its alerts go.
	a.Status, a.ClosedAt, a.WarnAt, a.EscalateAt = obligation.Met, T0.Add(30*time.Minute), time.Time{}, time.Time{}
	saveObs(t, st, T0, a)
	err = st.Write(ctx, func(tx store.Tx) error {
		m, err := tx.OpenObligations(ctx, []string{"L1", "L2", "nobody"})
		if err != nil {
			return err
		}
		if len(m["L1"]) != 1 || m["L1"][0].ID != "ob_b" || len(m["L2"]) != 1 || len(m["nobody"]) != 0 {
			return fmt.Errorf("OpenObligations = %v", m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if alerts, _ := st.Alerts(ctx, store.AlertFilter{LeadKey: "L1", Fired: &pending}); len(alerts) != 3 {
		t.Errorf("after ob_a was met, L1 has %d pending alerts, want 3", len(alerts))
	}
	all, err := st.Obligations(ctx, store.ObligationFilter{From: T0, To: T0.Add(150 * time.Minute)})
	if err != nil || len(all) != 2 {
		t.Errorf("Obligations started in the first 150 minutes = %d, %v; want 2", len(all), err)
	}
	if open, _ := st.Obligations(ctx, store.ObligationFilter{Status: "open"}); len(open) != 2 {
		t.Errorf("open obligations = %d, want 2", len(open))
	}
}

// testObligationsByDue: a rep's queue lists their open obligations by due
// time, the soonest first, and a limit keeps the soonest, whatever order
// they started in; those without a due time (paused) come last; the order
// follows a due time that moves and a close.
func testObligationsByDue(t *testing.T, open Opener) {
	st := open(t)
	ctx := t.Context()
	// Started a minute apart, due in another order: ob_3 started first
	// and is due last. ob_2 and ob_5 are due at the same time.
	dues := map[string]int{"ob_3": 90, "ob_6": 10, "ob_1": 40, "ob_2": 20, "ob_5": 20, "ob_4": 60, "ob_0": 5}
	var obs []*obligation.Obligation
	started := 0
	for _, id := range []string{"ob_3", "ob_6", "ob_1", "ob_2", "ob_5", "ob_4", "ob_0"} {
		o := ob(id, "L"+id, minute(dues[id]))
		o.StartedAt, o.ResumedAt = minute(started), minute(started)
		started++
		obs = append(obs, o)
	}
	obs[len(obs)-1].Owner = "kim" // ob_0, due first, is another rep's
	paused := ob("ob_p", "Lp", minute(1))
	paused.StartedAt, paused.PausedAt, paused.ResumedAt = minute(started), minute(started+1), time.Time{}
	paused.DueAt, paused.WarnAt, paused.EscalateAt = time.Time{}, time.Time{}, time.Time{}
	met := ob("ob_m", "Lm", minute(2))
	met.StartedAt, met.Status, met.ClosedAt, met.WarnAt, met.EscalateAt = minute(started), obligation.Met, minute(started+1), time.Time{}, time.Time{}
	saveObs(t, st, T0, append(obs, paused, met)...)

	queue := func(limit int) []string {
		t.Helper()
		got, err := st.Obligations(ctx, store.ObligationFilter{Status: string(obligation.Open), Owner: "sam", ByDue: true, Limit: limit})
		if err != nil {
			t.Fatalf("Obligations by due (limit %d): %v", limit, err)
		}
		ids := make([]string, len(got))
		for i, o := range got {
			ids[i] = o.ID
		}
		return ids
	}
	check := func(what string, got []string, want ...string) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: %v, want %v", what, got, want)
		}
	}
	check("the first 3 by due", queue(3), "ob_6", "ob_2", "ob_5")
	check("all by due", queue(0), "ob_6", "ob_2", "ob_5", "ob_1", "ob_4", "ob_3", "ob_p")
	if got, err := st.Obligations(ctx, store.ObligationFilter{Status: string(obligation.Open), Owner: "sam", Limit: 3}); err != nil || len(got) != 3 || got[0].ID != "ob_3" {
		t.Errorf("the first 3 by start = %d, %v; want ob_3 first", len(got), err)
	}
	for _, c := range []struct {
		f    store.ObligationFilter
		want int
	}{
		{store.ObligationFilter{Status: string(obligation.Open), Owner: "sam"}, 7},
		{store.ObligationFilter{Status: string(obligation.Open), Owner: "sam", ByDue: true, Limit: 3}, 7},
		{store.ObligationFilter{Status: string(obligation.Open)}, 8},
		{store.ObligationFilter{Owner: "sam"}, 8},
		{store.ObligationFilter{Status: string(obligation.Open), Owner: "sam", From: minute(2), To: minute(5)}, 3},
	} {
		if n, err := st.CountObligations(ctx, c.f); err != nil || n != c.want {
			t.Errorf("CountObligations(%+v) = %d, %v; want %d", c.f, n, err, c.want)
		}
	}

	// ob_3's deadline moves to the front, ob_6 is met, and the paused
	// one resumes due after everything else.
	obs[0].DueAt = minute(1)
	obs[1].Status, obs[1].ClosedAt = obligation.Met, minute(3)
	paused.PausedAt, paused.ResumedAt, paused.DueAt = time.Time{}, minute(30), minute(100)
	saveObs(t, st, T0, obs[0], obs[1], paused)
	check("after the changes, the first 3", queue(3), "ob_3", "ob_2", "ob_5")
	check("after the changes, all", queue(0), "ob_3", "ob_2", "ob_5", "ob_1", "ob_4", "ob_p")

	if _, err := st.Obligations(ctx, store.ObligationFilter{ByDue: true, AfterID: "ob_1", AfterStarted: minute(2)}); err == nil {
		t.Error("paging by due time with a start-time cursor: no error")
	}
}

// DueFixtures are open obligations of owner "sam" as a store before
// migration 0009 (due_at) holds them, for the migration tests: due times
// in several zones, to the nanosecond, one a hair before the next second,
// one the same instant as another written in another zone; and a paused
// and a met one, which have no due time in the queue. DueFixturesQueue is
// their queue.
func DueFixtures() []*obligation.Obligation {
	at := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	mk := func(id string, status obligation.Status, due time.Time) *obligation.Obligation {
		return &obligation.Obligation{ID: id, LeadKey: "L" + id, Version: 1, Rule: "speed to lead", Kind: obligation.FirstTouch,
			Owner: "sam", Calendar: "24/7", Within: time.Hour, StartedAt: at("2026-03-02T08:00:00Z"), Status: status, DueAt: due}
	}
	paused := mk("ob_paused", obligation.Open, time.Time{})
	paused.PausedAt = at("2026-03-02T08:30:00Z")
	return []*obligation.Obligation{
		mk("ob_utc", obligation.Open, at("2026-03-02T09:05:00Z")),
		// 09:05:00.9996 UTC: after ob_utc, and not rounded into 09:05:01.
		mk("ob_ny", obligation.Open, at("2026-03-02T04:05:00.9996-05:00")),
		// 09:04:59.123456789 UTC, the soonest.
		mk("ob_ist", obligation.Open, at("2026-03-02T14:34:59.123456789+05:30")),
		// The same instant as ob_utc: after it by id.
		mk("ob_utc2", obligation.Open, at("2026-03-02T10:05:00+01:00")),
		mk("ob_met", obligation.Met, at("2026-03-02T09:00:00Z")),
		paused,
	}
}

// DueFixturesQueue is the ids of sam's open DueFixtures by due time.
const DueFixturesQueue = "ob_ist ob_utc ob_utc2 ob_ny ob_paused"

// IDs is the obligations' ids, space-separated.
func IDs(obs []*obligation.Obligation) string {
	ids := make([]string, len(obs))
	for i, o := range obs {
		ids[i] = o.ID
	}
	return strings.Join(ids, " ")
}

// testAlertsFireOnce: an alert fires once, at or after its time, earliest
// first; moving an obligation's deadline moves its unfired alerts but never
// fires a fired one again; alerts too old when scheduled are kept as stale.
func testAlertsFireOnce(t *testing.T, open Opener) {
	st := open(t)
	ctx := t.Context()
	a := ob("ob_a", "L1", T0.Add(10*time.Minute))
	saveObs(t, st, T0, a)
	if ids := fire(t, st, T0.Add(7*time.Minute), 10); len(ids) != 0 {
		t.Fatalf("fired %v before any alert was due", ids)
	}
	if ids := fire(t, st, T0.Add(8*time.Minute), 10); len(ids) != 1 || ids[0] != "ob_a:warning" {
		t.Fatalf("at the warning time fired %v", ids)
	}
	if ids := fire(t, st, T0.Add(9*time.Minute), 10); len(ids) != 0 {
		t.Fatalf("fired %v again", ids)
	}
	// Paused and resumed: the deadline moves 30 minutes on. The warning
	// fired already and stays fired; the breach moves.
	a.DueAt, a.WarnAt, a.EscalateAt = a.DueAt.Add(30*time.Minute), a.WarnAt.Add(30*time.Minute), a.EscalateAt.Add(30*time.Minute)
	saveObs(t, st, T0, a)
	if ids := fire(t, st, T0.Add(20*time.Minute), 10); len(ids) != 0 {
		t.Fatalf("fired %v at the old breach time", ids)
	}
	if ids := fire(t, st, T0.Add(41*time.Minute), 10); len(ids) != 1 || ids[0] != "ob_a:breach" {
		t.Fatalf("at the new breach time fired %v", ids)
	}
	// Rebuilding the lead's obligations keeps what fired.
	if err := st.Write(ctx, func(tx store.Tx) error { return tx.DeleteObligations(ctx, []string{"L1"}) }); err != nil {
		t.Fatal(err)
	}
	saveObs(t, st, T0, a)
	if ids := fire(t, st, T0.Add(time.Hour), 10); len(ids) != 1 || ids[0] != "ob_a:escalation" {
		t.Fatalf("after a re-derive fired %v, want only the escalation", ids)
	}
	// History loaded late: alerts already an hour old are stale, not sent.
	old := ob("ob_old", "L2", T0.Add(-3*time.Hour))
	saveObs(t, st, T0, old)
	if ids := fire(t, st, T0.Add(2*time.Hour), 10); len(ids) != 0 {
		t.Fatalf("stale alerts fired: %v", ids)
	}
	fired := true
	as, err := st.Alerts(ctx, store.AlertFilter{LeadKey: "L2", Fired: &fired})
	if err != nil || len(as) != 3 || as[0].Outcome != "stale" {
		t.Fatalf("L2's alerts = %+v, %v; want 3 stale", as, err)
	}
	// Limit and order: the earliest first.
	var many []*obligation.Obligation
	for i := range 20 {
		many = append(many, ob(fmt.Sprintf("ob_m%02d", i), "L3", T0.Add(time.Duration(100-i)*time.Hour)))
	}
	saveObs(t, st, T0, many...)
	ids := fire(t, st, T0.Add(200*time.Hour), 5)
	if len(ids) != 5 || ids[0] != "ob_m19:warning" {
		t.Errorf("first 5 due = %v; want the earliest (ob_m19's warning) first", ids)
	}
}

// testFireAlertsConcurrently: callers firing at once fire each alert
// exactly once between them.
func testFireAlertsConcurrently(t *testing.T, open Opener) {
	st := open(t)
	const n = 600
	var obs []*obligation.Obligation
	for i := range n {
		obs = append(obs, ob(fmt.Sprintf("ob_%04d", i), fmt.Sprintf("L%d", i%50), T0.Add(time.Hour)))
	}
	saveObs(t, st, T0, obs...)
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			for {
				n, err := st.FireAlerts(t.Context(), T0.Add(2*time.Hour), 37, func(due []store.DueAlert) ([]store.NewDelivery, error) {
					mu.Lock()
					defer mu.Unlock()
					var out []store.NewDelivery
					for _, d := range due {
						seen[d.ID]++
						out = append(out, store.NewDelivery{AlertID: d.ID, Channel: "hook", Payload: []byte("{}")})
					}
					return out, nil
				})
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
	if len(seen) != 3*n {
		t.Errorf("%d alerts fired, want %d", len(seen), 3*n)
	}
	for id, c := range seen {
		if c != 1 {
			t.Errorf("alert %s fired %d times", id, c)
		}
	}
	ds, err := st.Deliveries(t.Context(), store.DeliveryFilter{Status: "pending", Limit: 10 * n})
	if err != nil || len(ds) != 3*n {
		t.Errorf("pending deliveries = %d, %v; want %d", len(ds), err, 3*n)
	}
}

// testDeliveries: the outbox leases, retries, dead-letters and revives.
func testDeliveries(t *testing.T, open Opener) {
	st := open(t)
	ctx := t.Context()
	saveObs(t, st, T0, ob("ob_a", "L1", T0.Add(10*time.Minute)))
	fire(t, st, T0.Add(time.Hour), 10) // 3 alerts, 3 deliveries on "hook"
	now := T0.Add(time.Hour)
	got, err := st.ClaimDeliveries(ctx, now, time.Minute, 2)
	if err != nil || len(got) != 2 || got[0].Status != "pending" || string(got[0].Payload) == "" {
		t.Fatalf("ClaimDeliveries = %+v, %v", got, err)
	}
	rest, _ := st.ClaimDeliveries(ctx, now, time.Minute, 10)
	if len(rest) != 1 {
		t.Fatalf("a second claim took %d, want the 1 left (the others are leased)", len(rest))
	}
	if again, _ := st.ClaimDeliveries(ctx, now.Add(2*time.Minute), time.Minute, 10); len(again) != 3 {
		t.Fatalf("after the lease ran out %d were claimable, want 3", len(again))
	}
	d0, d1, d2 := got[0], got[1], rest[0]
	at := now.Add(3 * time.Minute)
	record := func(d store.Delivery, n int, status notify.Status, next time.Time, msg string) {
		t.Helper()
		if err := st.RecordAttempt(ctx, notify.Attempt{NotificationID: d.AlertID, Channel: d.Channel, Number: n, At: at,
			Took: 15 * time.Millisecond, Status: status, Error: msg, NextAt: next}); err != nil {
			t.Fatal(err)
		}
	}
	record(d0, 1, notify.Delivered, time.Time{}, "")
	record(d1, 1, notify.Failed, at.Add(5*time.Second), "HTTP 503")
	record(d2, 1, notify.Dead, time.Time{}, "HTTP 410 Gone")
	if ok, err := st.Delivered(ctx, d0.AlertID, "hook"); err != nil || !ok {
		t.Errorf("Delivered(%s) = %v, %v", d0.AlertID, ok, err)
	}
	if ok, _ := st.Delivered(ctx, d1.AlertID, "hook"); ok {
		t.Errorf("a failed delivery counts as delivered")
	}
	if c, _ := st.ClaimDeliveries(ctx, at.Add(4*time.Second), time.Minute, 10); len(c) != 0 {
		t.Errorf("claimed %d before the retry time", len(c))
	}
	c, _ := st.ClaimDeliveries(ctx, at.Add(5*time.Second), time.Minute, 10)
	if len(c) != 1 || c[0].AlertID != d1.AlertID || c[0].Attempts != 1 || c[0].LastError != "HTTP 503" {
		t.Errorf("at the retry time claimed %+v", c)
	}
	dead, err := st.Deliveries(ctx, store.DeliveryFilter{Status: "dead"})
	if err != nil || len(dead) != 1 || dead[0].AlertID != d2.AlertID || dead[0].LastError != "HTTP 410 Gone" || dead[0].DoneAt.IsZero() {
		t.Fatalf("dead letters = %+v, %v", dead, err)
	}
	atts, err := st.DeliveryAttempts(ctx, d1.AlertID, "hook")
	if err != nil || len(atts) != 1 || atts[0].Status != notify.Failed || atts[0].Took != 15*time.Millisecond || !atts[0].NextAt.Equal(at.Add(5*time.Second)) {
		t.Errorf("attempts of %s = %+v, %v", d1.AlertID, atts, err)
	}
	if err := st.RetryDelivery(ctx, d0.AlertID, "hook", at); err == nil {
		t.Errorf("retrying a delivered delivery succeeded")
	}
	if err := st.RetryDelivery(ctx, d2.AlertID, "hook", at); err != nil {
		t.Fatal(err)
	}
	c, _ = st.ClaimDeliveries(ctx, at, time.Minute, 10)
	if len(c) != 1 || c[0].AlertID != d2.AlertID || c[0].Attempts != 0 {
		t.Errorf("after a retry claimed %+v", c)
	}
	// A delivery no alert made (the weekly digest) is stored once.
	for i := range 2 {
		added, err := st.EnqueueDelivery(ctx, store.NewDelivery{AlertID: "digest:2026-03-02", Channel: "digest", Payload: []byte("{}")}, at)
		if err != nil || added != (i == 0) {
			t.Fatalf("enqueue %d: added %v, %v", i, added, err)
		}
	}
	if ds, _ := st.Deliveries(ctx, store.DeliveryFilter{AlertID: "digest:2026-03-02"}); len(ds) != 1 || ds[0].Status != "pending" || ds[0].Channel != "digest" {
		t.Errorf("the digest delivery: %+v", ds)
	}
}
