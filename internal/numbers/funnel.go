// Package numbers turns the daily atoms into the figures both teams read:
// the funnel of a period against its goals, with pacing and period
// conversion rates, each rate with its numerator and denominator.
package numbers

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/accordhq/accord/internal/agreement"
	"github.com/accordhq/accord/internal/daily"
	"github.com/accordhq/accord/internal/store"
)

// Metrics are the funnel's rows, in funnel order.
var Metrics = []string{"inquiry", "lead", "mql", "sql", "opportunity", "customer",
	daily.Opportunities, daily.Proposals, daily.Won, daily.Lost, daily.Bookings, "nurture", "disqualified"}

// Kinds of period a funnel report covers.
const (
	Week       = "week"
	Month      = "month"
	Quarter    = "quarter"
	YearToDate = "ytd"
)

// Funnel is one period's numbers.
type Funnel struct {
	Period      daily.Period `json:"period"`
	Kind        string       `json:"kind"`
	AsOf        string       `json:"as_of"`        // the last day counted
	DaysElapsed int          `json:"days_elapsed"` // of the period, up to as_of
	Days        int          `json:"days"`
	By          string       `json:"by,omitempty"`
	Rows        []Row        `json:"rows"`
	// Conversions are period rates: of this period's X, how many Y in the
	// same period — not cohorts (of March's MQLs, how many became SQLs).
	Conversions []Conversion `json:"conversions"`
	// Cohorts follow the leads that entered a stage in this period: of
	// them, how many reached the next stage by now (ever, and within 30
	// days). Recent cohorts are still maturing.
	Cohorts []Conversion `json:"cohorts"`
	// Cycle is the sales cycle of the deals won in the period, from the
	// lead's creation to the win.
	Cycle  Cycle   `json:"cycle"`
	Groups []Group `json:"groups,omitempty"`
	// Weeks are the weeks that start in the period, and where each stands
	// in the weekly review (open, in_review, signed, locked). The
	// period's figures are always the sums of its days.
	Weeks []WeekStatus `json:"weeks"`
}

// WeekStatus is one week's review status.
type WeekStatus struct {
	Week   string `json:"week"`
	Status string `json:"status"`
}

// Cycle is the length of won deals' sales cycles, in days.
type Cycle struct {
	Won        int64    `json:"won"`
	MeanDays   *float64 `json:"mean_days"`
	MedianDays *int     `json:"median_days"` // whole days
	// WonBeforeCreated counts deals won before their lead's first known
	// contact (bad dates in the source data), left out of the figures.
	WonBeforeCreated int64 `json:"won_before_created"`
}

// Row is one metric: the count (and amount for bookings), the goal for
// the period if the agreement sets one, and the pace.
type Row struct {
	Metric string   `json:"metric"`
	Count  int64    `json:"count"`
	Amount *float64 `json:"amount,omitempty"`
	Goal   *float64 `json:"goal,omitempty"`
	// Projected is the count (or amount) at the end of the period at the
	// pace so far; OfGoal the projection as a share of the goal.
	Projected *float64 `json:"projected,omitempty"`
	OfGoal    *float64 `json:"projected_of_goal,omitempty"`
}

// Conversion is a period rate with what it is made of.
type Conversion struct {
	From        string   `json:"from"`
	To          string   `json:"to"`
	Numerator   int64    `json:"numerator"`
	Denominator int64    `json:"denominator"`
	Rate        *float64 `json:"rate"` // null when the denominator is 0
	// Kind is "period" (this period's To ÷ this period's From) or
	// "cohort" (of this period's From, how many reached To by now, within
	// WithinDays when set).
	Kind       string `json:"kind"`
	WithinDays int    `json:"within_days,omitempty"`
}

// Group is one value of the By dimension.
type Group struct {
	Value string `json:"value"`
	Rows  []Row  `json:"rows"`
}

