package store

import (
	"context"
	"time"

	"github.com/accordhq/accord/internal/event"
)

// The weekly review: a week's numbers snapshotted, commented, signed off by
// marketing and sales, then locked. The rules live in package review; the
// store keeps each week as one record, changed in a transaction that also
// appends the change to the audit log.

// ReviewStore keeps reviews.
type ReviewStore interface {
	// Review returns a week's review; ErrNotFound if it was never started.
	Review(ctx context.Context, week string) (Review, error)
	// Reviews lists the weeks starting in [from, to) that have a review,
	// with their Week and Status only: what a month's or a quarter's page
	// shows of them, read without decoding the snapshots (a week's every
	// atom) or comments.
	Reviews(ctx context.Context, from, to string) ([]Review, error)
	// UpdateReview reads a week's review (a new one with Status "open" if
	// there is none), lets fn change it, and stores it with the audit
	// entry fn returns, in one transaction; concurrent updates of one week
	// run one after the other. An error from fn changes nothing.
	UpdateReview(ctx context.Context, week string, fn func(r *Review) (AuditEntry, error)) (Review, error)
	// LogEnd is the sequence number of the latest event stored (0 if none).
	LogEnd(ctx context.Context) (int64, error)
	// EventsArrivedAfter returns events that happened in [from, to) but
	// were stored after sequence number after, in arrival order, at most
	// limit.
	EventsArrivedAfter(ctx context.Context, from, to time.Time, after int64, limit int) ([]event.Event, error)
}

// Review is one week's review.
type Review struct {
	Week       string    `json:"week"` // the week's first day
	Status     string    `json:"status"`
	SnapshotAt time.Time `json:"snapshot_at,omitzero"`
	SnapshotBy string    `json:"snapshot_by,omitempty"`
	// SnapshotSeq is the log's end when the snapshot was taken (read
	// before the numbers): events after it may restate the week.
	SnapshotSeq int64           `json:"snapshot_seq,omitempty"`
	Snapshot    []DailyRow      `json:"snapshot,omitempty"`
	Comments    []ReviewComment `json:"comments"`
	Signoffs    []ReviewSignoff `json:"signoffs"`
	LockedAt    time.Time       `json:"locked_at,omitzero"`
	LockedBy    string          `json:"locked_by,omitempty"`
}

// ReviewComment is a note on one metric of the week.
type ReviewComment struct {
	Metric string    `json:"metric"`
	Body   string    `json:"body"`
	Author string    `json:"author"`
	At     time.Time `json:"at"`
}

// ReviewSignoff is one side's sign-off.
type ReviewSignoff struct {
	Side string    `json:"side"` // marketing or sales
	Name string    `json:"name"`
	By   string    `json:"by"` // the token or user that recorded it
	At   time.Time `json:"at"`
}

// Audit actions of the weekly review.
const (
	AuditReviewSnapshot = "review.snapshot"
	AuditReviewComment  = "review.comment"
	AuditReviewSigned   = "review.signed"
	AuditReviewLocked   = "review.locked"
)

// ReviewEntry is the audit entry of a change to the review of week.
func ReviewEntry(at time.Time, actor, action, week string, detail any) AuditEntry {
	return entry(at, actor, action, "review week "+week, detail)
}
