package ingest

import (
	"context"
	"fmt"
	"slices"

	"github.com/accordhq/accord/internal/agreement"
	"github.com/accordhq/accord/internal/daily"
	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/lead"
	"github.com/accordhq/accord/internal/obligation"
	"github.com/accordhq/accord/internal/people"
	"github.com/accordhq/accord/internal/store"
)

// projector applies a batch of events, in arrival order, to the leads,
// opportunities and people they touch. It loads what the batch needs in a
// few queries, works in memory and writes back once. An event that arrives
// after later-dated ones forces a refold of its lead from the whole history,
// so state is always what the ordered history implies.
type projector struct {
	tx        store.Tx
	emailNorm func(string) string

	alias map[string]string // lead ref -> lead key (known so far)
	leads map[string]*lead.Lead
	// byEmail indexes leads by the email_norm they had when last loaded
	// or changed, so matching an upsert's email does not scan every lead
	// of the batch. It may list keys whose email has since changed or
	// that were merged away; users check the lead itself.
	byEmail map[string][]string
	// emailKeys maps the normalised email of each lead.upserted of the
	// batch to the leads that had it when the batch began. Only merges
	// change stored leads before flush, and they are in deleted.
	emailKeys map[string][]string
	opps      map[string]*lead.Opportunity
	people    map[string]*people.Person
	// upserts holds the decoded payload of each lead.upserted of the
	// batch. Event.Payload decodes one that carries attributes from its
	// JSON on every call, and it is needed three times (preload, identity,
	// fold).
	upserts map[*event.Event]*event.Lead
	batch   []*event.Event // events of this batch processed so far
	// sla steps the leads' obligations; nil when no agreement is signed.
	sla *slaWork
	// daily keeps the reporting atoms.
	daily   *dailyWork
	dirty   map[string]bool
	deleted map[string]bool
	newAls  map[string]string
	// refiled is set once the batch has moved stored events to another
	// lead (a merge, a deal that changed leads).
	refiled bool
	// first and last are the sequence numbers of the batch's first and
	// last event. The history stored before the batch is what precedes
	// first: during a rebuild the rest of the log is stored too.
	first, last int64
	// atoms, when set (a rebuild), sums the atoms' changes across batches
	// instead of writing each batch's.
	atoms daily.Counts
}

func newProjector(tx store.Tx, emailNorm func(string) string, sla *slaWork, dw *dailyWork) *projector {
	return &projector{sla: sla, daily: dw,
		tx: tx, emailNorm: emailNorm,
		alias: map[string]string{}, leads: map[string]*lead.Lead{},
		opps: map[string]*lead.Opportunity{}, people: map[string]*people.Person{}, byEmail: map[string][]string{},
		dirty: map[string]bool{}, deleted: map[string]bool{}, newAls: map[string]string{},
		upserts: map[*event.Event]*event.Lead{},
	}
}

// run preloads what the batch refers to, then applies each event.
func (p *projector) run(ctx context.Context, evs []*event.Event) error {
	if len(evs) == 0 {
		return nil
	}
	p.first, p.last = evs[0].Seq, evs[len(evs)-1].Seq
	if err := p.preload(ctx, evs); err != nil {
		return err
	}
	for _, e := range evs {
		if err := p.apply(ctx, e); err != nil {
			return fmt.Errorf("project event %s: %w", e.ID, err)
		}
		p.countActivity(e)
		p.batch = append(p.batch, e)
	}
	for key := range p.dirty {
		if err := p.refold(ctx, key, nil); err != nil {
			return err
		}
	}
	return nil
}

