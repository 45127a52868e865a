// Package api serves Accord's JSON API over HTTP: events in, leads and their
// history out, the agreement's versions and sign-off, and the audit log,
// behind bearer tokens with roles.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/store"
)

// Limits bound what one request may carry.
type Limits struct {
	MaxBodyBytes   int64
	MaxBatchEvents int
}

// DefaultLimits are generous for CRMs (HubSpot batches are 100 records).
var DefaultLimits = Limits{MaxBodyBytes: 16 << 20, MaxBatchEvents: 10_000}

// Server holds what the handlers need.
type Server struct {
	store  store.Store
	ingest *ingest.Service
	log    *slog.Logger
	limits Limits
	now    func() time.Time
	// reporting is the time zone and fiscal calendar of the reports.
	reporting Reporting
	// decoding bounds how many batches are decoded at once (see
	// postEvents).
	decoding chan struct{}
}

// New returns an API server over st.
func New(st store.Store, in *ingest.Service, log *slog.Logger, limits Limits) *Server {
	return &Server{store: st, ingest: in, log: log, limits: limits, now: time.Now,
		decoding: make(chan struct{}, max(1, runtime.GOMAXPROCS(0)-1))}
}

// Handler is the whole HTTP surface: one route table, wrapped in the
// middleware every request goes through.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.health)

	read := func(h handlerFunc) http.Handler { return s.authorize(readAccess, h) }
	write := func(h handlerFunc) http.Handler { return s.authorize(writeAccess, h) }
	admin := func(h handlerFunc) http.Handler { return s.authorize(adminAccess, h) }

	mux.Handle("POST /api/v1/events", write(s.postEvents))
	mux.Handle("GET /api/v1/events", read(s.listEvents))
	mux.Handle("GET /api/v1/leads", read(s.listLeads))
	mux.Handle("GET /api/v1/leads/{lead_id}", read(s.getLead))
	mux.Handle("GET /api/v1/leads/{lead_id}/obligations", read(s.leadObligations))
	mux.Handle("GET /api/v1/obligations", read(s.listObligations))
	mux.Handle("GET /api/v1/alerts", read(s.listAlerts))
	mux.Handle("GET /api/v1/deliveries", read(s.listDeliveries))
	mux.Handle("GET /api/v1/deliveries/{alert_id}/{channel}/attempts", read(s.deliveryAttempts))
	mux.Handle("POST /api/v1/deliveries/{alert_id}/{channel}/retry", admin(s.retryDelivery))
	mux.Handle("GET /api/v1/reports/sla", read(s.slaReport))
	mux.Handle("GET /api/v1/reports/funnel", read(s.funnelReport))
	mux.Handle("GET /api/v1/plan", read(s.plan))
	mux.Handle("GET /api/v1/reports/activity", read(s.activityReport))
	mux.Handle("GET /api/v1/reports/day", read(s.dayReport))
	mux.Handle("GET /api/v1/reports/lead-value", read(s.leadValueReport))
	mux.Handle("GET /api/v1/reports/qbr", read(s.qbrReport))
	mux.Handle("GET /api/v1/reviews", read(s.listReviews))
	mux.Handle("GET /api/v1/reviews/weeks/{day}", read(s.getWeek))
	mux.Handle("POST /api/v1/reviews/weeks/{day}/snapshot", write(s.snapshotWeek))
	mux.Handle("POST /api/v1/reviews/weeks/{day}/comments", write(s.commentWeek))
	mux.Handle("POST /api/v1/reviews/weeks/{day}/signoffs", write(s.signWeek))
	mux.Handle("POST /api/v1/reviews/weeks/{day}/lock", admin(s.lockWeek))
	mux.Handle("POST /api/v1/agreement/backtest", read(s.backtest))
	mux.Handle("GET /api/v1/people", read(s.listPeople))
	mux.Handle("GET /api/v1/teams", read(s.listTeams))
	mux.Handle("GET /api/v1/tokens", admin(s.listTokens))
	mux.Handle("POST /api/v1/tokens", admin(s.createToken))
	mux.Handle("GET /api/v1/agreement", read(s.getAgreement))
	mux.Handle("GET /api/v1/agreement/versions", read(s.listAgreementVersions))
	mux.Handle("POST /api/v1/agreement/versions", admin(s.uploadAgreementVersion))
	mux.Handle("GET /api/v1/agreement/versions/{n}", read(s.getAgreementVersion))
	mux.Handle("GET /api/v1/agreement/versions/{n}/diff", read(s.diffAgreementVersions))
	mux.Handle("POST /api/v1/agreement/versions/{n}/signatures", write(s.signAgreementVersion))
	mux.Handle("GET /api/v1/audit", read(s.listAudit))
	mux.Handle("GET /api/v1/openapi.json", read(s.openAPI))
	mux.Handle("/api/", read(func(w http.ResponseWriter, r *http.Request) error {
		if allowed := allowedMethods(mux, r); len(allowed) > 0 {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			return errorf(http.StatusMethodNotAllowed, "%s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, strings.Join(allowed, ", "))
		}
		return errorf(http.StatusNotFound, "no such API route: %s %s", r.Method, r.URL.Path)
	}))
	return s.recover(s.requestLog(mux))
}

// allowedMethods lists the methods that have a route for r's path, so a
// wrong method gets 405 and an Allow header rather than a bare 404.
func allowedMethods(mux *http.ServeMux, r *http.Request) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "/api/" && pattern != "" {
			out = append(out, m)
		}
	}
	return out
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	cur, latest, err := s.store.SchemaVersion(ctx)
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "backend": s.store.Backend(), "schema_version": cur, "schema_latest": latest})
}
