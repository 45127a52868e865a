package web

import (
	"testing"

	"github.com/accordhq/accord/internal/numbers"
)

func TestChartFunnel(t *testing.T) {
	goal, pace := 800.0, 600.0
	f := &numbers.Funnel{Rows: []numbers.Row{
		{Metric: "lead", Count: 400}, {Metric: "mql", Count: 100, Goal: &goal, Projected: &pace}, {Metric: "sql", Count: 1}, {Metric: "won", Count: 0},
	}}
	c := chartFunnel(f, []string{"lead", "mql", "sql", "won"})
	if len(c.Bars) != 4 || c.Height != 2*funnelTop+4*funnelRow {
		t.Fatalf("%d bars, height %d", len(c.Bars), c.Height)
	}
	for _, tc := range []struct {
		metric  string
		w       int
		goal    bool
		ofAbove string
	}{
		// The MQL goal (800) is the widest figure: it spans the area.
		{"lead", 2 * (400 * funnelHalfMax / 800), false, ""},
		{"mql", 2 * (100 * funnelHalfMax / 800), true, "25%"},
		{"sql", 2, false, "1%"}, // one lead is still seen
		{"won", 0, false, "0%"},
	} {
		var b funnelBar
		for _, x := range c.Bars {
			if x.Metric == tc.metric {
				b = x
			}
		}
		if b.W != tc.w || b.X != funnelCentre-tc.w/2 || b.HasGoal != tc.goal || b.OfAbove != tc.ofAbove {
			t.Errorf("%s: %+v, want width %d centred, goal %v, %q of the stage above", tc.metric, b, tc.w, tc.goal, tc.ofAbove)
		}
	}
	if mql := c.Bars[1]; mql.GoalL != funnelCentre-funnelHalfMax || mql.GoalR != funnelCentre+funnelHalfMax {
		t.Errorf("the MQL goal's marks at %d and %d, want the area's edges", mql.GoalL, mql.GoalR)
	}
	if mql, w := c.Bars[1], 2*(600*funnelHalfMax/800); mql.PW != w || mql.PX != funnelCentre-w/2 {
		t.Errorf("the MQLs' pace bar at %d, %d wide; want %d wide, centred", mql.PX, mql.PW, w)
	}
	if c.Bars[0].PW != 0 {
		t.Error("a pace bar for leads, which have no projection")
	}
	if want := "Funnel this period: Leads 400, MQLs 100 (goal 800), SQLs 1, Deals won 0"; c.Label != want {
		t.Errorf("label %q, want %q", c.Label, want)
	}
}
