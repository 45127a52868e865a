package agreement

import (
	"time"

	"github.com/accordhq/accord/internal/clock"
)

// Calendar is a named working week from the agreement, built into a
// business-time clock.
type Calendar struct {
	Name     string
	Label    string // how people call it ("US office hours"); from the name if not given
	Hours    string // as written, e.g. "Mon-Fri 09:00-17:00"
	Holidays []string
	Closed   []string
	Timezone string
	Clock    *clock.Calendar
	// Day is one working day: the open hours of the calendar's longest
	// working day (8h for 09:00–17:00, 24h around the clock). Week is the
	// open hours of a whole week. They are what "1d" and "1w" mean here.
	Day, Week time.Duration
	Pos       Pos
}

// Due is when d of business time on the calendar will have passed since
// start.
func (c *Calendar) Due(start time.Time, d Duration) time.Time {
	return c.Clock.Add(start, d.In(c))
}

// Elapsed is the business time on the calendar between a and b.
func (c *Calendar) Elapsed(a, b time.Time) time.Duration { return c.Clock.Elapsed(a, b) }

// In returns the calendar read in another time zone: the same hours on an
// owner's own wall clock.
func (c *Calendar) In(loc *time.Location) *Calendar {
	out := *c
	out.Clock = c.Clock.In(loc)
	if loc != nil {
		out.Timezone = loc.String()
	}
	return &out
}

// always is the 24/7 calendar used where a rule names none.
func always(loc *time.Location) *Calendar {
	return &Calendar{Name: "24/7", Label: "around the clock", Hours: "24/7", Timezone: loc.String(),
		Clock: clock.Always().In(loc), Day: 24 * time.Hour, Week: 7 * 24 * time.Hour}
}

// lengths returns the longest day's and the week's open time of a week.
func lengths(h clock.Hours) (day, week time.Duration) {
	for _, spans := range h {
		var minutes int
		for _, s := range spans {
			if s.End > s.Start {
				minutes += s.End - s.Start
			} else { // overnight
				minutes += 1440 - s.Start + s.End
			}
		}
		day = max(day, time.Duration(minutes)*time.Minute)
		week += time.Duration(minutes) * time.Minute
	}
	return day, week
}
