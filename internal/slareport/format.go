package slareport

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Labels of rows that are not a group's own key.
const (
	allLabel  = "(all)"
	noneLabel = "(none)"
)

func label(g Group, overall bool) string {
	switch {
	case overall:
		return allLabel
	case g.Key == "":
		return noneLabel
	}
	return g.Key
}

// row is one line of a table: a group, or the overall figures.
type row struct {
	g       Group
	overall bool
}

// rows are the groups then the overall figures.
func (r *Report) rows() []row {
	out := make([]row, 0, len(r.Groups)+1)
	for _, g := range r.Groups {
		out = append(out, row{g, false})
	}
	return append(out, row{r.Overall, true})
}

// Period says the report's period in words.
func (r *Report) Period() string {
	return period(r.From, r.To, r.AsOf)
}

func period(from, to, asOf time.Time) string {
	s := "obligations started"
	switch {
	case !from.IsZero() && !to.IsZero():
		s += " from " + stamp(from) + " to " + stamp(to)
	case !from.IsZero():
		s += " from " + stamp(from)
	case !to.IsZero():
		s += " before " + stamp(to)
	default:
		s += " at any time"
	}
	return s + ", judged at " + stamp(asOf)
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// WriteText writes the report as aligned plain tables for a terminal.
func (r *Report) WriteText(w io.Writer) error {
	head := "SLA report: " + r.Period()
	if r.By != "" {
		head += ", by " + r.By
	}
	col := strings.ToUpper(r.By)
	if col == "" {
		col = " "
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", head)

	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\tOBLIGATIONS\tMET\tBREACHED\tOVERDUE\tOPEN\tCANCELLED\tMET %%\t95%% INTERVAL\tJUDGED\n", col)
	small := false
	for _, row := range r.rows() {
		g := row.g
		c := g.Obligations
		judged := strconv.Itoa(g.Met.Denominator)
		if g.Met.Small {
			judged += "*"
			small = true
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\n", label(g, row.overall), c.Total, c.Met, c.Breached,
			c.OpenOverdue, c.Open, c.Cancelled, pct(g.Met), interval(g.Met), judged)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(&b)
	tw = tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\tFIRST TOUCH P50/P90 (BUSINESS)\t(WALL CLOCK)\tLEADS WORKED\tTOUCHES BEFORE DISPOSITION\tDISPOSITIONS ON TIME\tHANDOFFS ON TIME\n", col)
	for _, row := range r.rows() {
		g := row.g
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", label(g, row.overall), spread(g.FirstTouch.Business), spread(g.FirstTouch.Wall),
			share(g.Worked), touches(g.TouchesBeforeDisposition), share(g.DispositionsOnTime), share(g.HandoffsAcceptedOnTime))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(&b)
	if len(r.MustHave) == 0 {
		fmt.Fprintln(&b, "Marketing: the agreement promises no lead_must_have fields.")
	} else {
		m := r.Overall.MustHave
		if m.Defined() {
			fmt.Fprintf(&b, "Marketing: %s of leads (%d/%d) had every lead_must_have field (%s)", pct(m), m.Numerator, m.Denominator, strings.Join(r.MustHave, ", "))
		} else {
			fmt.Fprintf(&b, "Marketing: no leads to check for the lead_must_have fields (%s)", strings.Join(r.MustHave, ", "))
		}
		if len(r.Overall.Missing) > 0 {
			var miss []string
			for _, f := range r.MustHave {
				if n := r.Overall.Missing[f]; n > 0 {
					miss = append(miss, fmt.Sprintf("%s %d", f, n))
				}
			}
			fmt.Fprintf(&b, "; missing: %s", strings.Join(miss, ", "))
		}
		fmt.Fprintf(&b, ".\n  Counted over %s.\n", r.MustHaveBasis)
		if r.By != "" {
			tw = tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "%s\tLEADS WITH EVERY FIELD\n", col)
			for _, row := range r.rows() {
				fmt.Fprintf(tw, "%s\t%s\n", label(row.g, row.overall), share(row.g.MustHave))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
		}
	}
	fmt.Fprintln(&b, "\nMet % is met ÷ (met + breached). Overdue obligations are still open past their due time and count as breached;")
	fmt.Fprintln(&b, "open ones not yet due are not judged.")
	if small {
		fmt.Fprintf(&b, "* fewer than %d judged: the interval is wide; read the rate with care.\n", SmallSample)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func pct(r Rate) string {
	if !r.Defined() {
		return "–"
	}
	return strconv.FormatFloat(100*r.Value, 'f', 0, 64) + "%"
}

func interval(r Rate) string {
	if !r.Defined() {
		return "–"
	}
	return fmt.Sprintf("%.0f–%.0f%%", 100*r.Low, 100*r.High)
}

func share(r Rate) string {
	if !r.Defined() {
		return "–"
	}
	return fmt.Sprintf("%s (%d/%d)", pct(r), r.Numerator, r.Denominator)
}

func spread(s *Spread) string {
	if s == nil {
		return "–"
	}
	return Human(time.Duration(s.P50)) + " / " + Human(time.Duration(s.P90))
}

func touches(c Count) string {
	if c.N == 0 {
		return "–"
	}
	return fmt.Sprintf("mean %s, median %s (n=%d)", num(c.Mean), num(c.Median), c.N)
}

func num(f float64) string { return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64) }

// Human writes a duration briefly: 45s, 4m30s, 2h05m, 3d4h (days of 24
// hours, business or not).
func Human(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < 10*time.Minute && d%time.Minute != 0:
		return fmt.Sprintf("%dm%02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Round(time.Minute)/time.Minute))
	case d < 48*time.Hour:
		d = d.Round(time.Minute)
		return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	d = d.Round(time.Hour)
	return fmt.Sprintf("%dd%dh", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
}

// csvHeader names the CSV columns: one row per group, then "(all)".
var csvHeader = []string{
	"group", "obligations", "met", "breached", "open_overdue", "open", "cancelled",
	"met_numerator", "met_denominator", "met_rate", "met_low", "met_high", "small_sample",
	"first_touch_n", "first_touch_business_p50_s", "first_touch_business_p90_s", "first_touch_wall_p50_s", "first_touch_wall_p90_s",
	"worked_numerator", "worked_denominator", "worked_rate",
	"touches_before_disposition_n", "touches_before_disposition_mean", "touches_before_disposition_median",
	"dispositions_on_time_numerator", "dispositions_on_time_denominator", "dispositions_on_time_rate",
	"handoffs_on_time_numerator", "handoffs_on_time_denominator", "handoffs_on_time_rate",
	"must_have_numerator", "must_have_denominator", "must_have_rate",
}

// WriteCSV writes one row per group, then one for all, with numbers only
// (durations in seconds, rates as fractions; empty when undefined).
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	if err := r.writeRows(cw, nil); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

func (r *Report) writeRows(cw *csv.Writer, prefix []string) error {
	for _, row := range r.rows() {
		if err := cw.Write(append(prefix, csvRow(row.g, label(row.g, row.overall))...)); err != nil {
			return err
		}
	}
	return nil
}

func csvRow(g Group, name string) []string {
	c := g.Obligations
	out := []string{name, itoa(c.Total), itoa(c.Met), itoa(c.Breached), itoa(c.OpenOverdue), itoa(c.Open), itoa(c.Cancelled)}
	out = append(out, itoa(g.Met.Numerator), itoa(g.Met.Denominator), ratio(g.Met, g.Met.Value), ratio(g.Met, g.Met.Low),
		ratio(g.Met, g.Met.High), strconv.FormatBool(g.Met.Small))
	out = append(out, itoa(g.FirstTouch.N))
	for _, s := range []*Spread{g.FirstTouch.Business, g.FirstTouch.Wall} {
		if s == nil {
			out = append(out, "", "")
			continue
		}
		out = append(out, secs(s.P50), secs(s.P90))
	}
	out = append(out, itoa(g.Worked.Numerator), itoa(g.Worked.Denominator), ratio(g.Worked, g.Worked.Value))
	t := g.TouchesBeforeDisposition
	if t.N == 0 {
		out = append(out, "0", "", "")
	} else {
		out = append(out, itoa(t.N), fnum(t.Mean), fnum(t.Median))
	}
	for _, r := range []Rate{g.DispositionsOnTime, g.HandoffsAcceptedOnTime, g.MustHave} {
		out = append(out, itoa(r.Numerator), itoa(r.Denominator), ratio(r, r.Value))
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }

func fnum(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func ratio(r Rate, v float64) string {
	if !r.Defined() {
		return ""
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}

func secs(s Seconds) string { return fnum(time.Duration(s).Seconds()) }
