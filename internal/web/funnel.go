package web

import (
	"net/http"
	"slices"
	"time"

	"github.com/accordhq/accord/internal/daily"
	"github.com/accordhq/accord/internal/numbers"
)

// funnelData is the funnel page: one period's stages against goal, its
// period and cohort conversions, cycle and weeks, by a dimension; and the
// conversions month by month before it.
type funnelData struct {
	Period     string // week, month, quarter, ytd
	Day        string
	By         string
	Periods    []string
	Dimensions []string
	Funnel     *numbers.Funnel
	// Months are the last six months to Day, oldest first, for the
	// conversion trend.
	Months []*numbers.Funnel
	// Steps are the conversions shown month by month, in funnel order.
	Steps [][2]string
}

var funnelStages = []string{"inquiry", "lead", "mql", "sql", "opportunities_opened", "proposals", "won", "lost", "bookings"}

func (s *Server) funnelPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	d := funnelData{Period: q.Get("period"), Day: q.Get("date"), By: q.Get("by"),
		Periods: []string{numbers.Week, numbers.Month, numbers.Quarter, numbers.YearToDate}, Dimensions: daily.Dimensions}
	if !slices.Contains(d.Periods, d.Period) {
		d.Period = numbers.Month
	}
	if _, err := time.Parse(time.DateOnly, d.Day); err != nil {
		d.Day = s.today()
	}
	if d.By != "" && !slices.Contains(d.Dimensions, d.By) {
		return httpError{http.StatusBadRequest, "There is no dimension " + d.By + "; use one of the list."}
	}
	var err error
	if d.Funnel, err = s.funnel(r.Context(), d.Period, d.Day, d.By); err != nil {
		return err
	}
	month := s.o.Fiscal.Month(d.Day)
	for range 6 {
		last := s.dayStart(month.To).AddDate(0, 0, -1).Format(time.DateOnly)
		if last > d.Day {
			last = d.Day
		}
		f, err := s.funnel(r.Context(), numbers.Month, last, "")
		if err != nil {
			return err
		}
		d.Months = append(d.Months, f)
		month = s.o.Fiscal.Month(s.dayStart(month.From).AddDate(0, 0, -1).Format(time.DateOnly))
	}
	slices.Reverse(d.Months)
	for _, c := range d.Funnel.Conversions {
		d.Steps = append(d.Steps, [2]string{c.From, c.To})
	}
	s.render(w, r, http.StatusOK, "funnel", page{Title: "Funnel", Nav: "funnel", Data: d})
	return nil
}
