package slareport

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/accordhq/accord/internal/agreement"
	"github.com/accordhq/accord/internal/lead"
	"github.com/accordhq/accord/internal/obligation"
	"github.com/accordhq/accord/internal/store"
	"github.com/accordhq/accord/internal/versions"
)

// pageSize is how many obligations or leads are read per query.
const pageSize = 1000

// Load reads the live obligations that started in [from, to), their
// leads, and marketing's lead_must_have of the version in force at the end
// of the period (or, if none was yet, of the latest in force).
func Load(ctx context.Context, st store.Store, from, to time.Time) (Input, error) {
	in, err := LoadObligations(ctx, st, from, to)
	if err != nil {
		return in, err
	}
	return in, in.LoadLeads(ctx, st, from, to)
}

// LoadObligations is Load without the leads. Shares met count obligations
// only, and a lead is a round trip each, most of a Load's time: a page
// showing a long trend around a short period reads the span's
// obligations once and the leads of the period alone (LoadLeads).
func LoadObligations(ctx context.Context, st store.Store, from, to time.Time) (Input, error) {
	in := Input{Leads: map[string]*lead.Lead{}}
	f := store.ObligationFilter{From: from, To: to, Limit: pageSize}
	for {
		page, err := st.Obligations(ctx, f)
		if err != nil {
			return in, fmt.Errorf("read obligations: %w", err)
		}
		in.Obligations = append(in.Obligations, page...)
		if len(page) < f.Limit {
			break
		}
		last := page[len(page)-1]
		f.AfterStarted, f.AfterID = last.StartedAt, last.ID
	}

	book, err := (&versions.Cache{Store: st}).Get(ctx)
	if err != nil {
		return in, err
	}
	in.Book = book
	at := to
	if at.IsZero() {
		at = time.Now()
	}
	ag, _ := book.At(at.Add(-time.Nanosecond))
	if ag == nil {
		ag, _ = book.At(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC))
	}
	in.MustHave = mustHave(ag)
	return in, nil
}

// LoadLeads reads the leads of in's obligations that started in [from,
// to) (zero: unbounded) and that in does not hold yet.
func (in *Input) LoadLeads(ctx context.Context, st store.Store, from, to time.Time) error {
	if in.Leads == nil {
		in.Leads = map[string]*lead.Lead{}
	}
	var keys []string
	seen := map[string]bool{}
	for _, o := range in.Obligations {
		if !from.IsZero() && o.StartedAt.Before(from) || !to.IsZero() && !o.StartedAt.Before(to) {
			continue
		}
		if !seen[o.LeadKey] && in.Leads[o.LeadKey] == nil {
			seen[o.LeadKey] = true
			keys = append(keys, o.LeadKey)
		}
	}
	var mu sync.Mutex
	return each(ctx, keys, func(ctx context.Context, key string) error {
		l, err := st.Lead(ctx, key)
		if errors.Is(err, store.ErrNotFound) {
			return nil // gone since (merged): its obligations still count
		}
		if err != nil {
			return fmt.Errorf("read lead %s: %w", key, err)
		}
		mu.Lock()
		in.Leads[key] = l
		mu.Unlock()
		return nil
	})
}

// Backtest judges the stored history under ag alone, as if it had always
// been in force: every lead's events are replayed through the obligation
// engine in memory, and the obligations that started in [from, to) are
// kept. Nothing is written. emailNorm is how ingest normalises emails (nil:
// lower case).
func Backtest(ctx context.Context, st store.Store, ag *agreement.Agreement, from, to time.Time, emailNorm func(string) string) (Input, error) {
	if emailNorm == nil {
		emailNorm = lead.EmailNormalizer(false)
	}
	stored, err := (&versions.Cache{Store: st}).Get(ctx)
	if err != nil {
		return Input{}, err
	}
	// The proposed agreement is numbered one past the last stored version,
	// so its obligations do not pass for a stored version's.
	book, _ := stored.With(ag)
	in := Input{Book: book, MustHave: mustHave(ag), Leads: map[string]*lead.Lead{}}

	// An obligation starts at one of its lead's events, so a lead whose
	// events all fall before from, or which began at or after to, has none
	// in the period.
	f := store.LeadFilter{UpdatedFrom: from, CreatedTo: to, Limit: pageSize}
	var mu sync.Mutex
	for {
		page, err := st.Leads(ctx, f)
		if err != nil {
			return in, fmt.Errorf("read leads: %w", err)
		}
		err = each(ctx, page, func(ctx context.Context, l *lead.Lead) error {
			history, err := st.LeadEvents(ctx, l.LeadID)
			if err != nil {
				return fmt.Errorf("read the events of lead %s: %w", l.LeadID, err)
			}
			obs, err := obligation.Derive(book, l.LeadID, history, emailNorm)
			if err != nil {
				return fmt.Errorf("replay lead %s: %w", l.LeadID, err)
			}
			obs = slices.DeleteFunc(obs, func(o *obligation.Obligation) bool {
				return !from.IsZero() && o.StartedAt.Before(from) || !to.IsZero() && !o.StartedAt.Before(to)
			})
			if len(obs) == 0 {
				return nil
			}
			mu.Lock()
			in.Obligations = append(in.Obligations, obs...)
			in.Leads[l.LeadID] = l
			mu.Unlock()
			return nil
		})
		if err != nil {
			return in, err
		}
		if len(page) < f.Limit {
			break
		}
		last := page[len(page)-1]
		f.After = &store.Cursor{CreatedAt: last.CreatedAt, LeadID: last.LeadID}
	}
	// The order Load gives: by start, then id.
	slices.SortFunc(in.Obligations, func(a, b *obligation.Obligation) int {
		if c := a.StartedAt.Compare(b.StartedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return in, nil
}

func mustHave(ag *agreement.Agreement) []string {
	if ag == nil || ag.Marketing == nil {
		return nil
	}
	return slices.Clone(ag.Marketing.LeadMustHave)
}

// each calls fn for every item, a few at a time: a store's reads are
// round trips, and the replay is CPU work.
func each[T any](ctx context.Context, items []T, fn func(context.Context, T) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(max(2, runtime.GOMAXPROCS(0)))
	for _, it := range items {
		g.Go(func() error { return fn(ctx, it) })
	}
	return g.Wait()
}
