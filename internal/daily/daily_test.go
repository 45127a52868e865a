package daily

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/lead"
)

func TestFiscalCalendars(t *testing.T) {
	for _, tt := range []struct {
		name                 string
		f                    Fiscal
		day                  string
		week, month, quarter [2]string
		year                 [2]string
		yearName, monthName  string
	}{
		{"calendar months, January year", Fiscal{}, "2026-03-18",
			[2]string{"2026-03-16", "2026-03-23"}, [2]string{"2026-03-01", "2026-04-01"}, [2]string{"2026-01-01", "2026-04-01"},
			[2]string{"2026-01-01", "2027-01-01"}, "FY2026", "2026-03"},
		{"calendar months, year from February; weeks from Sunday", Fiscal{YearStart: time.February, WeekStart: time.Sunday, WeekStartSet: true}, "2026-01-10",
			[2]string{"2026-01-04", "2026-01-11"}, [2]string{"2026-01-01", "2026-02-01"}, [2]string{"2025-11-01", "2026-02-01"},
			[2]string{"2025-02-01", "2026-02-01"}, "FY2026", "2026-01"},
		// 2026-01-01 is a Thursday: the nearest Monday is 2025-12-29. The
		// next year starts Monday 2027-01-04, so FY2026 has 53 weeks and
		// its December is 6 weeks long.
		{"4-4-5, first month", Fiscal{Pattern: "4-4-5"}, "2026-01-20",
			[2]string{"2026-01-19", "2026-01-26"}, [2]string{"2025-12-29", "2026-01-26"}, [2]string{"2025-12-29", "2026-03-30"},
			[2]string{"2025-12-29", "2027-01-04"}, "FY2026", "FY2026-M01"},
		{"4-4-5, the five-week month", Fiscal{Pattern: "4-4-5"}, "2026-03-29",
			[2]string{"2026-03-23", "2026-03-30"}, [2]string{"2026-02-23", "2026-03-30"}, [2]string{"2025-12-29", "2026-03-30"},
			[2]string{"2025-12-29", "2027-01-04"}, "FY2026", "FY2026-M03"},
		{"4-4-5, the 53rd week", Fiscal{Pattern: "4-4-5"}, "2027-01-02",
			[2]string{"2026-12-28", "2027-01-04"}, [2]string{"2026-11-23", "2027-01-04"}, [2]string{"2026-09-28", "2027-01-04"},
			[2]string{"2025-12-29", "2027-01-04"}, "FY2026", "FY2026-M12"},
		{"5-4-4, year from July", Fiscal{Pattern: "5-4-4", YearStart: time.July}, "2026-08-03",
			[2]string{"2026-08-03", "2026-08-10"}, [2]string{"2026-08-03", "2026-08-31"}, [2]string{"2026-06-29", "2026-09-28"},
			[2]string{"2026-06-29", "2027-06-28"}, "FY2027", "FY2027-M02"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			check := func(what string, p Period, want [2]string) {
				t.Helper()
				if p.From != want[0] || p.To != want[1] || !p.Contains(tt.day) {
					t.Errorf("%s of %s = %s…%s, want %s…%s", what, tt.day, p.From, p.To, want[0], want[1])
				}
			}
			check("week", tt.f.Week(tt.day), tt.week)
			check("month", tt.f.Month(tt.day), tt.month)
			check("quarter", tt.f.Quarter(tt.day), tt.quarter)
			check("year", tt.f.Year(tt.day), tt.year)
			if n := tt.f.Year(tt.day).Name; n != tt.yearName {
				t.Errorf("year named %s, want %s", n, tt.yearName)
			}
			if n := tt.f.Month(tt.day).Name; n != tt.monthName {
				t.Errorf("month named %s, want %s", n, tt.monthName)
			}
			ytd := tt.f.YearToDate(tt.day)
			if ytd.From != tt.year[0] || !ytd.Contains(tt.day) || ytd.Contains(parse(tt.day).AddDate(0, 0, 1).Format(time.DateOnly)) {
				t.Errorf("year to date %+v", ytd)
			}
		})
	}
}

