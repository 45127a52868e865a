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
	// VolumeChart and RateChart are the months' stage volumes and period
	// conversion rates, for the charts.
	VolumeChart, RateChart chartSpec
	// Shape is the period's funnel as a bar chart.
	Shape funnelChart
}

// chartSpec is what assets/charts.js draws: x in Unix seconds, one series
// of values per name (null for a gap).
type chartSpec struct {
	X       []int64      `json:"x"`
	Series  []string     `json:"series"`
	Values  [][]*float64 `json:"values"`
	Percent bool         `json:"percent,omitempty"`
	// Range fixes the y axis (a share met is 0–100%: an axis zoomed to
	// the data would make a two-point dip look like a collapse).
	Range *[2]float64 `json:"range,omitempty"`
	// Band shades an interval around the first series.
	Band *chartBand `json:"band,omitempty"`
	// Zone is the IANA time zone the x axis's days are in ("": the
	// browser's).
	Zone string `json:"zone,omitempty"`
	// XLabel names each x in the legend, written as a day ("": uPlot's
	// date and time).
	XLabel string `json:"x_label,omitempty"`
}

// chartBand is an interval drawn as a shaded band, null for a gap.
type chartBand struct {
	Label string     `json:"label"`
	Low   []*float64 `json:"low"`
	High  []*float64 `json:"high"`
}

// chartVolumes are the stages charted month by month.
var chartVolumes = []string{"lead", "mql", "sql", "opportunities_opened", "won"}

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
	d.VolumeChart, d.RateChart = s.funnelCharts(d.Months)
	d.Shape = chartFunnel(d.Funnel, chartVolumes)
	s.render(w, r, http.StatusOK, "funnel", page{Title: "Funnel", Nav: "funnel", Data: d})
	return nil
}

func (s *Server) funnelCharts(months []*numbers.Funnel) (vol, rates chartSpec) {
	rates.Percent = true
	for _, m := range chartVolumes {
		vol.Series = append(vol.Series, label(m))
	}
	vol.Values = make([][]*float64, len(chartVolumes))
	if len(months) > 0 {
		for _, c := range months[0].Conversions {
			rates.Series = append(rates.Series, label(c.From)+" → "+label(c.To))
		}
	}
	rates.Values = make([][]*float64, len(rates.Series))
	for _, f := range months {
		x := s.dayStart(f.Period.From).Unix()
		vol.X, rates.X = append(vol.X, x), append(rates.X, x)
		for i, m := range chartVolumes {
			n := float64(rowOf(f, m).Count)
			vol.Values[i] = append(vol.Values[i], &n)
		}
		for i := range rates.Series {
			var v *float64
			if i < len(f.Conversions) {
				v = f.Conversions[i].Rate
			}
			rates.Values[i] = append(rates.Values[i], v)
		}
	}
	return vol, rates
}
