package slareport

import (
	"encoding/csv"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Comparison is a backtest's answer: the same period judged by the
// agreement(s) actually in force and by a proposed one.
type Comparison struct {
	Period   Period  `json:"period"`
	Current  *Report `json:"current"`
	Proposed *Report `json:"proposed"`
}

// Period is what both reports of a comparison cover.
type Period struct {
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
	AsOf time.Time `json:"as_of"`
	By   string    `json:"by,omitempty"`
}

// Compare puts two reports of the same period side by side; the period is
// the current report's.
func Compare(current, proposed *Report) *Comparison {
	return &Comparison{
		Period:  Period{From: current.From, To: current.To, AsOf: current.AsOf, By: current.By},
		Current: current, Proposed: proposed,
	}
}

// WriteText writes the overall figures of both reports side by side with
// the change, then, when grouped, each group's share met.
func (c *Comparison) WriteText(w io.Writer) error {
	cur, pro := c.Current, c.Proposed
	var b strings.Builder
	fmt.Fprintf(&b, "Backtest: %s\n\n", period(c.Period.From, c.Period.To, c.Period.AsOf))
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, " \tIN FORCE\tPROPOSED\tCHANGE")
	count := func(name string, x, y int) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", name, x, y, signed(y-x))
	}
	rate := func(name string, x, y Rate) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", name, share(x), share(y), points(x, y))
	}
	co, po := cur.Overall, pro.Overall
	count("obligations", co.Obligations.Total, po.Obligations.Total)
	count("  met", co.Obligations.Met, po.Obligations.Met)
	count("  breached", co.Obligations.Breached, po.Obligations.Breached)
	count("  of which overdue, still open", co.Obligations.OpenOverdue, po.Obligations.OpenOverdue)
	count("  open, not yet due", co.Obligations.Open, po.Obligations.Open)
	count("  cancelled", co.Obligations.Cancelled, po.Obligations.Cancelled)
	fmt.Fprintf(tw, "met %%\t%s %s\t%s %s\t%s\n", pct(co.Met), interval(co.Met), pct(po.Met), interval(po.Met), points(co.Met, po.Met))
	count("  judged", co.Met.Denominator, po.Met.Denominator)
	fmt.Fprintf(tw, "first touch p50/p90, business\t%s\t%s\t \n", spread(co.FirstTouch.Business), spread(po.FirstTouch.Business))
	fmt.Fprintf(tw, "first touch p50/p90, wall clock\t%s\t%s\t \n", spread(co.FirstTouch.Wall), spread(po.FirstTouch.Wall))
	rate("leads worked", co.Worked, po.Worked)
	fmt.Fprintf(tw, "touches before disposition\t%s\t%s\t \n", touches(co.TouchesBeforeDisposition), touches(po.TouchesBeforeDisposition))
	rate("dispositions on time", co.DispositionsOnTime, po.DispositionsOnTime)
	rate("handoffs accepted on time", co.HandoffsAcceptedOnTime, po.HandoffsAcceptedOnTime)
	rate("leads with every must-have field", co.MustHave, po.MustHave)
	if err := tw.Flush(); err != nil {
		return err
	}
	if !slices.Equal(cur.MustHave, pro.MustHave) {
		fmt.Fprintf(&b, "\nlead_must_have: in force %s; proposed %s.\n", fields(cur.MustHave), fields(pro.MustHave))
	}

	if c.Period.By != "" {
		cg, pg := byGroupKey(cur), byGroupKey(pro)
		keys := slices.SortedFunc(maps.Keys(merge(cg, pg)), byKey)
		fmt.Fprintf(&b, "\nMet %% by %s (judged):\n", c.Period.By)
		tw = tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "%s\tIN FORCE\tPROPOSED\tCHANGE\n", strings.ToUpper(c.Period.By))
		for _, k := range keys {
			x, y := cg[k].Met, pg[k].Met
			name := k
			if name == "" {
				name = noneLabel
			}
			fmt.Fprintf(tw, "%s\t%s (%d)\t%s (%d)\t%s\n", name, pct(x), x.Denominator, pct(y), y.Denominator, points(x, y))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintln(&b, "\nMet % is met ÷ (met + breached); open obligations past due count as breached. The proposed agreement is judged as if it had always been in force; nothing was stored.")
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteCSV writes both reports' rows, each led by "current" or "proposed".
func (c *Comparison) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(append([]string{"agreement"}, csvHeader...)); err != nil {
		return err
	}
	if err := c.Current.writeRows(cw, []string{"current"}); err != nil {
		return err
	}
	if err := c.Proposed.writeRows(cw, []string{"proposed"}); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

func byGroupKey(r *Report) map[string]Group {
	m := make(map[string]Group, len(r.Groups))
	for _, g := range r.Groups {
		m[g.Key] = g
	}
	return m
}

func merge(a, b map[string]Group) map[string]Group {
	out := maps.Clone(a)
	maps.Copy(out, b)
	return out
}

func signed(n int) string {
	if n > 0 {
		return fmt.Sprintf("+%d", n)
	}
	return fmt.Sprint(n)
}

// points is the change of a rate in percentage points.
func points(x, y Rate) string {
	if !x.Defined() || !y.Defined() {
		return " "
	}
	switch d := math.Round(1000*(y.Value-x.Value)) / 10; {
	case d > 0:
		return fmt.Sprintf("+%.1f pts", d)
	case d < 0:
		return fmt.Sprintf("%.1f pts", d)
	}
	return "0 pts"
}

func fields(fs []string) string {
	if len(fs) == 0 {
		return "none"
	}
	return strings.Join(fs, ", ")
}