// TestMonthsTileTheYear: for every pattern and start, the months of each
// year follow one another without gap or overlap, and quarters are three
// months; weeks are whole weeks in week-based patterns.
func TestMonthsTileTheYear(t *testing.T) {
	for _, pattern := range []string{"calendar", "4-4-5", "4-5-4", "5-4-4"} {
		for _, start := range []time.Month{time.January, time.April, time.October} {
			f := Fiscal{Pattern: pattern, YearStart: start}
			day := "2024-01-01"
			for range 6 * 365 {
				y := f.Year(day)
				m := f.Month(day)
				q := f.Quarter(day)
				if !y.Contains(day) || !m.Contains(day) || !q.Contains(day) || m.From < q.From || m.To > q.To || q.From < y.From || q.To > y.To {
					t.Fatalf("%s/%s: %s in year %+v, quarter %+v, month %+v", pattern, start, day, y, q, m)
				}
				if len(f.MonthsOf(q)) != 3 {
					t.Fatalf("%s/%s: quarter %+v has months %+v", pattern, start, q, f.MonthsOf(q))
				}
				if pattern != "calendar" {
					days := len(y.Days())
					if days != 364 && days != 371 {
						t.Fatalf("%s/%s: year %+v has %d days", pattern, start, y, days)
					}
				}
				day = parse(day).AddDate(0, 0, 1).Format(time.DateOnly)
			}
		}
	}
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestLeadContribution(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	l := &lead.Lead{LeadID: "L", Events: 5, CreatedAt: at("2026-03-01T20:00:00Z"), OriginalSource: "webinar", Source: "ads", Offer: "ebook", Segment: "smb", Owner: "sam", Team: "sdr",
		StagesEntered: map[string]time.Time{"lead": at("2026-03-02T03:00:00Z"), "mql": at("2026-03-02T15:00:00Z")}}
	amount := 1200.0
	won := at("2026-03-20T12:00:00Z")
	opp := &lead.Opportunity{OpportunityID: "O", Events: 2, Owner: "ava", Product: "pro", CreatedAt: at("2026-03-10T12:00:00Z"), Status: "won", ClosedAt: &won, Amount: &amount}
	c := Of(l, []*lead.Opportunity{opp}, ny)
	want := map[Key]Cell{
		// 03:00 UTC on 2 March is still 1 March in New York.
		{"2026-03-01", "lead", All, ""}:               {N: 1},
		{"2026-03-01", "lead", Source, "webinar"}:     {N: 1},
		{"2026-03-02", "mql", Owner, "sam"}:           {N: 1},
		{"2026-03-10", Opportunities, Owner, "ava"}:   {N: 1},
		{"2026-03-10", Opportunities, Product, "pro"}: {N: 1},
		{"2026-03-20", Bookings, All, ""}:             {N: 1, Cents: 120000},
		{"2026-03-20", Bookings, Source, "webinar"}:   {N: 1, Cents: 120000},
		{"2026-03-20", Won, Team, "sdr"}:              {N: 1},
		// By hour in New York: lead at 22:00 on 1 March, MQL at 10:00,
		// the deal opened at 08:00 (EDT begins on 8 March).
		{"2026-03-01", "lead", Hour, "22"}:        {N: 1},
		{"2026-03-02", "mql", Hour, "10"}:         {N: 1},
		{"2026-03-10", Opportunities, Hour, "08"}: {N: 1},
	}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("%+v = %+v, want %+v", k, c[k], v)
		}
	}
	// Entered lead on 1 March (New York) and mql 12 hours later: the
	// cohort of 1 March's leads has one MQL, within 30 days too, in total
	// and by source.
	if c[Key{"2026-03-01", CohortMetric("lead", "mql", 0), All, ""}].N != 1 || c[Key{"2026-03-01", CohortMetric("lead", "mql", 30), Source, "webinar"}].N != 1 ||
		c[Key{"2026-03-01", CohortMetric("lead", "mql", 30), Owner, "sam"}].N != 0 {
		t.Errorf("cohort atoms missing: %v", c)
	}
	// Created 1 March 20:00 UTC, won 20 March 12:00 UTC: an 18.67-day cycle.
	if c[Key{"2026-03-20", CycleDays, All, ""}] != (Cell{N: 1, Cents: 1867}) || c[Key{"2026-03-20", CycleHistogram(18), All, ""}].N != 1 {
		t.Errorf("cycle atoms: %v", c[Key{"2026-03-20", CycleDays, All, ""}])
	}
	for k := range c {
		if k.Dim == Hour && k.Metric != "lead" && k.Metric != "mql" && k.Metric != Opportunities {
			t.Errorf("%+v: only stages and opened deals are counted by hour", k)
		}
	}
	if _, ok := c[Key{"2026-03-01", "lead", Source, "ads"}]; ok {
		t.Errorf("the lead is credited to its latest source, not its first")
	}
	// A change of owner moves the MQL: the difference is −1 sam, +1 kim.
	l2 := *l
	l2.Owner = "kim"
	d := Diff(c, Of(&l2, []*lead.Opportunity{opp}, ny))
	onlyOwners := true
	for k := range d {
		onlyOwners = onlyOwners && k.Dim == Owner
	}
	if !onlyOwners || len(d) != 4 || d[Key{"2026-03-02", "mql", Owner, "sam"}].N != -1 || d[Key{"2026-03-02", "mql", Owner, "kim"}].N != 1 {
		b, _ := json.Marshal(fmt.Sprint(d))
		t.Errorf("diff after a reassignment: %s", b)
	}
	var sum Counts = Counts{}
	sum.Add(c, 1)
	sum.Add(d, 1)
	if fmt.Sprint(sum) != fmt.Sprint(Of(&l2, []*lead.Opportunity{opp}, ny)) {
		t.Errorf("before + diff != after")
	}
}

func TestActivityContribution(t *testing.T) {
	e := &event.Event{Type: event.ActivityLogged, OccurredAt: at("2026-03-02T15:00:00Z"),
		Data: json.RawMessage(`{"lead_id":"L","kind":"call","actor":"sam"}`)}
	c := OfActivity(e, time.UTC)
	if c[Key{"2026-03-02", "activity.call", All, ""}].N != 1 || c[Key{"2026-03-02", "activity.call", Owner, "sam"}].N != 1 || len(c) != 2 {
		t.Errorf("activity atoms %v", c)
	}
}

// TestWonBeforeFirstContact: a deal whose win is dated before the lead
// first became a lead or an MQL is reported, not averaged as a short cycle,
// even when the deal's own events are what created the lead.
func TestWonBeforeFirstContact(t *testing.T) {
	won := at("2018-03-06T19:38:00Z")
	l := &lead.Lead{LeadID: "L", Events: 4, CreatedAt: won,
		StagesEntered: map[string]time.Time{"customer": won, "mql": at("2018-03-08T00:00:00Z")}}
	opp := &lead.Opportunity{OpportunityID: "O", Events: 2, CreatedAt: won, Status: "won", ClosedAt: &won}
	c := Of(l, []*lead.Opportunity{opp}, time.UTC)
	if c[Key{"2018-03-06", CycleNegative, All, ""}].N != 1 || c[Key{"2018-03-06", CycleDays, All, ""}].N != 0 {
		t.Errorf("won before first contact: negative %v, cycle %v", c[Key{"2018-03-06", CycleNegative, All, ""}], c[Key{"2018-03-06", CycleDays, All, ""}])
	}
}
