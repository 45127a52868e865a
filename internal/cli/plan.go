package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/accordhq/accord/internal/config"
	"github.com/accordhq/accord/internal/plan"
	"github.com/accordhq/accord/internal/versions"
)

var planCmd = command{
	name:    "plan",
	summary: "work the bookings goal back to the leads it takes each month",
	usage: "plan [--bookings N] [--marketing-share F] [--deal-size N] [--rates agreement|measured] [--lookback-months 6]\n" +
		"       [--as-of DAY] [--by segment] [--sensitivity 5] [--format text|json] [--db URL]",
	example: "accord plan\n" +
		"accord plan --rates measured --by segment\n" +
		"accord plan --bookings 1500000 --marketing-share 0.5 --sensitivity 10 --format json",
	run: runPlan,
}

// runPlan is `accord plan`: the reverse funnel from the goals of the
// agreement in force now, with any flag overriding them; --as-of picks the
// lookback (the whole months before its month).
func runPlan(ctx context.Context, e *env, args []string) error {
	fs := flags(e.cmd, e)
	vals := config.Register(fs, "db", "data-dir", "timezone", "fiscal", "fiscal-year-start", "week-start")
	given := map[string]*string{
		"bookings":        fs.String("bookings", "", "bookings goal a month (default: the agreement's goals.bookings_per_month)"),
		"marketing_share": fs.String("marketing-share", "", "share of bookings from marketing-sourced leads, 0 to 1 (default: the agreement's, else 1)"),
		"deal_size":       fs.String("deal-size", "", "average deal size (default: the agreement's, or measured)"),
		"rates":           fs.String("rates", plan.RatesAgreement, "agreement: the agreement's rates and deal size where it sets them, measured otherwise; measured: all from the lookback"),
		"lookback_months": fs.String("lookback-months", strconv.Itoa(plan.DefaultLookbackMonths), "whole fiscal months of history to measure, before the month of --as-of"),
		"as_of":           fs.String("as-of", "", "the day the plan is made on (default today in --timezone)"),
		"by":              fs.String("by", "", "segment: a plan per segment, on each segment's measured rates and share of bookings"),
		"sensitivity":     fs.String("sensitivity", strconv.FormatFloat(plan.DefaultSensitivity, 'f', -1, 64), "points to move each rate either way in the sensitivity table (0: none)"),
	}
	format := fs.String("format", "text", "text or json")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "unexpected argument %q\n\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	if !slices.Contains([]string{"text", "json"}, *format) {
		return fmt.Errorf("--format: %q is not text or json", *format)
	}
	cfg, st, err := openReady(ctx, vals)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now()
	o := plan.Options{Fiscal: cfg.Fiscal, AsOf: now.In(cfg.Location).Format(time.DateOnly)}
	for _, f := range plan.Fields {
		if v := *given[f]; v != "" {
			if err := o.Set(f, v); err != nil {
				return flagError(err)
			}
		}
	}
	book, err := (&versions.Cache{Store: st}).Get(ctx)
	if err != nil {
		return err
	}
	if ag, n := book.At(now); ag != nil {
		o.Goals, o.Version = ag.Goals, n
	}
	p, err := plan.Build(ctx, st, o)
	if err != nil {
		return flagError(err)
	}
	if *format == "json" {
		return writeJSON(e.stdout, p)
	}
	return p.WriteText(e.stdout)
}

// flagError names the flag at fault in a plan option's error.
func flagError(err error) error {
	var ie *plan.InputError
	if errors.As(err, &ie) {
		return fmt.Errorf("--%s: %s", strings.ReplaceAll(ie.Field, "_", "-"), ie.Msg)
	}
	return err
}
