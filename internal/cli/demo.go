package cli

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/accordhq/accord/internal/auth"
	"github.com/accordhq/accord/internal/config"
	"github.com/accordhq/accord/internal/demo"
	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/store"
	"github.com/accordhq/accord/internal/store/dial"
)

var demoCmd = command{
	name:    "demo",
	summary: "load a realistic demo company into SQLite and serve it",
	usage:   "demo [--addr HOST:PORT] [--db URL] [--leads N] [--no-serve]",
	example: "accord demo --addr 127.0.0.1:8080",
	run:     runDemo,
}

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := flags(e.cmd, e)
	vals := config.Register(fs)
	leads := fs.Int("leads", 3000, "how many leads the demo company has")
	days := fs.Int("days", 120, "how many days of history, ending now")
	seed := fs.Int64("seed", 1, "random seed (the same seed gives the same data)")
	noServe := fs.Bool("no-serve", false, "load the data and exit")
	reset := fs.Bool("reset", false, "delete the demo SQLite database first and generate fresh data (dated up to now)")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	cfg, err := config.Resolve(vals)
	if err != nil {
		return err
	}
	if *vals["db"] == "" && os.Getenv("ACCORD_DB") == "" {
		// Keep demo data apart from a real database in the same data dir.
		cfg.DB = "sqlite:" + filepath.Join(cfg.DataDir, "demo.db")
	}
	log := logger(cfg, e.stderr)
	if *reset {
		if err := removeSQLite(cfg.DB); err != nil {
			return err
		}
	}
	st, err := dial.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Second)
	if c, err := st.Counts(ctx); err != nil {
		return err
	} else if c.Events > 0 {
		// The demo is dated relative to the day it was generated; loading it
		// again later would reuse event ids for different times.
		fmt.Fprintf(e.stdout, "demo data already loaded (%d events, %d leads) in %s; use --reset for fresh data\n", c.Events, c.Leads, dial.Redact(cfg.DB))
		return serveDemo(ctx, e, cfg, st, log, now, *noServe)
	}
	raws := demo.Generate(demo.Options{Leads: *leads, Days: *days, Seed: *seed, Now: now})
	// The agreement goes in first, signed the day before the window, so
	// every event is judged as it is loaded.
	if err := signDemoAgreement(ctx, st, now.AddDate(0, 0, -*days-1)); err != nil {
		return err
	}
	in := ingest.New(st, ingest.Options{StripPlusAddressing: cfg.StripPlus, Location: cfg.Location})
	bar := newProgress(e.stderr, "loading demo events", int64(len(raws)))
	var total ingest.Report
	start := time.Now()
	for i := 0; i < len(raws); i += 1000 {
		part := raws[i:min(i+1000, len(raws))]
		items := make([]event.Item, len(part))
		for j, raw := range part {
			ev, err := event.Decode(raw, now)
			items[j] = event.Item{Index: i + j, ID: ev.ID, Event: ev, Err: err}
		}
		rep, err := in.Ingest(ctx, items)
		if err != nil {
			return err
		}
		total.Accepted += rep.Accepted
		total.Duplicates += rep.Duplicates
		total.Rejected += rep.Rejected
		bar.set(int64(i + len(part)))
	}
	bar.done()
	c, err := st.Counts(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "demo data: %d events sent in %s (%d accepted, %d duplicates, %d rejected); %d leads, %d opportunities, %d people in %s\n",
		len(raws), time.Since(start).Round(time.Millisecond), total.Accepted, total.Duplicates, total.Rejected, c.Leads, c.Opportunities, c.People, dial.Redact(cfg.DB))
	return serveDemo(ctx, e, cfg, st, log, now, *noServe)
}

