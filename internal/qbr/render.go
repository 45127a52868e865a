package qbr

import (
	"encoding/csv"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/accordhq/accord/internal/daily"
	"github.com/accordhq/accord/internal/numbers"
)

// headline are the funnel rows a QBR leads with.
var headline = []string{"lead", "mql", "sql", daily.Opportunities, daily.Won, daily.Bookings}

func row(f *numbers.Funnel, metric string) numbers.Row {
	for _, r := range f.Rows {
		if r.Metric == metric {
			return r
		}
	}
	return numbers.Row{Metric: metric}
}

func value(r numbers.Row) string {
	if r.Amount != nil {
		return money(*r.Amount)
	}
	return strconv.FormatInt(r.Count, 10)
}

func money(v float64) string {
	s := strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && c != '-' && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func opt(p *float64, pct bool) string {
	if p == nil {
		return "–"
	}
	if pct {
		return fmt.Sprintf("%.0f%%", 100**p)
	}
	if *p == math.Trunc(*p) {
		return money(*p)
	}
	return strconv.FormatFloat(*p, 'f', 1, 64)
}

func rate(c numbers.Conversion) string {
	if c.Rate == nil {
		return fmt.Sprintf("– (%d/%d)", c.Numerator, c.Denominator)
	}
	return fmt.Sprintf("%.1f%% (%d/%d)", 100**c.Rate, c.Numerator, c.Denominator)
}

// Markdown writes the quarter as a Markdown document.
func (q *QBR) Markdown(w io.Writer) error {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	p("# Quarterly business review: %s\n\n", q.Quarter.Name)
	p("%s to %s, counted to %s (day %d of %d).\n\n", q.Quarter.From, lastDay(q.Quarter), q.AsOf, q.Total.DaysElapsed, q.Total.Days)
	p("## Goals and actuals\n\n| | actual | projected | goal | projected of goal |\n|---|---:|---:|---:|---:|\n")
	for _, m := range headline {
		r := row(q.Total, m)
		p("| %s | %s | %s | %s | %s |\n", m, value(r), opt(r.Projected, false), opt(r.Goal, false), opt(r.OfGoal, true))
	}
	p("\n## The funnel by month\n\n| month |")
	for _, m := range headline {
		p(" %s |", m)
	}
	p("\n|---|%s\n", strings.Repeat("---:|", len(headline)))
	for _, f := range q.Months {
		p("| %s |", f.Period.Name)
		for _, m := range headline {
			p(" %s |", value(row(f, m)))
		}
		p("\n")
	}
	p("\n## Conversion by month\n\nPeriod rates compare a month's counts; cohort rates follow the leads that entered the first stage that month (recent cohorts are still maturing).\n\n| month | kind | lead → MQL | MQL → SQL | SQL → opportunity |\n|---|---|---:|---:|---:|\n")
	for _, f := range q.Months {
		p("| %s | period | %s | %s | %s |\n", f.Period.Name, rate(f.Conversions[0]), rate(f.Conversions[1]), rate(f.Conversions[2]))
		p("| %s | cohort | %s | %s | %s |\n", f.Period.Name, rate(f.Cohorts[0]), rate(f.Cohorts[2]), rate(f.Cohorts[4]))
	}
	p("\n## By source\n\n| source | leads | MQLs | SQLs | opportunities | won | bookings |\n|---|---:|---:|---:|---:|---:|---:|\n")
	for _, g := range q.Sources.Groups {
		f := &numbers.Funnel{Rows: g.Rows}
		p("| %s | %s | %s | %s | %s | %s | %s |\n", orDash(g.Value), value(row(f, "lead")), value(row(f, "mql")), value(row(f, "sql")),
			value(row(f, daily.Opportunities)), value(row(f, daily.Won)), value(row(f, daily.Bookings)))
	}
	if c := q.Total.Cycle; c.Won > 0 {
		p("\nSales cycle of the %d deals won: mean %.1f days, median %d days.", c.Won, *c.MeanDays, *c.MedianDays)
		if c.WonBeforeCreated > 0 {
			p(" %d deals are dated as won before their lead's first contact and are left out.", c.WonBeforeCreated)
		}
		p("\n")
	}
	p("\n## SLA compliance\n\n")
	if q.SLA == nil {
		p("No obligations in the quarter (no agreement was in force).\n")
	} else {
		p("| rule | judged | met | %% met (95%% interval) |\n|---|---:|---:|---:|\n")
		for _, g := range append(q.SLA.Groups, q.SLA.Overall) {
			name := g.Key
			if name == "" {
				name = "all rules"
			}
			p("| %s | %d | %d | %s |\n", name, g.Met.Denominator, g.Met.Numerator, share(g.Met.Value, g.Met.Low, g.Met.High, g.Met.Defined()))
		}
	}
	p("\n## Weekly reviews and restatements\n\n| week | review | restated after lock |\n|---|---|---|\n")
	for _, wk := range q.Weeks {
		p("| %s | %s | %s |\n", wk.Week, wk.Status, restated(wk))
	}
	return nil
}

func share(v, lo, hi float64, ok bool) string {
	if !ok {
		return "–"
	}
	return fmt.Sprintf("%.0f%% (%.0f–%.0f%%)", 100*v, 100*lo, 100*hi)
}

func restated(w Week) string {
	if len(w.Late) == 0 {
		return "–"
	}
	var parts []string
	for _, m := range numbers.Metrics {
		if d := w.Late[m]; d != 0 {
			parts = append(parts, fmt.Sprintf("%s %+d", m, d))
		}
	}
	if len(parts) == 0 {
		return "other dimensions only"
	}
	return strings.Join(parts, ", ")
}

func orDash(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// CSV writes the quarter's tables as one CSV: a section column says which.
func (q *QBR) CSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"section", "period", "group", "metric", "value", "goal", "projected"})
	for _, m := range headline {
		r := row(q.Total, m)
		cw.Write([]string{"quarter", q.Quarter.Name, "", m, value(r), opt(r.Goal, false), opt(r.Projected, false)})
	}
	for _, f := range q.Months {
		for _, m := range headline {
			r := row(f, m)
			cw.Write([]string{"month", f.Period.Name, "", m, value(r), opt(r.Goal, false), opt(r.Projected, false)})
		}
		for _, c := range append(append([]numbers.Conversion{}, f.Conversions...), f.Cohorts...) {
			name := c.Kind + " " + c.From + "→" + c.To
			if c.WithinDays > 0 {
				name += fmt.Sprintf(" within %dd", c.WithinDays)
			}
			v := ""
			if c.Rate != nil {
				v = strconv.FormatFloat(*c.Rate, 'f', 4, 64)
			}
			cw.Write([]string{"conversion", f.Period.Name, fmt.Sprintf("%d/%d", c.Numerator, c.Denominator), name, v, "", ""})
		}
	}
	for _, g := range q.Sources.Groups {
		for _, m := range headline {
			cw.Write([]string{"source", q.Quarter.Name, g.Value, m, value(row(&numbers.Funnel{Rows: g.Rows}, m)), "", ""})
		}
	}
	for _, wk := range q.Weeks {
		cw.Write([]string{"week", wk.Week, wk.Status, "restated", restated(wk), "", ""})
	}
	cw.Flush()
	return cw.Error()
}

// HTML writes a printable page: the Markdown's tables and two charts drawn
// as inline SVG (nothing is loaded from anywhere).
func (q *QBR) HTML(w io.Writer) error {
	var md strings.Builder
	if err := q.Markdown(&md); err != nil {
		return err
	}
	return page.Execute(w, struct {
		Title  string
		Charts []template.HTML
		Body   template.HTML
	}{"QBR " + q.Quarter.Name, []template.HTML{q.barChart(), q.rateChart()}, mdTables(md.String())})
}
