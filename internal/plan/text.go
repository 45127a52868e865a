package plan

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// WriteText writes the plan for a reader who wants the numbers and where
// they come from: the inputs against history, what is needed each month,
// the value-based variant, the sensitivity table, the segments and the
// warnings.
func (p *Plan) WriteText(w io.Writer) error {
	var b strings.Builder
	money := func(v float64) string {
		if p.Currency != "" {
			return amount(v) + " " + p.Currency
		}
		return amount(v)
	}
	in := p.Inputs
	head := "Reverse-funnel plan as of " + p.AsOf
	if p.AgreementVersion > 0 {
		head += fmt.Sprintf(" (agreement version %d)", p.AgreementVersion)
	}
	fmt.Fprintf(&b, "%s\n", head)
	fmt.Fprintf(&b, "History: %s (%d whole months, %s to %s excluded); rates measured there are period rates (the window's SQLs ÷ its MQLs), not cohorts\n\n",
		p.Lookback.Name, p.Lookback.Months, p.Lookback.From, p.Lookback.To)

	goal, share := val(in.Bookings), val(in.MarketingShare)
	fmt.Fprintf(&b, "Goal: bookings of %s a month, %s;\n", money(goal), where(in.Bookings))
	fmt.Fprintf(&b, "      %s of it from marketing-sourced leads (%s), %s, and %s from sales-sourced (%s)\n\n",
		percent(share), money(p.Marketing.Bookings), where(in.MarketingShare), percent(1-share), money(p.Sales.Bookings))

	t := table{{"INPUT", "USED", "FROM", "HISTORY"}}
	row := func(label string, f Figure, format func(float64) string, den string) {
		used := "–"
		if f.Value != nil {
			used = format(*f.Value)
		}
		t = append(t, []string{label, used, where(f), history(f.Measured, format, den)})
	}
	row("average deal size", in.DealSize, amount, "deals won")
	for _, s := range steps {
		row(s.label, *in.rate(s.key), percent, s.fromNoun)
	}
	t.write(&b, "lrll")

	fmt.Fprintln(&b, "\nNeeded each month (each step rounded up):")
	m, s, all := p.Marketing, p.Sales, p.Total
	t = table{
		{"", "MARKETING-SOURCED", "SALES-SOURCED", "TOTAL"},
		{"bookings", amount(m.Bookings), amount(s.Bookings), amount(all.Bookings)},
		{"customers", n(m.Customers), n(s.Customers), n(all.Customers)},
		{"opportunities", n(m.Opportunities), n(s.Opportunities), n(all.Opportunities)},
		{"SQLs", n(m.SQLs), "", ""},
		{"MQLs", n(m.MQLs), "", ""},
		{"leads", n(m.Leads), "", ""},
	}
	t.write(&b, "l")

	v := p.Value
	fmt.Fprintf(&b, "\nValue-based: marketing's leads must be worth %s a month", money(v.LeadValueGoal))
	if vpl := v.ValuePerLead; vpl.Value != nil && v.Leads != nil {
		fmt.Fprintf(&b, "; at %s per lead (%s of bookings ÷ %s leads over %s%s) that is %s leads a month",
			money(*vpl.Value), amount(vpl.Measured.Numerator), count(vpl.Measured.Denominator), p.Lookback.Name, star(vpl.Measured), n(v.Leads))
		if m.Leads != nil {
			fmt.Fprintf(&b, " (the funnel says %s)", n(m.Leads))
		}
	} else {
		fmt.Fprint(&b, "; the window has no bookings per lead to work it out with")
	}
	fmt.Fprintln(&b, ".")

	if sn := p.Sensitivity; sn != nil && len(sn.Shifts) > 0 {
		fmt.Fprintf(&b, "\nSensitivity: each rate moved %s points either way, the others held (marketing-sourced):\n", strconv.FormatFloat(sn.Points, 'f', -1, 64))
		t = table{{"RATE", "MOVE", "FROM", "TO", "OPPORTUNITIES", "SQLs", "MQLs", "LEADS", "LEADS VS PLAN"}}
		last := ""
		for _, sh := range sn.Shifts {
			label := ""
			if sh.Rate != last {
				label = labelOf(sh.Rate)
				last = sh.Rate
			}
			move := strconv.FormatFloat(sh.Points, 'f', -1, 64) + " pts"
			if sh.Points > 0 {
				move = "+" + move
			}
			to := percent(sh.To)
			if sh.Note != "" {
				to += " (" + sh.Note + ")"
			}
			t = append(t, []string{label, move, percent(sh.From), to, n(sh.Needs.Opportunities), n(sh.Needs.SQLs), n(sh.Needs.MQLs), n(sh.Needs.Leads), signed(sh.LeadsDelta)})
		}
		t.write(&b, "lrrl")
	}

	if p.By == BySegment {
		fmt.Fprintf(&b, "\nBy segment: each segment's share of bookings, deal size and rates measured over %s; marketing-sourced needs:\n", p.Lookback.Name)
		t = table{{"SEGMENT", "SHARE", "DEAL SIZE", "LEAD→MQL", "MQL→SQL", "SQL→OPP", "OPP→CUST", "CUSTOMERS", "OPPORTUNITIES", "SQLs", "MQLs", "LEADS"}}
		for _, seg := range p.Segments {
			name := seg.Segment
			if name == "" {
				name = "(none)"
			}
			share := "–"
			if seg.Share.Value != nil {
				share = percent(*seg.Share.Value) + star(&seg.Share)
			}
			mk := seg.Marketing
			t = append(t, []string{name, share, mark(seg.DealSize, amount), mark(seg.LeadToMQL, percent), mark(seg.MQLToSQL, percent),
				mark(seg.SQLToOpportunity, percent), mark(seg.OpportunityToCustomer, percent),
				n(mk.Customers), n(mk.Opportunities), n(mk.SQLs), n(mk.MQLs), n(mk.Leads)})
		}
		if tot := p.SegmentsTotal; tot != nil {
			t = append(t, []string{"all segments", "", "", "", "", "", "", n(tot.Customers), n(tot.Opportunities), n(tot.SQLs), n(tot.MQLs), n(tot.Leads)})
		}
		t = append(t, []string{"(the plan above)", "", "", "", "", "", "", n(m.Customers), n(m.Opportunities), n(m.SQLs), n(m.MQLs), n(m.Leads)})
		t.write(&b, "l")
		fmt.Fprintln(&b, "(* fewer than 30 in the denominator; † the segment has none to measure: the plan's figure)")
	}

	if len(p.Warnings) > 0 {
		fmt.Fprintln(&b, "\nWarnings:")
		for _, w := range p.Warnings {
			fmt.Fprintf(&b, "  - %s\n", w)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// where says where a figure comes from.
func where(f Figure) string {
	switch {
	case f.Basis == None:
		return "not known"
	case f.Source == FromHistory:
		return "measured"
	case f.Source == FromPlan:
		return "the plan's"
	case f.Source == FromAgreement:
		return "given by the agreement"
	case f.Source == FromOverride:
		return "given here"
	}
	return "by default"
}

func history(m *Measure, format func(float64) string, den string) string {
	if m == nil {
		return ""
	}
	if m.Value == nil {
		return "– (no " + den + ")"
	}
	num := count(m.Numerator)
	if den == "deals won" {
		num = amount(m.Numerator)
	}
	return fmt.Sprintf("%s = %s ÷ %s %s%s", format(*m.Value), num, count(m.Denominator), den, star(m))
}

func star(m *Measure) string {
	if m != nil && m.SmallSample {
		return " *"
	}
	return ""
}

// mark writes a segment's figure: * for a small sample, † for the plan's.
func mark(f Figure, format func(float64) string) string {
	if f.Value == nil {
		return "–"
	}
	s := format(*f.Value)
	switch {
	case f.Source == FromPlan:
		s += " †"
	case f.Measured != nil && f.Measured.SmallSample:
		s += " *"
	}
	return s
}

func labelOf(key string) string {
	for _, s := range steps {
		if s.key == key {
			return s.label
		}
	}
	return key
}

func upper(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func n(v *int64) string {
	if v == nil {
		return "–"
	}
	return count(float64(*v))
}

func signed(v *int64) string {
	switch {
	case v == nil:
		return "–"
	case *v > 0:
		return "+" + count(float64(*v))
	case *v < 0:
		return "-" + count(float64(-*v))
	}
	return "0"
}

func percent(v float64) string {
	return strconv.FormatFloat(math.Round(v*1000)/10, 'f', 1, 64) + "%"
}

// count writes 1234567 as 1,234,567.
func count(v float64) string { return grouped(strconv.FormatFloat(math.Round(v), 'f', 0, 64)) }

// amount writes money: whole, or with cents when it has them.
func amount(v float64) string {
	v = math.Round(v*100) / 100
	if v == math.Trunc(v) {
		return count(v)
	}
	s := strconv.FormatFloat(v, 'f', 2, 64)
	whole, frac, _ := strings.Cut(s, ".")
	return grouped(whole) + "." + frac
}

func grouped(whole string) string {
	neg := strings.HasPrefix(whole, "-")
	whole = strings.TrimPrefix(whole, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// table is rows of cells.
type table [][]string

// write writes the table indented by two spaces; align has an 'l' for each
// column aligned left (the others are aligned right).
func (t table) write(b *strings.Builder, align string) {
	var widths []int
	for _, r := range t {
		for i, c := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	pad := "  "
	for _, r := range t {
		var line strings.Builder
		line.WriteString(pad)
		for i, c := range r {
			gap := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if i > 0 {
				line.WriteString("   ")
			}
			if i < len(align) && align[i] == 'l' {
				line.WriteString(c + gap)
			} else {
				line.WriteString(gap + c)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
}
