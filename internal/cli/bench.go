package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/accordhq/accord/internal/bench"
	"github.com/accordhq/accord/internal/store/dial"
)

var benchCmd = command{
	name:    "bench",
	summary: "measure ingest, the SLA clocks and the reports against plain baselines",
	usage:   "bench ingest [--db sqlite:|postgres://…] [--events N] [--batch N] [--senders N] [--json]\n       bench sla [--db …] [--sizes 10000,100000,1000000] [--json]\n       bench reports [--db …] [--leads N] [--activities N] [--days N] [--json]",
	example: "accord bench ingest --db sqlite: --json\naccord bench ingest --db 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'\naccord bench sla --db sqlite: --json\naccord bench reports --db sqlite: --json\naccord bench reports --db sqlite: --leads 50000 --activities 500000",
	run:     runBench,
}

func runBench(ctx context.Context, e *env, args []string) error {
	fs := flags(e.cmd, e)
	db := fs.String("db", "sqlite:", "the kind of database: sqlite: (files in a new temp directory; a path picks the disk) or postgres://… (the bench creates and drops its own schemas)")
	events := fs.Int("events", 200_000, "how many events to send")
	batch := fs.Int("batch", 1000, "events per request")
	senders := fs.Int("senders", 4, "requests in flight at once (one stream of leads each)")
	seed := fs.Int64("seed", 1, "workload seed (the same seed sends the same events)")
	asJSON := fs.Bool("json", false, "print the result as one JSON object on the last line")
	if len(args) > 0 && args[0] == "sla" {
		return runBenchSLA(ctx, e, args[1:])
	}
	if len(args) > 0 && args[0] == "reports" {
		return runBenchReports(ctx, e, args[1:])
	}
	if len(args) == 0 || args[0] != "ingest" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fs.Usage()
			return nil
		}
		fmt.Fprintln(e.stderr, "accord bench: say what to measure: `accord bench ingest`, `accord bench sla` or `accord bench reports`")
		fs.Usage()
		return errUsage
	}
	if err := parse(fs, e, args[1:]); err != nil {
		return err
	}
	if *events < 1 || *batch < 1 || *senders < 1 {
		fmt.Fprintln(e.stderr, "--events, --batch and --senders must be positive")
		return errUsage
	}
	bar := newProgress(e.stderr, "sending events", int64(*events))
	r, err := bench.Ingest(ctx, bench.Options{
		DB: *db, Events: *events, Batch: *batch, Senders: *senders, Seed: *seed, Progress: bar.set,
	})
	bar.done()
	if err != nil {
		return fmt.Errorf("ingest bench on %s: %w", dial.Redact(*db), err)
	}
	if *asJSON {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s\n", b)
		return nil
	}
	fmt.Fprintf(e.stdout, "ingest bench on %s: %d events in batches of %d, %d senders\n\n", r.Backend, r.Events, r.Batch, r.Senders)
	row := "%-46s %10s %9s\n"
	fmt.Fprintf(e.stdout, row, "", "events/s", "seconds")
	fmt.Fprintf(e.stdout, row, "Accord, through the HTTP API", fmt.Sprintf("%.0f", r.EventsPerSec), fmt.Sprintf("%.2f", r.Seconds))
	fmt.Fprintf(e.stdout, row, "baseline: prepared INSERTs in one transaction", fmt.Sprintf("%.0f", r.BaselinePerSec), fmt.Sprintf("%.2f", r.BaselineSeconds))
	fmt.Fprintf(e.stdout, "\nratio (Accord / baseline)   %.2f\n", r.Ratio)
	fmt.Fprintf(e.stdout, "batch latency p50 / p99     %.1f ms / %.1f ms\n", r.P50BatchMS, r.P99BatchMS)
	fmt.Fprintf(e.stdout, "peak RSS (whole process)    %.0f MB\n", r.PeakRSSMB)
	return nil
}

