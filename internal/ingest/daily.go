package ingest

import (
	"context"

	"github.com/accordhq/accord/internal/agreement"
	"maps"
	"time"

	"github.com/accordhq/accord/internal/daily"
	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/lead"
	"github.com/accordhq/accord/internal/versions"
)

// dailyWork keeps the reporting atoms current. Each lead's atoms are a
// function of the lead and its opportunities (daily.Of). A batch keeps a
// copy of each lead as loaded; at flush, for the leads whose counted
// fields changed (a new stage, owner, team, segment, a deal), it writes
// what they count now minus what they counted then. A touch — most events —
// changes none of them and costs nothing here but its activity count.
type dailyWork struct {
	loc     *time.Location
	counter daily.Counter
	// loaded is each lead as it was read (nil: it had no row).
	loaded map[string]*lead.Lead
	// opps are leads' stored opportunities before this batch, read when
	// first needed (and before a merge moves them).
	opps map[string][]*lead.Opportunity
	// changed marks leads whose history was refolded or merged.
	changed map[string]bool
	// movedTo maps a merged-away lead to the lead it went into.
	movedTo map[string]string
	delta   daily.Counts
}

func newDailyWork(loc *time.Location, book *versions.Book) *dailyWork {
	if loc == nil {
		loc = time.UTC
	}
	c := daily.Counter{Loc: loc}
	if !book.Empty() {
		c.Tier = TierOf(book)
	}
	return &dailyWork{loc: loc, counter: c, loaded: map[string]*lead.Lead{}, opps: map[string][]*lead.Opportunity{},
		changed: map[string]bool{}, movedTo: map[string]string{}, delta: daily.Counts{}}
}

// noteLoaded keeps a copy of leads just read from the store. Apply adds to
// StagesEntered in place, so that map is copied.
func (p *projector) noteLoaded(leads map[string]*lead.Lead, keys []string) {
	w := p.daily
	for _, k := range keys {
		if _, seen := w.loaded[k]; seen {
			continue
		}
		l := leads[k]
		if l == nil {
			w.loaded[k] = nil
			continue
		}
		c := *l
		c.StagesEntered = maps.Clone(l.StagesEntered)
		w.loaded[k] = &c
	}
}

// readOpps reads the stored opportunities of leads not read yet.
func (p *projector) readOpps(ctx context.Context, keys []string) error {
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
	got, err := p.tx.OpportunitiesOfLeads(ctx, need)
	if err != nil {
		return err
	}
	for _, k := range need {
		w.opps[k] = got[k]
	}
	return nil
}

// noteMerge is told before lead from is merged into into: both leads'
// stored opportunities are read while they are still filed apart.
func (p *projector) noteMerge(ctx context.Context, from, into string) error {
	w := p.daily
	if err := p.readOpps(ctx, []string{from, into}); err != nil {
		return err
	}
	w.movedTo[from] = into
	w.changed[from], w.changed[into] = true, true
	return nil
}

// hasWon reports whether any of opps is won. (Opportunities of this batch
// mark their lead changed, so the stored ones are all there is to check.)
func hasWon(opps []*lead.Opportunity) bool {
	for _, o := range opps {
		if o.Status == "won" {
			return true
		}
	}
	return false
}

// countActivity adds a newly stored activity to the atoms.
func (p *projector) countActivity(e *event.Event) {
	if e.Type == event.ActivityLogged {
		daily.AddActivity(p.daily.delta, e, p.daily.loc)
	}
}

// sameDims reports whether a and b count under the same dimension values.
func sameDims(a, b *lead.Lead) bool {
	return a.Owner == b.Owner && a.Team == b.Team && a.Segment == b.Segment &&
		a.OriginalSource == b.OriginalSource && a.Source == b.Source &&
		a.OriginalCampaign == b.OriginalCampaign && a.Campaign == b.Campaign &&
		a.OriginalOffer == b.OriginalOffer && a.Offer == b.Offer
}

