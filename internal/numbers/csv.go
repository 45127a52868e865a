package numbers

import (
	"encoding/csv"
	"io"
	"strconv"
)

// WriteCSV writes the funnel as rows of metric, count, amount, goal,
// projected and share of goal; then the conversions; then the groups.
func (f *Funnel) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	opt := func(p *float64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatFloat(*p, 'f', -1, 64)
	}
	rows := func(group string, rs []Row) {
		for _, r := range rs {
			cw.Write([]string{f.Period.From, f.Period.To, group, r.Metric, strconv.FormatInt(r.Count, 10), opt(r.Amount), opt(r.Goal), opt(r.Projected), opt(r.OfGoal)})
		}
	}
	cw.Write([]string{"period_from", "period_to", "group", "metric", "count", "amount", "goal", "projected", "projected_of_goal"})
	rows("", f.Rows)
	for _, g := range f.Groups {
		rows(f.By+"="+g.Value, g.Rows)
	}
	cw.Write(nil)
	cw.Write([]string{"kind", "from", "to", "within_days", "numerator", "denominator", "rate"})
	for _, c := range append(append([]Conversion{}, f.Conversions...), f.Cohorts...) {
		cw.Write([]string{c.Kind, c.From, c.To, strconv.Itoa(c.WithinDays), strconv.FormatInt(c.Numerator, 10), strconv.FormatInt(c.Denominator, 10), opt(c.Rate)})
	}
	cw.Flush()
	return cw.Error()
}
