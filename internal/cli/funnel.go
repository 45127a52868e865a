package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/accordhq/accord/internal/config"
	"github.com/accordhq/accord/internal/numbers"
	"github.com/accordhq/accord/internal/qbr"
	"github.com/accordhq/accord/internal/versions"
)

// runFunnel is `accord report funnel`: a period's funnel against goal.
func runFunnel(ctx context.Context, e *env, args []string) error {
	fs := flags(e.cmd, e)
	vals := config.Register(fs, "db", "data-dir", "timezone", "fiscal", "fiscal-year-start", "week-start")
	period := fs.String("period", "month", "week, month, quarter or ytd")
	date := fs.String("date", "", "a day in the period, counted up to (default today in --timezone)")
	by := fs.String("by", "", "break down by source, campaign, offer, segment, owner, team or product")
	format := fs.String("format", "text", "text or json")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	cfg, st, err := openReady(ctx, vals)
	if err != nil {
		return err
	}
	defer st.Close()
	day := *date
	if day == "" {
		day = time.Now().In(cfg.Location).Format(time.DateOnly)
	}
	opts := numbers.Options{Fiscal: cfg.Fiscal, Kind: *period, Day: day, By: *by}
	vc := &versions.Cache{Store: st}
	if book, err := vc.Get(ctx); err == nil {
		if ag, _ := book.At(time.Now()); ag != nil {
			opts.Goals = ag.Goals
		}
	}
	f, err := numbers.Build(ctx, st, opts)
	if err != nil {
		return err
	}
	if *format == "json" {
		return writeJSON(e.stdout, f)
	}
	w := e.stdout
	fmt.Fprintf(w, "Funnel, %s %s (%s to %s), counted to %s: day %d of %d\n\n", f.Kind, f.Period.Name, f.Period.From, f.Period.To, f.AsOf, f.DaysElapsed, f.Days)
	fmt.Fprintf(w, "%-22s %12s %12s %12s %8s\n", "", "so far", "projected", "goal", "of goal")
	for _, r := range f.Rows {
		v := fmt.Sprint(r.Count)
		if r.Amount != nil {
			v = fmt.Sprintf("%.2f", *r.Amount)
		}
		fmt.Fprintf(w, "%-22s %12s %12s %12s %8s\n", r.Metric, v, num(r.Projected), num(r.Goal), pctOf(r.OfGoal))
	}
	fmt.Fprintf(w, "\nperiod conversion (this period's B ÷ this period's A; not a cohort)\n")
	for _, c := range f.Conversions {
		rate := "–"
		if c.Rate != nil {
			rate = fmt.Sprintf("%.1f%%", 100**c.Rate)
		}
		fmt.Fprintf(w, "  %-22s %8s  (%d/%d)\n", c.From+" → "+c.To, rate, c.Numerator, c.Denominator)
	}
	fmt.Fprintf(w, "\ncohorts (of the leads that entered A this period, how many have reached B)\n")
	for _, c := range f.Cohorts {
		rate, label := "–", c.From+" → "+c.To
		if c.Rate != nil {
			rate = fmt.Sprintf("%.1f%%", 100**c.Rate)
		}
		if c.WithinDays > 0 {
			label += fmt.Sprintf(" within %d days", c.WithinDays)
		}
		fmt.Fprintf(w, "  %-34s %8s  (%d/%d)\n", label, rate, c.Numerator, c.Denominator)
	}
	if f.Cycle.Won > 0 {
		fmt.Fprintf(w, "\nsales cycle of the %d deals won: mean %.1f days, median %d days\n", f.Cycle.Won, *f.Cycle.MeanDays, *f.Cycle.MedianDays)
	}
	if f.Cycle.WonBeforeCreated > 0 {
		fmt.Fprintf(w, "%d deals are dated as won before their lead's first contact: left out of the cycle; check the source data\n", f.Cycle.WonBeforeCreated)
	}
	for _, g := range f.Groups {
		fmt.Fprintf(w, "\n%s %s:", *by, orDash(g.Value))
		for _, r := range g.Rows {
			if r.Count != 0 {
				fmt.Fprintf(w, " %s %d", r.Metric, r.Count)
			}
		}
		fmt.Fprintln(w)
	}
	return nil
}

func num(p *float64) string {
	if p == nil {
		return "–"
	}
	return fmt.Sprintf("%.2f", *p)
}

func pctOf(p *float64) string {
	if p == nil {
		return "–"
	}
	return fmt.Sprintf("%.0f%%", 100**p)
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// runQBR is `accord report qbr`: the quarter as Markdown, CSV, HTML or JSON.
func runQBR(ctx context.Context, e *env, args []string) error {
	fs := flags(e.cmd, e)
	vals := config.Register(fs, "db", "data-dir", "timezone", "fiscal", "fiscal-year-start", "week-start")
	date := fs.String("date", "", "a day of the quarter, counted up to (default today in --timezone)")
	format := fs.String("format", "md", "md, csv, html or json")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	cfg, st, err := openReady(ctx, vals)
	if err != nil {
		return err
	}
	defer st.Close()
	day := *date
	if day == "" {
		day = time.Now().In(cfg.Location).Format(time.DateOnly)
	}
	opts := qbr.Options{Fiscal: cfg.Fiscal, Location: cfg.Location, Day: day, Now: time.Now()}
	if book, err := (&versions.Cache{Store: st}).Get(ctx); err == nil {
		if ag, _ := book.At(time.Now()); ag != nil {
			opts.Goals = ag.Goals
		}
	}
	q, err := qbr.Build(ctx, st, opts)
	if err != nil {
		return err
	}
	switch *format {
	case "md":
		return q.Markdown(e.stdout)
	case "csv":
		return q.CSV(e.stdout)
	case "html":
		return q.HTML(e.stdout)
	case "json":
		return writeJSON(e.stdout, q)
	}
	fmt.Fprintf(e.stderr, "--format must be md, csv, html or json, got %q\n", *format)
	return errUsage
}