// change says how lead k's atoms moved since it was loaded: not at all
// (same stages, same dimensions), only by stages newly entered (Apply
// only ever adds to StagesEntered; a refold is marked changed), or in a
// way that needs a full recount.
func (w *dailyWork) change(k string, l *lead.Lead) (none, newStages bool) {
	if w.changed[k] {
		return false, false
	}
	a := w.loaded[k]
	if a == nil || a.Events == 0 || l.Events == 0 || !sameDims(a, l) {
		return (a == nil || a.Events == 0) && l.Events == 0, false
	}
	if w.counter.Tier != nil && w.counter.Tier(a) != w.counter.Tier(l) {
		return false, false
	}
	if len(a.StagesEntered) == len(l.StagesEntered) {
		return true, false
	}
	return false, true
}

// presale reports whether l has entered a pre-sale stage that a had not:
// that can turn a won deal's cycle into "won before first contact".
func presale(a, l *lead.Lead) bool {
	for _, s := range []string{"lead", "mql", "sql"} {
		if _, had := a.StagesEntered[s]; !had {
			if _, has := l.StagesEntered[s]; has {
				return true
			}
		}
	}
	return false
}

// flushDaily works out and writes the batch's difference. It runs before
// the opportunities are saved, so the stored ones are still as before the
// batch (merges read theirs before moving them).
func (p *projector) flushDaily(ctx context.Context) error {
	w := p.daily
	for _, o := range p.opps {
		if o.LeadID != "" {
			w.changed[o.LeadID] = true
		}
	}
	var keys, check []string
	for k, l := range p.leads {
		switch none, stages := w.change(k, l); {
		case none:
		case stages && presale(w.loaded[k], l):
			check = append(check, k) // new stages alone, unless it has a won deal
		case stages:
			w.counter.AddStages(w.delta, w.loaded[k], l)
		default:
			w.changed[k] = true
		}
	}
	for k := range w.changed {
		keys = append(keys, k)
	}
	if err := p.readOpps(ctx, append(keys, check...)); err != nil {
		return err
	}
	for _, k := range check {
		if hasWon(w.opps[k]) {
			w.changed[k] = true
			keys = append(keys, k)
		} else {
			w.counter.AddStages(w.delta, w.loaded[k], p.leads[k])
		}
	}
	if len(keys) == 0 {
		return p.addDaily(ctx)
	}
	// Each changed lead's opportunities now: as stored, those of leads
	// merged into it too, with this batch's versions (which may move).
	survivor := func(k string) string {
		for range 64 { // merges chain: a into b, b into c
			next, ok := w.movedTo[k]
			if !ok {
				break
			}
			k = next
		}
		return k
	}
	now := map[string]map[string]*lead.Opportunity{}
	for _, k := range keys {
		s := survivor(k)
		for _, o := range w.opps[k] {
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
	for _, k := range keys {
		w.delta.Add(w.counter.Of(w.loaded[k], w.opps[k]), -1)
		l := p.leads[k]
		if l == nil || l.Events == 0 {
			continue
		}
		os := make([]*lead.Opportunity, 0, len(now[k]))
		for _, o := range now[k] {
			os = append(os, o)
		}
		w.delta.Add(w.counter.Of(l, os), 1)
	}
	return p.addDaily(ctx)
}

// addDaily writes the batch's difference, or, in a rebuild, adds it to the
// atoms kept for a later write (see rebuildAtoms).
func (p *projector) addDaily(ctx context.Context) error {
	if p.atoms != nil {
		p.atoms.Add(p.daily.delta, 1)
		return nil
	}
	return p.tx.AddDaily(ctx, p.daily.delta)
}

// TierOf grades a lead by the version that was in force when it was
// created: a lead's tier in the reports does not move when a later version
// regrades the tiers, and a rebuild gives the same.
func TierOf(book *versions.Book) func(*lead.Lead) string {
	return func(l *lead.Lead) string {
		ag, _ := book.At(l.CreatedAt)
		if ag == nil {
			return ""
		}
		return ag.TierOf(agreement.FieldsOf(l))
	}
}