func (p *projector) preload(ctx context.Context, evs []*event.Event) error {
	var refs, oppIDs, personIDs, norms, keys ids
	for _, e := range evs {
		if e.Type == event.LeadUpserted {
			v, err := p.upsert(e)
			if err != nil {
				return fmt.Errorf("project event %s: %w", e.ID, err)
			}
			if v.Email != "" {
				norms.add(p.emailNorm(v.Email))
			}
		}
		refs.add(e.LeadRef)
		oppIDs.add(e.OpportunityRef)
		personIDs.add(e.PersonRef)
	}
	var err error
	if p.emailKeys, err = p.tx.LeadKeysByEmail(ctx, norms.list); err != nil {
		return err
	}
	if p.opps, err = p.tx.LoadOpportunities(ctx, oppIDs.list); err != nil {
		return err
	}
	for _, o := range p.opps {
		refs.add(o.LeadID)
	}
	if p.alias, err = p.tx.ResolveAliases(ctx, refs.list); err != nil {
		return err
	}
	for _, k := range p.alias {
		keys.add(k)
	}
	if p.leads, err = p.tx.LoadLeads(ctx, keys.list); err != nil {
		return err
	}
	for k := range p.leads {
		p.indexEmail(k)
	}
	p.noteLoaded(p.leads, keys.list)
	if err := p.loadObligations(ctx, keys.list); err != nil {
		return err
	}
	if p.people, err = p.tx.LoadPeople(ctx, personIDs.list); err != nil {
		return err
	}
	return nil
}

// ids collects distinct non-empty ids in the order first seen.
type ids struct {
	seen map[string]bool
	list []string
}

func (s *ids) add(id string) {
	if id == "" || s.seen[id] {
		return
	}
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	s.seen[id] = true
	s.list = append(s.list, id)
}

func (p *projector) apply(ctx context.Context, e *event.Event) error {
	switch e.Type {
	case event.PersonUpserted:
		pl, err := e.Payload()
		if err != nil {
			return err
		}
		v := pl.(*event.Person)
		ps := p.people[v.PersonID]
		if ps == nil {
			ps = &people.Person{}
			p.people[v.PersonID] = ps
		}
		ps.Apply(v, e.OccurredAt)
		return nil
	case event.OpportunityUpserted, event.OpportunityClosed:
		return p.applyOpportunity(ctx, e)
	case event.LeadUpserted:
		key, err := p.identify(ctx, e)
		if err != nil {
			return err
		}
		return p.fold(ctx, key, e)
	default:
		return p.fold(ctx, p.keyFor(e.LeadRef), e)
	}
}

// keyFor returns the lead a ref belongs to, starting a new lead (a stub
// until its lead.upserted arrives) when the ref is unknown.
func (p *projector) keyFor(ref string) string {
	if k, ok := p.alias[ref]; ok {
		return k
	}
	p.alias[ref] = ref
	p.newAls[ref] = ref
	p.leads[ref] = lead.New(ref)
	return ref
}

// identify decides which person a lead.upserted is about: the lead its id
// already belongs to, or, when its email matches another lead, that lead
// (merging the two if both exist).
func (p *projector) identify(ctx context.Context, e *event.Event) (string, error) {
	v, err := p.upsert(e)
	if err != nil {
		return "", err
	}
	key, known := p.alias[v.LeadID]
	if v.Email == "" {
		return p.keyFor(v.LeadID), nil
	}
	match, err := p.leadByEmail(ctx, p.emailNorm(v.Email), key)
	if err != nil {
		return "", err
	}
	switch {
	case match == "":
		return p.keyFor(v.LeadID), nil
	case !known:
		p.alias[v.LeadID] = match
		p.newAls[v.LeadID] = match
		return match, nil
	default:
		return match, p.merge(ctx, key, match)
	}
}

// leadByEmail finds the lead other than self whose current email is norm.
// The email index may be stale for leads changed in this batch, so every
// candidate is checked against the working copy.
func (p *projector) leadByEmail(ctx context.Context, norm, self string) (string, error) {
	var found []string
	for _, k := range p.byEmail[norm] {
		if l, ok := p.leads[k]; ok && k != self && !p.deleted[k] && l.EmailNorm == norm && !slices.Contains(found, k) {
			found = append(found, k)
		}
	}
	for _, k := range p.emailKeys[norm] {
		if k == self || p.deleted[k] || slices.Contains(found, k) {
			continue
		}
		if l, loaded := p.leads[k]; loaded && l.EmailNorm != norm {
			continue
		}
		found = append(found, k)
	}
	if len(found) == 0 {
		return "", nil
	}
	// More than one can only come from history before a merge rule changed;
	// the oldest lead wins so the choice is stable.
	best := found[0]
	for _, k := range found[1:] {
		if err := p.ensureLoaded(ctx, k); err != nil {
			return "", err
		}
		if err := p.ensureLoaded(ctx, best); err != nil {
			return "", err
		}
		if p.leads[k].CreatedAt.Before(p.leads[best].CreatedAt) || (p.leads[k].CreatedAt.Equal(p.leads[best].CreatedAt) && k < best) {
			best = k
		}
	}
	return best, p.ensureLoaded(ctx, best)
}

