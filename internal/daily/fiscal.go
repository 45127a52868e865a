package daily

import (
	"fmt"
	"time"
)

// Fiscal is how the organisation cuts days into weeks, months, quarters
// and years.
type Fiscal struct {
	// Pattern is "calendar" (months are calendar months) or a week-based
	// pattern, "4-4-5", "4-5-4" or "5-4-4": each quarter is 13 weeks cut
	// into three months of that many weeks.
	Pattern string
	// YearStart is the month the fiscal year starts in (January when 0).
	// A week-based year starts on the WeekStart day nearest the 1st of
	// that month, as retail calendars do, so it has 52 or 53 weeks; the
	// 53rd goes to the year's last month.
	YearStart time.Month
	// WeekStart is the first day of a week (Monday when zero and not set).
	WeekStart time.Weekday
	// WeekStartSet says WeekStart was given (Sunday is 0).
	WeekStartSet bool
}

// Period is a span of whole days, From included and To excluded.
type Period struct {
	Name string `json:"name"`
	From string `json:"from"`
	To   string `json:"to"` // excluded
}

// Days lists the period's days.
func (p Period) Days() []string {
	var out []string
	for d := parse(p.From); d.Format(time.DateOnly) < p.To; d = d.AddDate(0, 0, 1) {
		out = append(out, d.Format(time.DateOnly))
	}
	return out
}

// Contains reports whether day is in the period.
func (p Period) Contains(day string) bool { return day >= p.From && day < p.To }

// Check reports a pattern the calendar cannot use.
func (f Fiscal) Check() error {
	switch f.Pattern {
	case "", "calendar", "4-4-5", "4-5-4", "5-4-4":
		return nil
	}
	return fmt.Errorf("fiscal pattern %q: use calendar, 4-4-5, 4-5-4 or 5-4-4", f.Pattern)
}

func (f Fiscal) yearStart() time.Month {
	if f.YearStart < time.January || f.YearStart > time.December {
		return time.January
	}
	return f.YearStart
}

func (f Fiscal) weekStart() time.Weekday {
	if !f.WeekStartSet && f.WeekStart == time.Sunday {
		return time.Monday
	}
	return f.WeekStart
}

func (f Fiscal) weekly() bool { return f.Pattern != "" && f.Pattern != "calendar" }

func parse(day string) time.Time {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		panic(fmt.Sprintf("daily: %q is not a day", day)) // days come from Day
	}
	return t
}

func format(t time.Time) string { return t.Format(time.DateOnly) }

// Week is the week holding day.
func (f Fiscal) Week(day string) Period {
	t := parse(day)
	back := (int(t.Weekday()) - int(f.weekStart()) + 7) % 7
	from := t.AddDate(0, 0, -back)
	return Period{Name: "week of " + format(from), From: format(from), To: format(from.AddDate(0, 0, 7))}
}

// yearBounds returns the fiscal year holding t: its start, its end and the
// calendar year it is named by.
func (f Fiscal) yearBounds(t time.Time) (from, to time.Time, name int) {
	start := func(y int) time.Time {
		first := time.Date(y, f.yearStart(), 1, 0, 0, 0, 0, time.UTC)
		if !f.weekly() {
			return first
		}
		// The week-start day nearest the 1st (within 3 days either way).
		back := (int(first.Weekday()) - int(f.weekStart()) + 7) % 7
		if back <= 3 {
			return first.AddDate(0, 0, -back)
		}
		return first.AddDate(0, 0, 7-back)
	}
	y := t.Year()
	from = start(y)
	if t.Before(from) {
		y--
		from = start(y)
	} else if next := start(y + 1); !t.Before(next) {
		y++
		from = next
	}
	to = start(y + 1)
	// Named by the calendar year its nominal last month ends in: FY2026
	// runs January–December 2026, or July 2025–June 2026, or (retail)
	// February 2025–January 2026, whatever days a week-based year moves by.
	name = y
	if f.yearStart() != time.January {
		name = y + 1
	}
	return from, to, name
}

// Year is the fiscal year holding day.
func (f Fiscal) Year(day string) Period {
	from, to, name := f.yearBounds(parse(day))
	return Period{Name: fmt.Sprintf("FY%d", name), From: format(from), To: format(to)}
}

// YearToDate is the fiscal year holding day, up to and including day.
func (f Fiscal) YearToDate(day string) Period {
	y := f.Year(day)
	return Period{Name: y.Name + " to " + day, From: y.From, To: format(parse(day).AddDate(0, 0, 1))}
}

// months returns the fiscal year's twelve months.
func (f Fiscal) months(from, to time.Time) [12][2]time.Time {
	var out [12][2]time.Time
	if !f.weekly() {
		for i := range 12 {
			out[i] = [2]time.Time{from.AddDate(0, i, 0), from.AddDate(0, i+1, 0)}
		}
		return out
	}
	weeks := map[string][3]int{"4-4-5": {4, 4, 5}, "4-5-4": {4, 5, 4}, "5-4-4": {5, 4, 4}}[f.Pattern]
	at := from
	for i := range 12 {
		end := at.AddDate(0, 0, 7*weeks[i%3])
		if i == 11 {
			end = to // a 53-week year's extra week is in its last month
		}
		out[i] = [2]time.Time{at, end}
		at = end
	}
	return out
}

// Month is the fiscal month holding day.
func (f Fiscal) Month(day string) Period {
	t := parse(day)
	from, to, name := f.yearBounds(t)
	for i, m := range f.months(from, to) {
		if !t.Before(m[0]) && t.Before(m[1]) {
			label := fmt.Sprintf("FY%d-M%02d", name, i+1)
			if !f.weekly() {
				label = m[0].Format("2006-01")
			}
			return Period{Name: label, From: format(m[0]), To: format(m[1])}
		}
	}
	panic("daily: a day outside its own fiscal year") // the months cover the year
}

// Quarter is the fiscal quarter holding day.
func (f Fiscal) Quarter(day string) Period {
	t := parse(day)
	from, to, name := f.yearBounds(t)
	ms := f.months(from, to)
	for q := range 4 {
		qf, qt := ms[3*q][0], ms[3*q+2][1]
		if !t.Before(qf) && t.Before(qt) {
			return Period{Name: fmt.Sprintf("FY%d-Q%d", name, q+1), From: format(qf), To: format(qt)}
		}
	}
	panic("daily: a day outside its own fiscal year")
}

// MonthsOf returns the months of the quarter holding day, in order.
func (f Fiscal) MonthsOf(quarter Period) []Period {
	var out []Period
	for d := parse(quarter.From); format(d) < quarter.To; {
		m := f.Month(format(d))
		out = append(out, m)
		d = parse(m.To)
	}
	return out
}
