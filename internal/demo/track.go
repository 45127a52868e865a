package demo

import (
	"time"

	"github.com/accordhq/accord/internal/event"
)

// track writes one lead's events, through one door (lead_id) at a time.
// Times never go backwards within a track, so rounding and jitter cannot
// put an effect before its cause.
type track struct {
	g    *gen
	p    *prospect
	d    dice
	door string
	last time.Time
}

func (t *track) emit(at time.Time, typ event.Type, data any, pinned bool) time.Time {
	at = at.Truncate(time.Second)
	if at.Before(t.last) {
		at = t.last
	}
	t.last = at
	t.g.emit(&pending{at: at, typ: typ, data: data, lead: t.p.idx, pinned: pinned})
	return at
}

func (t *track) stage(at time.Time, stage, reason, actor string) time.Time {
	return t.emit(at, event.LeadStageChanged, &event.StageChange{LeadID: t.door, Stage: stage, Reason: reason, Actor: actor}, false)
}

func (t *track) assign(at time.Time, r *rep) time.Time {
	return t.emit(at, event.LeadAssigned, &event.Assignment{LeadID: t.door, Owner: r.id, Team: r.team}, false)
}

func (t *track) touch(at time.Time, kind string, r *rep, outcome string) time.Time {
	return t.emit(at, event.ActivityLogged, &event.Activity{LeadID: t.door, Kind: kind, Actor: r.id, Outcome: outcome}, false)
}

func (t *track) dispose(at time.Time, disposition, reason, actor string) time.Time {
	return t.emit(at, event.LeadDisposition, &event.Disposition{LeadID: t.door, Disposition: disposition, Reason: reason, Actor: actor}, false)
}

// upsert is a full lead record as a form or a list import sends it.
func (t *track) upsert(email string, s *source, campaign, offer string, score float64, inquiry bool) *event.Lead {
	p := t.p
	return &event.Lead{
		LeadID: t.door, Email: email, Name: p.name, Company: p.acct.name, Title: p.title,
		Seniority: seniorities[p.seniority].name, Phone: p.phone, Country: p.acct.place.country,
		Source: s.name, Campaign: campaign, Offer: offer, Segment: p.acct.segment, Score: &score,
		Attributes: map[string]any{"industry": p.acct.industry, "employees": p.acct.employees},
		Inquiry:    inquiry,
	}
}

func seconds(lo, hi float64, d dice) time.Duration {
	return time.Duration(d.uniform(lo, hi) * float64(time.Second))
}

func days(n float64) time.Duration { return time.Duration(n * 24 * float64(time.Hour)) }
