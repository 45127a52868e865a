package bench

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/event"
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
// with three senders, on a fresh database of each backend.
func BenchmarkIngestHTTP(b *testing.B) {
	for name, db := range testBackends(b) {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			sc, err := newScratch(db)
			if err != nil {
				b.Fatal(err)
			}
			defer sc.close(ctx)
			u, err := sc.fresh(ctx)
			if err != nil {
				b.Fatal(err)
			}
			t, err := startAPI(ctx, u)
			if err != nil {
				b.Fatal(err)
			}
			defer t.close()
			bods := bodies(1, b.N*1000, 1000, time.Now())
			b.ResetTimer()
			took, _, err := t.send(ctx, bods, 3, nil)
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
			sc, err := newScratch(db)
			if err != nil {
				b.Fatal(err)
			}
			defer sc.close(ctx)
			u, err := sc.fresh(ctx)
			if err != nil {
				b.Fatal(err)
			}
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
