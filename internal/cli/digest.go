package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/accordhq/accord/internal/agreement"
	"github.com/accordhq/accord/internal/alerting"
	"github.com/accordhq/accord/internal/config"
	"github.com/accordhq/accord/internal/digest"
	"github.com/accordhq/accord/internal/versions"
)

var digestCmd = command{
	name:    "digest",
	summary: "email the weekly digest: the week's numbers vs goal and vs the week before",
	usage:   "digest [--week DAY] [--to ADDR,…] [--notify FILE] [--dry-run] [--db URL]",
	example: "accord digest --dry-run\naccord digest --notify /etc/accord/notify.yaml   # weekly, from cron: 0 8 * * 1",
	run:     runDigest,
}

func runDigest(ctx context.Context, e *env, args []string) error {
	fs := flags(e.cmd, e)
	vals := config.Register(fs, "db", "data-dir", "timezone", "fiscal", "fiscal-year-start", "week-start", "notify", "base-url")
	week := fs.String("week", "", "a day of the week to report (default: last week)")
	to := fs.String("to", "", "comma-separated addresses (default: digest.to in the notify file)")
	dry := fs.Bool("dry-run", false, "print the email instead of sending it")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	cfg, st, err := openReady(ctx, vals)
	if err != nil {
		return err
	}
	defer st.Close()
	day := *week
	if day == "" {
		day = time.Now().In(cfg.Location).AddDate(0, 0, -7).Format(time.DateOnly)
	}
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		return fmt.Errorf("--week: %q is not a day such as 2026-11-16", day)
	}
	nc, err := alerting.LoadConfig(cfg.NotifyFile)
	if err != nil {
		return err
	}
	base := cfg.BaseURL
	if base == "" {
		base = nc.BaseURL
	}
	book, err := (&versions.Cache{Store: st}).Get(ctx)
	if err != nil {
		return err
	}
	var goals *agreement.Goals
	if ag, _ := book.At(time.Now()); ag != nil {
		goals = ag.Goals
	}
	d, err := digest.Build(ctx, st, cfg.Fiscal, day, goals, base)
	if err != nil {
		return err
	}
	l := d.Letter()
	if *dry {
		fmt.Fprintf(e.stdout, "Subject: %s\n\n%s", l.Subject, l.Body)
		return nil
	}
	var rcpt []string
	if *to != "" {
		rcpt = strings.Split(*to, ",")
	} else if nc.Digest != nil {
		rcpt = nc.Digest.To
	}
	if len(rcpt) == 0 {
		return fmt.Errorf("no one to send the digest to: give --to, or digest.to in the notify file")
	}
	m := nc.Mailer(rcpt)
	if m == nil {
		return fmt.Errorf("no email server: the notify file (--notify, ACCORD_NOTIFY) needs an email section")
	}
	if err := m.SendLetter(ctx, l); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "digest of the week of %s sent to %s\n", d.Week.From, strings.Join(rcpt, ", "))
	return nil
}
