package ingest

import (
	"context"
	"time"

	"github.com/accordhq/accord/internal/daily"
	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/lead"
)

// dailyWork keeps the reporting atoms current. Each lead's atoms are a
// function of the lead and its opportunities (daily.Of): what the table
// held for a lead is computed when the lead is first loaded in the batch,
// what it holds now at flush, and only the difference is written. Merged
// leads take their opportunities with them; activities are counted as
// they arrive.
type dailyWork struct {
	loc *time.Location
	// before is each loaded lead's contribution as stored; opps its
	// stored opportunities then.
	before map[string]daily.Counts
	opps   map[string][]*lead.Opportunity
	// movedTo maps a merged-away lead to the lead it went into.
	movedTo map[string]string
	delta   daily.Counts
}

func newDailyWork(loc *time.Location) *dailyWork {
	if loc == nil {
		loc = time.UTC
	}
	return &dailyWork{loc: loc, before: map[string]daily.Counts{}, opps: map[string][]*lead.Opportunity{},
		movedTo: map[string]string{}, delta: daily.Counts{}}
}

// noteLoaded records the stored contribution of leads just read from the
// store (nil for a lead that has no row yet).
func (p *projector) noteLoaded(ctx context.Context, leads map[string]*lead.Lead, keys []string) error {
	w := p.daily
	var need []string
	for _, k := range keys {
		if _, ok := w.opps[k]; !ok {
			need = append(need, k)
		}
	}
	if len(need) == 0 {
		return nil
	}
	opps, err := p.tx.OpportunitiesOfLeads(ctx, need)
	if err != nil {
		return err
	}
	for _, k := range need {
		w.opps[k] = opps[k]
		if w.opps[k] == nil {
			w.opps[k] = []*lead.Opportunity{}
		}
		w.before[k] = daily.Of(leads[k], opps[k], w.loc)
	}
	return nil
}

// countActivity adds a newly stored activity to the atoms.
func (p *projector) countActivity(e *event.Event) {
	if e.Type == event.ActivityLogged {
		p.daily.delta.Add(daily.OfActivity(e, p.daily.loc), 1)
	}
}

// flushDaily works out and writes the batch's difference. It runs before
// the opportunities are saved, so the stored ones are still as loaded.
func (p *projector) flushDaily(ctx context.Context) error {
	w := p.daily
	var keys []string
	for k := range p.leads {
		keys = append(keys, k)
	}
	// Leads first seen in this batch had no row: nothing of theirs was
	// counted, but opportunities may already be filed under their key.
	if err := p.noteLoaded(ctx, nil, keys); err != nil {
		return err
	}
	// Each lead's opportunities now: as stored, those of leads merged
	// into it too, with this batch's versions (which may have moved).
	now := map[string]map[string]*lead.Opportunity{}
	survivor := func(k string) string {
		for i := 0; i < 64; i++ { // merges chain: a into b, b into c
			next, ok := w.movedTo[k]
			if !ok {
				break
			}
			k = next
		}
		return k
	}
	for k, os := range w.opps {
		s := survivor(k)
		for _, o := range os {
			if now[s] == nil {
				now[s] = map[string]*lead.Opportunity{}
			}
			now[s][o.OpportunityID] = o
		}
	}
	for id, o := range p.opps {
		for _, m := range now {
			delete(m, id)
		}
		if o.LeadID != "" {
			if now[o.LeadID] == nil {
				now[o.LeadID] = map[string]*lead.Opportunity{}
			}
			now[o.LeadID][id] = o
		}
	}
	for _, c := range w.before {
		w.delta.Add(c, -1)
	}
	for k, l := range p.leads {
		if l.Events == 0 {
			continue
		}
		var os []*lead.Opportunity
		for _, o := range now[k] {
			os = append(os, o)
		}
		w.delta.Add(daily.Of(l, os, w.loc), 1)
	}
	return p.tx.AddDaily(ctx, w.delta)
}
