package api

import (
	"net/http"

	"github.com/accordhq/accord/internal/qbr"
)

// qbrReport is GET /api/v1/reports/qbr: the quarter holding date as JSON,
// Markdown (format=md), CSV (format=csv) or a printable HTML page
// (format=html).
func (s *Server) qbrReport(w http.ResponseWriter, r *http.Request) error {
	day, err := s.reportDay(r)
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	switch format {
	case "", "json", "md", "csv", "html":
	default:
		return fieldError("format", "format must be json, md, csv or html, got %q", format)
	}
	opts := qbr.Options{Fiscal: s.reporting.Fiscal, Location: s.reporting.Location, Day: day, Now: s.now()}
	if book, err := s.ingest.Versions().Get(r.Context()); err == nil {
		if ag, _ := book.At(s.now()); ag != nil {
			opts.Goals = ag.Goals
		}
	}
	q, err := qbr.Build(r.Context(), s.store, opts)
	if err != nil {
		return err
	}
	name := "qbr-" + q.Quarter.Name
	switch format {
	case "md":
		w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.md"`)
		return q.Markdown(w)
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
		return q.CSV(w)
	case "html":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
		return q.HTML(w)
	}
	writeJSON(w, http.StatusOK, q)
	return nil
}