// serveDemo issues an admin token, signs in an admin for the pages and a
// display token for the wall, and serves, printing how to reach them.
func serveDemo(ctx context.Context, e *env, cfg config.Config, st store.Store, log *slog.Logger, now time.Time, noServe bool) error {
	secret, tok, err := auth.New("demo", auth.Admin, now)
	if err != nil {
		return err
	}
	if err := st.CreateToken(ctx, tok, "accord demo"); err != nil {
		return err
	}
	display, dtok, err := auth.New("demo wall display", auth.Display, now)
	if err != nil {
		return err
	}
	if err := st.CreateToken(ctx, dtok, "accord demo"); err != nil {
		return err
	}
	password, err := demoAdmin(ctx, st, now)
	if err != nil {
		return err
	}
	if noServe {
		fmt.Fprintf(e.stdout, "sign in as %s with password %s\nadmin token:\n%s\n", demoEmail, password, secret)
		return nil
	}
	return serve(ctx, cfg, st, log, func(addr string) {
		fmt.Fprintf(e.stdout, "\nAccord is serving the demo on http://%s\n\n", addr)
		fmt.Fprintf(e.stdout, "  web app:      http://%s/  (sign in as %s, password %s)\n", addr, demoEmail, password)
		fmt.Fprintf(e.stdout, "  wall display: http://%s/wall?token=%s\n\nTry the API:\n", addr, display)
		fmt.Fprintf(e.stdout, "  curl -s -H 'Authorization: Bearer %s' 'http://%s/api/v1/leads?stage=mql&limit=5'\n", secret, addr)
		fmt.Fprintf(e.stdout, "  curl -s -H 'Authorization: Bearer %s' http://%s/healthz\n\nPress Ctrl-C to stop.\nadmin token:\n%s\n", secret, addr, secret)
	})
}

const demoEmail = "admin@northwind.example"

// demoAdmin makes sure the demo's admin user exists, with a new random
// password each run (printed, so whoever started the demo can sign in).
func demoAdmin(ctx context.Context, st store.Store, now time.Time) (string, error) {
	b := make([]byte, 9)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	password := base64.RawURLEncoding.EncodeToString(b)
	hash, err := auth.HashPassword(password)
	if err != nil {
		return "", err
	}
	u, err := st.UserByEmail(ctx, demoEmail)
	if errors.Is(err, store.ErrNotFound) {
		id, err := auth.NewUserID()
		if err != nil {
			return "", err
		}
		return password, st.CreateUser(ctx, store.User{ID: id, Email: demoEmail, Name: "Demo admin", Role: string(auth.Admin),
			PasswordHash: hash, CreatedAt: now}, "accord demo")
	}
	if err != nil {
		return "", err
	}
	u.PasswordHash, u.Role, u.DisabledAt = hash, string(auth.Admin), nil
	return password, st.UpdateUser(ctx, u, "accord demo")
}

// removeSQLite deletes a SQLite database and its WAL files; other URLs are
// refused, since the demo never drops a server database.
func removeSQLite(url string) error {
	path, ok := strings.CutPrefix(url, "sqlite:")
	if !ok || strings.HasPrefix(url, "postgres") {
		return fmt.Errorf("--reset only works on a SQLite demo database, not %s", dial.Redact(url))
	}
	path = strings.TrimPrefix(path, "//")
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(path + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove %s: %w", path+suffix, err)
		}
	}
	return nil
}

// signDemoAgreement uploads Northwind's agreement and has its signers sign
// it at at.
func signDemoAgreement(ctx context.Context, st store.Store, at time.Time) error {
	v, err := st.CreateAgreementVersion(ctx, store.NewAgreementVersion{Body: demo.Agreement, EffectiveFrom: at,
		UploadedBy: "accord demo", UploadedAt: at, Signers: demo.Signers, Note: "the demo company's agreement"})
	if err != nil {
		return fmt.Errorf("store the demo agreement: %w", err)
	}
	for _, name := range demo.Signers {
		if _, err := st.SignAgreementVersion(ctx, store.Signature{Version: v.Number, Signer: name, SignedAt: at,
			TokenID: "demo", TokenName: "accord demo"}); err != nil {
			return fmt.Errorf("sign the demo agreement: %w", err)
		}
	}
	return nil
}
