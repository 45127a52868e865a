package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/accordhq/accord/internal/agreement"
	"github.com/accordhq/accord/internal/config"
	"github.com/accordhq/accord/internal/lead"
	"github.com/accordhq/accord/internal/slareport"
)

// runBacktest is `accord agreement backtest FILE`: the stored history
// judged by a proposed agreement, in memory, beside the report of what was
// in force for the same period. It writes nothing.
func runBacktest(ctx context.Context, e *env, args []string) error {
	fs := flags(e.cmd, e)
	vals := config.Register(fs, "db", "data-dir", "strip-plus-addressing")
	rf := addReportFlags(fs)
	pos, err := parseInterleaved(fs, e, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fmt.Fprintln(e.stderr, "name the one agreement file to backtest")
		fs.Usage()
		return errUsage
	}
	if err := rf.check(); err != nil {
		return err
	}
	path := pos[0]
	body, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	proposed, err := agreement.Parse(body)
	var errs agreement.Errors
	if errors.As(err, &errs) {
		fmt.Fprintln(e.stderr, errs.Format(path))
		return fmt.Errorf("%d problem(s) in the agreement", len(errs))
	}
	if err != nil {
		return err
	}

	cfg, st, err := openReady(ctx, vals)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now()
	loc := proposed.Location
	if loc == nil {
		loc = time.UTC
	}
	from, to, err := rf.period(loc, now)
	if err != nil {
		return err
	}
	opt := slareport.Options{From: from, To: to, By: *rf.by, Now: now}
	live, err := slareport.Load(ctx, st, from, to)
	if err != nil {
		return err
	}
	replayed, err := slareport.Backtest(ctx, st, proposed, from, to, lead.EmailNormalizer(cfg.StripPlus))
	if err != nil {
		return err
	}
	c := slareport.Compare(slareport.Build(live, opt), slareport.Build(replayed, opt))
	switch *rf.format {
	case "json":
		return writeJSON(e.stdout, c)
	case "csv":
		return c.WriteCSV(e.stdout)
	}
	return c.WriteText(e.stdout)
}