// PeriodOf returns the period of the kind holding day.
func PeriodOf(f daily.Fiscal, kind, day string) (daily.Period, error) {
	switch kind {
	case Week:
		return f.Week(day), nil
	case Month, "":
		return f.Month(day), nil
	case Quarter:
		return f.Quarter(day), nil
	case YearToDate:
		return f.YearToDate(day), nil
	}
	return daily.Period{}, fmt.Errorf("period %q: use week, month, quarter or ytd", kind)
}

// Options shape a funnel report.
type Options struct {
	Fiscal daily.Fiscal
	Kind   string // week, month, quarter, ytd
	Day    string // a day in the period; the report counts up to it
	By     string // a daily dimension, or "" for none
	Goals  *agreement.Goals
}

// Build reads the period's atoms and makes the report.
func Build(ctx context.Context, st store.Store, o Options) (*Funnel, error) {
	if o.By != "" && !slices.Contains(daily.Dimensions, o.By) {
		return nil, fmt.Errorf("by %q: use one of %v", o.By, daily.Dimensions)
	}
	p, err := PeriodOf(o.Fiscal, o.Kind, o.Day)
	if err != nil {
		return nil, err
	}
	kind := o.Kind
	if kind == "" {
		kind = Month
	}
	to := min(p.To, next(o.Day))
	f := &Funnel{Period: p, Kind: kind, AsOf: o.Day, Days: len(p.Days()), By: o.By}
	f.DaysElapsed = len(daily.Period{From: p.From, To: to}.Days())
	cohortMetrics := []string{}
	for _, step := range daily.CohortSteps {
		cohortMetrics = append(cohortMetrics, daily.CohortMetric(step[0], step[1], 0), daily.CohortMetric(step[0], step[1], 30))
	}
	// One read of the period's totals: the funnel, the cohorts and the
	// won deals' cycle atoms, summed by the database.
	rows, err := st.Daily(ctx, store.DailyFilter{From: p.From, To: to, Metrics: append(slices.Clone(Metrics), cohortMetrics...),
		Prefix: cyclePrefix, Dim: daily.All, Summed: true})
	if err != nil {
		return nil, err
	}
	totals := sum(rows)
	f.Rows = f.rows(totals, o.Goals, kind)
	for _, c := range [][2]string{{"lead", "mql"}, {"mql", "sql"}, {"sql", daily.Opportunities}, {daily.Opportunities, daily.Proposals}, {daily.Proposals, daily.Won}} {
		f.Conversions = append(f.Conversions, rate(c[0], c[1], totals[c[1]].N, totals[c[0]].N, "period", 0))
	}
	for _, step := range daily.CohortSteps {
		for _, within := range []int{0, 30} {
			num, den := totals[daily.CohortMetric(step[0], step[1], within)].N, totals[step[0]].N
			f.Cohorts = append(f.Cohorts, rate(step[0], step[1], num, den, "cohort", within))
		}
	}
	f.Cycle = cycle(rows)
	if f.Weeks, err = Weeks(ctx, st, o.Fiscal, p); err != nil {
		return nil, err
	}
	if o.By != "" {
		rows, err := st.Daily(ctx, store.DailyFilter{From: p.From, To: to, Metrics: Metrics, Dim: o.By, Summed: true})
		if err != nil {
			return nil, err
		}
		byValue := map[string][]store.DailyRow{}
		for _, r := range rows {
			byValue[r.Value] = append(byValue[r.Value], r)
		}
		for _, v := range slices.Sorted(maps.Keys(byValue)) {
			f.Groups = append(f.Groups, Group{Value: v, Rows: f.rows(sum(byValue[v]), nil, kind)})
		}
	}
	return f, nil
}

// Weeks lists the weeks that start in period p and where each stands in
// the weekly review, from the reviews alone.
func Weeks(ctx context.Context, st store.Store, fiscal daily.Fiscal, p daily.Period) ([]WeekStatus, error) {
	reviews, err := st.Reviews(ctx, p.From, p.To)
	if err != nil {
		return nil, err
	}
	status := map[string]string{}
	for _, r := range reviews {
		status[r.Week] = r.Status
	}
	out := []WeekStatus{}
	for w := fiscal.Week(p.From); w.From < p.To; w = fiscal.Week(w.To) {
		if w.From < p.From {
			continue // starts in the period before
		}
		ws := status[w.From]
		if ws == "" {
			ws = "open"
		}
		out = append(out, WeekStatus{Week: w.From, Status: ws})
	}
	return out, nil
}

