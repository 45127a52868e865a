package web

import (
	"context"
	"net/http"
	"time"

	"github.com/accordhq/accord/internal/agreement"
	"github.com/accordhq/accord/internal/numbers"
	"github.com/accordhq/accord/internal/slareport"
)

// overviewData is both sides of the agreement for the month and the year
// to date: marketing's volumes against goal, sales' speed and follow-up.
type overviewData struct {
	Today     string
	Month     *numbers.Funnel
	YTD       *numbers.Funnel
	SLA       *slareport.Report
	Agreement string // the version in force, in a few words
	// Marketing and Sales are the rows each side owns, in the order shown.
	Marketing []string
	Sales     []string
}

func (s *Server) agreementNow(ctx context.Context) (*agreement.Agreement, int) {
	book, err := s.o.Ingest.Versions().Get(ctx)
	if err != nil {
		return nil, 0
	}
	return book.At(s.o.Now())
}

func (s *Server) today() string { return s.o.Now().In(s.o.Location).Format(time.DateOnly) }

// dayStart is midnight of day in the organisation's zone.
func (s *Server) dayStart(day string) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, day, s.o.Location)
	if err != nil {
		return time.Time{}
	}
	return t
}

func (s *Server) funnel(ctx context.Context, kind, day, by string) (*numbers.Funnel, error) {
	opts := numbers.Options{Fiscal: s.o.Fiscal, Kind: kind, Day: day, By: by}
	if ag, _ := s.agreementNow(ctx); ag != nil {
		opts.Goals = ag.Goals
	}
	return numbers.Build(ctx, s.o.Store, opts)
}

func (s *Server) overview(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	d := overviewData{Today: s.today(), Marketing: []string{"lead", "mql"}, Sales: []string{"sql", "opportunities_opened", "won", "bookings"}}
	var err error
	if d.Month, err = s.funnel(ctx, numbers.Month, d.Today, ""); err != nil {
		return err
	}
	if d.YTD, err = s.funnel(ctx, numbers.YearToDate, d.Today, ""); err != nil {
		return err
	}
	from, to := s.dayStart(d.Month.Period.From), s.dayStart(d.Month.Period.To)
	in, err := slareport.Load(ctx, s.o.Store, from, to)
	if err != nil {
		return err
	}
	d.SLA = slareport.Build(in, slareport.Options{From: from, To: to, Now: s.o.Now()})
	if ag, n := s.agreementNow(ctx); ag != nil {
		d.Agreement = ag.Name + ", version " + itoa(n)
	}
	s.render(w, r, http.StatusOK, "overview", page{Title: "Overview", Nav: "overview", Data: d})
	return nil
}
