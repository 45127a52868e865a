package api

import (
	"net/http"
	"time"

	"github.com/accordhq/accord/internal/daily"
	"github.com/accordhq/accord/internal/numbers"
)

// Reporting is how the organisation counts days and periods.
type Reporting struct {
	Location *time.Location
	Fiscal   daily.Fiscal
}

// SetReporting sets the time zone and fiscal calendar of the reports
// (default: UTC, calendar months, weeks from Monday).
func (s *Server) SetReporting(r Reporting) { s.reporting = r }

// funnelReport is GET /api/v1/reports/funnel: a period's funnel against the
// agreement's goals, with pacing and period conversion rates.
func (s *Server) funnelReport(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	loc := s.reporting.Location
	if loc == nil {
		loc = time.UTC
	}
	day := q.Get("date")
	if day == "" {
		day = s.now().In(loc).Format(time.DateOnly)
	} else if _, err := time.Parse(time.DateOnly, day); err != nil {
		return fieldError("date", "date must be a day such as 2026-03-15, got %q", day)
	}
	kind := q.Get("period")
	if _, err := numbers.PeriodOf(s.reporting.Fiscal, kind, day); err != nil {
		return fieldError("period", "%v", err)
	}
	by := q.Get("by")
	opts := numbers.Options{Fiscal: s.reporting.Fiscal, Kind: kind, Day: day, By: by}
	if book, err := s.ingest.Versions().Get(r.Context()); err == nil {
		if ag, _ := book.At(s.now()); ag != nil {
			opts.Goals = ag.Goals
		}
	}
	f, err := numbers.Build(r.Context(), s.store, opts)
	if err != nil {
		if by != "" {
			return fieldError("by", "%v", err)
		}
		return err
	}
	writeJSON(w, http.StatusOK, f)
	return nil
}
