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
	day, err := s.reportDay(r)
	if err != nil {
		return err
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
	if q.Get("format") == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="funnel-`+f.Period.From+`.csv"`)
		return f.WriteCSV(w)
	}
	writeJSON(w, http.StatusOK, f)
	return nil
}

// reportDay reads the date parameter: a day, or today in the organisation's
// zone.
func (s *Server) reportDay(r *http.Request) (string, error) {
	loc := s.reporting.Location
	if loc == nil {
		loc = time.UTC
	}
	day := r.URL.Query().Get("date")
	if day == "" {
		return s.now().In(loc).Format(time.DateOnly), nil
	}
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		return "", fieldError("date", "date must be a day such as 2026-03-15, got %q", day)
	}
	return day, nil
}

// activityReport is GET /api/v1/reports/activity: activities by kind and
// rep this period against the previous period to the same point.
func (s *Server) activityReport(w http.ResponseWriter, r *http.Request) error {
	day, err := s.reportDay(r)
	if err != nil {
		return err
	}
	kind := r.URL.Query().Get("period")
	if _, err := numbers.PeriodOf(s.reporting.Fiscal, kind, day); err != nil {
		return fieldError("period", "%v", err)
	}
	a, err := numbers.ActivityReport(r.Context(), s.store, s.reporting.Fiscal, kind, day)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

// dayReport is GET /api/v1/reports/day: a day against the same weekday of
// the week before.
func (s *Server) dayReport(w http.ResponseWriter, r *http.Request) error {
	day, err := s.reportDay(r)
	if err != nil {
		return err
	}
	d, err := numbers.DayReport(r.Context(), s.store, day)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}
