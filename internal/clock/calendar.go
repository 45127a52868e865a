// Package clock does arithmetic in business time: working hours per weekday
// (split and overnight hours allowed), in a time zone, closed on holidays.
// SLA due times ("first touch within 4 business hours") and elapsed business
// durations are computed here. A nil *Calendar, or Always(), is open 24/7.
package clock

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/rickar/cal/v2"
)

// Span is one stretch of open time within a day, in minutes after local
// midnight: [Start, End), 0 ≤ Start < End ≤ 1440.
type Span struct{ Start, End int }

// Calendar is a working week in one time zone with its holidays.
type Calendar struct {
	Name string
	loc  *time.Location
	// week holds each weekday's open spans, sorted and disjoint, with
	// overnight hours already carried into the next day.
	week [7][]Span
	// open24 marks a calendar with no closed time at all.
	open24 bool

	holidays *cal.Calendar
	closed   map[civil]bool // custom closed dates

	mu    sync.RWMutex
	years map[int]map[civil]bool // observed holidays, computed once per year
}

// civil is a date on the wall calendar.
type civil struct {
	y int
	m time.Month
	d int
}

func civilOf(t time.Time) civil {
	y, m, d := t.Date()
	return civil{y, m, d}
}

// Always returns a calendar that is always open.
func Always() *Calendar {
	c := &Calendar{Name: "24/7", loc: time.UTC, open24: true}
	for d := range c.week {
		c.week[d] = []Span{{0, 1440}}
	}
	return c
}

// Hours sets a weekday's open spans; a span whose end is before its start
// runs overnight into the next day.
type Hours map[time.Weekday][]Span

// New builds a calendar. holidays may be nil; closed lists extra dates
// (company days off) as YYYY-MM-DD.
func New(name string, loc *time.Location, hours Hours, holidays []*cal.Holiday, closed []string) (*Calendar, error) {
	if loc == nil {
		return nil, fmt.Errorf("calendar %s: no time zone", name)
	}
	c := &Calendar{Name: name, loc: loc, closed: map[civil]bool{}, years: map[int]map[civil]bool{}}
	for day, spans := range hours {
		for _, s := range spans {
			if s.Start < 0 || s.Start >= 1440 || s.End <= 0 || s.End > 1440 || s.Start == s.End {
				return nil, fmt.Errorf("calendar %s: %s %s is not a span of a day", name, day, s)
			}
			if s.End > s.Start {
				c.week[day] = append(c.week[day], s)
				continue
			}
			// Overnight: the part after midnight belongs to the next weekday.
			c.week[day] = append(c.week[day], Span{s.Start, 1440})
			next := (day + 1) % 7
			c.week[next] = append(c.week[next], Span{0, s.End})
		}
	}
	total := 0
	for d := range c.week {
		c.week[d] = merge(c.week[d])
		for _, s := range c.week[d] {
			total += s.End - s.Start
		}
	}
	if total == 0 {
		return nil, fmt.Errorf("calendar %s: no working hours in the week", name)
	}
	if len(holidays) > 0 {
		c.holidays = &cal.Calendar{}
		c.holidays.AddHoliday(holidays...)
	}
	for _, s := range closed {
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			return nil, fmt.Errorf("calendar %s: closed date %q is not YYYY-MM-DD", name, s)
		}
		c.closed[civilOf(d)] = true
	}
	c.open24 = total == 7*1440 && c.holidays == nil && len(c.closed) == 0
	return c, nil
}

// In returns the same hours and holidays read in another time zone: an
// owner in London keeps the team's 09:00–17:00, in London time.
func (c *Calendar) In(loc *time.Location) *Calendar {
	if c == nil || loc == nil {
		return c
	}
	out := &Calendar{Name: c.Name, loc: loc, week: c.week, open24: c.open24, holidays: c.holidays,
		closed: c.closed, years: map[int]map[civil]bool{}}
	return out
}

// Location is the calendar's time zone.
func (c *Calendar) Location() *time.Location {
	if c == nil {
		return time.UTC
	}
	return c.loc
}

func (s Span) String() string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", s.Start/60, s.Start%60, s.End/60, s.End%60)
}

// merge sorts spans and joins those that overlap or touch.
func merge(spans []Span) []Span {
	if len(spans) == 0 {
		return nil
	}
	slices.SortFunc(spans, func(a, b Span) int { return a.Start - b.Start })
	out := []Span{spans[0]}
	for _, s := range spans[1:] {
		last := &out[len(out)-1]
		if s.Start <= last.End {
			last.End = max(last.End, s.End)
			continue
		}
		out = append(out, s)
	}
	return out
}

// isClosedDay reports whether a date is a holiday or a custom day off.
func (c *Calendar) isClosedDay(d civil) bool {
	if c.closed[d] {
		return true
	}
	if c.holidays == nil {
		return false
	}
	c.mu.RLock()
	days, ok := c.years[d.y]
	c.mu.RUnlock()
	if !ok {
		days = c.holidaysOf(d.y)
		c.mu.Lock()
		c.years[d.y] = days
		c.mu.Unlock()
	}
	return days[d]
}

// holidaysOf lists a year's observed holidays; asking the holiday library
// day by day would cost far more than the arithmetic itself.
func (c *Calendar) holidaysOf(year int) map[civil]bool {
	days := map[civil]bool{}
	for _, h := range c.holidays.Holidays {
		_, observed := h.Calc(year)
		if !observed.IsZero() {
			days[civilOf(observed)] = true
		}
		// An observed date can fall in the neighbouring year (a Saturday
		// New Year's Day observed on the Friday before).
		if _, o := h.Calc(year + 1); !o.IsZero() && o.Year() == year {
			days[civilOf(o)] = true
		}
	}
	return days
}
