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
	return q.Serve(w, format)
}
