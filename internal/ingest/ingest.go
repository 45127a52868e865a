// Package ingest appends events to the log, exactly once per idempotency
// key, and updates the projections (leads, opportunities, people) in the
// same transaction, so an acknowledged event is always both stored and seen.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/lead"
	"github.com/accordhq/accord/internal/store"
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
	store     store.Store
	emailNorm func(string) string
	now       func() time.Time
}

// Options tune identity resolution.
type Options struct {
	// StripPlusAddressing matches ann+x@acme.com with ann@acme.com.
	StripPlusAddressing bool
}

// New returns a Service writing to st.
func New(st store.Store, opts Options) *Service {
	return &Service{store: st, emailNorm: lead.EmailNormalizer(opts.StripPlusAddressing), now: time.Now}
}

// Ingest stores the valid events of a batch and reports every one. Items
// that failed to decode are reported as rejected and write nothing.
func (s *Service) Ingest(ctx context.Context, items []event.Item) (Report, error) {
	rep := Report{Results: make([]Result, len(items))}
	var fresh []*event.Event
	err := s.store.Write(ctx, func(tx store.Tx) error {
		fresh = fresh[:0]
		ids := make([]string, 0, len(items))
		for _, it := range items {
			if it.Err == nil {
				ids = append(ids, it.Event.ID)
			}
		}
		stored, err := tx.EventHashes(ctx, ids)
		if err != nil {
			return err
		}
		inBatch := make(map[string]string, len(ids))
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
					fresh = append(fresh, &it.Event)
				}
			}
			rep.Results[i] = r
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
		p := newProjector(tx, s.emailNorm)
		if err := p.run(ctx, fresh); err != nil {
			return err
		}
		if err := tx.InsertEvents(ctx, fresh); err != nil {
			return err
		}
		return p.flush(ctx)
	})
	if err != nil {
		return Report{}, fmt.Errorf("ingest batch: %w", err)
	}
	for _, r := range rep.Results {
		switch r.Status {
		case Accepted:
			rep.Accepted++
		case Duplicate:
			rep.Duplicates++
		case Rejected:
			rep.Rejected++
		}
	}
	return rep, nil
}

// Rebuild empties the projections and replays the whole log through the
// same projector live ingest uses, in arrival order, batch by batch.
func (s *Service) Rebuild(ctx context.Context, batch int, progress func(done int64)) (int64, error) {
	if batch <= 0 {
		batch = 5000
	}
	if err := s.store.ResetProjections(ctx); err != nil {
		return 0, fmt.Errorf("reset projections: %w", err)
	}
	var after, done int64
	for {
		evs, err := s.store.EventsAfter(ctx, after, batch)
		if err != nil {
			return done, fmt.Errorf("read log after %d: %w", after, err)
		}
		if len(evs) == 0 {
			return done, nil
		}
		ptrs := make([]*event.Event, len(evs))
		for i := range evs {
			evs[i].LeadKey = ""
			ptrs[i] = &evs[i]
		}
		err = s.store.Write(ctx, func(tx store.Tx) error {
			p := newProjector(tx, s.emailNorm)
			if err := p.run(ctx, ptrs); err != nil {
				return err
			}
			if err := tx.SetEventLeadKeys(ctx, ptrs); err != nil {
				return err
			}
			return p.flush(ctx)
		})
		if err != nil {
			return done, fmt.Errorf("replay events after %d: %w", after, err)
		}
		after = evs[len(evs)-1].Seq
		done += int64(len(evs))
		if progress != nil {
			progress(done)
		}
	}
}
