package cli

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"time"

	"github.com/accordhq/accord/internal/config"
	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/store/dial"
)

var migrateCmd = command{
	name:    "migrate",
	summary: "bring the database schema up to date",
	usage:   "migrate [--db URL]",
	example: "accord migrate --db postgres://postgres@127.0.0.1:5432/accord",
	run: func(ctx context.Context, e *env, args []string) error {
		fs := flags(e.cmd, e)
		vals := config.Register(fs, "db", "data-dir")
		if err := parse(fs, e, args); err != nil {
			return err
		}
		cfg, err := config.Resolve(vals)
		if err != nil {
			return err
		}
		st, err := dial.Open(ctx, cfg.DB)
		if err != nil {
			return err
		}
		defer st.Close()
		n, err := st.Migrate(ctx)
		if err != nil {
			return err
		}
		cur, _, err := st.SchemaVersion(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "applied %d migration(s); %s schema is at version %d\n", n, st.Backend(), cur)
		return nil
	},
}

var rebuildCmd = command{
	name:    "rebuild",
	summary: "rebuild every projection (leads, opportunities, people) from the event log",
	usage:   "rebuild [--db URL] [--batch N]",
	example: "accord rebuild --db sqlite:data/accord.db",
	run: func(ctx context.Context, e *env, args []string) error {
		fs := flags(e.cmd, e)
		vals := config.Register(fs, "db", "data-dir", "strip-plus-addressing")
		batch := fs.Int("batch", 5000, "events replayed per transaction")
		if err := parse(fs, e, args); err != nil {
			return err
		}
		cfg, st, err := openReady(ctx, vals)
		if err != nil {
			return err
		}
		defer st.Close()
		if os.Getenv("GOGC") == "" {
			defer debug.SetGCPercent(debug.SetGCPercent(ingest.RebuildGCPercent))
		}
		start := time.Now()
		bar := newProgress(e.stderr, "rebuild", 0)
		n, err := ingest.New(st, ingest.Options{StripPlusAddressing: cfg.StripPlus, Location: cfg.Location}).Rebuild(ctx, *batch, bar.set)
		bar.done()
		if err != nil {
			return err
		}
		c, err := st.Counts(ctx)
		if err != nil {
			return err
		}
		el := time.Since(start)
		fmt.Fprintf(e.stdout, "replayed %d events in %s (%.0f events/s): %d leads, %d opportunities, %d people\n",
			n, el.Round(time.Millisecond), float64(n)/max(el.Seconds(), 1e-9), c.Leads, c.Opportunities, c.People)
		return nil
	},
}