func (p *projector) ensureLoaded(ctx context.Context, key string) error {
	if _, ok := p.leads[key]; ok {
		return nil
	}
	m, err := p.tx.LoadLeads(ctx, []string{key})
	if err != nil {
		return err
	}
	p.noteLoaded(m, []string{key})
	l, ok := m[key]
	if !ok {
		// An id whose lead lost every event (see flush) starts afresh.
		l = lead.New(key)
	}
	p.leads[key] = l
	p.indexEmail(key)
	return nil
}

// indexEmail records lead key under its current email in byEmail.
func (p *projector) indexEmail(key string) {
	l := p.leads[key]
	if l == nil || l.EmailNorm == "" || slices.Contains(p.byEmail[l.EmailNorm], key) {
		return
	}
	p.byEmail[l.EmailNorm] = append(p.byEmail[l.EmailNorm], key)
}

// merge folds lead from into lead into: its ids become aliases, its events
// move, and into is refolded from the joined history.
func (p *projector) merge(ctx context.Context, from, into string) error {
	if from == into {
		return nil
	}
	if err := p.noteMerge(ctx, from, into); err != nil {
		return err
	}
	if err := p.tx.MergeLead(ctx, from, into); err != nil {
		return err
	}
	p.refiled = true
	for _, e := range p.batch {
		if e.LeadKey == from {
			e.LeadKey = into
		}
	}
	for ref, k := range p.alias {
		if k == from {
			p.alias[ref] = into
			p.newAls[ref] = into
		}
	}
	for id, o := range p.opps {
		if o.LeadID == from {
			o.LeadID = into
			p.opps[id] = o
		}
	}
	p.deleted[from] = true
	if p.sla != nil {
		p.sla.gone[from] = true
		p.sla.rederive[into] = true
	}
	delete(p.leads, from)
	delete(p.dirty, from)
	p.dirty[into] = true
	return p.ensureLoaded(ctx, into)
}

// fold applies e to lead key, or marks the lead for a full refold when e
// lands inside its history rather than at the end.
func (p *projector) fold(ctx context.Context, key string, e *event.Event) error {
	e.LeadKey = key
	if err := p.ensureLoaded(ctx, key); err != nil {
		return err
	}
	if p.dirty[key] {
		return p.refold(ctx, key, e)
	}
	l := p.leads[key]
	if !l.Extends(*e) {
		return p.refold(ctx, key, e)
	}
	var before agreement.Fields
	if p.sla != nil {
		before = obligation.Snapshot(l, e)
	}
	if e.Type == event.LeadUpserted {
		v, err := p.upsert(e)
		if err != nil {
			return err
		}
		l.ApplyPayload(*e, v, p.emailNorm)
	} else if err := l.Apply(*e, p.emailNorm); err != nil {
		return err
	}
	p.indexEmail(key)
	return p.step(ctx, l, before, e)
}

// upsert returns the payload of lead.upserted e, decoding it once.
func (p *projector) upsert(e *event.Event) (*event.Lead, error) {
	if v, ok := p.upserts[e]; ok {
		return v, nil
	}
	pl, err := e.Payload()
	if err != nil {
		return nil, err
	}
	v, ok := pl.(*event.Lead)
	if !ok {
		return nil, fmt.Errorf("event %s: a %s without a lead payload", e.ID, e.Type)
	}
	p.upserts[e] = v
	return v, nil
}

// refold rebuilds a lead from its stored events, the batch's events so far
// and e.
func (p *projector) refold(ctx context.Context, key string, e *event.Event) error {
	stored, err := p.tx.LeadEvents(ctx, key, p.first-1)
	if err != nil {
		return err
	}
	var extra []*event.Event
	for _, b := range p.batch {
		if b.LeadKey == key {
			extra = append(extra, b)
		}
	}
	if e != nil {
		extra = append(extra, e)
	}
	l, err := lead.Fold(key, union(stored, extra), p.emailNorm)
	if err != nil {
		return err
	}
	p.leads[key] = l
	p.indexEmail(key)
	delete(p.dirty, key)
	p.daily.changed[key] = true
	if p.sla != nil {
		p.sla.rederive[key] = true
	}
	return nil
}

