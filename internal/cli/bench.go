package cli

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/accordhq/accord/internal/bench"
	"github.com/accordhq/accord/internal/store/dial"
)

var benchCmd = command{
	name:    "bench",
	summary: "measure ingest speed against a plain database baseline",
	usage:   "bench ingest [--db sqlite:|postgres://…] [--events N] [--batch N] [--senders N] [--json]",
	example: "accord bench ingest --db sqlite: --json\naccord bench ingest --db 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'",
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
	if len(args) == 0 || args[0] != "ingest" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fs.Usage()
			return nil
		}
		fmt.Fprintln(e.stderr, "accord bench: say what to measure: `accord bench ingest`")
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
