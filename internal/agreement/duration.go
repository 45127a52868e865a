package agreement

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Duration is a length of business time as the agreement writes it: "5m",
// "4h", "1d", "2w", "1d4h", or Go's own syntax ("1h30m"). Minutes and hours
// are business hours and minutes of the calendar it is read in; a day is
// one working day of that calendar and a week one working week (see
// Calendar.Day and Calendar.Week), so "1d" on a Mon–Fri 09:00–17:00
// calendar is 8 business hours and "1d" with no calendar (24/7) is 24 hours.
type Duration struct {
	Clock time.Duration // the hours, minutes and seconds
	Days  float64       // working days
	Weeks float64       // working weeks
	Text  string        // as written
	Pos   Pos
}

// ParseDuration reads a duration as the agreement writes it.
func ParseDuration(s string) (Duration, error) {
	text := strings.TrimSpace(s)
	d := Duration{Text: text}
	if text == "" {
		return d, fmt.Errorf("empty duration (write e.g. 5m, 4h, 1d or 2w)")
	}
	rest := text
	for rest != "" {
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		j := i
		for j < len(rest) && (rest[j] >= 'a' && rest[j] <= 'z' || rest[j] == 'µ') {
			j++
		}
		if i == 0 || j == i {
			return d, badDuration(text)
		}
		n, err := strconv.ParseFloat(rest[:i], 64)
		if err != nil || math.IsInf(n, 0) {
			return d, badDuration(text)
		}
		switch unit := rest[i:j]; unit {
		case "w":
			d.Weeks += n
		case "d":
			d.Days += n
		default:
			// h, m, s, ms… are Go's units; let Go read them.
			c, err := time.ParseDuration(rest[:j])
			if err != nil {
				return d, badDuration(text)
			}
			d.Clock += c
		}
		rest = rest[j:]
	}
	if d.Clock == 0 && d.Days == 0 && d.Weeks == 0 {
		return d, fmt.Errorf("duration %q is zero", text)
	}
	return d, nil
}

func badDuration(s string) error {
	return fmt.Errorf("%q is not a duration (write a number and a unit: 5m, 4h, 1d, 2w, or 1h30m)", s)
}

// In resolves the duration to business time on a calendar: days and weeks
// become that calendar's working day and week. A nil calendar is 24/7.
func (d Duration) In(c *Calendar) time.Duration {
	day, week := 24*time.Hour, 7*24*time.Hour
	if c != nil {
		day, week = c.Day, c.Week
	}
	return d.Clock + time.Duration(d.Days*float64(day)) + time.Duration(d.Weeks*float64(week))
}

// String is the duration as written.
func (d Duration) String() string { return d.Text }

// words says the duration for people: "5 minutes", "1 day", "1 hour 30
// minutes". business adds the word "business" to a single-unit duration.
func (d Duration) words(business bool) string {
	type part struct {
		n    float64
		unit string
	}
	var parts []part
	if d.Weeks != 0 {
		parts = append(parts, part{d.Weeks, "week"})
	}
	if d.Days != 0 {
		parts = append(parts, part{d.Days, "day"})
	}
	c := d.Clock
	if h := c / time.Hour; h > 0 {
		parts = append(parts, part{float64(h), "hour"})
		c -= h * time.Hour
	}
	if m := c / time.Minute; m > 0 {
		parts = append(parts, part{float64(m), "minute"})
		c -= m * time.Minute
	}
	if c > 0 {
		parts = append(parts, part{c.Seconds(), "second"})
	}
	out := make([]string, len(parts))
	for i, p := range parts {
		unit := p.unit
		if p.n != 1 {
			unit += "s"
		}
		if business && len(parts) == 1 {
			unit = "business " + unit
		}
		out[i] = strconv.FormatFloat(p.n, 'f', -1, 64) + " " + unit
	}
	s := strings.Join(out, " ")
	if business && len(parts) > 1 {
		s += " of business time"
	}
	return s
}
