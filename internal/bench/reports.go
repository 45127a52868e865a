package bench

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/accordhq/accord/internal/api"
	"github.com/accordhq/accord/internal/auth"
	"github.com/accordhq/accord/internal/daily"
	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/numbers"
	"github.com/accordhq/accord/internal/store/dial"
)

// ReportsOptions shape an `accord bench reports` run.
type ReportsOptions struct {
	// DB names the kind of database, as for the ingest bench; the bench
	// makes and drops its own file or schema.
	DB string
	// Leads and Activities are how many of each to generate (defaults
	// 1,000,000 and 10,000,000), over Days days (default 730) ending on
	// 2026-06-30 in Zone (default America/New_York).
	Leads, Activities, Days int
	Zone                    string
	// Batch and Senders shape the load (not timed for the figures):
	// events per ingest call (default 5,000) and calls in flight
	// (default 4).
	Batch, Senders int
	// Requests is how many dashboard loads are timed (default 200); each
	// is the quarter's funnel by source and its activity report, for the
	// quarters of the data in turn.
	Requests int
	// BaselineRuns is how many times the GROUP BY baseline computes a
	// quarter's dashboard (default 3), the latest quarter first.
	BaselineRuns int
	// SkipRebuild leaves out timing `accord rebuild` of the whole log.
	SkipRebuild bool
	// PageRequests is how many times each web page is timed (default 20;
	// negative: none).
	PageRequests int
	Seed         int64
	// Keep leaves the generated database in place (its URL is in the
	// result's Database) to serve or query afterwards.
	Keep bool
	// From, if set, is the URL of a database a kept run generated with the
	// same Leads, Activities, Days, Zone and Seed: the load is skipped and
	// the rest is timed on it (the rebuild rewrites its projections).
	From string
	// Stage, if set, is told what the bench is doing; Count, how far the
	// current stage (load, rebuild) has come.
	Stage func(string)
	Count func(done int64)
}

