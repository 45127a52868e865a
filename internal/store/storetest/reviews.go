package storetest

import (
	"errors"
	"sync"
	"testing"

	"github.com/accordhq/accord/internal/daily"
	"github.com/accordhq/accord/internal/store"
)

// testReviews: a week's review is created by its first update, keeps its
// snapshot and comments, lists by week with its status, and concurrent
// updates of one week each see the other's.
func testReviews(t *testing.T, open Opener) {
	st := open(t)
	ctx := t.Context()
	if _, err := st.Review(ctx, "2026-03-02"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a week never reviewed: %v, want ErrNotFound", err)
	}
	snap := []store.DailyRow{{Key: daily.Key{Day: "2026-03-02", Metric: "mql", Dim: daily.All}, Cell: daily.Cell{N: 7}},
		{Key: daily.Key{Day: "2026-03-03", Metric: "bookings", Dim: daily.Source, Value: "ads"}, Cell: daily.Cell{N: 1, Cents: 120050}}}
	for _, week := range []string{"2026-03-02", "2026-03-09", "2026-03-30"} {
		_, err := st.UpdateReview(ctx, week, func(r *store.Review) (store.AuditEntry, error) {
			if r.Status != "open" || r.Week != week {
				t.Errorf("a new review of %s reads %+v", week, r)
			}
			r.Status, r.Snapshot, r.SnapshotAt, r.SnapshotSeq = "in_review", snap, T0, 42
			return store.ReviewEntry(T0, "ann", store.AuditReviewSnapshot, week, nil), nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := st.UpdateReview(ctx, "2026-03-09", func(r *store.Review) (store.AuditEntry, error) {
		r.Status = "locked"
		r.Comments = append(r.Comments, store.ReviewComment{Metric: "mql", Body: "webinar week", Author: "ann", At: T0})
		return store.ReviewEntry(T0, "ann", store.AuditReviewSnapshot, r.Week, nil), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := st.Review(ctx, "2026-03-09")
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != "locked" || len(r.Snapshot) != 2 || r.Snapshot[1] != snap[1] || r.SnapshotSeq != 42 || !r.SnapshotAt.Equal(T0) ||
		len(r.Comments) != 1 || r.Comments[0].Body != "webinar week" {
		t.Errorf("the locked week reads back as %+v", r)
	}
	// March: the weeks starting 2 and 9 March, not 30 March's.
	list, err := st.Reviews(ctx, "2026-03-01", "2026-03-30")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Week != "2026-03-02" || list[0].Status != "in_review" || list[1].Week != "2026-03-09" || list[1].Status != "locked" {
		t.Errorf("the reviews of March: %+v", list)
	}
	// Ten comments at once on one week: none lost.
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			_, err := st.UpdateReview(ctx, "2026-03-30", func(r *store.Review) (store.AuditEntry, error) {
				r.Comments = append(r.Comments, store.ReviewComment{Metric: "sql", Body: "note", Author: "kim", At: T0})
				return store.ReviewEntry(T0, "kim", store.AuditReviewSnapshot, r.Week, nil), nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if r, err := st.Review(ctx, "2026-03-30"); err != nil || len(r.Comments) != 10 {
		t.Errorf("after ten concurrent comments the week has %d (%v)", len(r.Comments), err)
	}
}
