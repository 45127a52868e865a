package web

import (
	"time"

	"github.com/accordhq/accord/internal/slareport"
)

// The SLA page's trend: the share met week by week over the last
// trendWeeks weeks, overall and for the trendGroups largest groups.
const (
	trendWeeks  = 12
	trendGroups = 5
)

// slaTrend is the trend's table and chart.
type slaTrend struct {
	By string
	// Keys are the groups shown, the most judged first ("" is none).
	Keys  []string
	Weeks []slaWeek
	Chart chartSpec
}

// slaWeek is a row of the trend's table.
type slaWeek struct {
	From, To string // days, To excluded
	Last     string // the last day in it
	// Partial is a week cut short by the period's end or today.
	Partial bool
	Overall slareport.Rate
	Groups  []slareport.Rate // in Keys' order
}

// trendEnd is the day the trend ends at (excluded): the period's end, or
// tomorrow when the period runs on past today, so the last point is this
// week so far rather than weeks yet to come.
func trendEnd(to string, now time.Time, zone *time.Location) string {
	tomorrow := now.In(zone).AddDate(0, 0, 1).Format(time.DateOnly)
	return min(to, tomorrow)
}

// newSLATrend lays out t for the page, its days in zone.
func newSLATrend(t *slareport.Trend, zone *time.Location) *slaTrend {
	d := &slaTrend{By: t.By}
	for _, g := range t.Groups {
		d.Keys = append(d.Keys, g.Key)
	}
	for i, b := range t.Buckets {
		from, to := b.From.In(zone), b.To.In(zone)
		w := slaWeek{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), Last: to.AddDate(0, 0, -1).Format(time.DateOnly),
			Partial: from.AddDate(0, 0, 7).After(to), Overall: t.Overall[i]}
		for _, g := range t.Groups {
			w.Groups = append(w.Groups, g.Met[i])
		}
		d.Weeks = append(d.Weeks, w)
	}
	d.Chart = trendChart(t)
	if zone != time.Local {
		d.Chart.Zone = zone.String()
	}
	return d
}

// trendChart is the trend as a line per series, overall first with its
// 95% interval as a band; a week with nothing judged is a gap, not 0%.
func trendChart(t *slareport.Trend) chartSpec {
	c := chartSpec{Percent: true, Range: &[2]float64{0, 1}, XLabel: "Week of", Series: []string{"All obligations"}}
	for _, g := range t.Groups {
		c.Series = append(c.Series, groupLabel(g.Key))
	}
	c.Values = make([][]*float64, len(c.Series))
	c.Band = &chartBand{Label: "All obligations, 95% interval"}
	for i, b := range t.Buckets {
		c.X = append(c.X, b.From.Unix())
		o := t.Overall[i]
		c.Values[0] = append(c.Values[0], rateValue(o, o.Value))
		c.Band.Low = append(c.Band.Low, rateValue(o, o.Low))
		c.Band.High = append(c.Band.High, rateValue(o, o.High))
		for j, g := range t.Groups {
			c.Values[j+1] = append(c.Values[j+1], rateValue(g.Met[i], g.Met[i].Value))
		}
	}
	return c
}

// rateValue is v, one of r's figures, or nil when r has no rate.
func rateValue(r slareport.Rate, v float64) *float64 {
	if !r.Defined() {
		return nil
	}
	return &v
}

// groupLabel names a group as the page's tables do.
func groupLabel(key string) string {
	if key == "" {
		return "(none)"
	}
	return key
}
