package clock

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/rickar/cal/v2"
)

// bruteOpen decides whether the minute starting at t is working time by
// reading the wall clock, minute by minute: a deliberately naive reference
// that shares no arithmetic with Add and Elapsed. Holidays are asked of the
// holiday library directly.
func bruteOpen(c *Calendar, hol *cal.Calendar, closed map[civil]bool, t time.Time) bool {
	local := t.In(c.loc)
	d := civilOf(local)
	if closed[d] {
		return false
	}
	if hol != nil {
		if _, observed, _ := hol.IsHoliday(local); observed {
			return false
		}
	}
	m := local.Hour()*60 + local.Minute()
	for _, s := range c.week[local.Weekday()] {
		if m >= s.Start && m < s.End {
			return true
		}
	}
	return false
}

func bruteAdd(open func(time.Time) bool, start time.Time, minutes int) time.Time {
	if minutes == 0 {
		return start
	}
	n := 0
	for t := start; ; t = t.Add(time.Minute) {
		if open(t) {
			n++
			if n == minutes {
				return t.Add(time.Minute)
			}
		}
	}
}

func bruteElapsed(open func(time.Time) bool, a, b time.Time) time.Duration {
	var n time.Duration
	for t := a; t.Before(b); t = t.Add(time.Minute) {
		if open(t) {
			n += time.Minute
		}
	}
	return n
}

// randomHours makes a random working week: zero to two spans a day on a
// 15-minute grid, sometimes overnight. Span edges avoid 00:30–03:30, where
// daylight-saving changes make a wall-clock time occur twice or never (the
// arithmetic follows the wall clock there; TestAddAndElapsed pins those days).
func randomHours(r *rand.Rand) Hours {
	edges := []int{}
	for m := 0; m <= 1440; m += 15 {
		if m <= 30 || m >= 210 {
			edges = append(edges, m)
		}
	}
	h := Hours{}
	for d := time.Sunday; d <= time.Saturday; d++ {
		for range r.IntN(3) {
			a, b := edges[r.IntN(len(edges))], edges[r.IntN(len(edges))]
			if a == b || a == 1440 || b == 0 {
				continue
			}
			h[d] = append(h[d], Span{a, b})
		}
	}
	h[time.Wednesday] = append(h[time.Wednesday], Span{600, 660}) // never an empty week
	return h
}

func TestMatchesMinuteByMinuteReference(t *testing.T) {
	zones := []string{"UTC", "America/New_York", "Europe/London", "Australia/Sydney", "Asia/Kolkata", "America/Los_Angeles"}
	countries := []string{"", "US", "GB", "DE"}
	r := rand.New(rand.NewPCG(7, 11))
	cases := 300
	if testing.Short() {
		cases = 60
	}
	for i := range cases {
		loc := mustLoc(t, zones[r.IntN(len(zones))])
		country := countries[r.IntN(len(countries))]
		hol, _ := CountryHolidays(country)
		var closed []string
		closedSet := map[civil]bool{}
		for range r.IntN(3) {
			d := time.Date(2026, time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
			closed = append(closed, d.Format("2006-01-02"))
			closedSet[civilOf(d)] = true
		}
		hours := randomHours(r)
		c, err := New("random", loc, hours, hol, closed)
		if err != nil {
			t.Fatal(err)
		}
		var holCal *cal.Calendar
		if hol != nil {
			holCal = &cal.Calendar{}
			holCal.AddHoliday(hol...)
		}
		open := func(t time.Time) bool { return bruteOpen(c, holCal, closedSet, t) }
		// Minute-aligned instants through 2026, DST changes included.
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(364*24*60)) * time.Minute)
		minutes := []int{0, 1, 5, 15, 60, 240, 480, 1440, 2880}[r.IntN(9)]
		name := fmt.Sprintf("%d/%s/%s/%s+%dm", i, loc, country, start.Format(time.RFC3339), minutes)
		due := c.Add(start, time.Duration(minutes)*time.Minute)
		if want := bruteAdd(open, start, minutes); !due.Equal(want) {
			t.Fatalf("%s: Add = %s, reference %s (hours %v)", name, due.In(loc), want.In(loc), c.week)
		}
		end := start.Add(time.Duration(r.IntN(10*24*60)) * time.Minute)
		if got, want := c.Elapsed(start, end), bruteElapsed(open, start, end); got != want {
			t.Fatalf("%s: Elapsed to %s = %s, reference %s", name, end.In(loc), got, want)
		}
	}
}
