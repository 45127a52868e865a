package clock

import "time"

// maxDays bounds every walk through the calendar: ten years of days. A
// calendar that is open at least once a week never gets near it.
const maxDays = 3660

// window is one open interval in absolute time.
type window struct{ from, to time.Time }

// windows appends the open intervals of local date d. Bounds are wall-clock
// times on that date, so a day on which clocks change has 23 or 25 hours
// and 09:00–17:00 is still 09:00–17:00 on the wall.
func (c *Calendar) windows(buf []window, d civil) []window {
	buf = buf[:0]
	if c.isClosedDay(d) {
		return buf
	}
	wd := time.Date(d.y, d.m, d.d, 12, 0, 0, 0, time.UTC).Weekday()
	for _, s := range c.week[wd] {
		from := time.Date(d.y, d.m, d.d, s.Start/60, s.Start%60, 0, 0, c.loc)
		to := time.Date(d.y, d.m, d.d, s.End/60, s.End%60, 0, 0, c.loc)
		if to.After(from) {
			buf = append(buf, window{from, to})
		}
	}
	return buf
}

func nextDay(d civil) civil {
	t := time.Date(d.y, d.m, d.d+1, 12, 0, 0, 0, time.UTC)
	return civilOf(t)
}

// Add returns the instant at which d of business time will have passed
// since start: the due time of a clock started at start.
func (c *Calendar) Add(start time.Time, d time.Duration) time.Time {
	if c == nil || c.open24 || d <= 0 {
		return start.Add(max(d, 0))
	}
	var buf [4]window
	day := civilOf(start.In(c.loc))
	for range maxDays {
		for _, w := range c.windows(buf[:0], day) {
			if !w.to.After(start) {
				continue
			}
			from := w.from
			if start.After(from) {
				from = start
			}
			avail := w.to.Sub(from)
			if d <= avail {
				return from.Add(d)
			}
			d -= avail
		}
		day = nextDay(day)
	}
	return time.Time{} // unreachable for a calendar with open hours
}

// Elapsed returns the business time between a and b (zero if b ≤ a).
func (c *Calendar) Elapsed(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	if c == nil || c.open24 {
		return b.Sub(a)
	}
	var sum time.Duration
	var buf [4]window
	day := civilOf(a.In(c.loc))
	last := civilOf(b.In(c.loc))
	for range maxDays {
		for _, w := range c.windows(buf[:0], day) {
			from, to := w.from, w.to
			if a.After(from) {
				from = a
			}
			if b.Before(to) {
				to = b
			}
			if to.After(from) {
				sum += to.Sub(from)
			}
		}
		if day == last {
			break
		}
		day = nextDay(day)
	}
	return sum
}

// IsOpen reports whether t falls in working hours.
func (c *Calendar) IsOpen(t time.Time) bool {
	if c == nil || c.open24 {
		return true
	}
	var buf [4]window
	for _, w := range c.windows(buf[:0], civilOf(t.In(c.loc))) {
		if !t.Before(w.from) && t.Before(w.to) {
			return true
		}
	}
	return false
}

// NextOpen returns t if the calendar is open then, else the next opening.
func (c *Calendar) NextOpen(t time.Time) time.Time {
	if c == nil || c.open24 {
		return t
	}
	var buf [4]window
	day := civilOf(t.In(c.loc))
	for range maxDays {
		for _, w := range c.windows(buf[:0], day) {
			if w.to.After(t) {
				if t.After(w.from) {
					return t
				}
				return w.from
			}
		}
		day = nextDay(day)
	}
	return time.Time{}
}
