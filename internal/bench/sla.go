package bench

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/accordhq/accord/internal/agreement"
	"github.com/accordhq/accord/internal/alerting"
	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/obligation"
	"github.com/accordhq/accord/internal/store"
	"github.com/accordhq/accord/internal/store/dial"
	"github.com/accordhq/accord/internal/versions"
)

// SLAOptions shape an `accord bench sla` run.
type SLAOptions struct {
	DB string
	// Sizes are the numbers of open obligations at which a tick is timed
	// (default 10,000, 100,000 and 1,000,000); the largest is also the
	// backdrop of the latency run.
	Sizes []int
	// Due is how many alerts fall due before each timed tick (default 100).
	Due int
	// LatencyAlerts fall due at random moments over LatencySeconds while
	// EventsPerSec events are ingested (defaults 2,000, 20 s, 1,000/s).
	LatencyAlerts  int
	LatencySeconds int
	EventsPerSec   int
	// Progress, if set, is told what the bench is doing.
	Progress func(stage string)
}

func (o SLAOptions) withDefaults() SLAOptions {
	if len(o.Sizes) == 0 {
		o.Sizes = []int{10_000, 100_000, 1_000_000}
	}
	slices.Sort(o.Sizes)
	if o.Due <= 0 {
		o.Due = 100
	}
	if o.LatencyAlerts <= 0 {
		o.LatencyAlerts = 2000
	}
	if o.LatencySeconds <= 0 {
		o.LatencySeconds = 20
	}
	if o.EventsPerSec <= 0 {
		o.EventsPerSec = 1000
	}
	if o.Progress == nil {
		o.Progress = func(string) {}
	}
	return o
}

// TickCost compares, at one number of open obligations, the scheduler's
// tick (fire what is due) with a naive checker that reads every open
// obligation and tests its deadline.
type TickCost struct {
	Open     int     `json:"open"`
	Due      int     `json:"due"`
	TickMS   float64 `json:"tick_ms"`
	ScanMS   float64 `json:"naive_scan_ms"`
	Speedup  float64 `json:"speedup"` // naive / tick
	LoadSecs float64 `json:"load_seconds"`
}

// SLAResult is one run's figures; its JSON is what `accord bench sla
// --json` prints.
type SLAResult struct {
	Backend          string     `json:"backend"`
	Ticks            []TickCost `json:"ticks"`
	TickGrowth       float64    `json:"tick_growth"`  // tick at the largest size ÷ tick at the smallest
	ScanGrowth       float64    `json:"naive_growth"` // the same for the naive scan
	LatencyOpen      int        `json:"latency_open_obligations"`
	LatencyAlerts    int        `json:"latency_alerts"`
	LatencyP50MS     float64    `json:"latency_p50_ms"`
	LatencyP99MS     float64    `json:"latency_p99_ms"`
	LatencyMaxMS     float64    `json:"latency_max_ms"`
	EventsPerSec     float64    `json:"events_per_sec"`
	RSSMB            float64    `json:"rss_mb"`
	PeakRSSMB        float64    `json:"peak_rss_mb"` // whole run, naive scans included
	DueDatesPerSec   float64    `json:"due_dates_per_sec"`
	TimeAddPerSec    float64    `json:"baseline_time_add_per_sec"`
	DueDateRatio     float64    `json:"due_date_ratio"`
	TargetP99MS      float64    `json:"target_p99_ms"`
	TargetRSSMB      float64    `json:"target_rss_mb"`
	TargetDuePerSec  float64    `json:"target_due_dates_per_sec"`
	MeetsLatency     bool       `json:"meets_latency"`
	MeetsRSS         bool       `json:"meets_rss"`
	MeetsDueDates    bool       `json:"meets_due_dates"`
	ElapsedSeconds   float64    `json:"seconds"`
	SchedulerTickMS  float64    `json:"scheduler_tick_ms"`
	LatencyAlertsMet int        `json:"latency_alerts_fired"`
}

// the bench's own time line: far-future deadlines for the backdrop, so only
// what the bench makes due is ever due.
var (
	benchT0 = time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	farAway = benchT0.Add(365 * 24 * time.Hour)
)

