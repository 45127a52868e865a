// Package bench measures Accord's ingest against a plain baseline measured
// in the same run: the same events sent through the real HTTP API to a
// fresh database, and inserted with a loop of prepared INSERTs into the
// events table of another fresh database of the same kind. The ratio of the
// two says what Accord's idempotency, projections and HTTP cost on top of
// the database, on whatever machine the bench runs.
package bench

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"time"
)

// Options shape an ingest bench run.
type Options struct {
	// DB names the kind of database: sqlite: (optionally with a path whose
	// directory holds the temporary files) or postgres://… (the bench
	// creates and drops its own schemas there).
	DB string
	// Events is how many events to send (default 200,000).
	Events int
	// Batch is how many events go in one request (default 1,000).
	Batch int
	// Senders is how many requests are in flight at once (default 4), so
	// decoding some batches overlaps writing others. Each sender sends its
	// own stream of leads, in order.
	Senders int
	// Seed picks the workload; the same seed sends the same events.
	Seed int64
	// Progress, if set, is called with the number of events acknowledged.
	Progress func(done int64)
}

func (o Options) withDefaults() Options {
	if o.Events <= 0 {
		o.Events = 200_000
	}
	if o.Batch <= 0 {
		o.Batch = 1000
	}
	if o.Senders <= 0 {
		o.Senders = 4
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	return o
}

// Result is one run's figures; its JSON is what `accord bench ingest
// --json` prints.
type Result struct {
	Backend         string  `json:"backend"`
	Events          int     `json:"events"`
	EventsPerSec    float64 `json:"events_per_sec"`
	BaselinePerSec  float64 `json:"baseline_per_sec"`
	Ratio           float64 `json:"ratio"`
	P50BatchMS      float64 `json:"p50_batch_ms"`
	P99BatchMS      float64 `json:"p99_batch_ms"`
	PeakRSSMB       float64 `json:"peak_rss_mb"`
	Batch           int     `json:"batch"`
	Senders         int     `json:"senders"`
	Seconds         float64 `json:"seconds"`
	BaselineSeconds float64 `json:"baseline_seconds"`
}

// Ingest runs the ingest bench: the API run, then the baseline.
func Ingest(ctx context.Context, o Options) (Result, error) {
	o = o.withDefaults()
	sc, err := newScratch(o.DB)
	if err != nil {
		return Result{}, err
	}
	defer sc.close(context.WithoutCancel(ctx))

	now := time.Now()
	strs := streams(o.Seed, o.Events, o.Batch, o.Senders, now)

	apiURL, err := sc.fresh(ctx)
	if err != nil {
		return Result{}, err
	}
	t, err := startAPI(ctx, apiURL)
	if err != nil {
		return Result{}, err
	}
	took, lat, err := t.send(ctx, strs, o.Progress)
	t.close()
	if err != nil {
		return Result{}, err
	}

	// Let the API run's garbage go before the baseline starts.
	runtime.GC()
	baseURL, err := sc.fresh(ctx)
	if err != nil {
		return Result{}, err
	}
	btook, n, err := baseline(ctx, baseURL, slices.Concat(strs...), now)
	if err != nil {
		return Result{}, err
	}
	if n != o.Events {
		return Result{}, fmt.Errorf("baseline stored %d events, want %d", n, o.Events)
	}

	r := Result{
		Backend:         sc.backend,
		Events:          o.Events,
		EventsPerSec:    float64(o.Events) / took.Seconds(),
		BaselinePerSec:  float64(o.Events) / btook.Seconds(),
		P50BatchMS:      percentile(lat, 0.50),
		P99BatchMS:      percentile(lat, 0.99),
		PeakRSSMB:       peakRSSMB(),
		Batch:           o.Batch,
		Senders:         o.Senders,
		Seconds:         took.Seconds(),
		BaselineSeconds: btook.Seconds(),
	}
	r.Ratio = r.EventsPerSec / r.BaselinePerSec
	return r, nil
}

// percentile returns the nearest-rank percentile of ds in milliseconds.
func percentile(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s))*p+0.999999) - 1
	i = min(max(i, 0), len(s)-1)
	return float64(s[i].Microseconds()) / 1000
}

// peakRSSMB reads the process's peak resident set (VmHWM) on Linux; it is
// 0 where /proc is not available.
func peakRSSMB() float64 { return procMB("VmHWM:") }
