// Package ingest appends events to the log, exactly once per idempotency
// key, and updates the projections (leads, opportunities, people) in the
// same transaction, so an acknowledged event is always both stored and seen.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/accordhq/accord/internal/daily"
	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/lead"
	"github.com/accordhq/accord/internal/store"
	"github.com/accordhq/accord/internal/versions"
)

// Status is what happened to one event of a batch.
type Status string

const (
	Accepted  Status = "accepted"
	Duplicate Status = "duplicate"
	Rejected  Status = "rejected"
)

// Result reports one event of a batch.
type Result struct {
	Index  int    `json:"index"`
	ID     string `json:"id"`
	Status Status `json:"status"`
	Field  string `json:"field,omitempty"`
	Error  string `json:"error,omitempty"`
}

// Report answers a whole batch.
type Report struct {
	Results    []Result `json:"results"`
	Accepted   int      `json:"accepted"`
	Duplicates int      `json:"duplicates"`
	Rejected   int      `json:"rejected"`
}

// Service ingests batches into one store.
type Service struct {
	store      store.Store
	emailNorm  func(string) string
	now        func() time.Time
	versions   *versions.Cache
	staleAfter time.Duration
	loc        *time.Location

	// Batches that arrive while another is being written wait in queue
	// and are then written together, in arrival order, in one transaction
	// (group commit; see Ingest).
	mu      sync.Mutex
	writing bool
	queue   []*request

	// commits counts the write transactions that committed, for pages
	// that show live numbers (see Commits).
	commits atomic.Int64
}

// request is one Ingest call waiting for its batch to be written.
type request struct {
	ctx   context.Context
	items []event.Item
	// done receives, in turn, at most one "lead" (write the queue now)
	// and then the outcome.
	done chan outcome
}

type outcome struct {
	rep  Report
	err  error
	lead bool
}

// maxGroupEvents bounds the events written in one group transaction, which
// bounds how long a batch can wait behind others.
const maxGroupEvents = 10_000

// Options tune identity resolution and the obligation engine.
type Options struct {
	// StripPlusAddressing matches ann+x@acme.com with ann@acme.com.
	StripPlusAddressing bool
	// Versions supplies the agreement in force; nil reads the store's
	// versions through a cache of its own.
	Versions *versions.Cache
	// Now is the clock (alerts older than StaleAfter when scheduled are
	// not sent); nil is time.Now.
	Now func() time.Time
	// StaleAfter: 0 is DefaultStaleAfter.
	StaleAfter time.Duration
	// Location is the organisation's time zone, whose days the reporting
	// atoms count in; nil is UTC. Changing it needs a rebuild.
	Location *time.Location
}

// DefaultStaleAfter is how old an alert may be when it is scheduled and
// still be sent. Loading last quarter's history must not page anybody; a
// warning for a deadline an hour ago is news to no one.
const DefaultStaleAfter = time.Hour

// New returns a Service writing to st.
func New(st store.Store, opts Options) *Service {
	s := &Service{store: st, emailNorm: lead.EmailNormalizer(opts.StripPlusAddressing), now: opts.Now,
		versions: opts.Versions, staleAfter: opts.StaleAfter, loc: opts.Location}
	if s.now == nil {
		s.now = time.Now
	}
	if s.versions == nil {
		s.versions = &versions.Cache{Store: st}
	}
	if s.staleAfter <= 0 {
		s.staleAfter = DefaultStaleAfter
	}
	return s
}

// Versions is the cache of agreement versions the service judges by; call
// Invalidate on it after a version is uploaded or signed.
func (s *Service) Versions() *versions.Cache { return s.versions }

// EmailNorm is how the service normalises emails to match people, for
// anything that must replay history the same way (the backtest).
func (s *Service) EmailNorm() func(string) string { return s.emailNorm }

// work starts the obligation engine's and the atoms' parts of a
// transaction, judged and graded by the versions as they stand.
func (s *Service) work(ctx context.Context) (*slaWork, *dailyWork, error) {
	book, err := s.versions.Get(ctx)
	if err != nil {
		return nil, nil, err
	}
	return newSLAWork(book, s.now().Add(-s.staleAfter)), newDailyWork(s.loc, book), nil
}

// Ingest stores the valid events of a batch and reports every one. Items
// that failed to decode are reported as rejected and write nothing. It
// returns once the batch is committed.
//
// Writes are serialised by the store anyway, so batches that arrive while
// one is being written queue up, and the next writer commits all of them in
// one transaction: each batch is classified and projected in arrival
// order, exactly as if written one after the other, but the fixed costs of
// a commit, and of loading and saving a lead several batches touch, are
// paid once. If a group fails, each of its batches is retried on its own,
// so one batch's failure is never another's.
func (s *Service) Ingest(ctx context.Context, items []event.Item) (Report, error) {
	r := &request{ctx: ctx, items: items, done: make(chan outcome, 1)}
	s.mu.Lock()
	s.queue = append(s.queue, r)
	if s.writing {
		s.mu.Unlock()
		// Not abandoned on ctx.Done(): the writer may hand this request
		// the queue, and someone must take it.
		o := <-r.done
		if !o.lead {
			return o.rep, o.err
		}
	} else {
		s.writing = true
		s.mu.Unlock()
	}
	s.writeQueue()
	o := <-r.done
	return o.rep, o.err
}