// SLA runs the SLA bench on a fresh database of the kind o.DB names.
func SLA(ctx context.Context, o SLAOptions) (SLAResult, error) {
	o = o.withDefaults()
	start := time.Now()
	sc, err := newScratch(o.DB)
	if err != nil {
		return SLAResult{}, err
	}
	defer sc.close(context.WithoutCancel(ctx))
	url, err := sc.fresh(ctx)
	if err != nil {
		return SLAResult{}, err
	}
	st, err := dial.Open(ctx, url)
	if err != nil {
		return SLAResult{}, err
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		return SLAResult{}, fmt.Errorf("migrate: %w", err)
	}
	res := SLAResult{Backend: st.Backend(), TargetP99MS: 1000, TargetRSSMB: 500, TargetDuePerSec: 1_000_000, SchedulerTickMS: 200}

	// Tick cost at each size.
	vc := &versions.Cache{Store: st}
	loaded := 0
	for _, size := range o.Sizes {
		o.Progress(fmt.Sprintf("loading %d open obligations", size))
		t := time.Now()
		if err := loadBackdrop(ctx, st, loaded, size); err != nil {
			return res, err
		}
		loaded = size
		tc := TickCost{Open: size, Due: o.Due, LoadSecs: time.Since(t).Seconds()}
		o.Progress(fmt.Sprintf("timing ticks at %d open", size))
		if tc.TickMS, err = timeTicks(ctx, st, vc, size, o.Due); err != nil {
			return res, err
		}
		if tc.ScanMS, err = timeNaiveScan(ctx, st); err != nil {
			return res, err
		}
		tc.Speedup = tc.ScanMS / tc.TickMS
		res.Ticks = append(res.Ticks, tc)
	}
	first, last := res.Ticks[0], res.Ticks[len(res.Ticks)-1]
	res.TickGrowth, res.ScanGrowth = last.TickMS/first.TickMS, last.ScanMS/first.ScanMS

	// Announcement latency with the largest backdrop open, while events
	// arrive.
	o.Progress(fmt.Sprintf("latency: %d alerts over %d s, %d events/s", o.LatencyAlerts, o.LatencySeconds, o.EventsPerSec))
	res.LatencyOpen, res.LatencyAlerts = loaded, o.LatencyAlerts
	// The naive scans above held every open obligation in memory at once;
	// that is the baseline's cost, not Accord's, so it is handed back to
	// the OS before the RSS of the running scheduler is read.
	runtime.GC()
	debug.FreeOSMemory()
	if err := latency(ctx, st, vc, o, &res); err != nil {
		return res, err
	}
	res.RSSMB, res.PeakRSSMB = procMB("VmRSS:"), peakRSSMB()

	o.Progress("due dates")
	res.DueDatesPerSec, res.TimeAddPerSec = dueDates()
	res.DueDateRatio = res.DueDatesPerSec / res.TimeAddPerSec
	res.MeetsLatency = res.LatencyP99MS <= res.TargetP99MS && res.LatencyAlertsMet == res.LatencyAlerts
	res.MeetsRSS = res.RSSMB <= res.TargetRSSMB
	res.MeetsDueDates = res.DueDatesPerSec >= res.TargetDuePerSec
	res.ElapsedSeconds = time.Since(start).Seconds()
	return res, nil
}

// openOb is one open first-touch obligation due at due, with only its
// breach alert (no warning, no escalation).
func openOb(id, key string, due time.Time) *obligation.Obligation {
	return &obligation.Obligation{ID: id, LeadKey: key, Version: 1, Rule: "bench", Kind: obligation.FirstTouch,
		Owner: "rep" + strconv.Itoa(len(id)%17), Team: "sdr", Calendar: "24/7", Within: 5 * time.Minute,
		StartedAt: due.Add(-5 * time.Minute), StartEvent: id, ResumedAt: due.Add(-5 * time.Minute),
		Status: obligation.Open, DueAt: due}
}

// loadBackdrop adds open obligations from..to-1, all due far in the future.
func loadBackdrop(ctx context.Context, st store.Store, from, to int) error {
	const chunk = 5000
	for i := from; i < to; i += chunk {
		obs := make([]*obligation.Obligation, 0, chunk)
		for j := i; j < min(i+chunk, to); j++ {
			obs = append(obs, openOb(fmt.Sprintf("ob_bg_%07d", j), fmt.Sprintf("L%07d", j), farAway.Add(time.Duration(j)*time.Second)))
		}
		if err := st.Write(ctx, func(tx store.Tx) error { return tx.SaveObligations(ctx, obs, time.Time{}) }); err != nil {
			return fmt.Errorf("load obligations: %w", err)
		}
	}
	return nil
}

// timeTicks makes due alerts due and times the scheduler firing them, over
// a few rounds; it returns the median tick.
func timeTicks(ctx context.Context, st store.Store, vc *versions.Cache, size, due int) (float64, error) {
	var ticks []time.Duration
	for round := range 7 {
		now := benchT0.Add(time.Duration(size/1000+round) * time.Hour)
		obs := make([]*obligation.Obligation, due)
		for i := range obs {
			obs[i] = openOb(fmt.Sprintf("ob_due_%d_%d_%d", size, round, i), fmt.Sprintf("D%d_%d", round, i), now.Add(-time.Duration(i+1)*time.Second))
		}
		if err := st.Write(ctx, func(tx store.Tx) error { return tx.SaveObligations(ctx, obs, time.Time{}) }); err != nil {
			return 0, err
		}
		s := &alerting.Scheduler{Store: st, Versions: vc, Now: func() time.Time { return now }}
		t := time.Now()
		n, err := s.Fire(ctx)
		if err != nil {
			return 0, err
		}
		ticks = append(ticks, time.Since(t))
		if n != due {
			return 0, fmt.Errorf("tick fired %d alerts, want %d", n, due)
		}
	}
	return percentile(ticks, 0.5), nil
}

