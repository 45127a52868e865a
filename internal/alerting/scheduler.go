package alerting

import (
	"context"
	"log/slog"
	"time"

	"github.com/accordhq/accord/internal/store"
	"github.com/accordhq/accord/internal/versions"
)

// Scheduler fires due alerts. Each tick asks the store for the unfired
// alerts due by now, earliest first, from an index on fire time among the
// unfired: the work is what is due, however many obligations are open.
// Several schedulers (one per `accord serve`) may share a database; each
// alert fires in exactly one of them.
type Scheduler struct {
	Store    store.Store
	Versions *versions.Cache
	Config   Config
	Now      func() time.Time // nil: time.Now
	Tick     time.Duration    // 0: 200 ms
	Batch    int              // alerts per transaction; 0: 500
	Log      *slog.Logger
}

// Run fires alerts until ctx ends. A failing tick is logged and retried on
// the next: nothing is lost, since an alert stays unfired until its
// deliveries are stored.
func (s *Scheduler) Run(ctx context.Context) error {
	tick := s.Tick
	if tick <= 0 {
		tick = 200 * time.Millisecond
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		if _, err := s.Fire(ctx); err != nil && ctx.Err() == nil {
			s.log().Error("firing alerts failed; trying again next tick", "error", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Fire fires everything due now and returns how many alerts fired.
func (s *Scheduler) Fire(ctx context.Context) (int, error) {
	batch := s.Batch
	if batch <= 0 {
		batch = 500
	}
	total := 0
	for {
		now := s.now()
		book, err := s.Versions.Get(ctx)
		if err != nil {
			return total, err
		}
		b := &builder{cfg: s.Config, st: s.Store, book: book, now: now}
		n, err := s.Store.FireAlerts(ctx, now, batch, func(due []store.DueAlert) ([]store.NewDelivery, error) {
			return b.build(ctx, due)
		})
		total += n
		if err != nil {
			return total, err
		}
		if n > 0 {
			s.log().Debug("alerts fired", "count", n)
		}
		if n < batch {
			return total, nil
		}
	}
}

func (s *Scheduler) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Scheduler) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}
