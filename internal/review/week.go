package review

import (
	"context"
	"errors"
	"time"

	"github.com/accordhq/accord/internal/daily"
	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/store"
)

// Week is a week as the review shows it, to the API and the pages alike.
type Week struct {
	Week   daily.Period `json:"week"`
	Review store.Review `json:"review"`
	// Numbers are the week's totals per metric: the locked snapshot once
	// locked, else as they stand.
	Numbers map[string]daily.Cell `json:"numbers"`
	// Live are the totals as they stand now (the same as Numbers until the
	// week is locked and something arrives late).
	Live map[string]daily.Cell `json:"live"`
	// Restatement lists every atom (any dimension) that differs between the
	// snapshot and now, and LateEvents the events of the week stored after
	// the snapshot.
	Restatement []Change      `json:"restatement"`
	LateEvents  []event.Event `json:"late_events"`
}

// lateEventsShown bounds the late events listed with a restatement.
const lateEventsShown = 500

// Atoms reads every atom of the week, under every dimension: what a
// snapshot keeps.
func Atoms(ctx context.Context, st store.Store, w daily.Period) ([]store.DailyRow, error) {
	var out []store.DailyRow
	for _, dim := range append([]string{daily.All}, daily.Dimensions...) {
		rows, err := st.Daily(ctx, store.DailyFilter{From: w.From, To: w.To, Dim: dim})
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return out, nil
}

// Totals sums the atoms of all dimensions together per metric.
func Totals(rows []store.DailyRow) map[string]daily.Cell {
	out := map[string]daily.Cell{}
	for _, r := range rows {
		if r.Dim == daily.All {
			c := out[r.Metric]
			c.N += r.N
			c.Cents += r.Cents
			out[r.Metric] = c
		}
	}
	return out
}

// Load reads the week holding w: its review, its numbers (locked or live)
// and, once snapshotted, what has been restated since and the late events
// that did it. loc is the organisation's zone, whose days the week counts.
func Load(ctx context.Context, st store.Store, w daily.Period, loc *time.Location) (*Week, error) {
	rv, err := st.Review(ctx, w.From)
	if errors.Is(err, store.ErrNotFound) {
		rv = store.Review{Week: w.From, Status: Open, Comments: []store.ReviewComment{}, Signoffs: []store.ReviewSignoff{}}
	} else if err != nil {
		return nil, err
	}
	// Until a snapshot there is nothing to restate: the totals are all
	// that is shown, one summed read. After, every atom is compared.
	var live []store.DailyRow
	if rv.SnapshotAt.IsZero() {
		live, err = st.Daily(ctx, store.DailyFilter{From: w.From, To: w.To, Dim: daily.All, Summed: true})
	} else {
		live, err = Atoms(ctx, st, w)
	}
	if err != nil {
		return nil, err
	}
	v := &Week{Week: w, Live: Totals(live), Numbers: Totals(live), Restatement: []Change{}, LateEvents: []event.Event{}}
	if rv.Status == Locked {
		v.Numbers = Totals(rv.Snapshot)
	}
	if !rv.SnapshotAt.IsZero() {
		v.Restatement = Restatement(rv.Snapshot, live)
		if len(v.Restatement) > 0 {
			if loc == nil {
				loc = time.UTC
			}
			from, _ := time.ParseInLocation(time.DateOnly, w.From, loc)
			to, _ := time.ParseInLocation(time.DateOnly, w.To, loc)
			evs, err := st.EventsArrivedAfter(ctx, from, to, rv.SnapshotSeq, lateEventsShown)
			if err != nil {
				return nil, err
			}
			if evs != nil {
				v.LateEvents = evs
			}
		}
	}
	rv.Snapshot = nil // the totals say it; the atoms are many
	v.Review = rv
	return v, nil
}

// TakeSnapshot is the snapshot step for store.UpdateReview: the log's end
// is read before the numbers, so an event committed in between is in
// both, never in neither.
func TakeSnapshot(ctx context.Context, st store.Store, rv *store.Review, w daily.Period, at time.Time, actor string) (store.AuditEntry, error) {
	seq, err := st.LogEnd(ctx)
	if err != nil {
		return store.AuditEntry{}, err
	}
	rows, err := Atoms(ctx, st, w)
	if err != nil {
		return store.AuditEntry{}, err
	}
	return Snapshot(rv, rows, seq, at, actor)
}
