// Package review holds the rules of the weekly review: a week's numbers are
// snapshotted, commented metric by metric, signed off by one person for
// marketing and one for sales, and then locked. A locked week's numbers
// never change; what arrives later for its days is shown beside them as a
// restatement, with the events that made it.
package review

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/accordhq/accord/internal/daily"
	"github.com/accordhq/accord/internal/store"
)

// Statuses a week goes through.
const (
	Open     = "open"      // nothing done yet
	InReview = "in_review" // numbers snapshotted, being discussed
	Signed   = "signed"    // both sides signed; ready to lock
	Locked   = "locked"
)

// Sides that sign.
var Sides = []string{"marketing", "sales"}

// ErrLocked is returned for any change to a locked week.
var ErrLocked = errors.New("the week is locked: its numbers no longer change")

// Problem is a request the review's rules refuse, with the field at fault.
type Problem struct {
	Field, Msg string
}

func (p *Problem) Error() string { return p.Msg }

// Snapshot records the week's numbers as they stand. Taking a new snapshot
// voids the sign-offs given to the old one.
func Snapshot(r *store.Review, rows []store.DailyRow, seq int64, at time.Time, actor string) (store.AuditEntry, error) {
	if r.Status == Locked {
		return store.AuditEntry{}, ErrLocked
	}
	voided := len(r.Signoffs)
	r.Snapshot, r.SnapshotAt, r.SnapshotBy, r.SnapshotSeq = rows, at, actor, seq
	r.Signoffs = []store.ReviewSignoff{}
	r.Status = InReview
	return store.ReviewEntry(at, actor, store.AuditReviewSnapshot, r.Week, struct {
		Atoms          int   `json:"atoms"`
		SignoffsVoided int   `json:"signoffs_voided"`
		LogEnd         int64 `json:"log_end"`
	}{len(rows), voided, seq}), nil
}

// Comment adds a note on one metric.
func Comment(r *store.Review, metric, body string, at time.Time, author string) (store.AuditEntry, error) {
	if r.Status == Locked {
		return store.AuditEntry{}, ErrLocked
	}
	metric, body = strings.TrimSpace(metric), strings.TrimSpace(body)
	if metric == "" {
		return store.AuditEntry{}, &Problem{"metric", "say which metric the comment is about"}
	}
	if body == "" {
		return store.AuditEntry{}, &Problem{"body", "the comment is empty"}
	}
	if len(body) > 4000 {
		return store.AuditEntry{}, &Problem{"body", "a comment holds at most 4,000 bytes"}
	}
	r.Comments = append(r.Comments, store.ReviewComment{Metric: metric, Body: body, Author: author, At: at})
	return store.ReviewEntry(at, author, store.AuditReviewComment, r.Week, struct {
		Metric string `json:"metric"`
		Body   string `json:"body"`
	}{metric, body}), nil
}

// Sign records one side's sign-off of the snapshot.
func Sign(r *store.Review, side, name string, at time.Time, by string) (store.AuditEntry, error) {
	if r.Status == Locked {
		return store.AuditEntry{}, ErrLocked
	}
	if r.SnapshotAt.IsZero() {
		return store.AuditEntry{}, &Problem{"status", "take the week's snapshot before signing it off"}
	}
	if !slices.Contains(Sides, side) {
		return store.AuditEntry{}, &Problem{"side", fmt.Sprintf("side must be marketing or sales, got %q", side)}
	}
	if name = strings.TrimSpace(name); name == "" {
		return store.AuditEntry{}, &Problem{"name", "say who signs (a name)"}
	}
	for _, s := range r.Signoffs {
		if s.Side == side {
			return store.AuditEntry{}, &Problem{"status", fmt.Sprintf("%s signed this week off already (%s)", side, s.Name)}
		}
	}
	r.Signoffs = append(r.Signoffs, store.ReviewSignoff{Side: side, Name: name, By: by, At: at})
	if len(r.Signoffs) == len(Sides) {
		r.Status = Signed
	}
	return store.ReviewEntry(at, by, store.AuditReviewSigned, r.Week, struct {
		Side string `json:"side"`
		Name string `json:"name"`
	}{side, name}), nil
}

