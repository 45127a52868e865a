package demo

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/accordhq/accord/internal/event"
)

// handoff is the SDR passing an SQL to an AE, who accepts or rejects it and,
// after a discovery meeting, opens an opportunity.
func (t *track) handoff(sql time.Time) string {
	g, d, p := t.g, t.d, t.p
	ae := g.routeAE(p, sql)
	at := t.assign(sql.Add(seconds(30, 180, d)), ae)
	decided := ae.hours.add(at, minutes(d.lognormal(ae.speed, 0.9)))
	// Of the SQLs that never become opportunities, about half are turned
	// down at the handoff and half after the first meeting.
	rejectNow := (1 - p.src.opp) * 0.55
	if d.chance(rejectNow) {
		reason := pick(d, aeRejectReasons)
		at = t.dispose(decided, "rejected", reason, ae.id)
		t.stage(at.Add(time.Minute), "nurture", reason, ae.id)
		return "nurture"
	}
	t.dispose(decided, "accepted", "", ae.id)
	meet := t.touch(ae.hours.addDays(decided, d.uniform(1, 6)), "meeting", ae, "held")
	if !d.chance(p.src.opp / (1 - rejectNow)) {
		reason := pick(d, aeRejectReasons)
		at = t.dispose(meet.Add(2*time.Hour), "rejected", reason, ae.id)
		t.stage(at.Add(time.Minute), "nurture", reason, ae.id)
		return "nurture"
	}
	at = t.stage(meet.Add(time.Hour), "opportunity", "discovery meeting held", ae.id)
	t.dispose(at, "converted", "", ae.id)
	return t.deal(ae, at)
}

// deal runs an opportunity through its stages to won or lost. Won deals
// take the whole sales cycle; lost ones drop out anywhere along it.
func (t *track) deal(ae *rep, opened time.Time) string {
	g, d, p := t.g, t.d, t.p
	seg := segments[0]
	for _, s := range segments {
		if s.name == p.acct.segment {
			seg = s
		}
	}
	amount := roundTo(d.lognormal(seg.amount, 0.45), 100)
	id := fmt.Sprintf("OPP-%05d", g.nextOpp)
	g.nextOpp++
	product := strings.TrimPrefix(seg.product, "Northwind ")
	t.emit(opened, event.OpportunityUpserted, &event.Opportunity{
		OpportunityID: id, LeadID: t.door, Account: p.acct.name, Name: p.acct.name + " – " + product,
		Stage: oppStages[0].name, Amount: ptr(amount), Currency: "USD", Owner: ae.id, Product: seg.product,
	}, true)

	cycle := days(d.lognormal(seg.cycleDays, 0.35))
	won := d.chance(p.src.win * seg.win)
	end := cycle
	if !won {
		end = time.Duration(float64(cycle) * d.uniform(0.2, 1.05))
	}
	for _, s := range oppStages[1:] {
		step := time.Duration(s.at * float64(cycle))
		if step >= end {
			break
		}
		up := &event.Opportunity{OpportunityID: id, LeadID: t.door, Stage: s.name}
		if s.name == "proposal" {
			amount = roundTo(amount*d.uniform(0.85, 1.2), 100)
			up.Amount = ptr(amount)
		}
		t.emit(ae.hours.add(opened.Add(step), minutes(d.uniform(0, 300))), event.OpportunityUpserted, up, false)
	}
	closed := ae.hours.add(opened.Add(end), minutes(d.uniform(0, 300)))
	if won {
		final := roundTo(amount*d.uniform(0.85, 1), 100) // the closing discount
		at := t.emit(closed, event.OpportunityClosed, &event.Close{OpportunityID: id, Outcome: "won", Amount: ptr(final)}, false)
		t.stage(at.Add(minutes(d.uniform(1, 5))), "customer", "closed won", g.co.automation)
		return "customer"
	}
	at := t.emit(closed, event.OpportunityClosed, &event.Close{OpportunityID: id, Outcome: "lost", Reason: pick(d, lossReasons)}, false)
	t.stage(ae.hours.addDays(at, 1), "nurture", "closed lost", g.co.automation)
	return "nurture"
}

func roundTo(x, unit float64) float64 { return math.Max(unit, math.Round(x/unit)*unit) }

func ptr[T any](v T) *T { return &v }
