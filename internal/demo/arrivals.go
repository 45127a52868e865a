package demo

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// prospect is one person's first inquiry: who they are and how they came.
type prospect struct {
	idx       int // arrival order: the lead's number and dice stream
	id        string
	src       *source
	at        time.Time
	burst     bool // imported with a trade show's badge scans
	campaign  string
	offer     string
	acct      *account
	seniority int
	junk      string // why the lead is worthless, if it is
	name      string
	email     string
	title     string
	phone     string
	score     float64
	home      hours // the prospect's own working day
}

// arrivals draws every first inquiry of the window, in time order.
func (g *gen) arrivals() []*prospect {
	d := newDice(g.o.Seed, 0)
	var out []*prospect
	cum, prev := 0.0, 0
	for i := range sources {
		s := &sources[i]
		cum += s.share
		n := int(math.Round(cum*float64(g.o.Leads))) - prev
		prev += n
		if i == len(sources)-1 {
			n += g.o.Leads - prev
		}
		switch s.name {
		case "webinar":
			out = append(out, g.webinarLeads(d, s, n)...)
		case "trade_show":
			out = append(out, g.tradeShowLeads(d, s, n)...)
		default:
			for range n {
				p := g.profile(d, s, "")
				if s.name == "outbound" {
					// Prospected by an SDR at their desk, not by a form.
					p.at = g.org.next(g.steady(d, g.org.loc))
					if p.at.After(g.now) {
						p.at = g.now.Add(-time.Hour)
					}
				} else {
					p.at = g.steady(d, p.home.loc)
				}
				p.campaign = g.campaignName(pick(d, s.campaigns), p.at)
				out = append(out, p)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b *prospect) int { return a.at.Compare(b.at) })
	for i, p := range out {
		p.idx = i + 1
		p.id = leadID(i)
	}
	g.nextID = len(out)
	return out
}

func leadID(n int) string { return fmt.Sprintf("L-%06d", 100001+n) }

// profile invents the person behind an inquiry from source s, at a company
// in region ("" for anywhere).
func (g *gen) profile(d dice, s *source, region string) *prospect {
	seg := pickIndex(d, s.segments[:])
	acct := g.world.account(d, seg, region)
	shares := make([]float64, len(seniorities))
	for i, x := range seniorities {
		shares[i] = x.share
		if seg == 0 && x.name == "c_level" {
			shares[i] *= 2.5 // at a small company the CEO fills in the form
		}
	}
	p := &prospect{src: s, acct: acct, seniority: pickIndex(d, shares)}
	p.home = hours{loc: g.tz.get(acct.place.zone), start: 9 * 60, end: 17 * 60}
	if s.offers != nil {
		p.offer = pick(d, s.offers)
	}
	p.name, p.email = g.world.person(d, acct)
	p.title = oneOf(d, titles[seniorities[p.seniority].name])
	if d.chance(s.junk) {
		p.junk = pick(d, junkReasons)
		p.seniority = 0
		p.title = junkTitles[p.junk]
		if p.junk == "invalid email" {
			p.name, p.email = "asdf asdf", g.world.throwaway(d)
		}
	}
	if acct.place.phone != nil && (highIntent(p.offer) || d.chance(0.55)) {
		p.phone = acct.place.phone(d)
	}
	p.score = g.score(d, p, p.offer, 0)
	return p
}

// score is the marketing-automation score: the offer's intent, the
// person's seniority, the company's size and some noise.
func (g *gen) score(d dice, p *prospect, offer string, bonus float64) float64 {
	s := offers[offer].base + seniorities[p.seniority].bonus + bonus + p.src.scoreAdj + d.normal(0, 11)
	for i, x := range segments {
		if x.name == p.acct.segment {
			s += segments[i].bonus
		}
	}
	if p.junk != "" {
		s -= 25
	}
	return math.Round(math.Max(0, math.Min(100, s)))
}

// campaignName fills in the quarter and year of t.
func (g *gen) campaignName(tmpl string, t time.Time) string {
	l := t.In(g.org.loc)
	q := fmt.Sprintf("%d-Q%d", l.Year(), (int(l.Month())-1)/3+1)
	return strings.NewReplacer("{Q}", q, "{Y}", fmt.Sprint(l.Year())).Replace(tmpl)
}

// steady draws a time in the window when a form is likely to be filled in
// the zone loc: weekdays more than weekends, working hours more than
// nights, and a little more towards the end as marketing grows.
func (g *gen) steady(d dice, loc *time.Location) time.Time {
	first := g.start.In(loc)
	days := int(g.now.Sub(g.start)/(24*time.Hour)) + 1
	weights := make([]float64, days)
	for i := range weights {
		day := time.Date(first.Year(), first.Month(), first.Day()+i, 12, 0, 0, 0, loc)
		w := 1 + growth*float64(i)/float64(days)
		if !workday(day.Weekday()) {
			w *= weekendDayWeight
		}
		weights[i] = w
	}
	for range 50 {
		i := pickIndex(d, weights)
		t := g.onDay(d, time.Date(first.Year(), first.Month(), first.Day()+i, 0, 0, 0, 0, loc))
		if t.After(g.start) && !t.After(g.now) {
			return t
		}
	}
	return g.now.Add(-time.Hour)
}

// onDay draws the time of an inquiry on the local day starting at midnight.
func (g *gen) onDay(d dice, midnight time.Time) time.Time {
	hrs := weekdayHours
	if !workday(midnight.Weekday()) {
		hrs = weekendHours
	}
	h := pickIndex(d, hrs[:])
	return time.Date(midnight.Year(), midnight.Month(), midnight.Day(), h, d.intn(60), d.intn(60), 0, midnight.Location())
}

// webinarLeads are registrations for the monthly webinar: most in the
// days just before it, some on the day, some for the next one.
func (g *gen) webinarLeads(d dice, s *source, n int) []*prospect {
	var dates []time.Time
	first := g.start.Add(10 * 24 * time.Hour).In(g.org.loc)
	for first.Weekday() != time.Thursday {
		first = first.AddDate(0, 0, 1)
	}
	for t := time.Date(first.Year(), first.Month(), first.Day(), 11, 0, 0, 0, g.org.loc); t.Before(g.now.Add(14 * 24 * time.Hour)); t = t.AddDate(0, 0, 28) {
		dates = append(dates, t)
	}
	out := make([]*prospect, 0, n)
	for range n {
		p := g.profile(d, s, "")
		if len(dates) == 0 {
			// A window too short for a live webinar still has the
			// on-demand library.
			p.at = g.steady(d, p.home.loc)
			p.campaign = g.campaignName("{Q} Webinar: On-Demand Library", p.at)
			out = append(out, p)
			continue
		}
		for try := 0; ; try++ {
			w := oneOf(d, dates)
			k := int(d.lognormal(3, 0.9))
			day := w.In(p.home.loc).AddDate(0, 0, -k)
			t := g.onDay(d, time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, p.home.loc))
			limit := w.Add(90 * time.Minute)
			if limit.After(g.now) {
				limit = g.now
			}
			if (t.After(g.start) && !t.After(limit)) || try > 50 {
				if try > 50 {
					t = g.steady(d, p.home.loc)
				}
				p.at = t
				l := w.In(g.org.loc)
				topic := webinarTopics[(l.Year()*12+int(l.Month()))%len(webinarTopics)]
				p.campaign = g.campaignName("{Q} Webinar: "+topic, w)
				break
			}
		}
		out = append(out, p)
	}
	return out
}

