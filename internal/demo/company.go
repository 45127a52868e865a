package demo

import (
	"strings"
	"time"
)

// CompanyName is the fictional company selling forecasting software whose
// sales and marketing teams the demo shows.
const CompanyName = "Northwind Analytics"

const (
	companyDomain = "northwind.example"
	orgZone       = "America/New_York"
)

// Teams as Accord sees them in person.upserted and lead.assigned.
const (
	teamMarketing = "marketing"
	teamSDR       = "sdr"
	teamEast      = "ae-east"
	teamWest      = "ae-west"
)

// rep is one person at Northwind with how they work. speed is the median
// time to first touch in working minutes and never the share of leads they
// leave untouched; for AEs speed is the median time to accept a handoff.
// Deliberately uneven, so the sales-side numbers have a story to tell.
type rep struct {
	id, name, team, role, manager, zone string
	speed                               float64
	never                               float64
	touches                             int     // attempts before giving up on a lead
	joins                               float64 // fraction of the window after which they start (0: before it)
	hours                               hours
}

var roster = []rep{
	{name: "Elena Marsh", team: teamMarketing, role: "manager", zone: "America/New_York"},
	{name: "Priya Natarajan", team: teamMarketing, role: "marketing", manager: "Elena Marsh", zone: "America/New_York"},
	{name: "Tom Becker", team: teamMarketing, role: "marketing", manager: "Elena Marsh", zone: "America/Chicago"},

	{name: "Jordan Reyes", team: teamSDR, role: "manager", zone: "America/New_York"},
	{name: "Maya Chen", team: teamSDR, role: "sdr", manager: "Jordan Reyes", zone: "America/New_York", speed: 3, never: 0.02, touches: 8},
	{name: "Luis Ortega", team: teamSDR, role: "sdr", manager: "Jordan Reyes", zone: "America/New_York", speed: 7, never: 0.04, touches: 6},
	{name: "Hannah Kim", team: teamSDR, role: "sdr", manager: "Jordan Reyes", zone: "America/Chicago", speed: 14, never: 0.05, touches: 6},
	{name: "Derek Walsh", team: teamSDR, role: "sdr", manager: "Jordan Reyes", zone: "America/Chicago", speed: 55, never: 0.16, touches: 3},
	{name: "Aisha Bello", team: teamSDR, role: "sdr", manager: "Jordan Reyes", zone: "America/Los_Angeles", speed: 10, never: 0.05, touches: 7},
	{name: "Oliver Grant", team: teamSDR, role: "sdr", manager: "Jordan Reyes", zone: "Europe/London", speed: 9, never: 0.04, touches: 6},
	{name: "Sofia Rossi", team: teamSDR, role: "sdr", manager: "Jordan Reyes", zone: "America/New_York", speed: 20, never: 0.07, touches: 5, joins: 0.4},

	{name: "Grace Whitfield", team: teamEast, role: "manager", zone: "America/New_York"},
	{name: "Samuel Osei", team: teamEast, role: "ae", manager: "Grace Whitfield", zone: "America/New_York", speed: 90},
	{name: "Rachel Adler", team: teamEast, role: "ae", manager: "Grace Whitfield", zone: "America/New_York", speed: 150},
	{name: "Kevin Park", team: teamEast, role: "ae", manager: "Grace Whitfield", zone: "America/Chicago", speed: 600},
	{name: "Charlotte Hughes", team: teamEast, role: "ae", manager: "Grace Whitfield", zone: "Europe/London", speed: 120},

	{name: "Marcus Bell", team: teamWest, role: "manager", zone: "America/Los_Angeles"},
	{name: "Nina Alvarez", team: teamWest, role: "ae", manager: "Marcus Bell", zone: "America/Los_Angeles", speed: 100},
	{name: "Ethan Brooks", team: teamWest, role: "ae", manager: "Marcus Bell", zone: "America/Denver", speed: 180},
	{name: "Zoe Tanaka", team: teamWest, role: "ae", manager: "Marcus Bell", zone: "America/Los_Angeles", speed: 240},
}

// company is the demo's people, ready to route leads to.
type company struct {
	people []*rep
	byName map[string]*rep
	// automation acts for the marketing-automation system (stage changes
	// and routing nobody did by hand).
	automation string
}

func newCompany(tz zones) *company {
	c := &company{byName: map[string]*rep{}, automation: "automation"}
	for i := range roster {
		r := roster[i]
		r.id = personID(r.name)
		start, end := 9*60, 17*60
		switch r.role {
		case "sdr":
			start, end = 8*60, 17*60
		case "ae":
			start, end = 8*60+30, 17*60+30
		}
		r.hours = hours{loc: tz.get(r.zone), start: start, end: end}
		c.people = append(c.people, &r)
		c.byName[r.name] = &r
	}
	return c
}

func personID(name string) string { return "u-" + strings.ReplaceAll(strings.ToLower(name), " ", ".") }

func (r *rep) email() string {
	return strings.ReplaceAll(strings.ToLower(r.name), " ", ".") + "@" + companyDomain
}

// routeSDR picks the SDR for a lead: EMEA to the London desk, Australia to
// the West Coast desk (whose afternoon is Sydney's morning), the rest round
// robin among the American SDRs working at the time.
func (g *gen) routeSDR(p *prospect, at time.Time) *rep {
	switch {
	case p.acct.place.region == "emea":
		return g.co.byName["Oliver Grant"]
	case p.acct.place.country == "AU":
		return g.co.byName["Aisha Bello"]
	}
	return g.roundRobin(teamSDR, "sdr", at)
}

// routeAE picks the account executive by territory.
func (g *gen) routeAE(p *prospect, at time.Time) *rep {
	switch p.acct.place.region {
	case "emea":
		return g.co.byName["Charlotte Hughes"]
	case "west":
		return g.roundRobin(teamWest, "ae", at)
	}
	return g.roundRobin(teamEast, "ae", at)
}

// roundRobin takes turns among the American members of team with role who
// had joined by at.
func (g *gen) roundRobin(team, role string, at time.Time) *rep {
	var pool []*rep
	for _, r := range g.co.people {
		if r.team == team && r.role == role && strings.HasPrefix(r.zone, "America/") && !at.Before(r.joinedAt(g.start, g.window)) {
			pool = append(pool, r)
		}
	}
	key := team + "/" + role
	r := pool[g.turns[key]%len(pool)]
	g.turns[key]++
	return r
}

// joinedAt is when r appears in the CRM: before the window, or on a
// Monday morning part-way through it for a new hire.
func (r *rep) joinedAt(start time.Time, window time.Duration) time.Time {
	if r.joins == 0 {
		return start.Add(-21 * 24 * time.Hour)
	}
	t := start.Add(time.Duration(r.joins * float64(window)))
	l := t.In(r.hours.loc)
	for l.Weekday() != time.Monday {
		l = l.AddDate(0, 0, 1)
	}
	return time.Date(l.Year(), l.Month(), l.Day(), 9, 0, 0, 0, r.hours.loc)
}
