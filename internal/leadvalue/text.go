package leadvalue

import (
	"fmt"
	"io"
	"strings"
)

// WriteText writes the report for a terminal.
func (r *Report) WriteText(w io.Writer) error {
	b := &strings.Builder{}
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	e := r.Estimates
	p("Lead value by %s, as of %s\n", strings.Join(e.By, " × "), r.AsOf)
	p("Cohort: %s.\n\n", r.Cohort)
	o := e.Overall
	p("All leads: %d leads, %d won, bookings %s: %s per lead", o.N, o.Won, amount(o.Bookings), amount(o.ValuePerLead))
	if o.Interval != nil {
		p(" (95%%: %s)", span(o.Interval))
	}
	p("\n")

	levels := append(append([]Group{}, e.Parents...), e.Groups...)
	for li, lv := range e.Levels {
		p("\nBy %s: %d groups", strings.Join(lv.By, " × "), lv.Groups)
		if lv.WithinSD != nil {
			p("; σ within %s, τ between %s", amount(*lv.WithinSD), amount(*lv.BetweenSD))
			if lv.HalfWeightLeads != nil {
				p("; a group of %.0f leads is weighted half on its own mean", *lv.HalfWeightLeads)
			} else {
				p("; the groups differ no more than chance would make them, so each takes its parent's value")
			}
		}
		p("\n")
		width := 4
		for _, g := range levels {
			if len(g.Key) == li+1 {
				width = max(width, len(label(g.Key, lv.By)))
			}
		}
		p("  %-*s %7s %5s %12s %10s %10s %21s %6s  %s\n", width, "", "leads", "won", "bookings", "per lead", "shrunk", "95% interval", "weight", "toward")
		for _, g := range levels {
			if len(g.Key) != li+1 {
				continue
			}
			iv := "–"
			if g.Interval != nil {
				iv = span(g.Interval)
			}
			toward := "all leads"
			if li > 0 {
				toward = label(g.Parent.Key, lv.By[:li])
			}
			toward += " " + amount(g.Parent.ShrunkValue)
			var notes []string
			if g.Fallback {
				notes = append(notes, fmt.Sprintf("fallback: under %d leads", MinLeads))
			} else if g.SmallSample {
				notes = append(notes, "small sample")
			}
			note := ""
			if len(notes) > 0 {
				note = "  (" + strings.Join(notes, "; ") + ")"
			}
			p("  %-*s %7d %5d %12s %10s %10s %21s %6.2f  %s%s\n", width, label(g.Key, lv.By), g.N, g.Won, amount(g.Bookings),
				amount(g.ValuePerLead), amount(g.ShrunkValue), iv, g.Weight, toward, note)
		}
	}

	if len(r.CohortsByMonth) > 0 {
		p("\nLeads of each month of the window, and what they have booked so far (recent months are still maturing):\n")
		for _, c := range r.CohortsByMonth {
			v := "–"
			if c.ValuePerLead != nil {
				v = amount(*c.ValuePerLead)
			}
			p("  %-10s %7d leads %5d won %12s  %10s per lead\n", c.Month, c.N, c.Won, amount(c.Bookings), v)
		}
	}

	m := r.Month
	p("\nLead value delivered, %s (%s to %s), day %d of %d:\n", m.Period.Name, m.Period.From, dayBefore(m.Period.To), m.DaysElapsed, m.Days)
	p("  %d leads created so far", m.Leads)
	if m.ValueDelivered != nil {
		p(", worth %s at the lookback's value per lead by %s", amount(*m.ValueDelivered), strings.Join(e.By, " × "))
		if m.ValuePerLead != nil {
			p(" (%s a lead; %s at all leads' value)", amount(*m.ValuePerLead), amount(*m.ValueAtOverall))
		}
	}
	p("\n")
	if m.Projected != nil {
		p("  projected to the month's end: %s\n", amount(*m.Projected))
	}
	if g := m.Goal; g != nil {
		if g.Monthly != nil {
			p("  goal: %s for the month", amount(*g.Monthly))
			if m.ProjectedOfGoal != nil {
				p(", projected %.0f%% of it", 100**m.ProjectedOfGoal)
			}
			p("\n")
		}
		if g.PerLead != nil {
			p("  goal per lead: %s", amount(*g.PerLead))
			if m.ValuePerLeadOfGoal != nil {
				p(", this month's leads %.0f%% of it", 100**m.ValuePerLeadOfGoal)
			}
			p("\n")
		}
		p("  (%s)\n", g.Basis)
	}
	p("  booked already by this month's leads: %s (%d won)\n", amount(m.BookingsSoFar), m.Won)

	if len(r.Warnings) > 0 {
		p("\nNotes:\n")
		for _, s := range r.Warnings {
			p("  - %s\n", s)
		}
	}
	p("\nMethod: %s\n", r.Method)
	_, err := io.WriteString(w, b.String())
	return err
}

// label names a group by its values in the order of dims; "–" is none.
func label(key map[string]string, dims []string) string {
	parts := make([]string, len(dims))
	for i, d := range dims {
		parts[i] = key[d]
		if parts[i] == "" {
			parts[i] = "–"
		}
	}
	return strings.Join(parts, " × ")
}

func span(iv *Interval) string { return amount(iv.Low) + "–" + amount(iv.High) }

// amount writes a sum of money with two decimals and thousands commas.
func amount(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	var out []byte
	for i := range len(whole) {
		if i > 0 && (len(whole)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, whole[i])
	}
	s = string(out) + "." + frac
	if neg {
		s = "-" + s
	}
	return s
}
