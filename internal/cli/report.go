package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/accordhq/accord/internal/agreement"
	"github.com/accordhq/accord/internal/config"
	"github.com/accordhq/accord/internal/slareport"
	"github.com/accordhq/accord/internal/store"
)

var reportCmd = command{
	name:    "report",
	summary: "print the SLA report or a period's funnel against goal",
	usage:   "report sla [--from DATE] [--to DATE] [--by owner|team|tier|rule|source] [--format text|json|csv] [--db URL]\n       report funnel [--period week|month|quarter|ytd] [--date DAY] [--by source|…] [--format text|json]\n       report qbr [--date DAY] [--format md|csv|html|json]\n       report lead-value [--by source[,offer]] [--lookback-months 12] [--as-of DAY] [--format text|json]",
	example: "accord report sla\n" + "accord report funnel --period quarter --by source\n" + "accord report qbr --format html > qbr.html\n" +
		"accord report sla --from 2026-04-01 --to 2026-05-01 --by owner\n" +
		"accord report sla --by source --format csv > sla.csv",
	run: runReport,
}

// reportFlags are the flags the SLA report and the backtest share.
type reportFlags struct {
	from, to, by, format *string
}

func addReportFlags(fs *flag.FlagSet) reportFlags {
	return reportFlags{
		from:   fs.String("from", "", "the period starts: a date (midnight in the agreement's time zone) or an RFC 3339 time; default 30 days before --to"),
		to:     fs.String("to", "", "the period ends (excluded): a date or an RFC 3339 time; default now"),
		by:     fs.String("by", "", "break the figures down by "+strings.Join(slareport.Bys, ", ")),
		format: fs.String("format", "text", "text, json or csv"),
	}
}

// check validates --by and --format.
func (f reportFlags) check() error {
	if err := slareport.CheckBy(*f.by); err != nil {
		return fmt.Errorf("--by: %w", err)
	}
	if !slices.Contains([]string{"text", "json", "csv"}, *f.format) {
		return fmt.Errorf("--format: %q is not text, json or csv", *f.format)
	}
	return nil
}

// period reads --from and --to: dates are midnight in loc.
func (f reportFlags) period(loc *time.Location, now time.Time) (from, to time.Time, err error) {
	to = now
	if *f.to != "" {
		if to, err = parseWhen(*f.to, loc); err != nil {
			return from, to, fmt.Errorf("--to: %w", err)
		}
	}
	from = to.AddDate(0, 0, -30)
	if *f.from != "" {
		if from, err = parseWhen(*f.from, loc); err != nil {
			return from, to, fmt.Errorf("--from: %w", err)
		}
	}
	if !from.Before(to) {
		return from, to, fmt.Errorf("--from %s is not before --to %s", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	return from, to, nil
}

// parseWhen reads an RFC 3339 time or a date, as agreement upload does.
func parseWhen(v string, loc *time.Location) (time.Time, error) {
	return (&agreement.Agreement{Location: loc}).EffectiveFrom(v)
}

func runReport(ctx context.Context, e *env, args []string) error {
	fs := flags(e.cmd, e)
	vals := config.Register(fs, "db", "data-dir")
	rf := addReportFlags(fs)
	if len(args) == 0 {
		fs.Usage()
		return errUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		fs.Usage()
		return nil
	case "sla":
	case "funnel":
		return runFunnel(ctx, e, args[1:])
	case "lead-value":
		return runLeadValue(ctx, e, args[1:])
	case "qbr":
		return runQBR(ctx, e, args[1:])
	default:
		fmt.Fprintf(e.stderr, "unknown report %q\n\n", args[0])
		fs.Usage()
		return errUsage
	}
	pos, err := parseInterleaved(fs, e, args[1:])
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		fmt.Fprintf(e.stderr, "unexpected argument %q\n\n", pos[0])
		fs.Usage()
		return errUsage
	}
	if err := rf.check(); err != nil {
		return err
	}
	_, st, err := openReady(ctx, vals)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now()
	from, to, err := rf.period(zoneInForce(ctx, st, now), now)
	if err != nil {
		return err
	}
	in, err := slareport.Load(ctx, st, from, to)
	if err != nil {
		return err
	}
	r := slareport.Build(in, slareport.Options{From: from, To: to, By: *rf.by, Now: now})
	switch *rf.format {
	case "json":
		return writeJSON(e.stdout, r)
	case "csv":
		return r.WriteCSV(e.stdout)
	}
	return r.WriteText(e.stdout)
}

// zoneInForce is the time zone of the agreement in force at now, in which
// dates are read; UTC when there is none.
func zoneInForce(ctx context.Context, st store.Store, now time.Time) *time.Location {
	v, err := inForceNow(ctx, st, now)
	if err != nil || v == nil {
		return time.UTC
	}
	a, err := agreement.Parse(v.Body)
	if err != nil || a.Location == nil {
		return time.UTC
	}
	return a.Location
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
