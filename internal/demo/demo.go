// Package demo generates a believable data set for Accord: the CRM events of
// Northwind Analytics, a fictional B2B software company, over the last few
// months — its people, thousands of leads from eight sources, the SDR and AE
// work on them, opportunities and closed deals. The funnel follows typical
// B2B conversion rates, differs by source and by rep, and carries the
// imperfections of real feeds (late events, webhook retries, people who come
// back through a second form), so every Accord screen has something to show.
//
// The output depends only on Options: the same options give the same bytes,
// so loading the demo twice is idempotent.
package demo

import (
	"time"

	"github.com/accordhq/accord/internal/event"
)

// Defaults for a zero Options field.
const (
	DefaultLeads = 3000
	DefaultDays  = 120
)

// Options shape the data set.
type Options struct {
	// Leads is the number of people who first raise a hand (or are
	// prospected) in the window; a few percent come back a second time.
	Leads int
	// Days is the length of the window, ending at Now.
	Days int
	// Seed picks one of many equally plausible companies.
	Seed int64
	// Now ends the window; no event happens after it. Zero means the
	// current time, which makes the output differ from run to run.
	Now time.Time
}

func (o Options) withDefaults() Options {
	if o.Leads <= 0 {
		o.Leads = DefaultLeads
	}
	if o.Days <= 0 {
		o.Days = DefaultDays
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	o.Now = o.Now.UTC().Truncate(time.Second)
	return o
}

// Generate returns the data set as event envelopes (JSON, one per element)
// in the order a CRM would send them: people first, then mostly by time,
// with about 1% of events arriving after later events of the same lead and
// about 1% sent twice with the same id and body, as retried webhooks are.
// Event ids are "demo-<n>", stable for given Options.
func Generate(o Options) [][]byte {
	o = o.withDefaults()
	g := newGen(o)
	g.people()
	for _, p := range g.arrivals() {
		g.live(p)
	}
	return g.send()
}

// gen holds the simulation while it runs.
type gen struct {
	o          Options
	start, now time.Time
	window     time.Duration
	co         *company
	world      *world
	org        hours // Northwind's office day, for automation and imports
	tz         zones

	events  []*pending
	turns   map[string]int // round-robin position per routing pool
	nextOpp int
	nextID  int // lead_id numbers for second doors
}

// pending is one event before it is sent.
type pending struct {
	at   time.Time
	typ  event.Type
	data any
	lead int // the lead (person) it belongs to; -1 for Northwind's people
	n    int // creation order, which keeps cause before effect at equal times
	// pinned events are never sent late: a door's first lead.upserted and
	// an opportunity's first upsert, so no record starts as an empty stub.
	pinned bool
	sent   time.Time
	id     string
}

func newGen(o Options) *gen {
	window := time.Duration(o.Days) * 24 * time.Hour
	tz := zones{}
	return &gen{
		o: o, now: o.Now, start: o.Now.Add(-window), window: window,
		co: newCompany(tz), world: newWorld(), tz: tz,
		org:   hours{loc: tz.get(orgZone), start: 9 * 60, end: 17 * 60},
		turns: map[string]int{}, nextOpp: 5001,
	}
}

func (g *gen) emit(p *pending) {
	p.n = len(g.events)
	g.events = append(g.events, p)
}

// people announces Northwind's staff, each when they joined the CRM.
func (g *gen) people() {
	for i, r := range g.co.people {
		var mgr string
		if r.manager != "" {
			mgr = g.co.byName[r.manager].id
		}
		g.emit(&pending{
			at:  r.joinedAt(g.start, g.window).Add(time.Duration(i) * time.Second),
			typ: event.PersonUpserted, lead: -1, pinned: true,
			data: &event.Person{
				PersonID: r.id, Name: r.name, Email: r.email(), Team: r.team,
				Role: r.role, Manager: mgr, Timezone: r.zone,
			},
		})
	}
}
