package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/accordhq/accord/internal/config"
	"github.com/accordhq/accord/internal/leadvalue"
	"github.com/accordhq/accord/internal/versions"
)

// runLeadValue is `accord report lead-value`: value per lead over a
// lookback by a dimension (or a combination), shrunk toward the parent,
// and the month's lead value delivered against goal.
func runLeadValue(ctx context.Context, e *env, args []string) error {
	fs := flags(e.cmd, e)
	vals := config.Register(fs, "db", "data-dir", "timezone", "fiscal", "fiscal-year-start", "week-start")
	by := fs.String("by", leadvalue.Source, "break down by "+strings.Join(leadvalue.Dimensions, ", ")+
		", or a combination joined by commas (source,offer: each combination falls back to its source)")
	lookback := fs.Int("lookback-months", leadvalue.DefaultLookbackMonths, "the whole months before the month of --as-of whose leads are valued")
	asOf := fs.String("as-of", "", "the day of the month to report (default today in --timezone)")
	format := fs.String("format", "text", "text or json")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "unexpected argument %q\n\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	dims, err := leadvalue.ParseBy(*by)
	if err != nil {
		return fmt.Errorf("--by: %w", err)
	}
	if *lookback < 1 || *lookback > leadvalue.MaxLookbackMonths {
		return fmt.Errorf("--lookback-months: %d is not from 1 to %d", *lookback, leadvalue.MaxLookbackMonths)
	}
	if *format != "text" && *format != "json" {
		return fmt.Errorf("--format: %q is not text or json", *format)
	}
	cfg, st, err := openReady(ctx, vals)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now()
	day := *asOf
	if day == "" {
		day = now.In(cfg.Location).Format(time.DateOnly)
	} else if _, err := time.Parse(time.DateOnly, day); err != nil {
		return fmt.Errorf("--as-of: %q is not a day such as 2026-03-15", day)
	}
	opts := leadvalue.Options{Fiscal: cfg.Fiscal, Location: cfg.Location, AsOf: day, LookbackMonths: *lookback, By: dims, Now: now}
	vc := &versions.Cache{Store: st}
	if book, err := vc.Get(ctx); err == nil {
		opts.Agreement, _ = book.At(now)
	}
	r, err := leadvalue.Build(ctx, st, opts)
	if err != nil {
		return err
	}
	if *format == "json" {
		return writeJSON(e.stdout, r)
	}
	return r.WriteText(e.stdout)
}
