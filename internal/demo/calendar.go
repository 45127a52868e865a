package demo

import (
	"fmt"
	"time"

	// Embedded so the demo works on hosts and containers without a zoneinfo
	// database; every lead and rep lives in a named zone.
	_ "time/tzdata"
)

// hours is a weekly working calendar: Monday to Friday, from start to end
// (minutes after local midnight), in one time zone. Demo holidays are left
// out on purpose: the data set should not depend on a country's calendar.
type hours struct {
	loc        *time.Location
	start, end int
}

// zones loads each time zone once; loading parses the zone database.
type zones map[string]*time.Location

func (z zones) get(name string) *time.Location {
	if loc, ok := z[name]; ok {
		return loc
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		// Cannot happen with time/tzdata embedded and names from our tables.
		panic(fmt.Sprintf("demo: time zone %q: %v", name, err))
	}
	z[name] = loc
	return loc
}

func workday(d time.Weekday) bool { return d != time.Saturday && d != time.Sunday }

// dayAt returns local midnight of t's day plus min minutes.
func (h hours) dayAt(t time.Time, min int) time.Time {
	l := t.In(h.loc)
	return time.Date(l.Year(), l.Month(), l.Day(), min/60, min%60, 0, 0, h.loc)
}

// open reports whether t falls in working hours.
func (h hours) open(t time.Time) bool {
	l := t.In(h.loc)
	if !workday(l.Weekday()) {
		return false
	}
	return !t.Before(h.dayAt(t, h.start)) && t.Before(h.dayAt(t, h.end))
}

// next returns t if it is in working hours, else the next opening.
func (h hours) next(t time.Time) time.Time {
	for range 10 {
		l := t.In(h.loc)
		if workday(l.Weekday()) {
			if s := h.dayAt(t, h.start); t.Before(s) {
				return s
			}
			if t.Before(h.dayAt(t, h.end)) {
				return t
			}
		}
		t = time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, h.loc)
	}
	return t
}

// add returns the time d of working time after t.
func (h hours) add(t time.Time, d time.Duration) time.Time {
	t = h.next(t)
	for {
		left := h.dayAt(t, h.end).Sub(t)
		if d < left {
			return t.Add(d)
		}
		d -= left
		t = h.next(h.dayAt(t, h.end))
	}
}

// workDay is the length of one working day in h.
func (h hours) workDay() time.Duration { return time.Duration(h.end-h.start) * time.Minute }

// addDays moves n working days forward, keeping the time of day.
func (h hours) addDays(t time.Time, n float64) time.Time {
	return h.add(t, time.Duration(n*float64(h.workDay())))
}