// writeQueue writes the batches at the head of the queue (the caller's own
// is first) as one group, answers each, and hands the rest of the queue to
// the next waiting request.
func (s *Service) writeQueue() {
	s.mu.Lock()
	n, events := 0, 0
	for n < len(s.queue) && (n == 0 || events+len(s.queue[n].items) <= maxGroupEvents) {
		events += len(s.queue[n].items)
		n++
	}
	group := s.queue[:n:n]
	s.queue = s.queue[n:]
	s.mu.Unlock()

	defer s.handOver()
	answered := false
	defer func() {
		// On a panic, answer everyone still waiting, or they (and every
		// batch after them) would wait forever.
		if !answered {
			for _, r := range group {
				select {
				case r.done <- outcome{err: errors.New("ingest batch: the writer failed; the server log has details")}:
				default:
				}
			}
		}
	}()

	batches := make([][]event.Item, len(group))
	for i, r := range group {
		batches[i] = r.items
	}
	// The group is written on behalf of every request in it, so one
	// client hanging up must not cancel the others' transaction.
	reps, err := s.write(context.WithoutCancel(group[0].ctx), batches)
	if err != nil && len(group) > 1 {
		for _, r := range group {
			rs, err := s.write(r.ctx, [][]event.Item{r.items})
			r.done <- outcome{rep: first(rs), err: err}
		}
	} else {
		for i, r := range group {
			if err != nil {
				r.done <- outcome{err: err}
			} else {
				r.done <- outcome{rep: reps[i]}
			}
		}
	}
	answered = true
}

// handOver makes the oldest waiting request the writer, or notes that
// nobody is writing.
func (s *Service) handOver() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) > 0 {
		s.queue[0].done <- outcome{lead: true}
	} else {
		s.writing = false
	}
}

func first(reps []Report) Report {
	if len(reps) == 0 {
		return Report{}
	}
	return reps[0]
}

// write stores batches in one transaction, in order, and reports each.
//
// It first assumes that no event of the batches is in the log yet, which
// is nearly always so, and skips looking their ids up: the log's UNIQUE
// constraint on ids is the check, and an id already stored makes
// InsertEvents, and so that transaction, fail. Then, as after any failure,
// the batches are written again, looking every id up first, which sorts
// duplicates (the same id and body: a resend) from conflicts. Nothing is
// acknowledged from the failed attempt, and it wrote nothing.
func (s *Service) write(ctx context.Context, batches [][]event.Item) ([]Report, error) {
	reps, err := s.writeOnce(ctx, batches, false)
	if err != nil {
		reps, err = s.writeOnce(ctx, batches, true)
	}
	if err == nil {
		s.commits.Add(1)
	}
	return reps, err
}

// Commits is how many write transactions this service has committed: a
// live page that sees it move knows there is something new to show,
// without asking the database. Other processes' writes do not count.
func (s *Service) Commits() int64 { return s.commits.Load() }