// tradeShowLeads are badge scans, imported by marketing ops in one burst
// two working days after each show.
func (g *gen) tradeShowLeads(d dice, s *source, n int) []*prospect {
	out := make([]*prospect, 0, n)
	mops := g.co.byName["Tom Becker"]
	cum, prev := 0.0, 0
	for i, show := range tradeShows {
		cum += show.size
		k := int(math.Round(cum*float64(n))) - prev
		prev += k
		if i == len(tradeShows)-1 {
			k += n - prev
		}
		day := g.start.Add(time.Duration(show.at * float64(g.window))).In(g.org.loc)
		for day.Weekday() != time.Tuesday {
			day = day.AddDate(0, 0, 1)
		}
		end := time.Date(day.Year(), day.Month(), day.Day()+1, 17, 0, 0, 0, g.org.loc)
		imp := mops.hours.addDays(end, 2)
		imp = mops.hours.dayAt(imp, 10*60).Add(minutes(d.uniform(0, 120)))
		if imp.After(g.now.Add(-2 * time.Hour)) {
			imp = g.now.Add(-2 * time.Hour)
		}
		name := g.campaignName(show.name, day)
		at := imp
		for range k {
			p := g.profile(d, s, show.location)
			at = at.Add(time.Duration(d.between(1, 5)) * time.Second)
			p.at, p.burst, p.campaign = at, true, name
			out = append(out, p)
		}
	}
	return out
}