// Lock locks a week both sides signed off.
func Lock(r *store.Review, at time.Time, actor string) (store.AuditEntry, error) {
	if r.Status == Locked {
		return store.AuditEntry{}, ErrLocked
	}
	if r.Status != Signed {
		var missing []string
		for _, side := range Sides {
			if !slices.ContainsFunc(r.Signoffs, func(s store.ReviewSignoff) bool { return s.Side == side }) {
				missing = append(missing, side)
			}
		}
		return store.AuditEntry{}, &Problem{"status", "both sides sign the week off before it is locked; missing: " + strings.Join(missing, ", ")}
	}
	r.Status, r.LockedAt, r.LockedBy = Locked, at, actor
	return store.ReviewEntry(at, actor, store.AuditReviewLocked, r.Week, struct {
		Atoms int `json:"atoms"`
	}{len(r.Snapshot)}), nil
}

// Change is one atom that differs between the snapshot and now.
type Change struct {
	daily.Key
	Locked  daily.Cell `json:"locked"`
	Current daily.Cell `json:"current"`
	Delta   daily.Cell `json:"delta"`
}

// Restatement compares the snapshot with the atoms now: what later events
// would change. The locked numbers stay what they were. Both sides are
// put in key order and walked together: a week has some ten thousand
// atoms, and two maps of them cost more than the rest of the page.
func Restatement(snapshot, current []store.DailyRow) []Change {
	was, now := sortedAtoms(snapshot), sortedAtoms(current)
	out := []Change{}
	i, j := 0, 0
	for i < len(was) || j < len(now) {
		c := 0
		switch {
		case i == len(was):
			c = 1
		case j == len(now):
			c = -1
		default:
			c = compareKeys(was[i].Key, now[j].Key)
		}
		switch {
		case c < 0: // gone since
			w := was[i].Cell
			out = append(out, Change{Key: was[i].Key, Locked: w, Delta: daily.Cell{N: -w.N, Cents: -w.Cents}})
			i++
		case c > 0: // new since
			n := now[j].Cell
			out = append(out, Change{Key: now[j].Key, Current: n, Delta: n})
			j++
		default:
			if w, n := was[i].Cell, now[j].Cell; w != n {
				out = append(out, Change{Key: now[j].Key, Locked: w, Current: n, Delta: daily.Cell{N: n.N - w.N, Cents: n.Cents - w.Cents}})
			}
			i, j = i+1, j+1
		}
	}
	if len(out) == 0 {
		return nil
	}
	// Shown by day first.
	slices.SortFunc(out, func(a, b Change) int {
		return cmp.Or(cmp.Compare(a.Day, b.Day), cmp.Compare(a.Metric, b.Metric), cmp.Compare(a.Dim, b.Dim), cmp.Compare(a.Value, b.Value))
	})
	return out
}

// compareKeys orders atoms as Atoms reads them: by dimension in
// daily.Dimensions order (the totals first), then day, metric and value.
func compareKeys(a, b daily.Key) int {
	if a.Dim != b.Dim {
		return cmp.Or(cmp.Compare(dimRank(a.Dim), dimRank(b.Dim)), cmp.Compare(a.Dim, b.Dim))
	}
	return cmp.Or(cmp.Compare(a.Day, b.Day), cmp.Compare(a.Metric, b.Metric), cmp.Compare(a.Value, b.Value))
}

func dimRank(dim string) int {
	if dim == daily.All {
		return -1
	}
	if i := slices.Index(daily.Dimensions, dim); i >= 0 {
		return i
	}
	return len(daily.Dimensions)
}

// sortedAtoms returns rows in compareKeys order, copying only when they
// are not already (the databases' text order need not be Go's).
func sortedAtoms(rows []store.DailyRow) []store.DailyRow {
	less := func(a, b store.DailyRow) int { return compareKeys(a.Key, b.Key) }
	if slices.IsSortedFunc(rows, less) {
		return rows
	}
	rows = slices.Clone(rows)
	slices.SortFunc(rows, less)
	return rows
}