func runBenchSLA(ctx context.Context, e *env, args []string) error {
	fs := flags(e.cmd, e)
	db := fs.String("db", "sqlite:", "the kind of database: sqlite: (files in a new temp directory) or postgres://… (the bench creates and drops its own schema)")
	sizes := fs.String("sizes", "10000,100000,1000000", "open obligations at which a tick is timed (comma-separated); the largest stays open for the latency run")
	due := fs.Int("due", 100, "alerts due at each timed tick")
	alerts := fs.Int("latency-alerts", 2000, "alerts falling due during the latency run")
	seconds := fs.Int("latency-seconds", 20, "how long the latency run lasts")
	rate := fs.Int("events-per-sec", 1000, "events ingested per second during the latency run")
	asJSON := fs.Bool("json", false, "print the result as one JSON object on the last line")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	var ns []int
	for _, f := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			fmt.Fprintf(e.stderr, "--sizes: %q is not a positive number\n", f)
			return errUsage
		}
		ns = append(ns, n)
	}
	r, err := bench.SLA(ctx, bench.SLAOptions{DB: *db, Sizes: ns, Due: *due, LatencyAlerts: *alerts, LatencySeconds: *seconds,
		EventsPerSec: *rate, Progress: func(s string) { fmt.Fprintln(e.stderr, "…", s) }})
	if err != nil {
		return fmt.Errorf("sla bench on %s: %w", dial.Redact(*db), err)
	}
	if *asJSON {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s\n", b)
		return nil
	}
	w := e.stdout
	fmt.Fprintf(w, "SLA bench on %s (%.0f s)\n\ncost of one tick with %d alerts due, beside a naive scan of every open obligation\n", r.Backend, r.ElapsedSeconds, *due)
	fmt.Fprintf(w, "%12s %12s %16s %9s\n", "open", "tick ms", "naive scan ms", "speedup")
	for _, t := range r.Ticks {
		fmt.Fprintf(w, "%12d %12.2f %16.1f %8.0fx\n", t.Open, t.TickMS, t.ScanMS, t.Speedup)
	}
	fmt.Fprintf(w, "growth from smallest to largest: tick %.2fx, naive scan %.1fx\n\n", r.TickGrowth, r.ScanGrowth)
	fmt.Fprintf(w, "announcement latency (due → alert recorded), %d open, %d alerts, %.0f events/s arriving\n", r.LatencyOpen, r.LatencyAlerts, r.EventsPerSec)
	fmt.Fprintf(w, "  p50 %.0f ms   p99 %.0f ms   max %.0f ms   (target p99 ≤ %.0f ms: %s; %d of %d fired)\n\n",
		r.LatencyP50MS, r.LatencyP99MS, r.LatencyMaxMS, r.TargetP99MS, yes(r.MeetsLatency), r.LatencyAlertsMet, r.LatencyAlerts)
	fmt.Fprintf(w, "RSS of the scheduler with %d open, events arriving: %.0f MB (target ≤ %.0f MB: %s; peak of the whole run, naive scans included: %.0f MB)\n",
		r.LatencyOpen, r.RSSMB, r.TargetRSSMB, yes(r.MeetsRSS), r.PeakRSSMB)
	fmt.Fprintf(w, "business-time due dates: %.2f M/s (time.Add: %.0f M/s, ratio %.3f; target ≥ 1 M/s: %s)\n",
		r.DueDatesPerSec/1e6, r.TimeAddPerSec/1e6, r.DueDateRatio, yes(r.MeetsDueDates))
	return nil
}

