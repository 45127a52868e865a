package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/accordhq/accord/internal/leadvalue"
)

// leadValueReport is GET /api/v1/reports/lead-value: value per lead over a
// lookback, by a dimension or a combination, shrunk toward the parent,
// with intervals and n; and the month's lead value delivered against the
// goal of the agreement in force.
func (s *Server) leadValueReport(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	by, err := leadvalue.ParseBy(q.Get("by"))
	if err != nil {
		return fieldError("by", "%v", err)
	}
	months := leadvalue.DefaultLookbackMonths
	if v := q.Get("lookback_months"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > leadvalue.MaxLookbackMonths {
			return fieldError("lookback_months", "lookback_months must be a whole number of months from 1 to %d, got %q", leadvalue.MaxLookbackMonths, v)
		}
		months = n
	}
	loc := s.reporting.Location
	if loc == nil {
		loc = time.UTC
	}
	now := s.now()
	day := q.Get("as_of")
	if day == "" {
		day = now.In(loc).Format(time.DateOnly)
	} else if _, err := time.Parse(time.DateOnly, day); err != nil {
		return fieldError("as_of", "as_of must be a day such as 2026-03-15, got %q", day)
	}
	opts := leadvalue.Options{Fiscal: s.reporting.Fiscal, Location: loc, AsOf: day, LookbackMonths: months, By: by, Now: now}
	if book, err := s.ingest.Versions().Get(r.Context()); err == nil {
		opts.Agreement, _ = book.At(now)
	}
	rep, err := leadvalue.Build(r.Context(), s.store, opts)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}
