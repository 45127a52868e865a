package demo

import (
	"fmt"
	"math"
	"time"
)

// attempts is an SDR's outreach cadence: which touch on which working day
// after the first one.
var attempts = []struct {
	kind string
	day  float64
}{
	{"call", 0}, {"call", 1}, {"email", 2}, {"call", 4}, {"social", 6}, {"call", 8}, {"email", 11}, {"call", 14},
}

// work is the SDR's part once a lead is an MQL: routing, the race to the
// first touch, the cadence, and the verdict.
func (t *track) work(mql time.Time) string {
	g, d, p := t.g, t.d, t.p
	sdr := g.routeSDR(p, mql)
	at := t.assign(mql.Add(seconds(10, 90, d)), sdr)

	never := sdr.never
	median := sdr.speed
	if p.burst {
		// Hundreds of badge scans land at once: the queue swamps everyone.
		never *= 2.5
		median *= d.lognormal(20, 0.5)
	}
	if highIntent(p.offer) {
		median *= 0.6
	}
	if d.chance(never) {
		return "mql" // nobody ever calls
	}
	intent := offers[p.offer].intent
	var first time.Time
	switch {
	case highIntent(p.offer) && sdr.hours.open(at) && d.chance(0.12):
		// The visitor is still on the site and the SDR picks up the chat.
		chat := t.touch(at.Add(seconds(40, 180, d)), "chat", sdr, "connected")
		return t.qualify(sdr, chat)
	case !sdr.hours.open(at) && d.chance(0.07):
		first = at.Add(minutes(d.lognormal(20, 0.8))) // answering from the phone at night
	default:
		first = sdr.hours.add(at, minutes(d.lognormal(median, 1.1)))
	}
	if reached := t.cadence(sdr, first, intent, sdr.touches, first.Sub(at)); !reached.IsZero() {
		return t.qualify(sdr, reached)
	}
	quiet := noDisposition
	if sdr.never > 0.1 {
		quiet *= 3 // the rep who calls least also reports least
	}
	if d.chance(quiet) {
		return "mql"
	}
	reason := fmt.Sprintf("no response after %d attempts", min(sdr.touches, len(attempts)))
	at = t.dispose(sdr.hours.addDays(t.last, 2), "recycled", reason, sdr.id)
	t.stage(at, "nurture", reason, sdr.id)
	return "nurture"
}

// cadence makes up to n attempts from first and returns when the SDR
// reached the person (zero if never). Speed pays: a first call within five
// minutes reaches people far more often than one an hour later.
func (t *track) cadence(sdr *rep, first time.Time, intent float64, n int, wait time.Duration) time.Time {
	d := t.d
	for i := 0; i < n && i < len(attempts); i++ {
		a := attempts[i]
		at := first
		if i > 0 {
			at = sdr.hours.addDays(first, a.day+d.uniform(0, 0.4))
		}
		p := intent * math.Pow(0.85, float64(i))
		if i == 0 {
			switch {
			case wait <= 5*time.Minute:
				p *= 2.5
			case wait <= time.Hour:
				p *= 1.4
			case wait > 24*time.Hour:
				p *= 0.7
			}
		}
		hit := d.chance(p)
		switch a.kind {
		case "call":
			if hit {
				return t.touch(at, "call", sdr, "connected")
			}
			at = t.touch(at, "call", sdr, "no_answer")
			if d.chance(0.5) {
				at = t.touch(at.Add(seconds(30, 90, d)), "voicemail", sdr, "left")
			}
			if i == 0 {
				t.touch(at.Add(seconds(60, 240, d)), "email", sdr, "sent")
			}
		default:
			at = t.touch(at, a.kind, sdr, "sent")
			if hit {
				// The reply comes in and the SDR calls back.
				back := sdr.hours.add(at, minutes(d.lognormal(150, 0.8)))
				return t.touch(back, "call", sdr, "connected")
			}
		}
	}
	return time.Time{}
}

// qualify is the conversation after the SDR reaches someone: accept and
// book a qualification meeting, or reject or disqualify with a reason.
func (t *track) qualify(sdr *rep, reached time.Time) string {
	d, p := t.d, t.p
	after := reached.Add(minutes(d.uniform(3, 20)))
	if p.junk != "" {
		at := t.dispose(after, "disqualified", p.junk, sdr.id)
		t.stage(at, "disqualified", p.junk, sdr.id)
		return "disqualified"
	}
	if !d.chance(p.src.accept * seniorities[p.seniority].accept) {
		if d.chance(0.35) {
			reason := pick(d, sdrDisqualifyReasons)
			at := t.dispose(after, "disqualified", reason, sdr.id)
			t.stage(at, "disqualified", reason, sdr.id)
			return "disqualified"
		}
		reason := pick(d, sdrRejectReasons)
		at := t.dispose(after, "rejected", reason, sdr.id)
		t.stage(at, "nurture", reason, sdr.id)
		return "nurture"
	}
	t.dispose(after, "accepted", "", sdr.id)
	meet := sdr.hours.addDays(after, d.uniform(1, 5))
	if d.chance(0.15) {
		t.touch(meet, "meeting", sdr, "no_show")
		meet = sdr.hours.addDays(meet, d.uniform(1, 3))
	}
	meet = t.touch(meet, "meeting", sdr, "held")
	if d.chance(p.src.qualify) {
		at := t.stage(meet.Add(minutes(d.uniform(35, 50))), "sql", "budget, authority, need and timeline confirmed", sdr.id)
		return t.handoff(at)
	}
	reason := pick(d, sdrRejectReasons)
	at := t.dispose(meet.Add(time.Hour), "rejected", reason, sdr.id)
	t.stage(at, "nurture", reason, sdr.id)
	return "nurture"
}
