package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/store"
	"github.com/accordhq/accord/internal/store/dial"
)

// testBackends are the databases the tests run on: SQLite always,
// PostgreSQL when ACCORD_TEST_POSTGRES_URL names a server.
func testBackends(t testing.TB) map[string]string {
	t.Helper()
	dbs := map[string]string{"sqlite": "sqlite:"}
	if u := os.Getenv("ACCORD_TEST_POSTGRES_URL"); u != "" {
		dbs["postgres"] = u
	}
	return dbs
}

// freshDB gives a test an empty, migrated database of db's kind, removed
// when the test ends.
func freshDB(tb testing.TB, db string) string {
	tb.Helper()
	ctx := context.Background()
	sc, err := newScratch(db)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { sc.close(ctx) })
	u, err := sc.fresh(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

func TestWorkloadIsValidAndUnique(t *testing.T) {
	t.Parallel()
	bods := bodies(7, 5000, 1000, time.Now())
	if len(bods) != 5 {
		t.Fatalf("got %d bodies, want 5", len(bods))
	}
	seen := map[string]bool{}
	types := map[event.Type]int{}
	for _, b := range bods {
		items, err := event.DecodeBatch(b, false, 0, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if it.Err != nil {
				t.Fatalf("event %s: %v", it.ID, it.Err)
			}
			if seen[it.ID] {
				t.Fatalf("event id %s sent twice", it.ID)
			}
			seen[it.ID] = true
			types[it.Event.Type]++
		}
	}
	for _, ty := range []event.Type{event.LeadUpserted, event.LeadStageChanged, event.LeadAssigned,
		event.ActivityLogged, event.LeadDisposition, event.OpportunityUpserted, event.OpportunityClosed, event.PersonUpserted} {
		if types[ty] == 0 {
			t.Errorf("the workload has no %s events", ty)
		}
	}
	if types[event.ActivityLogged] < types[event.LeadUpserted] {
		t.Errorf("want several activities per lead, got %v", types)
	}
}

// TestIngest runs the whole bench small, on each backend, and checks the
// figures are filled in.
func TestIngest(t *testing.T) {
	for name, db := range testBackends(t) {
		t.Run(name, func(t *testing.T) {
			r, err := Ingest(context.Background(), Options{DB: db, Events: 3000, Batch: 500, Senders: 2})
			if err != nil {
				t.Fatal(err)
			}
			if r.Backend != name || r.Events != 3000 || r.EventsPerSec <= 0 || r.BaselinePerSec <= 0 ||
				r.Ratio <= 0 || r.P50BatchMS <= 0 || r.P99BatchMS < r.P50BatchMS || r.PeakRSSMB <= 0 {
				t.Errorf("incomplete result: %+v", r)
			}
		})
	}
}

// BenchmarkIngestHTTP sends b.N batches of 1,000 events through the API
// with four senders, on a fresh database of each backend.
func BenchmarkIngestHTTP(b *testing.B) {
	for name, db := range testBackends(b) {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			u := freshDB(b, db)
			t, err := startAPI(ctx, u)
			if err != nil {
				b.Fatal(err)
			}
			defer t.close()
			strs := streams(1, b.N*1000, 1000, 4, time.Now())
			b.ResetTimer()
			took, _, err := t.send(ctx, strs, nil)
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N*1000)/took.Seconds(), "events/s")
		})
	}
}

// BenchmarkBaselineInsert inserts the same kind of batches with a loop of
// prepared INSERTs in one transaction: the floor BenchmarkIngestHTTP is
// compared with.
func BenchmarkBaselineInsert(b *testing.B) {
	for name, db := range testBackends(b) {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			u := freshDB(b, db)
			bods := bodies(1, b.N*1000, 1000, time.Now())
			b.ResetTimer()
			took, n, err := baseline(ctx, u, bods, time.Now())
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(n)/took.Seconds(), "events/s")
		})
	}
}

