package web

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"time"
)

// wallRefresh is how often the board is recounted while someone watches,
// even with no new events here: clocks cross their warning and due times
// on their own, and other processes' events do not show in Commits.
const wallRefresh = 2 * time.Second

// wallHub computes the board once for every display watching it, and
// pushes it to them when it changes: on this process's commits (seen
// within WallPoll) and every wallRefresh.
type wallHub struct {
	s *Server

	mu      sync.Mutex
	subs    map[chan []byte]struct{}
	last    *wallData
	lastAt  time.Time
	lastB   []byte // last's JSON
	compare []byte // last's JSON without its time, to tell a change
}

func newWallHub(s *Server) *wallHub { return &wallHub{s: s, subs: map[chan []byte]struct{}{}} }

// subscribe returns a channel that gets the board's JSON on each change,
// dropping a stale one a slow display has not read.
func (h *wallHub) subscribe() (<-chan []byte, func()) {
	ch := make(chan []byte, 1)
	h.mu.Lock()
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs, ch)
		h.mu.Unlock()
	}
}

func (h *wallHub) watched() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs) > 0
}

// latest is the board, recounted if it is older than the poll interval.
func (h *wallHub) latest(ctx context.Context) (*wallData, error) {
	h.mu.Lock()
	if h.last != nil && h.s.o.Now().Sub(h.lastAt) < h.s.o.WallPoll {
		d := h.last
		h.mu.Unlock()
		return d, nil
	}
	h.mu.Unlock()
	d, _, err := h.recount(ctx)
	return d, err
}

func (h *wallHub) latestJSON(ctx context.Context) ([]byte, error) {
	if _, err := h.latest(ctx); err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lastB, nil
}

// recount computes the board and reports whether it differs from the last.
func (h *wallHub) recount(ctx context.Context) (*wallData, bool, error) {
	d, err := h.s.wallNow(ctx)
	if err != nil {
		return nil, false, err
	}
	b, err := json.Marshal(d)
	if err != nil {
		return nil, false, err
	}
	asOf := d.AsOf
	d.AsOf = time.Time{}
	cmp, _ := json.Marshal(d)
	d.AsOf = asOf
	h.mu.Lock()
	defer h.mu.Unlock()
	changed := !bytes.Equal(cmp, h.compare)
	h.last, h.lastAt, h.lastB, h.compare = d, h.s.o.Now(), b, cmp
	return d, changed, nil
}

// run watches for changes until ctx ends.
func (h *wallHub) run(ctx context.Context) {
	tick := time.NewTicker(h.s.o.WallPoll)
	defer tick.Stop()
	seen := h.s.o.Ingest.Commits()
	var counted time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if !h.watched() {
			continue
		}
		c := h.s.o.Ingest.Commits()
		if c == seen && time.Since(counted) < wallRefresh {
			continue
		}
		seen, counted = c, time.Now()
		_, changed, err := h.recount(ctx)
		if err != nil {
			if ctx.Err() == nil {
				h.s.o.Log.WarnContext(ctx, "wall display: recount", "error", err)
			}
			continue
		}
		if changed {
			h.broadcast()
		}
	}
}

func (h *wallHub) broadcast() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case <-ch: // a display that has not read the last one gets this instead
		default:
		}
		ch <- h.lastB
	}
}