func (p *projector) applyOpportunity(ctx context.Context, e *event.Event) error {
	o := p.opps[e.OpportunityRef]
	if o == nil {
		o = &lead.Opportunity{OpportunityID: e.OpportunityRef, Status: "open"}
		p.opps[e.OpportunityRef] = o
	}
	prevLead := o.LeadID
	if e.LeadRef != "" {
		o.LeadID = p.keyFor(e.LeadRef)
	}
	if o.Extends(*e) {
		if err := o.Apply(*e); err != nil {
			return err
		}
	} else {
		stored, err := p.tx.OpportunityEvents(ctx, o.OpportunityID, p.first-1)
		if err != nil {
			return err
		}
		extra := []*event.Event{e}
		for _, b := range p.batch {
			if b.OpportunityRef == o.OpportunityID {
				extra = append(extra, b)
			}
		}
		re, err := lead.FoldOpportunity(o.OpportunityID, union(stored, extra))
		if err != nil {
			return err
		}
		re.LeadID = o.LeadID
		*o = *re
	}
	if o.LeadID == "" {
		// A deal closed before we heard which lead it came from; it joins
		// the lead's history when opportunity.upserted names one.
		return nil
	}
	if prevLead != o.LeadID && !(prevLead == "" && o.Events == 1) {
		// The deal's earlier events move to the lead, whose history
		// therefore changes. (An opportunity whose first event this is has
		// none: e simply joins the lead's history below.)
		if err := p.tx.RekeyOpportunityEvents(ctx, o.OpportunityID, o.LeadID); err != nil {
			return err
		}
		p.refiled = true
		for _, b := range p.batch {
			if b.OpportunityRef == o.OpportunityID {
				b.LeadKey = o.LeadID
			}
		}
		e.LeadKey = o.LeadID
		if err := p.ensureLoaded(ctx, o.LeadID); err != nil {
			return err
		}
		p.dirty[o.LeadID] = true
		if prevLead != "" {
			if err := p.ensureLoaded(ctx, prevLead); err != nil {
				return err
			}
			p.dirty[prevLead] = true
		}
		return nil
	}
	return p.fold(ctx, o.LeadID, e)
}

// flush writes every changed record.
func (p *projector) flush(ctx context.Context) error {
	if err := p.flushDaily(ctx); err != nil {
		return err
	}
	if len(p.newAls) > 0 {
		if err := p.tx.PutAliases(ctx, p.newAls); err != nil {
			return err
		}
	}
	leads := make([]*lead.Lead, 0, len(p.leads))
	for key, l := range p.leads {
		if l.Events > 0 {
			leads = append(leads, l)
			continue
		}
		// Every event of this lead moved away with an opportunity that
		// turned out to be someone else's: drop its stored row, or it
		// would live on, stale, and be extended by the lead's next event.
		// (Merging a lead into itself moves nothing and deletes its row.)
		if err := p.tx.MergeLead(ctx, key, key); err != nil {
			return err
		}
		if p.sla != nil {
			p.sla.gone[key] = true
		}
	}
	if err := p.tx.SaveLeads(ctx, leads); err != nil {
		return err
	}
	opps := make([]*lead.Opportunity, 0, len(p.opps))
	for _, o := range p.opps {
		opps = append(opps, o)
	}
	if err := p.tx.SaveOpportunities(ctx, opps); err != nil {
		return err
	}
	ps := make([]*people.Person, 0, len(p.people))
	for _, x := range p.people {
		ps = append(ps, x)
	}
	if err := p.tx.SavePeople(ctx, ps); err != nil {
		return err
	}
	return p.flushObligations(ctx)
}

// union joins stored events with the batch's own, once each (the batch's
// copy wins: it carries the lead this replay filed it under).
func union(stored []event.Event, batch []*event.Event) []event.Event {
	out := make([]event.Event, 0, len(stored)+len(batch))
	have := make(map[int64]bool, len(batch))
	for _, b := range batch {
		if !have[b.Seq] {
			have[b.Seq] = true
			out = append(out, *b)
		}
	}
	for _, s := range stored {
		if !have[s.Seq] {
			out = append(out, s)
		}
	}
	return out
}
