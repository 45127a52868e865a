package web

import (
	"fmt"
	"strings"

	"github.com/accordhq/accord/internal/numbers"
)

// funnelChart is the period's funnel drawn as centred bars, one a stage,
// laid out here (in a 600-unit-wide box) so that it needs no script and
// prints as it shows. The table beside it holds the same numbers.
type funnelChart struct {
	Bars   []funnelBar
	Height int
	// Label says the whole chart in words, for screen readers.
	Label string
}

// funnelBar is one stage: its bar (X, W), the bar of its projection to
// the period's end (PX, PW: the pace), its goal's marks (GoalL, GoalR,
// when there is a goal) and the stage's count as a share of the one above
// ("38%": this period's counts, so a period rate, not a cohort's).
type funnelBar struct {
	Metric       string
	Count        int64
	Y, X, W      int
	PX, PW       int
	HasGoal      bool
	GoalL, GoalR int
	OfAbove      string
}

// The layout: a column of labels on the left, the bars centred in the rest.
const (
	funnelTop     = 4 // room for the goal marks above the first bar
	funnelRow     = 44
	funnelBarH    = 30
	funnelCentre  = 390
	funnelHalfMax = 205 // the widest bar or goal is 410 units
)

// chartFunnel lays out stages of f; the widest of the counts, projections
// and goals spans the bar area.
func chartFunnel(f *numbers.Funnel, stages []string) funnelChart {
	var c funnelChart
	widest := 1.0
	rows := make([]numbers.Row, len(stages))
	for i, m := range stages {
		rows[i] = rowOf(f, m)
		widest = max(widest, float64(rows[i].Count))
		if g := rows[i].Goal; g != nil {
			widest = max(widest, *g)
		}
		if p := rows[i].Projected; p != nil {
			widest = max(widest, *p)
		}
	}
	half := func(v float64) int { return int(v * funnelHalfMax / widest) }
	var words []string
	for i, r := range rows {
		b := funnelBar{Metric: r.Metric, Count: r.Count, Y: funnelTop + i*funnelRow}
		hw := half(float64(r.Count))
		if r.Count > 0 {
			hw = max(hw, 1) // a stage with a few is seen, not lost
		}
		b.X, b.W = funnelCentre-hw, 2*hw
		if r.Projected != nil {
			p := max(half(*r.Projected), hw)
			b.PX, b.PW = funnelCentre-p, 2*p
		}
		if r.Goal != nil {
			g := half(*r.Goal)
			b.HasGoal, b.GoalL, b.GoalR = true, funnelCentre-g, funnelCentre+g
		}
		if i > 0 && rows[i-1].Count > 0 {
			b.OfAbove = fmt.Sprintf("%.0f%%", 100*float64(r.Count)/float64(rows[i-1].Count))
		}
		c.Bars = append(c.Bars, b)
		w := fmt.Sprintf("%s %d", label(r.Metric), r.Count)
		if r.Goal != nil {
			w += fmt.Sprintf(" (goal %.0f)", *r.Goal)
		}
		words = append(words, w)
	}
	c.Height = 2*funnelTop + len(rows)*funnelRow
	c.Label = "Funnel this period: " + strings.Join(words, ", ")
	return c
}