// timeNaiveScan is the baseline: read every open obligation and test its
// deadline, as a checker without a due-time index must.
func timeNaiveScan(ctx context.Context, st store.Store) (float64, error) {
	t := time.Now()
	obs, err := st.Obligations(ctx, store.ObligationFilter{Status: "open"})
	if err != nil {
		return 0, err
	}
	n := 0
	now := benchT0
	for _, o := range obs {
		if !o.DueAt.After(now) {
			n++
		}
	}
	_ = n
	return float64(time.Since(t).Microseconds()) / 1000, nil
}

// latency runs the real scheduler on the wall clock while alerts fall due
// and events arrive, and measures due time → alert recorded.
func latency(ctx context.Context, st store.Store, vc *versions.Cache, o SLAOptions, res *SLAResult) error {
	lead := time.Now().Add(2 * time.Second)
	r := rand.New(rand.NewPCG(7, 11))
	span := time.Duration(o.LatencySeconds) * time.Second
	obs := make([]*obligation.Obligation, o.LatencyAlerts)
	for i := range obs {
		due := lead.Add(time.Duration(r.Int64N(int64(span)))).UTC().Truncate(time.Microsecond)
		obs[i] = openOb(fmt.Sprintf("ob_lat_%05d", i), fmt.Sprintf("LAT%05d", i), due)
	}
	if err := st.Write(ctx, func(tx store.Tx) error { return tx.SaveObligations(ctx, obs, time.Time{}) }); err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	sched := &alerting.Scheduler{Store: st, Versions: vc, Tick: 200 * time.Millisecond}
	wg.Go(func() { sched.Run(runCtx) })

	// Events at the asked rate, in batches of a tenth of a second.
	in := ingest.New(st, ingest.Options{Versions: vc})
	sent := 0
	var ingestErr error
	wg.Go(func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		per := max(1, o.EventsPerSec/10)
		for runCtx.Err() == nil {
			select {
			case <-runCtx.Done():
				return
			case <-tick.C:
			}
			var b strings.Builder
			b.WriteByte('[')
			at := time.Now().UTC().Format(time.RFC3339Nano)
			for i := range per {
				if i > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, `{"id":"lat-ev-%d","type":"activity.logged","occurred_at":%q,"data":{"lead_id":"W%d","kind":"call"}}`,
					sent+i, at, (sent+i)%5000)
			}
			b.WriteByte(']')
			items, err := event.DecodeBatch([]byte(b.String()), false, 0, time.Now())
			if err == nil {
				_, err = in.Ingest(runCtx, items)
			}
			if err != nil && runCtx.Err() == nil {
				ingestErr = err
				return
			}
			sent += per
		}
	})
	began := time.Now()
	wait := time.Until(lead.Add(span)) + 1500*time.Millisecond
	select {
	case <-ctx.Done():
	case <-time.After(wait):
	}
	stop()
	wg.Wait()
	if ingestErr != nil {
		return ingestErr
	}
	res.EventsPerSec = float64(sent) / time.Since(began).Seconds()

	fired := true
	as, err := st.Alerts(ctx, store.AlertFilter{Fired: &fired, Limit: o.LatencyAlerts + 10_000})
	if err != nil {
		return err
	}
	var lat []time.Duration
	for _, a := range as {
		if strings.HasPrefix(a.ObligationID, "ob_lat_") {
			lat = append(lat, a.FiredAt.Sub(a.FireAt))
		}
	}
	res.LatencyAlertsMet = len(lat)
	if len(lat) == 0 {
		return fmt.Errorf("no latency alert fired")
	}
	slices.Sort(lat)
	res.LatencyP50MS, res.LatencyP99MS = percentile(lat, 0.5), percentile(lat, 0.99)
	res.LatencyMaxMS = float64(lat[len(lat)-1].Microseconds()) / 1000
	return nil
}

// dueDates times business-time due dates on a real office calendar
// (working hours, a time zone, holidays) against time.Add, for a second each.
func dueDates() (perSec, addPerSec float64) {
	ag, err := agreement.Parse([]byte("name: bench\ntimezone: America/New_York\ncalendars:\n  office: {hours: \"Mon-Fri 09:00-12:00,13:00-17:00\", holidays: US}\n"))
	if err != nil {
		panic(err) // a constant that parses
	}
	cal := ag.Calendar("office")
	d := agreement.Duration{Clock: 4 * time.Hour, Text: "4h"}
	run := func(f func(time.Time) time.Time) float64 {
		var sink time.Time
		n := 0
		t := time.Now()
		for time.Since(t) < time.Second {
			for i := range 1000 {
				sink = f(benchT0.Add(time.Duration(n+i) * 7 * time.Minute))
			}
			n += 1000
		}
		_ = sink
		return float64(n) / time.Since(t).Seconds()
	}
	perSec = run(func(s time.Time) time.Time { return cal.Due(s, d) })
	addPerSec = run(func(s time.Time) time.Time { return s.Add(4 * time.Hour) })
	return perSec, addPerSec
}

// procMB reads a size field of /proc/self/status in MB (0 off Linux).
func procMB(field string) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			if err != nil {
				return 0
			}
			return kb / 1024
		}
	}
	return 0
}