// TestLiveIngestEqualsRebuild loads the bench workload through concurrent
// Ingest calls (so batches are group-committed) and checks that every lead
// and opportunity is exactly what a rebuild from the log makes: the fast
// paths of live ingest (cached leads and payloads, the email index, group
// commit) must never change a result.
func TestLiveIngestEqualsRebuild(t *testing.T) {
	for name, db := range testBackends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			u := freshDB(t, db)
			st, err := dial.Open(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if _, err := st.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			in := ingest.New(st, ingest.Options{})
			now := time.Now()
			bods := bodies(3, 30_000, 500, now)
			var wg sync.WaitGroup
			errs := make(chan error, len(bods))
			for w := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := w; i < len(bods); i += 4 {
						items, err := event.DecodeBatch(bods[i], false, 0, now)
						if err != nil {
							errs <- err
							return
						}
						rep, err := in.Ingest(ctx, items)
						if err == nil && rep.Accepted != len(items) {
							err = fmt.Errorf("batch %d: %d of %d accepted", i, rep.Accepted, len(items))
						}
						if err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			live := snapshot(t, st)
			if _, err := in.Rebuild(ctx, 2000, nil); err != nil {
				t.Fatal(err)
			}
			rebuilt := snapshot(t, st)
			if len(live) < 3000 || len(live) != len(rebuilt) {
				t.Fatalf("%d leads live, %d rebuilt", len(live), len(rebuilt))
			}
			diff := 0
			for k, v := range live {
				if rebuilt[k] != v {
					if diff++; diff <= 3 {
						t.Errorf("lead %s\n live:    %s\n rebuilt: %s", k, v, rebuilt[k])
					}
				}
			}
			if diff > 0 {
				t.Errorf("%d of %d leads differ", diff, len(live))
			}
		})
	}
}

// snapshot returns every lead with its opportunities, as JSON, by key.
func snapshot(t *testing.T, st store.Store) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	f := store.LeadFilter{Limit: 1000}
	for {
		leads, err := st.Leads(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range leads {
			opps, err := st.LeadOpportunities(ctx, l.LeadID)
			if err != nil {
				t.Fatal(err)
			}
			l.Aliases = nil
			b, err := json.Marshal(map[string]any{"lead": l, "opportunities": opps})
			if err != nil {
				t.Fatal(err)
			}
			out[l.LeadID] = string(b)
		}
		if len(leads) < f.Limit {
			return out
		}
		last := leads[len(leads)-1]
		f.After = &store.Cursor{CreatedAt: last.CreatedAt, LeadID: last.LeadID}
	}
}

// TestSLABench runs `accord bench sla` small: the tick must beat a scan of
// every open obligation and not grow with them as the scan does, and every
// alert must be announced within the one-second target.
func TestSLABench(t *testing.T) {
	r, err := SLA(t.Context(), SLAOptions{DB: "sqlite:", Sizes: []int{2000, 20000}, Due: 50, LatencyAlerts: 200, LatencySeconds: 2, EventsPerSec: 500})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Ticks) != 2 || r.Ticks[1].Speedup < 2 {
		t.Errorf("ticks %+v: at 20,000 open a tick should be well under a naive scan", r.Ticks)
	}
	if r.TickGrowth > 3 {
		t.Errorf("a tick grew %.1fx from 2,000 to 20,000 open obligations; it should stay flat", r.TickGrowth)
	}
	if r.LatencyAlertsMet != 200 || r.LatencyP99MS > 1000 {
		t.Errorf("latency: %d of 200 fired, p99 %.0f ms", r.LatencyAlertsMet, r.LatencyP99MS)
	}
	if r.DueDatesPerSec <= 0 || r.TimeAddPerSec <= r.DueDatesPerSec {
		t.Errorf("due dates %.0f/s vs time.Add %.0f/s", r.DueDatesPerSec, r.TimeAddPerSec)
	}
}
