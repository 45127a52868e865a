package bench

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/event"
)

// TestReportsGenerator checks the generated history: valid events, unique
// ids, exactly the leads and activities asked for, each stream in time
// order, and the same events for the same seed.
func TestReportsGenerator(t *testing.T) {
	t.Parallel()
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	o := ReportsOptions{Leads: 3001, Activities: 20_003, Days: 120, Senders: 3}.withDefaults()
	run := func() ([]byte, map[event.Type]int) {
		g := newReportsGen(o, loc)
		var all bytes.Buffer
		types := map[event.Type]int{}
		ids := map[string]bool{}
		leads := map[string]bool{}
		first, last := time.Unix(g.start, 0), time.Unix(g.end, 0)
		for k := range o.Senders {
			s := g.stream(k, o.Senders)
			var prev time.Time
			for {
				body, n := s.batch(700)
				if n == 0 {
					break
				}
				all.Write(body)
				items, err := event.DecodeBatch(body, false, 0, last)
				if err != nil {
					t.Fatal(err)
				}
				if len(items) != n {
					t.Fatalf("batch of %d events decoded to %d", n, len(items))
				}
				for _, it := range items {
					if it.Err != nil {
						t.Fatalf("event %s: %v", it.ID, it.Err)
					}
					e := it.Event
					if ids[e.ID] {
						t.Fatalf("id %s twice", e.ID)
					}
					ids[e.ID] = true
					types[e.Type]++
					if e.OccurredAt.Before(prev) {
						t.Fatalf("stream %d: %s at %v after an event at %v", k, e.ID, e.OccurredAt, prev)
					}
					prev = e.OccurredAt
					if e.OccurredAt.Before(first) || !e.OccurredAt.Before(last) {
						t.Fatalf("%s at %v, outside the history [%v, %v)", e.ID, e.OccurredAt, first, last)
					}
					if e.Type == event.LeadUpserted {
						p, _ := e.Payload()
						leads[p.(*event.Lead).LeadID] = true
					}
				}
			}
		}
		if len(leads) != o.Leads || types[event.LeadUpserted] != o.Leads {
			t.Errorf("%d leads in %d upserts, want %d", len(leads), types[event.LeadUpserted], o.Leads)
		}
		if types[event.ActivityLogged] != o.Activities {
			t.Errorf("%d activities, want %d", types[event.ActivityLogged], o.Activities)
		}
		return all.Bytes(), types
	}
	a, types := run()
	b, _ := run()
	if !bytes.Equal(a, b) {
		t.Error("the same seed generated different events")
	}
	for _, ty := range []event.Type{event.LeadAssigned, event.LeadStageChanged, event.OpportunityUpserted, event.OpportunityClosed} {
		if types[ty] == 0 {
			t.Errorf("no %s events", ty)
		}
	}
	t.Logf("%v", types)
}

// TestReportsBenchSmall runs `accord bench reports` at a small size on
// each backend: the dashboard's figures over HTTP must equal the GROUP BY
// baseline's (the bench fails otherwise) and the live atoms the rebuilt
// ones, and the dashboard must be the faster of the two.
func TestReportsBenchSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 70,000 events")
	}
	for name, db := range testBackends(t) {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			r, err := Reports(t.Context(), ReportsOptions{DB: db, Leads: 5000, Activities: 50_000,
				Requests: 24, BaselineRuns: 3, Batch: 2000, PageRequests: 3})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(r)
			t.Logf("%s in %v: %s", name, time.Since(start).Round(time.Millisecond), b)
			if !r.Identical || !r.LiveEqualsRebuilt || r.FiguresCompared < 150 {
				t.Errorf("identical %v, live = rebuilt %v, %d figures compared", r.Identical, r.LiveEqualsRebuilt, r.FiguresCompared)
			}
			if r.Activities != 50_000 || r.Events < 60_000 {
				t.Errorf("%d activities, %d events", r.Activities, r.Events)
			}
			if len(r.Quarters) != 8 || !slices.IsSorted(r.Quarters) || r.Quarters[7] != "2026-06-30" {
				t.Errorf("quarters %v", r.Quarters)
			}
			if r.Speedup <= 1 && !raceEnabled {
				t.Errorf("the dashboard (p50 %.1f ms) is not faster than the GROUP BY baseline (p50 %.1f ms)", r.P50MS, r.BaselineP50MS)
			}
			if r.RebuildSeconds <= 0 {
				t.Error("rebuild not timed")
			}
			// Every page of the app, and the review page for a week both
			// open and snapshotted (the snapshot is read and compared).
			want := []string{"/", "/funnel", "/sla", "/queue", "/leads/", "/review", "/review", "/planner", "/wall"}
			var got []string
			for _, p := range r.Pages {
				path, _, _ := strings.Cut(p.Page, "?")
				if strings.HasPrefix(path, "/leads/") {
					path = "/leads/"
				}
				got = append(got, path)
			}
			if !slices.Equal(got, want) {
				t.Errorf("pages timed %v, want %v", got, want)
			}
			for _, p := range r.Pages {
				if p.Bytes < 1000 || p.P50MS <= 0 || p.APIP50MS <= 0 {
					t.Errorf("page %s: %+v", p.Page, p)
				}
			}
		})
	}
}