func (f *Funnel) rows(totals map[string]daily.Cell, goals *agreement.Goals, kind string) []Row {
	out := make([]Row, 0, len(Metrics))
	for _, m := range Metrics {
		c := totals[m]
		r := Row{Metric: m, Count: c.N}
		value := float64(c.N)
		if m == daily.Bookings {
			a := c.Amount()
			r.Amount, value = &a, a
		}
		pace := -1.0
		if f.DaysElapsed > 0 {
			pace = value * float64(f.Days) / float64(f.DaysElapsed)
			proj := math.Round(pace*100) / 100
			r.Projected = &proj
		}
		if g, ok := goalFor(goals, m, kind, f.Days); ok {
			r.Goal = &g
			if pace >= 0 && g > 0 {
				share := math.Round(pace/g*1000) / 1000
				r.OfGoal = &share
			}
		}
		out = append(out, r)
	}
	return out
}

// goalFor scales the agreement's monthly goals to the period: a week is
// 7/30.4 of a month, a quarter three months, a year to date its days.
func goalFor(g *agreement.Goals, metric, kind string, days int) (float64, bool) {
	if g == nil {
		return 0, false
	}
	m := g.Monthly()
	monthly := map[string]float64{"lead": m.Leads, "mql": m.MQLs, "sql": m.SQLs, daily.Opportunities: m.Opportunities,
		daily.Won: m.Customers, "customer": m.Customers, daily.Bookings: m.Bookings}[metric]
	if monthly <= 0 {
		return 0, false
	}
	switch kind {
	case Month:
		return monthly, true
	case Quarter:
		return 3 * monthly, true
	}
	return math.Round(monthly*float64(days)/30.44*100) / 100, true
}

func sum(rows []store.DailyRow) map[string]daily.Cell {
	out := map[string]daily.Cell{}
	for _, r := range rows {
		c := out[r.Metric]
		c.N += r.N
		c.Cents += r.Cents
		out[r.Metric] = c
	}
	return out
}

func next(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return t.AddDate(0, 0, 1).Format(time.DateOnly)
}

func rate(from, to string, num, den int64, kind string, within int) Conversion {
	cv := Conversion{From: from, To: to, Numerator: num, Denominator: den, Kind: kind, WithinDays: within}
	if den > 0 {
		r := float64(num) / float64(den)
		cv.Rate = &r
	}
	return cv
}

// cyclePrefix starts the names of the cycle atoms (daily.CycleDays,
// daily.CycleNegative and the histogram).
const cyclePrefix = "cycle."

// cycle makes the won deals' cycle from their atoms among rows: the mean
// from the summed hundredths of days, the median from the histogram of
// whole days.
func cycle(rows []store.DailyRow) Cycle {
	var c Cycle
	var cents int64
	hist := map[int]int64{}
	for _, r := range rows {
		switch {
		case r.Metric == daily.CycleDays:
			c.Won += r.N
			cents += r.Cents
		case r.Metric == daily.CycleNegative:
			c.WonBeforeCreated += r.N
		case strings.HasPrefix(r.Metric, "cycle.hist."):
			d, err := strconv.Atoi(strings.TrimPrefix(r.Metric, "cycle.hist."))
			if err == nil {
				hist[d] += r.N
			}
		}
	}
	if c.Won == 0 {
		return c
	}
	mean := math.Round(float64(cents)/100/float64(c.Won)*10) / 10
	c.MeanDays = &mean
	// The lower median: the day count of the deal at position ceil(n/2).
	seen, half := int64(0), (c.Won+1)/2
	for _, d := range slices.Sorted(maps.Keys(hist)) {
		seen += hist[d]
		if seen >= half {
			c.MedianDays = &d
			break
		}
	}
	return c
}