func (o ReportsOptions) withDefaults() ReportsOptions {
	if o.Leads <= 0 {
		o.Leads = 1_000_000
	}
	if o.Activities < 0 {
		o.Activities = 0
	} else if o.Activities == 0 {
		o.Activities = 10_000_000
	}
	if o.Days <= 0 {
		o.Days = 730
	}
	if o.Zone == "" {
		o.Zone = "America/New_York"
	}
	if o.Batch <= 0 {
		o.Batch = 5000
	}
	if o.Senders <= 0 {
		o.Senders = 4
	}
	if o.Requests <= 0 {
		o.Requests = 200
	}
	if o.PageRequests == 0 {
		o.PageRequests = 20
	}
	if o.BaselineRuns <= 0 {
		o.BaselineRuns = 3
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Stage == nil {
		o.Stage = func(string) {}
	}
	if o.Count == nil {
		o.Count = func(int64) {}
	}
	return o
}

// ReportsResult is one run's figures; its JSON is what `accord bench
// reports --json` prints.
type ReportsResult struct {
	Backend    string `json:"backend"`
	Leads      int    `json:"leads"`
	Activities int    `json:"activities"`
	Events     int64  `json:"events"`
	Days       int    `json:"days"`
	Zone       string `json:"zone"`
	// Database is where the generated data was kept (Keep or From).
	Database string `json:"database,omitempty"`

	LoadSeconds      float64 `json:"load_seconds"`
	LoadEventsPerSec float64 `json:"load_events_per_sec"`
	DBMB             float64 `json:"db_mb"`

	// The rebuild of the whole log (0 when skipped), and its time scaled
	// to 10,000,000 events.
	RebuildSeconds       float64 `json:"rebuild_seconds"`
	RebuildEventsPerSec  float64 `json:"rebuild_events_per_sec"`
	RebuildSecondsPer10M float64 `json:"rebuild_seconds_per_10m_events"`

	// Quarters are the as-of days of the dashboards (each quarter of the
	// data, to its last day); Requests the dashboard loads timed.
	Quarters []string `json:"quarters"`
	Requests int      `json:"requests"`
	// A dashboard load is the quarter's funnel by source and its activity
	// report, one request after the other, over HTTP.
	P50MS         float64 `json:"p50_ms"`
	P95MS         float64 `json:"p95_ms"`
	FunnelP50MS   float64 `json:"funnel_p50_ms"`
	FunnelP95MS   float64 `json:"funnel_p95_ms"`
	ActivityP50MS float64 `json:"activity_p50_ms"`
	ActivityP95MS float64 `json:"activity_p95_ms"`

	// The baseline: the same figures by GROUP BY over the raw tables.
	BaselineRuns  int     `json:"baseline_runs"`
	BaselineP50MS float64 `json:"baseline_p50_ms"`
	BaselineMinMS float64 `json:"baseline_min_ms"`
	BaselineMaxMS float64 `json:"baseline_max_ms"`
	// Speedup is baseline p50 ÷ dashboard p50; SpeedupWorst the fastest
	// baseline run ÷ the dashboard's p95.
	Speedup      float64 `json:"speedup"`
	SpeedupWorst float64 `json:"speedup_worst"`

	// FiguresCompared is how many non-zero figures each baseline run
	// checked against the API (all identical, or the run fails); the live
	// atoms, kept by ingest, were checked against the rebuilt ones for
	// every quarter too.
	FiguresCompared   int  `json:"figures_compared"`
	Identical         bool `json:"identical"`
	LiveEqualsRebuilt bool `json:"live_equals_rebuilt"`

	TargetP95MS          float64 `json:"target_p95_ms"`
	TargetSpeedup        float64 `json:"target_speedup"`
	TargetRebuildSeconds float64 `json:"target_rebuild_seconds_per_10m"`
	MeetsP95             bool    `json:"meets_p95"`
	MeetsSpeedup         bool    `json:"meets_speedup"`
	MeetsRebuild         bool    `json:"meets_rebuild"`

	// Pages are the web pages on the same data, each beside the API calls
	// it shows (targets: p95 ≤ 100 ms, ≤ 300 KB of HTML with the assets
	// cached).
	Pages       []PageFigure `json:"pages"`
	PagesMaxP95 float64      `json:"pages_max_p95_ms"`
	PagesMaxKB  float64      `json:"pages_max_kb"`
	MeetsPages  bool         `json:"meets_pages"`

	PeakRSSMB float64 `json:"peak_rss_mb"`
	Seconds   float64 `json:"seconds"`
}

// reportsEnd is where the generated history ends (exclusive), in the
// organisation's zone: the last day is 2026-06-30, the end of a quarter.
func reportsEnd(loc *time.Location) time.Time { return time.Date(2026, 7, 1, 0, 0, 0, 0, loc) }

// Reports runs the reports bench on a fresh database of the kind o.DB
// names: load, live figures, rebuild (timed), dashboards over HTTP
// (timed), then the GROUP BY baseline (timed), asserting identical figures.
func Reports(ctx context.Context, o ReportsOptions) (ReportsResult, error) {
	o = o.withDefaults()
	began := time.Now()
	loc, err := time.LoadLocation(o.Zone)
	if err != nil {
		return ReportsResult{}, fmt.Errorf("zone: %w", err)
	}
	sc, err := newScratch(o.DB)
	if err != nil {
		return ReportsResult{}, err
	}
	sc.keep = o.Keep || o.From != ""
	defer sc.close(context.WithoutCancel(ctx))
	dbURL := o.From
	if dbURL == "" {
		if dbURL, err = sc.fresh(ctx); err != nil {
			return ReportsResult{}, err
		}
	}
	res := ReportsResult{Backend: sc.backend, Leads: o.Leads, Activities: o.Activities, Days: o.Days, Zone: o.Zone,
		TargetP95MS: 50, TargetSpeedup: 20, TargetRebuildSeconds: 300}

	// 1. Load (through the ingest service, as the API would).
	st, err := dial.Open(ctx, dbURL)
	if err != nil {
		return res, err
	}
	if _, err := st.Migrate(ctx); err != nil {
		st.Close()
		return res, fmt.Errorf("migrate: %w", err)
	}
	gen := newReportsGen(o, loc)
	var n int64
	if o.From == "" {
		o.Stage(fmt.Sprintf("loading %d leads and %d activities over %d days", o.Leads, o.Activities, o.Days))
		t := time.Now()
		var acts int64
		n, acts, err = gen.load(ctx, ingest.New(st, ingest.Options{Location: loc}), o)
		if err != nil {
			st.Close()
			return res, fmt.Errorf("load: %w", err)
		}
		if acts != int64(o.Activities) {
			st.Close()
			return res, fmt.Errorf("generated %d activities, want %d", acts, o.Activities)
		}
		res.LoadSeconds = time.Since(t).Seconds()
		res.LoadEventsPerSec = float64(n) / res.LoadSeconds
	} else {
		c, err := st.Counts(ctx)
		if err != nil {
			st.Close()
			return res, err
		}
		n = c.Events
	}
	res.Events = n
	res.Quarters = gen.quarters()
	if o.Keep || o.From != "" {
		res.Database = dial.Redact(dbURL)
	}

	// 2. The figures as ingest keeps them, before the rebuild recounts.
	o.Stage("reading the live figures")
	live := map[string]*figures{}
	for _, day := range res.Quarters {
		f, err := numbers.Build(ctx, st, numbers.Options{Kind: numbers.Quarter, Day: day, By: daily.Source})
		if err != nil {
			st.Close()
			return res, err
		}
		a, err := numbers.ActivityReport(ctx, st, daily.Fiscal{}, numbers.Quarter, day)
		if err != nil {
			st.Close()
			return res, err
		}
		live[day] = dashboardFigures(f, a)
	}
	st.Close()

	// 3. accord rebuild, as the command runs it: a fresh store on the
	// database, ingest.Service.Rebuild in batches of 5,000.
	if !o.SkipRebuild {
		o.Stage(fmt.Sprintf("rebuilding the projections from %d events", n))
		runtime.GC()
		st, err := dial.Open(ctx, dbURL)
		if err != nil {
			return res, err
		}
		gc := debug.SetGCPercent(ingest.RebuildGCPercent) // as accord rebuild runs
		t := time.Now()
		got, err := ingest.New(st, ingest.Options{Location: loc}).Rebuild(ctx, 5000, o.Count)
		took := time.Since(t)
		debug.SetGCPercent(gc)
		st.Close()
		if err != nil {
			return res, fmt.Errorf("rebuild: %w", err)
		}
		if got != n {
			return res, fmt.Errorf("rebuild replayed %d events, want %d", got, n)
		}
		res.RebuildSeconds = took.Seconds()
		res.RebuildEventsPerSec = float64(n) / took.Seconds()
		res.RebuildSecondsPer10M = took.Seconds() * 10_000_000 / float64(n)
		res.MeetsRebuild = res.RebuildSecondsPer10M <= res.TargetRebuildSeconds
	}
	if res.DBMB, err = dbSizeMB(ctx, sc, dbURL); err != nil {
		return res, err
	}

	// 4. The dashboards over HTTP.
	o.Stage(fmt.Sprintf("timing %d dashboard loads", o.Requests))
	runtime.GC()
	srv, err := startReportsAPI(ctx, dbURL, loc)
	if err != nil {
		return res, err
	}
	served, err := srv.measure(ctx, res.Quarters, o.Requests, &res)
	srv.close()
	if err != nil {
		return res, err
	}
	for _, day := range res.Quarters {
		if d := diffFigures(live[day], served[day]); d != "" {
			return res, fmt.Errorf("quarter of %s: the live figures and the rebuilt ones differ: %s", day, d)
		}
	}
	res.LiveEqualsRebuilt = !o.SkipRebuild

	// 4b. The web pages on the same data, with the clock at the history's
	// last moment.
	if o.PageRequests > 0 {
		o.Stage(fmt.Sprintf("timing the web pages, %d loads each", o.PageRequests))
		end := reportsEnd(loc)
		last := end.Add(-time.Second)
		lastDay := last.Format(time.DateOnly)
		q := daily.Fiscal{}.Quarter(lastDay)
		m := daily.Fiscal{}.Month(lastDay)
		// The week before the last is snapshotted for review, so its page
		// compares every atom with the snapshot (the open week's shows
		// totals only).
		reviewed := daily.Fiscal{}.Week(last.AddDate(0, 0, -7).Format(time.DateOnly))
		cases := pageCases(lastDay, reviewed.From, m.From, q.From, end.Format(time.DateOnly), string(appendLeadID(nil, o.Leads/2)), rgSDRs[0])
		if res.Pages, err = measurePages(ctx, dbURL, loc, last, o.PageRequests, reviewed, cases); err != nil {
			return res, fmt.Errorf("pages: %w", err)
		}
		res.MeetsPages = true
		for _, p := range res.Pages {
			res.PagesMaxP95 = max(res.PagesMaxP95, p.P95MS)
			res.PagesMaxKB = max(res.PagesMaxKB, float64(p.Bytes)/1024)
		}
		res.MeetsPages = res.PagesMaxP95 <= 100 && res.PagesMaxKB <= 300
	}

	// 5. The baseline: GROUP BY over the raw tables.
	o.Stage(fmt.Sprintf("timing %d baseline runs (GROUP BY over the raw tables)", o.BaselineRuns))
	runtime.GC()
	raw, err := openRaw(ctx, sc.backend, dbURL)
	if err != nil {
		return res, err
	}
	defer raw.close()
	var base []time.Duration
	for k := range o.BaselineRuns {
		day := res.Quarters[(len(res.Quarters)-1-k%len(res.Quarters)+len(res.Quarters))%len(res.Quarters)]
		w := quarterWindow(day, loc)
		t := time.Now()
		f, err := baselineFigures(ctx, raw, w)
		if err != nil {
			return res, fmt.Errorf("baseline: %w", err)
		}
		base = append(base, time.Since(t))
		if err := w.check(served[day]); err != nil {
			return res, err
		}
		if d := diffFigures(served[day], f); d != "" {
			return res, fmt.Errorf("quarter of %s: the dashboard and the baseline differ: %s", day, d)
		}
		res.FiguresCompared = max(res.FiguresCompared, len(f.n))
	}
	res.Identical = true
	res.BaselineRuns = len(base)
	res.BaselineP50MS = percentile(base, 0.5)
	res.BaselineMinMS = float64(slices.Min(base).Microseconds()) / 1000
	res.BaselineMaxMS = float64(slices.Max(base).Microseconds()) / 1000
	res.Speedup = res.BaselineP50MS / res.P50MS
	res.SpeedupWorst = res.BaselineMinMS / res.P95MS
	res.MeetsP95 = res.P95MS <= res.TargetP95MS
	res.MeetsSpeedup = res.Speedup >= res.TargetSpeedup
	res.PeakRSSMB = peakRSSMB()
	res.Seconds = time.Since(began).Seconds()
	return res, nil
}

// dbSizeMB is the database's size on disk: the SQLite file and its WAL,
// or the PostgreSQL schema's tables with their indexes.
func dbSizeMB(ctx context.Context, sc *scratch, dbURL string) (float64, error) {
	if sc.backend == "sqlite" {
		var size int64
		err := filepath.Walk(sc.dir, func(_ string, fi os.FileInfo, err error) error {
			if err == nil && !fi.IsDir() {
				size += fi.Size()
			}
			return err
		})
		return float64(size) / (1 << 20), err
	}
	raw, err := openRaw(ctx, sc.backend, dbURL)
	if err != nil {
		return 0, err
	}
	defer raw.close()
	var size float64
	err = raw.query(ctx, `SELECT COALESCE(sum(pg_total_relation_size(c.oid)), 0)::float8 FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'`, nil,
		func(scan func(...any) error) error { return scan(&size) })
	return size / (1 << 20), err
}

// ---------------------------------------------------------------------------
// The generator.

// reportsGen makes the bench's history: Leads leads created evenly over
// Days days, each with its script — assignment, stage changes, perhaps a
// deal with a proposal and a close — and exactly Activities activities in
// all, spread over each lead's first weeks. Events of one lead are in time
// order; leads are split into Senders streams, each sent in time order.
// It is deterministic for a seed: each lead's script comes from its own
// random source.
type reportsGen struct {
	o          ReportsOptions
	loc        *time.Location
	start, end int64 // Unix seconds
	per        int64 // seconds between lead creations
}

func newReportsGen(o ReportsOptions, loc *time.Location) *reportsGen {
	end := reportsEnd(loc)
	start := end.AddDate(0, 0, -o.Days)
	g := &reportsGen{o: o, loc: loc, start: start.Unix(), end: end.Unix()}
	g.per = max((g.end-g.start)/int64(o.Leads), 1)
	return g
}

// quarters lists the as-of day of each quarter the history touches: its
// last day, or the history's last day.
func (g *reportsGen) quarters() []string {
	last := time.Unix(g.end-1, 0).In(g.loc)
	var out []string
	for d := time.Unix(g.start, 0).In(g.loc); ; {
		q := time.Date(d.Year(), (d.Month()-1)/3*3+1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 3, -1)
		day := q.Format(time.DateOnly)
		if l := last.Format(time.DateOnly); l < day {
			day = l
		}
		out = append(out, day)
		if day == last.Format(time.DateOnly) {
			return out
		}
		d = q.AddDate(0, 0, 1)
	}
}

// The generated vocabulary.
var (
	rgSources   = []string{"paid_search", "paid_search", "organic", "organic", "content", "webinar", "events", "outbound", "partner", "referral"}
	rgOffers    = []string{"demo_request", "whitepaper", "trial", "contact_us", "webinar_signup"}
	rgSegments  = []string{"smb", "smb", "mid_market", "enterprise"}
	rgSDRs      = []string{"sdr-1", "sdr-2", "sdr-3", "sdr-4", "sdr-5", "sdr-6"}
	rgSDRTeams  = []string{"sdr-east", "sdr-east", "sdr-west", "sdr-west", "sdr-emea", "sdr-emea"}
	rgAEs       = []string{"ae-1", "ae-2", "ae-3"}
	rgKinds     = []string{"email", "email", "email", "call", "call", "voicemail", "meeting", "social", "sms", "chat"}
	rgOutcomes  = []string{"connected", "no_answer", "left_message", "replied", "booked"}
	rgProducts  = []string{"forecasting", "planning", "analytics"}
	rgFirst     = []string{"ada", "ben", "chloe", "dev", "elena", "farid", "grace", "hugo", "ines", "jonas", "kemi", "liam"}
	rgLast      = []string{"nakamura", "okafor", "lindqvist", "garcia", "kowalski", "reddy", "moreau", "silva"}
	rgCompanies = []string{"bluefin", "harborview", "cedar", "summit", "ironwood", "brightline", "lumen", "pioneer"}
	rgStages    = event.Stages // inquiry, lead, mql, sql, opportunity, customer, nurture, disqualified
)

const (
	secDay  = int64(24 * 3600)
	secHour = int64(3600)
)

// What a scripted event is.
const (
	rvUpsert uint8 = iota
	rvAssign
	rvStage    // arg: index in rgStages
	rvOppOpen  // the deal, at stage discovery
	rvProposal // the deal moves to proposal
	rvClose    // arg: 1 won, 0 lost
	rvActivity // arg: index in rgKinds, arg2: outcome
)

type rgEvent struct {
	at        int64
	kind      uint8
	arg, arg2 uint8
}

// rgLead is a lead being sent: its attributes and its events in order.
type rgLead struct {
	i                                     int
	src, campaign, offer, seg, owner, ae  uint8
	assigned                              bool
	first, last, company, product, actor2 uint8
	score                                 uint8
	amount                                int32 // dollars
	ev                                    []rgEvent
	next                                  int
}

// mix is SplitMix64: a well-spread hash of x.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// rgRand is a small deterministic random source for one lead.
type rgRand struct{ s uint64 }

func (r *rgRand) u64() uint64           { r.s += 0x9e3779b97f4a7c15; return mix(r.s) }
func (r *rgRand) n(k int) int           { return int(r.u64() % uint64(k)) }
func (r *rgRand) chance(p float64) bool { return float64(r.u64()>>11)/(1<<53) < p }
func (r *rgRand) between(a, b int64) int64 {
	if b <= a {
		return a
	}
	return a + int64(r.u64()%uint64(b-a))
}

// created is lead i's creation time; leads are created in order of i.
func (g *reportsGen) created(i int) int64 {
	base := g.start + int64(float64(i)*float64(g.end-g.start)/float64(g.o.Leads))
	return base + int64(mix(uint64(g.o.Seed)<<32^uint64(i))%uint64(g.per))
}

// activitiesOf is how many activities lead i logs: the total spread
// evenly, then moved between the two leads of each pair, so counts vary
// and still add up to exactly Activities.
func (g *reportsGen) activitiesOf(i int) int {
	base, rem := g.o.Activities/g.o.Leads, g.o.Activities%g.o.Leads
	n := base
	if i < rem {
		n++
	}
	if base >= 2 && (i|1) < g.o.Leads {
		pair := i / 2
		d := int(mix(uint64(g.o.Seed)*0x51ed27+uint64(pair)) % uint64(base))
		if i%2 == 0 {
			n += d
		} else {
			n -= d
		}
	}
	return n
}

// script draws lead i and its events.
func (g *reportsGen) script(i int) *rgLead {
	r := rgRand{s: mix(uint64(g.o.Seed)) ^ uint64(i)*0x2545f4914f6cdd1d}
	l := &rgLead{i: i}
	l.src, l.offer, l.seg = uint8(r.n(len(rgSources))), uint8(r.n(len(rgOffers))), uint8(r.n(len(rgSegments)))
	l.campaign = uint8(r.n(4))
	l.first, l.last, l.company = uint8(r.n(len(rgFirst))), uint8(r.n(len(rgLast))), uint8(r.n(len(rgCompanies)))
	l.owner, l.ae, l.product = uint8(r.n(len(rgSDRs))), uint8(r.n(len(rgAEs))), uint8(r.n(len(rgProducts)))
	l.score, l.amount = uint8(r.n(100)), int32(5000+1000*r.n(96))
	c := g.created(i)
	ev := make([]rgEvent, 0, 8+g.activitiesOf(i))
	ev = append(ev, rgEvent{at: 0, kind: rvUpsert})
	if l.assigned = r.chance(0.9); l.assigned {
		ev = append(ev, rgEvent{at: r.between(5*60, 4*secHour), kind: rvAssign})
	}
	stage := func(at int64, s string) {
		ev = append(ev, rgEvent{at: at, kind: rvStage, arg: uint8(slices.Index(rgStages, s))})
	}
	if r.chance(0.8) {
		lead := r.between(secHour, 3*secDay)
		stage(lead, "lead")
		if r.chance(0.65) {
			mql := lead + r.between(secHour, 14*secDay)
			stage(mql, "mql")
			if r.chance(0.45) {
				sql := mql + r.between(secHour, 21*secDay)
				stage(sql, "sql")
				if r.chance(0.55) {
					opp := sql + r.between(secDay, 14*secDay)
					stage(opp, "opportunity")
					ev = append(ev, rgEvent{at: opp + 1, kind: rvOppOpen})
					last := opp + 1
					if r.chance(0.6) {
						last += r.between(2*secDay, 30*secDay)
						ev = append(ev, rgEvent{at: last, kind: rvProposal})
					}
					if r.chance(0.75) {
						closed := last + r.between(3*secDay, 60*secDay)
						won := r.chance(0.4)
						ev = append(ev, rgEvent{at: closed, kind: rvClose, arg: b2u(won)})
						if won {
							stage(closed+1, "customer")
						}
					}
				}
			} else if r.chance(0.3) {
				stage(mql+r.between(7*secDay, 45*secDay), "nurture")
			}
		} else if r.chance(0.2) {
			stage(lead+r.between(secDay, 30*secDay), "nurture")
		}
	} else if r.chance(0.4) {
		stage(r.between(secDay, 10*secDay), "disqualified")
	}
	for range g.activitiesOf(i) {
		ev = append(ev, rgEvent{at: r.between(10*60, 45*secDay), kind: rvActivity, arg: uint8(r.n(len(rgKinds))), arg2: uint8(r.n(len(rgOutcomes)))})
	}
	l.actor2 = uint8(r.n(len(rgSDRs)))
	// In time order (the upsert first); a lead whose script would run
	// past the end of the history has it squeezed into the time left.
	slices.SortStableFunc(ev[1:], func(a, b rgEvent) int { return int(a.at - b.at) })
	span := ev[len(ev)-1].at
	if left := g.end - 1 - c; span > left {
		for k := range ev {
			ev[k].at = ev[k].at * left / span
		}
	}
	for k := range ev {
		ev[k].at += c
	}
	l.ev = ev
	return l
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// rgStream sends the leads i ≡ stream (mod streams) in time order.
type rgStream struct {
	g        *reportsGen
	next     int // the next lead to start
	step     int
	heap     []*rgLead
	acts     int64
	body     []byte
	complete bool
}

func (g *reportsGen) stream(k, streams int) *rgStream {
	return &rgStream{g: g, next: k, step: streams}
}

func (s *rgStream) less(a, b *rgLead) bool {
	ta, tb := a.ev[a.next].at, b.ev[b.next].at
	return ta < tb || ta == tb && a.i < b.i
}

func (s *rgStream) up(j int) {
	h := s.heap
	for j > 0 {
		p := (j - 1) / 2
		if !s.less(h[j], h[p]) {
			return
		}
		h[j], h[p] = h[p], h[j]
		j = p
	}
}

func (s *rgStream) down(j int) {
	h := s.heap
	for {
		c := 2*j + 1
		if c >= len(h) {
			return
		}
		if c+1 < len(h) && s.less(h[c+1], h[c]) {
			c++
		}
		if !s.less(h[c], h[j]) {
			return
		}
		h[j], h[c] = h[c], h[j]
		j = c
	}
}

// pop returns the lead whose next event is the stream's next, and that
// event's index, or nil when the stream is done.
func (s *rgStream) pop() (*rgLead, int) {
	for s.next < s.g.o.Leads && (len(s.heap) == 0 || s.g.created(s.next) <= s.heap[0].ev[s.heap[0].next].at) {
		s.heap = append(s.heap, s.g.script(s.next))
		s.up(len(s.heap) - 1)
		s.next += s.step
	}
	if len(s.heap) == 0 {
		return nil, 0
	}
	l := s.heap[0]
	k := l.next
	l.next++
	if l.next == len(l.ev) {
		last := len(s.heap) - 1
		s.heap[0] = s.heap[last]
		s.heap[last] = nil
		s.heap = s.heap[:last]
	}
	s.down(0)
	return l, k
}

// batch returns the stream's next n events as a JSON array, or nil at
// the end.
func (s *rgStream) batch(n int) ([]byte, int) {
	b := append(s.body[:0], '[')
	c := 0
	for c < n {
		l, k := s.pop()
		if l == nil {
			break
		}
		if c > 0 {
			b = append(b, ',')
		}
		b = s.appendEvent(b, l, k)
		c++
	}
	s.body = append(b, ']')
	if c == 0 {
		return nil, 0
	}
	return s.body, c
}

var rgTypes = map[uint8]string{rvUpsert: "lead.upserted", rvAssign: "lead.assigned", rvStage: "lead.stage_changed",
	rvOppOpen: "opportunity.upserted", rvProposal: "opportunity.upserted", rvClose: "opportunity.closed", rvActivity: "activity.logged"}

func appendLeadID(b []byte, i int) []byte {
	b = append(b, 'L')
	return appendPadded(b, i, 7)
}

func appendPadded(b []byte, v, width int) []byte {
	var d [20]byte
	k := len(d)
	for v > 0 || k == len(d) || len(d)-k < width {
		k--
		d[k] = byte('0' + v%10)
		v /= 10
	}
	return append(b, d[k:]...)
}

func (s *rgStream) appendEvent(b []byte, l *rgLead, k int) []byte {
	e := l.ev[k]
	b = append(b, `{"id":"rb-`...)
	b = appendPadded(b, l.i, 7)
	b = append(b, '-')
	b = appendPadded(b, k, 1)
	b = append(b, `","type":"`...)
	b = append(b, rgTypes[e.kind]...)
	b = append(b, `","occurred_at":"`...)
	b = time.Unix(e.at, 0).UTC().AppendFormat(b, time.RFC3339)
	b = append(b, `","data":{`...)
	opp := func(b []byte) []byte {
		b = append(b, `"opportunity_id":"O`...)
		return appendPadded(b, l.i, 7)
	}
	lead := func(b []byte) []byte {
		b = append(b, `"lead_id":"`...)
		b = appendLeadID(b, l.i)
		return append(b, '"')
	}
	switch e.kind {
	case rvUpsert:
		b = lead(b)
		first, last, co := rgFirst[l.first], rgLast[l.last], rgCompanies[l.company]
		b = append(b, `,"email":"`...)
		b = append(b, first...)
		b = append(b, '.')
		b = append(b, last...)
		b = appendPadded(b, l.i, 1)
		b = append(b, '@')
		b = append(b, co...)
		b = append(b, `.example","name":"`...)
		b = append(b, first...)
		b = append(b, ' ')
		b = append(b, last...)
		b = append(b, `","company":"`...)
		b = append(b, co...)
		src := rgSources[l.src]
		b = append(b, `","source":"`...)
		b = append(b, src...)
		b = append(b, `","campaign":"`...)
		b = time.Unix(e.at, 0).In(s.g.loc).AppendFormat(b, "2006-01")
		b = append(b, '-')
		b = append(b, src...)
		b = append(b, '-')
		b = appendPadded(b, int(l.campaign), 1)
		b = append(b, `","offer":"`...)
		b = append(b, rgOffers[l.offer]...)
		b = append(b, `","segment":"`...)
		b = append(b, rgSegments[l.seg]...)
		b = append(b, `","score":`...)
		b = appendPadded(b, int(l.score), 1)
		b = append(b, `,"inquiry":true`...)
	case rvAssign:
		b = lead(b)
		b = append(b, `,"owner":"`...)
		b = append(b, rgSDRs[l.owner]...)
		b = append(b, `","team":"`...)
		b = append(b, rgSDRTeams[l.owner]...)
		b = append(b, '"')
	case rvStage:
		b = lead(b)
		b = append(b, `,"stage":"`...)
		b = append(b, rgStages[e.arg]...)
		b = append(b, '"')
	case rvOppOpen, rvProposal:
		b = opp(b)
		b = append(b, `",`...)
		b = lead(b)
		stage := "discovery"
		if e.kind == rvProposal {
			stage = "proposal"
		}
		b = append(b, `,"stage":"`...)
		b = append(b, stage...)
		b = append(b, `","amount":`...)
		b = appendPadded(b, int(l.amount), 1)
		b = append(b, `,"currency":"USD","owner":"`...)
		b = append(b, rgAEs[l.ae]...)
		b = append(b, `","product":"`...)
		b = append(b, rgProducts[l.product]...)
		b = append(b, '"')
	case rvClose:
		b = opp(b)
		if e.arg == 1 {
			b = append(b, `","outcome":"won"`...)
		} else {
			b = append(b, `","outcome":"lost","reason":"budget"`...)
		}
	case rvActivity:
		s.acts++
		b = lead(b)
		b = append(b, `,"kind":"`...)
		b = append(b, rgKinds[e.arg]...)
		// Most activities are the owner's; some a colleague's; a lead
		// nobody owns is worked by whoever picks it up.
		actor := rgSDRs[l.actor2]
		if l.assigned && e.arg2 != 0 {
			actor = rgSDRs[l.owner]
		}
		b = append(b, `","actor":"`...)
		b = append(b, actor...)
		b = append(b, `","outcome":"`...)
		b = append(b, rgOutcomes[e.arg2]...)
		b = append(b, '"')
	}
	return append(b, `}}`...)
}

// load sends the whole history through the ingest service from Senders
// goroutines, each its own stream of leads; it returns the events and
// activities sent.
func (g *reportsGen) load(ctx context.Context, svc *ingest.Service, o ReportsOptions) (int64, int64, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	now := time.Now()
	if end := time.Unix(g.end, 0); now.Before(end) {
		now = end
	}
	var sent, acts atomic.Int64
	var wg sync.WaitGroup
	for k := range o.Senders {
		wg.Go(func() {
			s := g.stream(k, o.Senders)
			for ctx.Err() == nil {
				body, n := s.batch(o.Batch)
				if n == 0 {
					break
				}
				items, err := event.DecodeBatch(body, false, 0, now)
				if err != nil {
					cancel(err)
					return
				}
				for _, it := range items {
					if it.Err != nil {
						cancel(fmt.Errorf("generated event %s: %w", it.ID, it.Err))
						return
					}
				}
				rep, err := svc.Ingest(ctx, items)
				if err == nil && rep.Accepted != n {
					err = fmt.Errorf("%d of %d events accepted (%d duplicates, %d rejected)", rep.Accepted, n, rep.Duplicates, rep.Rejected)
				}
				if err != nil {
					cancel(err)
					return
				}
				o.Count(sent.Add(int64(n)))
			}
			acts.Add(s.acts)
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return 0, 0, err
	}
	return sent.Load(), acts.Load(), nil
}

// ---------------------------------------------------------------------------
// The dashboard over HTTP.

type reportsAPI struct {
	st     interface{ Close() error }
	hs     *http.Server
	base   string
	secret string
	client *http.Client
}

// startReportsAPI serves the API over the database on 127.0.0.1, as
// `accord serve` does, reporting in loc, with a read-only token.
func startReportsAPI(ctx context.Context, dbURL string, loc *time.Location) (*reportsAPI, error) {
	st, err := dial.Open(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	secret, tok, err := auth.New("bench-reader", auth.Viewer, time.Now())
	if err == nil {
		err = st.CreateToken(ctx, tok, "accord bench reports")
	}
	if err != nil {
		st.Close()
		return nil, err
	}
	srv := api.New(st, ingest.New(st, ingest.Options{Location: loc}), slog.New(slog.DiscardHandler), api.DefaultLimits)
	srv.SetReporting(api.Reporting{Location: loc})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("listen: %w", err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	return &reportsAPI{st: st, hs: hs, secret: secret, base: "http://" + ln.Addr().String(),
		client: &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 4}}}, nil
}

func (t *reportsAPI) close() {
	t.hs.Close()
	t.st.Close()
}

// get fetches path and returns the body and the time to the last byte.
func (t *reportsAPI) get(ctx context.Context, path string) ([]byte, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.base+path, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+t.secret)
	start := time.Now()
	resp, err := t.client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	b, err := io.ReadAll(resp.Body)
	took := time.Since(start)
	resp.Body.Close()
	if err != nil {
		return nil, 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("GET %s: status %d: %.300s", path, resp.StatusCode, b)
	}
	return b, took, nil
}

// load fetches one quarter's dashboard.
func (t *reportsAPI) load(ctx context.Context, day string) (f numbers.Funnel, a numbers.Activity, tf, ta time.Duration, err error) {
	fb, tf, err := t.get(ctx, "/api/v1/reports/funnel?period=quarter&by=source&date="+day)
	if err != nil {
		return f, a, 0, 0, err
	}
	ab, ta, err := t.get(ctx, "/api/v1/reports/activity?period=quarter&date="+day)
	if err != nil {
		return f, a, 0, 0, err
	}
	if err := json.Unmarshal(fb, &f); err != nil {
		return f, a, 0, 0, fmt.Errorf("read funnel: %w", err)
	}
	if err := json.Unmarshal(ab, &a); err != nil {
		return f, a, 0, 0, fmt.Errorf("read activity report: %w", err)
	}
	return f, a, tf, ta, nil
}

// measure loads each quarter's dashboard once untimed (reading its
// figures), then times loads cycling through the quarters.
func (t *reportsAPI) measure(ctx context.Context, days []string, loads int, res *ReportsResult) (map[string]*figures, error) {
	out := map[string]*figures{}
	for _, d := range days {
		f, a, _, _, err := t.load(ctx, d)
		if err != nil {
			return nil, err
		}
		out[d] = dashboardFigures(&f, &a)
	}
	var fun, act, both []time.Duration
	for k := range loads {
		d := days[k%len(days)]
		_, _, tf, ta, err := t.load(ctx, d)
		if err != nil {
			return nil, err
		}
		fun, act, both = append(fun, tf), append(act, ta), append(both, tf+ta)
	}
	res.Requests = loads
	res.P50MS, res.P95MS = percentile(both, 0.5), percentile(both, 0.95)
	res.FunnelP50MS, res.FunnelP95MS = percentile(fun, 0.5), percentile(fun, 0.95)
	res.ActivityP50MS, res.ActivityP95MS = percentile(act, 0.5), percentile(act, 0.95)
	return out, nil
}

// ---------------------------------------------------------------------------
// The figures both sides compute, and their comparison.

// figures are a quarter dashboard's numbers by name: the funnel's counts
// (and bookings in cents) in total and by source, its cohort numerators,
// the sales cycle's won deals, median and deals won before contact, and
// activities by kind and by rep, this quarter and the previous one to the
// same day. Zeros are left out. The mean cycle, which Accord keeps in
// hundredths of days per deal, is compared to within its rounding.
type figures struct {
	n    map[string]int64
	mean *float64
	// the periods, to check the baseline's windows
	from, to, prevFrom, prevTo string
}

func (x *figures) set(name string, v int64) {
	if v != 0 {
		x.n[name] += v
	}
}

func dashboardFigures(f *numbers.Funnel, a *numbers.Activity) *figures {
	x := &figures{n: map[string]int64{}, mean: f.Cycle.MeanDays,
		from: a.Period.From, to: a.Period.To, prevFrom: a.Previous.From, prevTo: a.Previous.To}
	rows := func(prefix string, rs []numbers.Row) {
		for _, r := range rs {
			x.set(prefix+r.Metric, r.Count)
			if r.Amount != nil {
				x.set(prefix+r.Metric+".cents", int64(math.Round(*r.Amount*100)))
			}
		}
	}
	rows("total/", f.Rows)
	for _, g := range f.Groups {
		rows("source="+g.Value+"/", g.Rows)
	}
	for _, c := range f.Cohorts {
		x.set(cohortName(c.From, c.To, c.WithinDays), c.Numerator)
	}
	x.set("cycle/won", f.Cycle.Won)
	x.set("cycle/won_before_created", f.Cycle.WonBeforeCreated)
	if f.Cycle.MedianDays != nil {
		x.set("cycle/median_days", int64(*f.Cycle.MedianDays))
	}
	for _, p := range a.Kinds {
		x.set("activity/"+p.Key+"/now", p.Now)
		x.set("activity/"+p.Key+"/previous", p.Previous)
	}
	for _, r := range a.Reps {
		for _, p := range r.Kinds {
			x.set("rep="+r.Rep+"/activity/"+p.Key+"/now", p.Now)
			x.set("rep="+r.Rep+"/activity/"+p.Key+"/previous", p.Previous)
		}
	}
	return x
}

func cohortName(from, to string, within int) string {
	if within > 0 {
		return fmt.Sprintf("cohort/%s.%s.%dd", from, to, within)
	}
	return "cohort/" + from + "." + to
}

// diffFigures describes how b differs from a ("" when identical).
func diffFigures(a, b *figures) string {
	if a == nil || b == nil {
		return "figures missing"
	}
	var out []string
	keys := map[string]bool{}
	for k := range a.n {
		keys[k] = true
	}
	for k := range b.n {
		keys[k] = true
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	bad := 0
	for _, k := range names {
		if a.n[k] != b.n[k] {
			bad++
			if len(out) < 8 {
				out = append(out, fmt.Sprintf("%s %d ≠ %d", k, a.n[k], b.n[k]))
			}
		}
	}
	switch {
	case (a.mean == nil) != (b.mean == nil):
		out = append(out, "mean cycle: one side has none")
	case a.mean != nil && math.Abs(*a.mean-*b.mean) > 0.1+1e-9:
		out = append(out, fmt.Sprintf("mean cycle %.1f ≠ %.1f days", *a.mean, *b.mean))
	}
	if len(out) == 0 {
		return ""
	}
	if bad > 8 {
		out = append(out, fmt.Sprintf("… %d figures differ of %d", bad, len(names)))
	}
	return strings.Join(out, "; ")
}

// quarterWindow is the dashboard's periods as instants: the quarter of
// day up to day, and the previous quarter to the same number of days,
// each from midnight to midnight in loc. It is worked out here from the
// calendar, not by Accord's code.
type window struct {
	from, to, prevFrom, prevTo time.Time
	days                       [4]string
}

func quarterWindow(day string, loc *time.Location) window {
	d, _ := time.Parse(time.DateOnly, day)
	q := time.Date(d.Year(), (d.Month()-1)/3*3+1, 1, 0, 0, 0, 0, time.UTC)
	to := d.AddDate(0, 0, 1)
	if end := q.AddDate(0, 3, 0); end.Before(to) {
		to = end
	}
	elapsed := int(to.Sub(q).Hours()/24 + 0.5)
	pq := q.AddDate(0, -3, 0)
	pto := pq.AddDate(0, 0, elapsed)
	if pto.After(q) {
		pto = q
	}
	at := func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc) }
	w := window{from: at(q), to: at(to), prevFrom: at(pq), prevTo: at(pto)}
	for k, t := range []time.Time{q, to, pq, pto} {
		w.days[k] = t.Format(time.DateOnly)
	}
	return w
}

// check makes sure the API reported the periods the window counts.
func (w window) check(f *figures) error {
	if got := [4]string{f.from, f.to, f.prevFrom, f.prevTo}; got != w.days {
		return fmt.Errorf("the dashboard counted the periods %v, the baseline %v", got, w.days)
	}
	return nil
}

// ---------------------------------------------------------------------------
// The baseline.

// rawDB runs the baseline's queries on the raw tables.
type rawDB interface {
	query(ctx context.Context, q string, args []any, row func(scan func(...any) error) error) error
	close()
	backend() string
}

// The stage pairs the funnel counts cohorts for, and its windows.
var cohortSteps = [][2]string{{"lead", "mql"}, {"mql", "sql"}, {"sql", "opportunity"}, {"opportunity", "customer"}}

// baselineFigures computes a quarter dashboard's figures with GROUP BY
// queries over the raw tables: leads (stage entry times in the state's
// JSON, the source marketing is credited with), opportunities joined to
// their leads, and the log's activity.logged events.
func baselineFigures(ctx context.Context, db rawDB, w window) (*figures, error) {
	x := &figures{n: map[string]int64{}}
	pg := db.backend() == "postgres"
	var args []any
	if pg {
		args = []any{w.from, w.to}
	} else {
		args = []any{w.from.Unix(), w.to.Unix()}
	}

	// Stage entries and cohorts by source, from the leads.
	nStages := len(rgStages)
	dest := make([]int64, nStages+2*len(cohortSteps))
	var src string
	ptrs := []any{&src}
	for k := range dest {
		ptrs = append(ptrs, &dest[k])
	}
	err := db.query(ctx, stagesQuery(pg), args, func(scan func(...any) error) error {
		if err := scan(ptrs...); err != nil {
			return err
		}
		for k, s := range rgStages {
			x.set("total/"+s, dest[k])
			if src != "" {
				x.set("source="+src+"/"+s, dest[k])
			}
		}
		for k, st := range cohortSteps {
			x.set(cohortName(st[0], st[1], 0), dest[nStages+2*k])
			x.set(cohortName(st[0], st[1], 30), dest[nStages+2*k+1])
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("stages: %w", err)
	}

	// Deals by source, from the opportunities and their leads.
	var opened, proposals, won, lost, cents int64
	err = db.query(ctx, dealsQuery(pg), args, func(scan func(...any) error) error {
		if err := scan(&src, &opened, &proposals, &won, &lost, &cents); err != nil {
			return err
		}
		for _, p := range []string{"total/", "source=" + src + "/"} {
			if p == "source=/" {
				continue
			}
			x.set(p+daily.Opportunities, opened)
			x.set(p+daily.Proposals, proposals)
			x.set(p+daily.Won, won)
			x.set(p+daily.Lost, lost)
			x.set(p+daily.Bookings, won)
			x.set(p+daily.Bookings+".cents", cents)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("deals: %w", err)
	}

	// The sales cycle of the deals won: a histogram of whole days (-1:
	// won before the lead's first contact) with the seconds summed.
	var days, count int64
	var secs float64
	hist := map[int64]int64{}
	var wonN int64
	var total float64
	err = db.query(ctx, cycleQuery(pg), args, func(scan func(...any) error) error {
		if err := scan(&days, &count, &secs); err != nil {
			return err
		}
		if days < 0 {
			x.set("cycle/won_before_created", count)
			return nil
		}
		hist[days] += count
		wonN += count
		total += secs
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cycle: %w", err)
	}
	x.set("cycle/won", wonN)
	if wonN > 0 {
		seen, half := int64(0), (wonN+1)/2
		for _, d := range slices.Sorted(func(yield func(int64) bool) {
			for d := range hist {
				if !yield(d) {
					return
				}
			}
		}) {
			seen += hist[d]
			if seen >= half {
				x.set("cycle/median_days", d)
				break
			}
		}
		mean := math.Round(total/86400/float64(wonN)*10) / 10
		x.mean = &mean
	}

	// Activities by kind and rep, this quarter and the previous one to
	// the same day, from the log.
	if pg {
		args = []any{w.from, w.to, w.prevFrom, w.prevTo}
	} else {
		args = []any{w.from.UnixMicro(), w.to.UnixMicro(), w.prevFrom.UnixMicro(), w.prevTo.UnixMicro()}
	}
	var kind, actor string
	var now, prev int64
	err = db.query(ctx, activitiesQuery(pg), args, func(scan func(...any) error) error {
		if err := scan(&kind, &actor, &now, &prev); err != nil {
			return err
		}
		x.set("activity/"+kind+"/now", now)
		x.set("activity/"+kind+"/previous", prev)
		if actor != "" {
			x.set("rep="+actor+"/activity/"+kind+"/now", now)
			x.set("rep="+actor+"/activity/"+kind+"/previous", prev)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("activities: %w", err)
	}
	return x, nil
}

// stagesQuery: for each source marketing is credited with (the lead's
// original source, else its source), how many leads first entered each
// stage in [$1, $2), and the cohort numerators: of the leads that entered
// a stage in the window, how many entered the next one (not before it),
// ever and within 30 days.
func stagesQuery(pg bool) string {
	var inner, outer []string
	in := func(col string) string {
		if pg {
			return col + " >= $1 AND " + col + " < $2"
		}
		return col + " >= ?1 AND " + col + " < ?2"
	}
	for _, s := range rgStages {
		if pg {
			inner = append(inner, fmt.Sprintf("(s->'stages_entered'->>'%s')::timestamptz AS s_%s", s, s))
		} else {
			inner = append(inner, fmt.Sprintf("unixepoch(json_extract(state, '$.stages_entered.%s'), 'subsec') AS s_%s", s, s))
		}
		outer = append(outer, fmt.Sprintf("SUM(CASE WHEN %s THEN 1 ELSE 0 END)", in("s_"+s)))
	}
	for _, st := range cohortSteps {
		a, b := "s_"+st[0], "s_"+st[1]
		gap := b + " - " + a
		if pg {
			gap = "EXTRACT(EPOCH FROM " + b + " - " + a + ")"
		}
		outer = append(outer,
			fmt.Sprintf("SUM(CASE WHEN %s AND %s >= %s THEN 1 ELSE 0 END)", in(a), b, a),
			fmt.Sprintf("SUM(CASE WHEN %s AND %s >= %s AND %s <= 2592000 THEN 1 ELSE 0 END)", in(a), b, a, gap))
	}
	sel := "SELECT COALESCE(src, '')"
	for _, o := range outer {
		sel += ",\n  " + o
	}
	if pg {
		return sel + "\nFROM (SELECT COALESCE(NULLIF(s->>'original_source', ''), source) AS src,\n    " +
			strings.Join(inner, ",\n    ") + "\n  FROM (SELECT source, state::jsonb AS s FROM leads OFFSET 0) l OFFSET 0) x\nGROUP BY 1"
	}
	return sel + "\nFROM (SELECT COALESCE(NULLIF(json_extract(state, '$.original_source'), ''), source) AS src,\n    " +
		strings.Join(inner, ",\n    ") + "\n  FROM leads LIMIT -1 OFFSET 0)\nGROUP BY 1"
}

// dealsQuery: by source, the deals opened, given a proposal, won and
// lost in [$1, $2), and the won deals' amounts in cents.
func dealsQuery(pg bool) string {
	if pg {
		return `SELECT COALESCE(src, ''),
  count(*) FILTER (WHERE oc >= $1 AND oc < $2),
  count(*) FILTER (WHERE op >= $1 AND op < $2),
  count(*) FILTER (WHERE status = 'won' AND cl >= $1 AND cl < $2),
  count(*) FILTER (WHERE status = 'lost' AND cl >= $1 AND cl < $2),
  COALESCE(sum(round(COALESCE(amount, 0) * 100)) FILTER (WHERE status = 'won' AND cl >= $1 AND cl < $2), 0)::bigint
FROM (SELECT COALESCE(NULLIF(ls->>'original_source', ''), source) AS src, status,
    (os->>'created_at')::timestamptz AS oc, (os->>'proposal_at')::timestamptz AS op,
    (os->>'closed_at')::timestamptz AS cl, (os->>'amount')::numeric AS amount
  FROM (SELECT l.source, o.status, o.state::jsonb AS os, l.state::jsonb AS ls
    FROM opportunities o JOIN leads l ON l.lead_key = o.lead_key OFFSET 0) j OFFSET 0) x
GROUP BY 1`
	}
	return `SELECT COALESCE(src, ''),
  SUM(CASE WHEN oc >= ?1 AND oc < ?2 THEN 1 ELSE 0 END),
  SUM(CASE WHEN op >= ?1 AND op < ?2 THEN 1 ELSE 0 END),
  SUM(CASE WHEN status = 'won' AND cl >= ?1 AND cl < ?2 THEN 1 ELSE 0 END),
  SUM(CASE WHEN status = 'lost' AND cl >= ?1 AND cl < ?2 THEN 1 ELSE 0 END),
  SUM(CASE WHEN status = 'won' AND cl >= ?1 AND cl < ?2 THEN CAST(round(COALESCE(amount, 0) * 100) AS INTEGER) ELSE 0 END)
FROM (SELECT COALESCE(NULLIF(json_extract(l.state, '$.original_source'), ''), l.source) AS src, o.status,
    unixepoch(json_extract(o.state, '$.created_at'), 'subsec') AS oc,
    unixepoch(json_extract(o.state, '$.proposal_at'), 'subsec') AS op,
    unixepoch(json_extract(o.state, '$.closed_at'), 'subsec') AS cl,
    json_extract(o.state, '$.amount') AS amount
  FROM opportunities o JOIN leads l ON l.lead_key = o.lead_key LIMIT -1 OFFSET 0)
GROUP BY 1`
}

// cycleQuery: the deals won in [$1, $2) by whole days from the lead's
// creation to the win, with the seconds summed; -1 for deals won before
// the lead's creation or before it entered lead, MQL or SQL.
func cycleQuery(pg bool) string {
	if pg {
		return `SELECT CASE WHEN neg THEN -1 ELSE floor(secs / 86400)::bigint END AS d, count(*), COALESCE(sum(secs), 0)::float8
FROM (SELECT EXTRACT(EPOCH FROM cl - created_at)::float8 AS secs,
    (cl < created_at OR COALESCE((ls->'stages_entered'->>'lead')::timestamptz > cl, false)
      OR COALESCE((ls->'stages_entered'->>'mql')::timestamptz > cl, false)
      OR COALESCE((ls->'stages_entered'->>'sql')::timestamptz > cl, false)) AS neg
  FROM (SELECT o.cl, l.created_at, l.state::jsonb AS ls
    FROM (SELECT lead_key, (state::jsonb->>'closed_at')::timestamptz AS cl FROM opportunities WHERE status = 'won' OFFSET 0) o
    JOIN leads l ON l.lead_key = o.lead_key
    WHERE o.cl >= $1 AND o.cl < $2 OFFSET 0) j OFFSET 0) x
GROUP BY 1`
	}
	return `SELECT CASE WHEN neg THEN -1 ELSE CAST(secs / 86400 AS INTEGER) END AS d, COUNT(*), TOTAL(secs)
FROM (SELECT cl - l.created_at / 1000000.0 AS secs,
    (cl < l.created_at / 1000000.0
      OR COALESCE(unixepoch(json_extract(l.state, '$.stages_entered.lead'), 'subsec') > cl, 0)
      OR COALESCE(unixepoch(json_extract(l.state, '$.stages_entered.mql'), 'subsec') > cl, 0)
      OR COALESCE(unixepoch(json_extract(l.state, '$.stages_entered.sql'), 'subsec') > cl, 0)) AS neg
  FROM (SELECT lead_key, unixepoch(json_extract(state, '$.closed_at'), 'subsec') AS cl FROM opportunities WHERE status = 'won' LIMIT -1 OFFSET 0) o
  JOIN leads l ON l.lead_key = o.lead_key
  WHERE cl >= ?1 AND cl < ?2 LIMIT -1 OFFSET 0)
GROUP BY 1`
}

// activitiesQuery: activities by kind and actor in [$1, $2) and in
// [$3, $4), from the log.
func activitiesQuery(pg bool) string {
	if pg {
		return `SELECT d->>'kind', COALESCE(d->>'actor', ''),
  count(*) FILTER (WHERE occurred_at >= $1 AND occurred_at < $2),
  count(*) FILTER (WHERE occurred_at >= $3 AND occurred_at < $4)
FROM (SELECT occurred_at, data::jsonb AS d FROM events
  WHERE type = 'activity.logged' AND (occurred_at >= $1 AND occurred_at < $2 OR occurred_at >= $3 AND occurred_at < $4) OFFSET 0) e
GROUP BY 1, 2`
	}
	return `SELECT json_extract(data, '$.kind'), COALESCE(json_extract(data, '$.actor'), ''),
  SUM(CASE WHEN occurred_at >= ?1 AND occurred_at < ?2 THEN 1 ELSE 0 END),
  SUM(CASE WHEN occurred_at >= ?3 AND occurred_at < ?4 THEN 1 ELSE 0 END)
FROM events
WHERE type = 'activity.logged' AND (occurred_at >= ?1 AND occurred_at < ?2 OR occurred_at >= ?3 AND occurred_at < ?4)
GROUP BY 1, 2`
}

// openRaw opens a plain connection for the baseline: database/sql on the
// SQLite file (read-only, the store's cache size), pgx on PostgreSQL.
func openRaw(ctx context.Context, backend, dbURL string) (rawDB, error) {
	if backend == "postgres" {
		conn, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
		}
		return pgRaw{conn}, nil
	}
	path := strings.TrimPrefix(strings.TrimPrefix(dbURL, "sqlite://"), "sqlite:")
	q := url.Values{}
	q.Set("mode", "ro")
	q.Set("_busy_timeout", "10000")
	q.Set("_cache_size", "-65536")
	db, err := sql.Open("sqlite3", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return sqliteRaw{db}, nil
}

type sqliteRaw struct{ db *sql.DB }

func (r sqliteRaw) backend() string { return "sqlite" }
func (r sqliteRaw) close()          { r.db.Close() }

func (r sqliteRaw) query(ctx context.Context, q string, args []any, row func(scan func(...any) error) error) error {
	rows, err := r.db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

type pgRaw struct{ conn *pgx.Conn }

func (r pgRaw) backend() string { return "postgres" }
func (r pgRaw) close()          { r.conn.Close(context.Background()) }

func (r pgRaw) query(ctx context.Context, q string, args []any, row func(scan func(...any) error) error) error {
	rows, err := r.conn.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}
