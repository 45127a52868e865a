// Package web serves Accord's pages: sign-in, the overview, a rep's queue
// with live clocks, a lead's timeline, and the wall display. Pages are
// rendered on the server from the same packages the API answers from, so
// a number on screen is the API's number; tables work without JavaScript,
// which only ticks countdowns and keeps the wall display live.
package web

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/accordhq/accord/internal/daily"
	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// Options configure the pages.
type Options struct {
	Store  store.Store
	Ingest *ingest.Service
	Log    *slog.Logger
	// Location and Fiscal are how the organisation counts days and
	// periods, as for the reports.
	Location *time.Location
	Fiscal   daily.Fiscal
	// SecureCookies marks the session cookie Secure (serve over HTTPS, or
	// behind a proxy that does).
	SecureCookies bool
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// WallPoll is how often the wall display looks for new events and
	// alerts (default 500 ms).
	WallPoll time.Duration
}

// Server holds what the pages need.
type Server struct {
	o       Options
	pages   map[string]*template.Template
	assets  *assets
	limiter *loginLimiter
	wall    *wallHub
	// streamsDone ends every live stream (see StopStreams).
	streamsDone chan struct{}
	stopOnce    sync.Once
}

// New parses the templates and returns the pages' server. Close stops the
// wall display's watcher.
func New(o Options) (*Server, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.WallPoll <= 0 {
		o.WallPoll = 500 * time.Millisecond
	}
	sub, err := fs.Sub(assetFS, "assets")
	if err != nil {
		return nil, err
	}
	a, err := loadAssets(sub)
	if err != nil {
		return nil, err
	}
	s := &Server{o: o, assets: a, limiter: newLoginLimiter(o.Now), streamsDone: make(chan struct{})}
	if s.pages, err = parsePages(a); err != nil {
		return nil, err
	}
	s.wall = newWallHub(s)
	return s, nil
}

// Run keeps the wall display live until ctx ends.
func (s *Server) Run(ctx context.Context) { s.wall.run(ctx) }

// StopStreams ends the wall displays' live streams, which would otherwise
// hold a graceful shutdown open until its timeout (register it with
// http.Server.RegisterOnShutdown). The displays reconnect to whichever
// process serves next.
func (s *Server) StopStreams() { s.stopOnce.Do(func() { close(s.streamsDone) }) }

// Handler is every page's route, behind the security headers.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /assets/", s.assets)
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.login)
	mux.Handle("POST /logout", s.signedIn(anyRole, s.logout))
	mux.Handle("GET /{$}", s.signedIn(anyRole, s.overview))
	mux.Handle("GET /funnel", s.signedIn(anyRole, s.funnelPage))
	mux.Handle("GET /sla", s.signedIn(anyRole, s.slaPage))
	mux.Handle("GET /sla/obligations", s.signedIn(anyRole, s.slaDrill))
	mux.Handle("GET /agreement", s.signedIn(anyRole, s.agreementPage))
	mux.Handle("GET /agreement/versions/{n}", s.signedIn(anyRole, s.versionPage))
	mux.Handle("POST /agreement/versions/{n}/sign", s.signedIn(writer, s.signVersion))
	mux.Handle("GET /agreement/backtest", s.signedIn(anyRole, s.backtestPage))
	mux.Handle("POST /agreement/backtest", s.signedIn(anyRole, s.runBacktest))
	mux.Handle("GET /planner", s.signedIn(anyRole, s.plannerPage))
	mux.Handle("GET /review", s.signedIn(anyRole, s.reviewPage))
	mux.Handle("POST /review/snapshot", s.signedIn(writer, s.snapshotReview))
	mux.Handle("POST /review/comments", s.signedIn(writer, s.commentReview))
	mux.Handle("POST /review/signoffs", s.signedIn(writer, s.signReview))
	mux.Handle("POST /review/lock", s.signedIn(adminOnly, s.lockReview))
	mux.Handle("GET /review/qbr", s.signedIn(anyRole, s.qbrExport))
	mux.Handle("GET /queue", s.signedIn(anyRole, s.queue))
	mux.Handle("GET /queue.json", s.signedIn(anyRole, s.queueJSON))
	mux.Handle("GET /leads/{lead_id}", s.signedIn(anyRole, s.leadPage))
	mux.Handle("GET /admin", s.signedIn(adminOnly, s.adminPage))
	mux.Handle("POST /admin/users", s.signedIn(adminOnly, s.createUser))
	mux.Handle("POST /admin/tokens", s.signedIn(adminOnly, s.createToken))
	mux.Handle("POST /admin/users/{id}/disable", s.signedIn(adminOnly, s.setUserDisabled(true)))
	mux.Handle("POST /admin/users/{id}/enable", s.signedIn(adminOnly, s.setUserDisabled(false)))
	mux.Handle("POST /admin/tokens/{id}/revoke", s.signedIn(adminOnly, s.revokeToken))
	mux.HandleFunc("GET /wall", s.wallPage)
	mux.HandleFunc("GET /wall/state", s.wallState)
	mux.HandleFunc("GET /wall/events", s.wallEvents)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, httpError{http.StatusNotFound, "There is no page at " + r.URL.Path + "."})
	})
	return securityHeaders(mux)
}

// securityHeaders keep the pages to their own scripts and styles and out
// of other sites' frames.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// httpError is a failure a page shows to the person: a status and words.
type httpError struct {
	status int
	msg    string
}

func (e httpError) Error() string { return e.msg }

// fail shows err as a page (or logs it and shows a plain "went wrong").
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var he httpError
	if !errors.As(err, &he) {
		s.o.Log.ErrorContext(r.Context(), "page failed", "path", r.URL.Path, "error", err)
		he = httpError{http.StatusInternalServerError, "Something went wrong on our side; it has been logged."}
	}
	s.render(w, r, he.status, "error", page{Title: http.StatusText(he.status), Data: he.msg})
}

// page is what every template gets.
type page struct {
	Title string
	// Nav is the navigation entry of this page ("" for none).
	Nav  string
	User *store.User
	CSRF string
	Data any
}

// render writes a page; a template that fails is logged (the status is
// already sent).
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	t, ok := s.pages[name]
	if !ok {
		panic(fmt.Sprintf("web: no template %q", name))
	}
	if sess := sessionOf(r); sess != nil {
		p.User, p.CSRF = &sess.user, sess.s.CSRF
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := t.ExecuteTemplate(w, "layout", p); err != nil {
		s.o.Log.ErrorContext(r.Context(), "render page", "page", name, "error", err)
	}
}
