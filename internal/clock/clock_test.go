package clock

import (
	"testing"
	"time"
)

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustCal(t testing.TB, hours string, loc *time.Location, country string, closed ...string) *Calendar {
	t.Helper()
	h, err := ParseHours(hours)
	if err != nil {
		t.Fatal(err)
	}
	hol, _ := CountryHolidays(country)
	c, err := New(hours, loc, h, hol, closed)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAddAndElapsed(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	london := mustLoc(t, "Europe/London")
	at := func(loc *time.Location, s string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	office := mustCal(t, "Mon-Fri 09:00-17:00", ny, "US")
	split := mustCal(t, "Mon-Fri 09:00-12:00,13:00-17:00", ny, "")
	night := mustCal(t, "Sun-Thu 22:00-06:00", ny, "")
	sundays := mustCal(t, "Sun 00:00-24:00", ny, "")
	closedDay := mustCal(t, "Mon-Fri 09:00-17:00", ny, "", "2026-03-04")
	for _, tt := range []struct {
		name  string
		cal   *Calendar
		start time.Time
		d     time.Duration
		due   time.Time
	}{
		{"inside hours", office, at(ny, "2026-03-02 10:00"), 5 * time.Minute, at(ny, "2026-03-02 10:05")},
		{"across the weekend", office, at(ny, "2026-03-06 16:58"), 5 * time.Minute, at(ny, "2026-03-09 09:03")},
		{"arrives on Saturday", office, at(ny, "2026-03-07 12:00"), 4 * time.Hour, at(ny, "2026-03-09 13:00")},
		{"arrives after hours", office, at(ny, "2026-03-02 20:00"), 5 * time.Minute, at(ny, "2026-03-03 09:05")},
		{"arrives before hours", office, at(ny, "2026-03-02 07:10"), 30 * time.Minute, at(ny, "2026-03-02 09:30")},
		{"ends exactly at closing", office, at(ny, "2026-03-02 16:00"), time.Hour, at(ny, "2026-03-02 17:00")},
		{"one business day", office, at(ny, "2026-03-02 13:00"), 8 * time.Hour, at(ny, "2026-03-03 13:00")},
		// 4 July 2026 is a Saturday, observed on Friday 3 July.
		{"observed holiday", office, at(ny, "2026-07-02 16:30"), time.Hour, at(ny, "2026-07-06 09:30")},
		{"Thanksgiving", office, at(ny, "2026-11-25 16:00"), 2 * time.Hour, at(ny, "2026-11-27 10:00")},
		{"custom closed date", closedDay, at(ny, "2026-03-03 16:00"), 2 * time.Hour, at(ny, "2026-03-05 10:00")},
		{"split hours skip lunch", split, at(ny, "2026-03-02 11:30"), time.Hour, at(ny, "2026-03-02 13:30")},
		{"arrives at lunch", split, at(ny, "2026-03-02 12:15"), 10 * time.Minute, at(ny, "2026-03-02 13:10")},
		{"overnight shift", night, at(ny, "2026-03-02 23:00"), 8 * time.Hour, at(ny, "2026-03-03 23:00")},
		{"Thursday night shift ends Friday morning", night, at(ny, "2026-03-05 23:00"), 7 * time.Hour, at(ny, "2026-03-06 06:00")},
		{"then nothing until Sunday night", night, at(ny, "2026-03-05 23:00"), 8 * time.Hour, at(ny, "2026-03-08 23:00")},
		// Clocks go forward on 8 March 2026: that Sunday has 23 hours.
		{"spring forward", sundays, at(ny, "2026-03-08 00:00"), 23 * time.Hour, at(ny, "2026-03-09 00:00")},
		// Clocks go back on 1 November 2026: that Sunday has 25 hours.
		{"fall back", sundays, at(ny, "2026-11-01 00:00"), 25 * time.Hour, at(ny, "2026-11-02 00:00")},
		{"owner in another time zone", office.In(london), at(london, "2026-03-02 08:00"), 30 * time.Minute, at(london, "2026-03-02 09:30")},
		{"24/7", nil, at(ny, "2026-03-07 03:00"), 5 * time.Minute, at(ny, "2026-03-07 03:05")},
		{"zero duration", office, at(ny, "2026-03-07 03:00"), 0, at(ny, "2026-03-07 03:00")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cal.Add(tt.start, tt.d)
			if !got.Equal(tt.due) {
				t.Fatalf("Add(%s, %s) = %s, want %s", tt.start, tt.d, got.In(tt.due.Location()), tt.due)
			}
			if tt.d > 0 {
				if el := tt.cal.Elapsed(tt.start, got); el != tt.d {
					t.Fatalf("Elapsed(start, due) = %s, want %s", el, tt.d)
				}
			}
		})
	}
}

func TestParseHoursErrors(t *testing.T) {
	for _, s := range []string{"", "Mon-Fri", "Mon-Fry 09:00-17:00", "Mon 9-17", "Mon 09:00-09:00", "Mon 25:00-26:00", "Mon 09:60-10:00"} {
		if _, err := ParseHours(s); err == nil {
			t.Errorf("ParseHours(%q) accepted", s)
		}
	}
	h, err := ParseHours("Fri-Mon 10:00-14:00; Wed 09:00-12:00,13:00-17:00")
	if err != nil {
		t.Fatal(err)
	}
	if len(h[time.Saturday]) != 1 || len(h[time.Monday]) != 1 || len(h[time.Tuesday]) != 0 || len(h[time.Wednesday]) != 2 {
		t.Fatalf("wrapping day range or split hours misread: %v", h)
	}
}

func TestIsOpenAndNextOpen(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	c := mustCal(t, "Mon-Fri 09:00-17:00", ny, "US")
	sat := time.Date(2026, 3, 7, 12, 0, 0, 0, ny)
	if c.IsOpen(sat) {
		t.Fatal("open on Saturday")
	}
	if got, want := c.NextOpen(sat), time.Date(2026, 3, 9, 9, 0, 0, 0, ny); !got.Equal(want) {
		t.Fatalf("NextOpen = %s, want %s", got, want)
	}
	mon := time.Date(2026, 3, 9, 9, 30, 0, 0, ny)
	if !c.IsOpen(mon) || !c.NextOpen(mon).Equal(mon) {
		t.Fatal("closed on Monday morning")
	}
}
