package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/accordhq/accord/internal/agreement"
	"github.com/accordhq/accord/internal/slareport"
	"github.com/accordhq/accord/internal/store"
)

// reportPeriod reads from, to and by. Dates are midnight in loc; the
// default is the 30 days up to now.
func (s *Server) reportPeriod(r *http.Request, loc *time.Location) (from, to time.Time, by string, err error) {
	q := r.URL.Query()
	if loc == nil {
		loc = time.UTC
	}
	read := (&agreement.Agreement{Location: loc}).EffectiveFrom
	to = s.now()
	if v := q.Get("to"); v != "" {
		if to, err = read(v); err != nil {
			return from, to, by, fieldError("to", "to: %v", err)
		}
	}
	from = to.AddDate(0, 0, -30)
	if v := q.Get("from"); v != "" {
		if from, err = read(v); err != nil {
			return from, to, by, fieldError("from", "from: %v", err)
		}
	}
	if !from.Before(to) {
		return from, to, by, fieldError("from", "from %s is not before to %s", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	by = q.Get("by")
	if err := slareport.CheckBy(by); err != nil {
		return from, to, by, fieldError("by", "%v", err)
	}
	return from, to, by, nil
}

// inForceLocation is the time zone of the agreement in force (UTC if none).
func (s *Server) inForceLocation(r *http.Request) *time.Location {
	book, err := s.ingest.Versions().Get(r.Context())
	if err != nil {
		return time.UTC
	}
	if ag, _ := book.At(s.now()); ag != nil && ag.Location != nil {
		return ag.Location
	}
	return time.UTC
}

// slaReport is GET /api/v1/reports/sla: JSON, or CSV with format=csv.
func (s *Server) slaReport(w http.ResponseWriter, r *http.Request) error {
	from, to, by, err := s.reportPeriod(r, s.inForceLocation(r))
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "csv" {
		return fieldError("format", "format must be json or csv, got %q", format)
	}
	in, err := slareport.Load(r.Context(), s.store, from, to)
	if err != nil {
		return err
	}
	rep := slareport.Build(in, slareport.Options{From: from, To: to, By: by, Now: s.now()})
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="sla-report.csv"`)
		return rep.WriteCSV(w)
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// backtest is POST /api/v1/agreement/backtest: the stored events replayed
// under the agreement in the body, beside the report of the agreement in
// force, for the same period. Nothing is written.
func (s *Server) backtest(w http.ResponseWriter, r *http.Request) error {
	body, _, _, err := readAgreementBody(w, r)
	if err != nil {
		return err
	}
	ag, err := parseAgreement(body, "nothing was replayed")
	if err != nil {
		return err
	}
	from, to, by, err := s.reportPeriod(r, ag.Location)
	if err != nil {
		return err
	}
	now := s.now()
	cur, err := slareport.Load(r.Context(), s.store, from, to)
	if err != nil {
		return err
	}
	prop, err := slareport.Backtest(r.Context(), s.store, ag, from, to, s.ingest.EmailNorm())
	if errors.Is(err, store.ErrNotFound) {
		return errorf(http.StatusNotFound, "%v", err)
	}
	if err != nil {
		return err
	}
	opt := slareport.Options{From: from, To: to, By: by, Now: now}
	writeJSON(w, http.StatusOK, slareport.Compare(slareport.Build(cur, opt), slareport.Build(prop, opt)))
	return nil
}