// writeOnce is one attempt of write; lookup says whether to look up which
// ids the log already holds.
func (s *Service) writeOnce(ctx context.Context, batches [][]event.Item, lookup bool) ([]Report, error) {
	reps := make([]Report, len(batches))
	for b, items := range batches {
		reps[b].Results = make([]Result, len(items))
	}
	err := s.store.Write(ctx, func(tx store.Tx) error {
		var ids []string
		for _, items := range batches {
			for _, it := range items {
				if it.Err == nil {
					ids = append(ids, it.Event.ID)
				}
			}
		}
		stored := map[string]string{}
		if lookup {
			var err error
			if stored, err = tx.EventHashes(ctx, ids); err != nil {
				return err
			}
		}
		inBatch := make(map[string]string, len(ids))
		var fresh []*event.Event
		for b, items := range batches {
			for i := range items {
				it := &items[i]
				r := Result{Index: it.Index, ID: it.ID}
				switch {
				case it.Err != nil:
					r.Status, r.Error = Rejected, it.Err.Error()
					var fe *event.FieldError
					if errors.As(it.Err, &fe) {
						r.Field = fe.Field
					}
				default:
					h, known := stored[it.Event.ID]
					if !known {
						h, known = inBatch[it.Event.ID]
					}
					switch {
					case known && h == it.Event.Hash:
						r.Status = Duplicate
					case known:
						r.Status, r.Field = Rejected, "id"
						r.Error = fmt.Sprintf("id %q was already used for a different event (idempotency conflict)", it.Event.ID)
					default:
						r.Status = Accepted
						inBatch[it.Event.ID] = it.Event.Hash
						// Clear what a failed group attempt may have set.
						it.Event.Seq, it.Event.LeadKey = 0, ""
						fresh = append(fresh, &it.Event)
					}
				}
				reps[b].Results[i] = r
			}
		}
		if len(fresh) == 0 {
			return nil
		}
		seq, err := tx.MaxSeq(ctx)
		if err != nil {
			return err
		}
		for _, e := range fresh {
			seq++
			e.Seq = seq
		}
		sla, dw, err := s.work(ctx)
		if err != nil {
			return err
		}
		p := newProjector(tx, s.emailNorm, sla, dw)
		if err := p.run(ctx, fresh); err != nil {
			return err
		}
		if err := tx.InsertEvents(ctx, fresh); err != nil {
			return err
		}
		return p.flush(ctx)
	})
	if err != nil {
		return nil, fmt.Errorf("ingest batch: %w", err)
	}
	for b := range reps {
		for _, r := range reps[b].Results {
			switch r.Status {
			case Accepted:
				reps[b].Accepted++
			case Duplicate:
				reps[b].Duplicates++
			case Rejected:
				reps[b].Rejected++
			}
		}
	}
	return reps, nil
}

// RebuildGCPercent is the garbage collector's GOGC for a rebuild, which
// allocates a decoded lead, payload and atom set per event and keeps
// little: on 1.4M events (100,000 leads), GOGC 400 against the default
// 100 took the rebuild's CPU from 36 s to 26 s and its peak RSS from 196
// to 431 MB.
// The commands that rebuild set it (unless GOGC is set) for the rebuild.
const RebuildGCPercent = 400

// rebuildAtoms bounds the atoms a rebuild keeps unwritten (a few hundred
// bytes each).
const rebuildAtoms = 200_000

// Rebuild empties the projections and replays the whole log through the
// same projector live ingest uses, in arrival order, batch by batch.
func (s *Service) Rebuild(ctx context.Context, batch int, progress func(done int64)) (int64, error) {
	if batch <= 0 {
		batch = 5000
	}
	if err := s.store.ResetProjections(ctx); err != nil {
		return 0, fmt.Errorf("reset projections: %w", err)
	}
	// The atoms start empty and nothing reads them during the replay, so
	// their changes are summed over many batches and written now and then:
	// the batches of a few hours of history touch the same days' atoms
	// again and again, and writing each batch's was a third of the time.
	atoms := daily.Counts{}
	writeAtoms := func() error {
		if len(atoms) == 0 {
			return nil
		}
		err := s.store.Write(ctx, func(tx store.Tx) error { return tx.AddDaily(ctx, atoms) })
		if err != nil {
			return fmt.Errorf("write the rebuilt atoms: %w", err)
		}
		clear(atoms)
		return nil
	}
	var after, done int64
	for {
		evs, err := s.store.EventsAfter(ctx, after, batch)
		if err != nil {
			return done, fmt.Errorf("read log after %d: %w", after, err)
		}
		if len(evs) == 0 {
			return done, writeAtoms()
		}
		ptrs := make([]*event.Event, len(evs))
		filed := make([]string, len(evs)) // each event's lead as stored
		for i := range evs {
			filed[i] = evs[i].LeadKey
			evs[i].LeadKey = ""
			ptrs[i] = &evs[i]
		}
		err = s.store.Write(ctx, func(tx store.Tx) error {
			sla, dw, err := s.work(ctx)
			if err != nil {
				return err
			}
			p := newProjector(tx, s.emailNorm, sla, dw)
			p.atoms = atoms
			if err := p.run(ctx, ptrs); err != nil {
				return err
			}
			// Only the events the replay files under another lead are
			// written: rewriting all of them cost a row and an index
			// entry per event. A batch that moved stored events itself
			// (a merge) has changed what is stored: all are written.
			moved := ptrs
			if !p.refiled {
				moved = nil
				for i, e := range ptrs {
					if e.LeadKey != filed[i] {
						moved = append(moved, e)
					}
				}
			}
			if err := tx.SetEventLeadKeys(ctx, moved); err != nil {
				return err
			}
			return p.flush(ctx)
		})
		if err != nil {
			return done, fmt.Errorf("replay events after %d: %w", after, err)
		}
		if len(atoms) >= rebuildAtoms {
			if err := writeAtoms(); err != nil {
				return done, err
			}
		}
		after = evs[len(evs)-1].Seq
		done += int64(len(evs))
		if progress != nil {
			progress(done)
		}
	}
}
