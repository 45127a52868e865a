package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/accordhq/accord/internal/alerting"
	"github.com/accordhq/accord/internal/api"
	"github.com/accordhq/accord/internal/config"
	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/store"
	"github.com/accordhq/accord/internal/store/dial"
	"github.com/accordhq/accord/internal/versions"
	"github.com/accordhq/accord/internal/web"
)

var serveCmd = command{
	name:    "serve",
	summary: "serve the API and the web pages on HOST:PORT",
	usage:   "serve [--addr HOST:PORT] [--db URL]",
	example: "accord serve --addr 127.0.0.1:8080 --db postgres://postgres@127.0.0.1:5432/accord",
	run:     runServe,
}

func runServe(ctx context.Context, e *env, args []string) error {
	fs := flags(e.cmd, e)
	vals := config.Register(fs)
	if err := parse(fs, e, args); err != nil {
		return err
	}
	cfg, err := config.Resolve(vals)
	if err != nil {
		return err
	}
	log := logger(cfg, e.stderr)
	st, err := dial.Ready(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	return serve(ctx, cfg, st, log, nil)
}

// routes sends the API's paths to the API and everything else to the pages.
func routes(apiH, pagesH http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/api/", apiH)
	mux.Handle("/healthz", apiH)
	mux.Handle("/", pagesH)
	return mux
}

// serve runs the HTTP server until ctx is cancelled, then lets in-flight
// requests (batches being written) finish before returning. ready, if set,
// is called with the bound address once the listener is up.
func serve(ctx context.Context, cfg config.Config, st store.Store, log *slog.Logger, ready func(addr string)) error {
	notifyCfg, err := alerting.LoadConfig(cfg.NotifyFile)
	if err != nil {
		return err
	}
	vc := &versions.Cache{Store: st, Log: log}
	in := ingest.New(st, ingest.Options{StripPlusAddressing: cfg.StripPlus, Location: cfg.Location, Versions: vc})
	srv := api.New(st, in, log, api.Limits{MaxBodyBytes: cfg.MaxBodyBytes, MaxBatchEvents: cfg.MaxBatchEvents})
	srv.SetReporting(api.Reporting{Location: cfg.Location, Fiscal: cfg.Fiscal})
	pages, err := web.New(web.Options{Store: st, Ingest: in, Log: log, Location: cfg.Location, Fiscal: cfg.Fiscal,
		SecureCookies: strings.HasPrefix(cfg.BaseURL, "https://")})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	if notifyCfg.BaseURL == "" {
		notifyCfg.BaseURL = cfg.BaseURL
	}
	if notifyCfg.BaseURL == "" {
		notifyCfg.BaseURL = "http://" + ln.Addr().String()
	}
	// The scheduler and the dispatcher stop with ctx; an alert being fired
	// or sent then is either stored or left due, never lost.
	var bg sync.WaitGroup
	defer bg.Wait()
	bgCtx, stopBG := context.WithCancel(ctx)
	defer stopBG()
	bg.Go(func() { pages.Run(bgCtx) })
	if cfg.Alerts {
		sched := &alerting.Scheduler{Store: st, Versions: vc, Config: notifyCfg, Log: log}
		disp := &alerting.Dispatcher{Store: st, Config: notifyCfg, Ingest: in, Log: log, Timeout: cfg.AlertTimeout}
		dig := &alerting.Digester{Store: st, Versions: vc, Config: notifyCfg, Fiscal: cfg.Fiscal, Location: cfg.Location, Log: log}
		bg.Go(func() { sched.Run(bgCtx) })
		bg.Go(func() { disp.Run(bgCtx) })
		bg.Go(func() { dig.Run(bgCtx) })
		log.Info("SLA alerts on", "webhooks", len(notifyCfg.Webhooks), "slack", len(notifyCfg.Slack), "email", notifyCfg.Email != nil)
	}
	hs := &http.Server{
		Handler:           routes(srv.Handler(), pages.Handler()),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	hs.RegisterOnShutdown(pages.StopStreams)
	if n, err := st.CountUsers(ctx); err == nil && n == 0 {
		log.Warn("no one can sign in to the web pages yet: create the first admin with `accord user create --role admin --email you@example.com --name \"Your Name\"`")
	}
	log.Info("accord serving", "addr", "http://"+ln.Addr().String(), "backend", st.Backend(), "db", dial.Redact(cfg.DB))
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests", "timeout", cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}
