package ingest

import (
	"context"
	"time"

	"github.com/accordhq/accord/internal/agreement"
	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/lead"
	"github.com/accordhq/accord/internal/obligation"
	"github.com/accordhq/accord/internal/versions"
)

// slaWork is the projector's share of the obligation engine: the open
// obligations of the leads a batch touches, stepped event by event as the
// leads are folded, and the leads whose history changed in the middle
// (late events, merges), whose obligations are derived afresh at flush.
type slaWork struct {
	book        *versions.Book
	staleBefore time.Time
	sets        map[string]*obligation.Set
	rederive    map[string]bool
	gone        map[string]bool
}

func newSLAWork(book *versions.Book, staleBefore time.Time) *slaWork {
	if book.Empty() {
		return nil
	}
	return &slaWork{book: book, staleBefore: staleBefore, sets: map[string]*obligation.Set{},
		rederive: map[string]bool{}, gone: map[string]bool{}}
}

// load reads the open obligations of leads not yet loaded.
func (p *projector) loadObligations(ctx context.Context, keys []string) error {
	w := p.sla
	if w == nil {
		return nil
	}
	var need []string
	for _, k := range keys {
		if _, ok := w.sets[k]; !ok {
			need = append(need, k)
		}
	}
	if len(need) == 0 {
		return nil
	}
	open, err := p.tx.OpenObligations(ctx, need)
	if err != nil {
		return err
	}
	for _, k := range need {
		w.sets[k] = &obligation.Set{Key: k, List: open[k]}
	}
	return nil
}

// step runs the engine for event e, which was just folded into lead l
// (whose fields before were before).
func (p *projector) step(ctx context.Context, l *lead.Lead, before agreement.Fields, e *event.Event) error {
	w := p.sla
	if w == nil || w.rederive[l.LeadID] {
		return nil
	}
	if err := p.loadObligations(ctx, []string{l.LeadID}); err != nil {
		return err
	}
	w.sets[l.LeadID].Step(w.book, before, agreement.FieldsOf(l), e)
	return nil
}

// flushObligations writes what changed: stepped obligations, and the whole
// set of every lead to derive afresh from its stored history (which by now
// holds this batch's events).
func (p *projector) flushObligations(ctx context.Context) error {
	w := p.sla
	if w == nil {
		return nil
	}
	var drop []string
	for k := range w.rederive {
		drop = append(drop, k)
	}
	for k := range w.gone {
		if !w.rederive[k] {
			drop = append(drop, k)
		}
	}
	if err := p.tx.DeleteObligations(ctx, drop); err != nil {
		return err
	}
	var save []*obligation.Obligation
	for k, set := range w.sets {
		if w.rederive[k] || w.gone[k] {
			continue
		}
		for _, o := range set.List {
			if o.Changed() {
				save = append(save, o)
			}
		}
	}
	for k := range w.rederive {
		if w.gone[k] {
			continue
		}
		// The batch is stored by now (live ingest inserts it before the
		// flush; a rebuild has filed it), so it is part of the history.
		history, err := p.tx.LeadEvents(ctx, k, p.last)
		if err != nil {
			return err
		}
		obs, err := obligation.Derive(w.book, k, history, p.emailNorm)
		if err != nil {
			return err
		}
		save = append(save, obs...)
	}
	return p.tx.SaveObligations(ctx, save, w.staleBefore)
}
