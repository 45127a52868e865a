package demo

import (
	"fmt"
	"strings"
	"time"

	"github.com/accordhq/accord/internal/event"
)

// live plays one lead from its first inquiry to wherever it has got by now
// (events after Now are dropped when sending). A lead that ends up resting
// in lead or nurture may come back with a second inquiry.
func (g *gen) live(p *prospect) {
	t := &track{g: g, p: p, d: newDice(g.o.Seed, uint64(p.idx)), door: p.id}
	outbound := p.src.name == "outbound"
	t.emit(p.at, event.LeadUpserted, t.upsert(p.email, p.src, p.campaign, p.offer, p.score, !outbound), true)
	var stage string
	if outbound {
		stage = t.outbound()
	} else {
		stage = t.inbound()
	}
	if (stage == "lead" || stage == "nurture") && t.d.chance(reInquiryRate) {
		t.reinquire()
	}
}

// inbound is marketing's part: clean the data, score, hand over MQLs.
func (t *track) inbound() string {
	g, d, p := t.g, t.d, t.p
	if p.junk != "" && d.chance(junkCaughtEarly) {
		mops := g.co.byName[oneOf(d, []string{"Priya Natarajan", "Tom Becker"})]
		t.stage(mops.hours.add(p.at, minutes(d.lognormal(120, 1))), "disqualified", p.junk, mops.id)
		return "disqualified"
	}
	at := t.stage(p.at.Add(seconds(20, 180, d)), "lead", "", g.co.automation)
	if reason, ok := mqlReason(p.score, p.offer); ok {
		return t.work(t.stage(at.Add(seconds(5, 60, d)), "mql", reason, g.co.automation))
	}
	if d.chance(lateScoreMQL) {
		// Later engagement (pricing page, a second download) lifts the score.
		when := p.home.add(p.at.Add(days(d.lognormal(12, 0.6))), minutes(d.uniform(0, 400)))
		score := p.score + 10 + float64(d.between(0, 12))
		if score < mqlScore {
			score = mqlScore + float64(d.between(0, 6))
		}
		t.emit(when, event.LeadUpserted, &event.Lead{LeadID: t.door, Score: &score}, false)
		reason, _ := mqlReason(score, "")
		return t.work(t.stage(when.Add(seconds(5, 60, d)), "mql", reason, g.co.automation))
	}
	if d.chance(staleToNurture) {
		t.stage(g.weeklyRun(p.at.Add(staleAfter)), "nurture", "no engagement in 30 days", g.co.automation)
		return "nurture"
	}
	return "lead"
}

// mqlReason says why a lead qualifies as an MQL, if it does.
func mqlReason(score float64, offer string) (string, bool) {
	switch {
	case highIntent(offer):
		return "offer: " + offer, true
	case score >= mqlScore:
		return fmt.Sprintf("score %.0f", score), true
	}
	return "", false
}

// weeklyRun is when the Monday-morning clean-up job first runs after t.
func (g *gen) weeklyRun(t time.Time) time.Time {
	l := t.In(g.org.loc)
	for {
		run := time.Date(l.Year(), l.Month(), l.Day(), 7, 0, 0, 0, g.org.loc)
		if l.Weekday() == time.Monday && !run.Before(t) {
			return run
		}
		l = time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, g.org.loc)
	}
}

// outbound is an SDR's own prospect: owned from the start, worked from a
// sequence, and a sales-qualified lead without ever being an MQL.
func (t *track) outbound() string {
	g, d, p := t.g, t.d, t.p
	sdr := g.routeSDR(p, p.at)
	at := t.assign(p.at.Add(time.Second), sdr)
	at = t.stage(at.Add(time.Second), "lead", "prospected", sdr.id)
	first := sdr.hours.add(at, minutes(d.lognormal(60, 1)))
	if reached := t.cadence(sdr, first, offers[""].intent, max(sdr.touches, 6), 0); !reached.IsZero() {
		return t.qualify(sdr, reached)
	}
	if d.chance(0.6) {
		return "lead" // the sequence just ends
	}
	at = t.dispose(sdr.hours.addDays(t.last, 2), "recycled", "no response to outbound sequence", sdr.id)
	t.stage(at, "nurture", "no response to outbound sequence", sdr.id)
	return "nurture"
}

// reinquire brings a known person back with a new hand-raise, through the
// same lead record or, as CRMs often do, a new one with the email typed
// differently.
func (t *track) reinquire() {
	g, d, p := t.g, t.d, t.p
	at := p.home.add(t.last.Add(days(d.lognormal(25, 0.7))), minutes(d.uniform(0, 400)))
	if at.After(g.now) {
		return
	}
	var choices []weighted[*source]
	for i := range sources {
		if s := &sources[i]; s.campaigns != nil && s.offers != nil && s.name != "referral" {
			choices = append(choices, weighted[*source]{s, s.share})
		}
	}
	s := pick(d, choices)
	offer := pick(d, s.offers)
	campaign := g.campaignName(pick(d, s.campaigns), at)
	// The person keeps their original source's quality; the new offer and
	// score are what the SDR sees this time.
	saved := p.src
	p.src = s
	score := g.score(d, p, offer, 8) // a returning visitor has history
	p.src, p.offer, p.score = saved, offer, score
	email := p.email
	newDoor := d.chance(newDoorShare)
	if newDoor {
		t.door = leadID(g.nextID)
		g.nextID++
		email = recase(d, p.email)
	}
	t.emit(at, event.LeadUpserted, t.upsert(email, s, campaign, offer, score, true), newDoor)
	if reason, ok := mqlReason(score, offer); ok {
		t.work(t.stage(at.Add(seconds(5, 60, d)), "mql", reason, g.co.automation))
	}
}

// recase writes an email address as a person might retype it: same
// mailbox, different capitals.
func recase(d dice, email string) string {
	local, domain, _ := strings.Cut(email, "@")
	switch d.intn(3) {
	case 0:
		parts := strings.Split(local, ".")
		for i, s := range parts {
			if s != "" {
				parts[i] = strings.ToUpper(s[:1]) + s[1:]
			}
		}
		return strings.Join(parts, ".") + "@" + domain
	case 1:
		return local + "@" + strings.ToUpper(domain)
	}
	return strings.ToUpper(email)
}