func runBenchReports(ctx context.Context, e *env, args []string) error {
	fs := flags(e.cmd, e)
	db := fs.String("db", "sqlite:", "the kind of database: sqlite: (files in a new temp directory; a path picks the disk) or postgres://… (the bench creates and drops its own schema)")
	leads := fs.Int("leads", 1_000_000, "leads to generate")
	activities := fs.Int("activities", 10_000_000, "activities to generate, spread over the leads")
	days := fs.Int("days", 730, "days of history, ending 2026-06-30")
	zone := fs.String("zone", "America/New_York", "the organisation's time zone (reports count its days)")
	batch := fs.Int("batch", 5000, "events per ingest call while loading")
	senders := fs.Int("senders", 4, "ingest calls in flight while loading")
	requests := fs.Int("requests", 200, "dashboard loads timed (funnel by source + activity report of a quarter)")
	runs := fs.Int("baseline-runs", 3, "times the GROUP BY baseline computes a quarter's dashboard")
	rebuild := fs.Bool("rebuild", true, "time `accord rebuild` of the whole log")
	pageReqs := fs.Int("page-requests", 20, "times each web page is timed (0: none)")
	seed := fs.Int64("seed", 1, "workload seed")
	keep := fs.Bool("keep", false, "keep the generated database and print its URL (to serve it, or to time again with --from)")
	from := fs.String("from", "", "time on a database a --keep run made with the same --leads, --activities, --days, --zone and --seed, skipping the load")
	asJSON := fs.Bool("json", false, "print the result as one JSON object on the last line")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if *leads < 1 || *activities < 0 || *days < 1 {
		fmt.Fprintln(e.stderr, "--leads and --days must be positive, --activities not negative")
		return errUsage
	}
	acts := *activities
	if acts == 0 {
		acts = -1 // none; 0 means the default in bench.ReportsOptions
	}
	var bar *progress
	stop := func() {
		if bar != nil {
			bar.done()
			bar = nil
		}
	}
	r, err := bench.Reports(ctx, bench.ReportsOptions{
		DB: *db, Leads: *leads, Activities: acts, Days: *days, Zone: *zone, Batch: *batch, Senders: *senders,
		Requests: *requests, BaselineRuns: *runs, SkipRebuild: !*rebuild, Seed: *seed, Keep: *keep, From: *from, PageRequests: cmp.Or(*pageReqs, -1),
		Stage: func(s string) {
			stop()
			fmt.Fprintln(e.stderr, "…", s)
			bar = newProgress(e.stderr, "  events", 0)
		},
		Count: func(n int64) {
			if bar != nil {
				bar.set(n)
			}
		},
	})
	stop()
	if err != nil {
		return fmt.Errorf("reports bench on %s: %w", dial.Redact(*db), err)
	}
	if *asJSON {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s\n", b)
		return nil
	}
	w := e.stdout
	fmt.Fprintf(w, "reports bench on %s (%.0f s): %d leads, %d activities, %d events over %d days (%s)\n",
		r.Backend, r.Seconds, r.Leads, r.Activities, r.Events, r.Days, r.Zone)
	if r.LoadSeconds > 0 {
		fmt.Fprintf(w, "loaded through ingest in %.0f s (%.0f events/s); database %.0f MB\n\n", r.LoadSeconds, r.LoadEventsPerSec, r.DBMB)
	} else {
		fmt.Fprintf(w, "loaded by an earlier run (--from); database %.0f MB\n\n", r.DBMB)
	}
	fmt.Fprintf(w, "quarter dashboard over HTTP (funnel by source + activity report), %d loads over %d quarters\n", r.Requests, len(r.Quarters))
	fmt.Fprintf(w, "  dashboard  p50 %6.1f ms   p95 %6.1f ms   (target p95 ≤ %.0f ms: %s)\n", r.P50MS, r.P95MS, r.TargetP95MS, yes(r.MeetsP95))
	fmt.Fprintf(w, "  funnel     p50 %6.1f ms   p95 %6.1f ms\n", r.FunnelP50MS, r.FunnelP95MS)
	fmt.Fprintf(w, "  activity   p50 %6.1f ms   p95 %6.1f ms\n", r.ActivityP50MS, r.ActivityP95MS)
	fmt.Fprintf(w, "baseline: the same figures by GROUP BY over the raw tables, %d runs\n", r.BaselineRuns)
	fmt.Fprintf(w, "  p50 %.0f ms (min %.0f, max %.0f)\n", r.BaselineP50MS, r.BaselineMinMS, r.BaselineMaxMS)
	fmt.Fprintf(w, "speedup %.0fx (target ≥ %.0fx: %s); fastest baseline ÷ dashboard p95: %.0fx\n", r.Speedup, r.TargetSpeedup, yes(r.MeetsSpeedup), r.SpeedupWorst)
	fmt.Fprintf(w, "figures identical: %d non-zero figures a run, live atoms = rebuilt atoms: %v\n", r.FiguresCompared, r.LiveEqualsRebuilt)
	if r.RebuildSeconds > 0 {
		fmt.Fprintf(w, "\naccord rebuild of %d events: %.0f s (%.0f events/s; %.0f s per 10M events, target ≤ %.0f s: %s)\n",
			r.Events, r.RebuildSeconds, r.RebuildEventsPerSec, r.RebuildSecondsPer10M, r.TargetRebuildSeconds, yes(r.MeetsRebuild))
	}
	if len(r.Pages) > 0 {
		fmt.Fprintf(w, "\nweb pages (HTML, assets cached), each beside the API calls it shows:\n")
		for _, p := range r.Pages {
			fmt.Fprintf(w, "  %-48s p50 %6.1f ms  p95 %6.1f ms  %4.0f KB   API p50 %6.1f ms  (×%.2f)\n", p.Page, p.P50MS, p.P95MS, float64(p.Bytes)/1024, p.APIP50MS, p.Ratio)
		}
		fmt.Fprintf(w, "  slowest p95 %.1f ms, largest %.0f KB (targets ≤ 100 ms, ≤ 300 KB: %s)\n", r.PagesMaxP95, r.PagesMaxKB, yes(r.MeetsPages))
	}
	fmt.Fprintf(w, "peak RSS %.0f MB\n", r.PeakRSSMB)
	if r.Database != "" {
		fmt.Fprintf(w, "database kept: %s\n", r.Database)
	}
	return nil
}

func yes(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}
