// Package versions holds the agreement's stored versions, parsed once, and
// answers which one is in force at a given time. Ingest, the scheduler and
// the backtest all judge leads through it (it is an obligation.Book).
package versions

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/accordhq/accord/internal/agreement"
	"github.com/accordhq/accord/internal/store"
)

// Book is a snapshot of the versions: immutable once built.
type Book struct {
	list   []store.AgreementVersion
	parsed map[int]*agreement.Agreement
}

// Empty reports whether no version can ever be in force (none is fully
// signed), so there is nothing to judge leads by.
func (b *Book) Empty() bool {
	if b == nil {
		return true
	}
	for _, v := range b.list {
		if _, ok := v.InForceFrom(); ok && b.parsed[v.Number] != nil {
			return false
		}
	}
	return true
}

// At returns the version in force at t.
func (b *Book) At(t time.Time) (*agreement.Agreement, int) {
	if b == nil {
		return nil, 0
	}
	v := store.InForceAt(b.list, t)
	if v == nil {
		return nil, 0
	}
	return b.parsed[v.Number], v.Number
}

// Version returns a version by number.
func (b *Book) Version(n int) *agreement.Agreement {
	if b == nil {
		return nil
	}
	return b.parsed[n]
}

// With returns a book of these versions plus one proposed agreement, in
// force from the start of time over every stored version: what a backtest
// judges history by. Its number is one past the last stored.
func (b *Book) With(ag *agreement.Agreement) (*Book, int) {
	n := 1
	if b != nil && len(b.list) > 0 {
		n = b.list[len(b.list)-1].Number + 1
	}
	out := &Book{parsed: map[int]*agreement.Agreement{n: ag}}
	out.list = []store.AgreementVersion{{Number: n, EffectiveFrom: time.Unix(0, 0).UTC(), UploadedAt: time.Unix(0, 0).UTC()}}
	return out, n
}

// Only returns a book holding a single agreement, in force always, as
// version n.
func Only(ag *agreement.Agreement, n int) *Book {
	return &Book{parsed: map[int]*agreement.Agreement{n: ag},
		list: []store.AgreementVersion{{Number: n, EffectiveFrom: time.Unix(0, 0).UTC(), UploadedAt: time.Unix(0, 0).UTC()}}}
}

// Cache keeps the current Book of a store, re-reading the version list at
// most every TTL (other processes sign too) or when told something changed;
// a version's body is parsed once.
type Cache struct {
	Store store.Store
	TTL   time.Duration // 0: one second
	Log   *slog.Logger

	mu     sync.Mutex
	book   *Book
	loaded time.Time
	stale  bool
}

// Invalidate makes the next Get re-read the versions.
func (c *Cache) Invalidate() {
	c.mu.Lock()
	c.stale = true
	c.mu.Unlock()
}

// Get returns the current book.
func (c *Cache) Get(ctx context.Context) (*Book, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ttl := c.TTL
	if ttl <= 0 {
		ttl = time.Second
	}
	if c.book != nil && !c.stale && time.Since(c.loaded) < ttl {
		return c.book, nil
	}
	list, err := c.Store.AgreementVersions(ctx)
	if err != nil {
		return nil, fmt.Errorf("read agreement versions: %w", err)
	}
	b := &Book{list: list, parsed: map[int]*agreement.Agreement{}}
	for _, v := range list {
		if c.book != nil && c.book.parsed[v.Number] != nil {
			b.parsed[v.Number] = c.book.parsed[v.Number]
			continue
		}
		if _, ok := v.InForceFrom(); !ok {
			continue // not signed: cannot judge anything yet
		}
		full, err := c.Store.AgreementVersion(ctx, v.Number)
		if err != nil {
			return nil, fmt.Errorf("read agreement version %d: %w", v.Number, err)
		}
		ag, err := agreement.Parse(full.Body)
		if err != nil {
			// Only valid agreements can be uploaded; one that no longer
			// parses (after an upgrade, say) judges nothing, loudly.
			if c.Log != nil {
				c.Log.Error("agreement version does not parse; it judges no lead", "version", v.Number, "error", err)
			}
			continue
		}
		b.parsed[v.Number] = ag
	}
	c.book, c.loaded, c.stale = b, time.Now(), false
	return b, nil
}
