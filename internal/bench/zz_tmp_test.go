package bench

import (
	"time"
	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/store/dial"
	"context"
	"encoding/json"
	"os"
	"strconv"
	"testing"
)

func TestTmpFull(t *testing.T) {
	db := os.Getenv("BENCH_DB")
	if db == "" {
		t.Skip()
	}
	n, _ := strconv.Atoi(os.Getenv("BENCH_N"))
	s, _ := strconv.Atoi(os.Getenv("BENCH_S"))
	r, err := Ingest(context.Background(), Options{DB: db, Events: n, Senders: s})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(r)
	t.Log(string(b))
}

func TestTmpIngestDirect(t *testing.T) {
	if os.Getenv("BENCH_DIRECT") == "" {
		t.Skip()
	}
	ctx := context.Background()
	n, _ := strconv.Atoi(os.Getenv("BENCH_N"))
	sc, _ := newScratch("sqlite:")
	defer sc.close(ctx)
	u, _ := sc.fresh(ctx)
	st, err := dial.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	st.Migrate(ctx)
	in := ingest.New(st, ingest.Options{})
	now := time.Now()
	bods := bodies(1, n, 1000, now)
	var dec, ing time.Duration
	for _, b := range bods {
		t0 := time.Now()
		items, _ := event.DecodeBatch(b, false, 0, now)
		t1 := time.Now()
		rep, err := in.Ingest(ctx, items)
		if err != nil || rep.Accepted != len(items) {
			t.Fatal(err, rep.Accepted)
		}
		dec += t1.Sub(t0)
		ing += time.Since(t1)
	}
	t.Logf("decode %v (%.0f/s) ingest %v (%.0f/s)", dec, float64(n)/dec.Seconds(), ing, float64(n)/ing.Seconds())
}
