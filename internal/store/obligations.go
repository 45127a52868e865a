package store

import (
	"context"
	"time"

	"github.com/accordhq/accord/internal/notify"
	"github.com/accordhq/accord/internal/obligation"
)

// Obligations, the alerts they schedule, and the deliveries of those alerts.
//
// An obligation is a projection of the log (rebuilt like leads). Each open
// obligation has up to three pending alerts (warning, breach, escalation),
// one row each, indexed on fire time among the unfired only, so the
// scheduler's work per tick is what is due, never what is open. An alert
// row is fired once: in the transaction that marks it fired the deliveries
// it needs are stored (an outbox), so a crash either loses neither or
// keeps both. Alerts are not a projection: a rebuild keeps the fired ones,
// and never fires an alert twice.

// ObligationTx is the write side of obligations, inside Store.Write.
type ObligationTx interface {
	// OpenObligations returns the open obligations of each lead.
	OpenObligations(ctx context.Context, keys []string) (map[string][]*obligation.Obligation, error)
	// DeleteObligations removes every obligation of the leads, and their
	// unfired alerts (before the leads' obligations are derived afresh).
	DeleteObligations(ctx context.Context, keys []string) error
	// SaveObligations upserts obligations and replaces their unfired
	// alerts with the ones they now have. An alert whose time is before
	// staleBefore is stored as already fired at its own time, with outcome
	// "stale", and never sent: history being loaded must not page anybody.
	SaveObligations(ctx context.Context, obs []*obligation.Obligation, staleBefore time.Time) error
}

// ObligationStore is the rest: reading obligations and alerts, firing
// alerts, and the delivery outbox with its attempts.
type ObligationStore interface {
	// LeadObligations returns every obligation of a lead, oldest first.
	LeadObligations(ctx context.Context, key string) ([]*obligation.Obligation, error)
	// Obligations lists obligations started in [From, To), oldest first
	// (or by due time: see ObligationFilter.ByDue).
	Obligations(ctx context.Context, f ObligationFilter) ([]*obligation.Obligation, error)
	// CountObligations counts the obligations Obligations would list
	// without a limit, so a page that shows a first part can say of how
	// many.
	CountObligations(ctx context.Context, f ObligationFilter) (int, error)
	// Alerts lists alerts, newest first.
	Alerts(ctx context.Context, f AlertFilter) ([]Alert, error)

	// FireAlerts claims up to limit unfired alerts due by now, earliest
	// first, calls build with them, stores the deliveries build returns,
	// and marks the alerts fired at now, all in one transaction. Several
	// processes may call it at once: each alert goes to exactly one
	// (PostgreSQL: FOR UPDATE SKIP LOCKED). It returns how many fired.
	FireAlerts(ctx context.Context, now time.Time, limit int, build func([]DueAlert) ([]NewDelivery, error)) (int, error)
	// NextAlertAt is when the earliest unfired alert is due (zero if none).
	NextAlertAt(ctx context.Context) (time.Time, error)

	// EnqueueDelivery stores a delivery that no alert made (the weekly
	// digest), due at now; false when one with its alert id and channel
	// exists already, so enqueueing the same thing twice sends it once.
	EnqueueDelivery(ctx context.Context, d NewDelivery, now time.Time) (bool, error)

	// ClaimDeliveries takes up to limit pending deliveries due by now and
	// pushes their next try to now+lease, so another process leaves them
	// alone while this one tries; a crash mid-try makes them due again
	// when the lease runs out.
	ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Delivery, error)
	// RecordAttempt stores one attempt and moves its delivery on
	// (delivered, retried at NextAt, or dead).
	RecordAttempt(ctx context.Context, a notify.Attempt) error
	// Delivered reports whether the alert was delivered on the channel.
	Delivered(ctx context.Context, alertID, channel string) (bool, error)
	// Deliveries lists deliveries, newest first; Status "dead" is the
	// dead-letter list.
	Deliveries(ctx context.Context, f DeliveryFilter) ([]Delivery, error)
	// DeliveryAttempts returns a delivery's attempts, in order.
	DeliveryAttempts(ctx context.Context, alertID, channel string) ([]notify.Attempt, error)
	// RetryDelivery makes a dead delivery pending again, due at now, with
	// a fresh count of attempts; ErrNotFound unless it is dead.
	RetryDelivery(ctx context.Context, alertID, channel string, now time.Time) error
}

// ObligationFilter selects obligations by start time. Empty fields do not
// filter.
type ObligationFilter struct {
	From, To time.Time
	Status   string
	Owner    string
	// AfterID pages: obligations after this one in (started_at, id) order.
	AfterStarted time.Time
	AfterID      string
	// ByDue lists by due time instead, the soonest (the most overdue)
	// first, ties by id, and Limit keeps the soonest: a rep's queue is
	// what to do next, not what came in first. Only an open obligation
	// whose clock runs has a due time; the rest (paused, or with Status
	// other than "open") come after, by id. It does not page: AfterID
	// must be empty.
	ByDue bool
	Limit int
}

// AlertFilter selects alerts.
type AlertFilter struct {
	LeadKey string
	Fired   *bool // nil: both
	Limit   int
}

// Alert is one scheduled moment of one obligation.
type Alert struct {
	ID           string    `json:"id"` // obligation id ':' kind
	ObligationID string    `json:"obligation_id"`
	LeadKey      string    `json:"lead_id"`
	Kind         string    `json:"kind"` // warning, breach, escalation
	FireAt       time.Time `json:"fire_at"`
	FiredAt      time.Time `json:"fired_at,omitzero"`
	// Outcome is "" while pending, "fired" once fired, "stale" when it was
	// already too old to send when scheduled.
	Outcome string `json:"outcome,omitempty"`
}

// AlertID names the alert of one kind of one obligation.
func AlertID(obligationID, kind string) string { return obligationID + ":" + kind }

// DueAlert is an alert being fired, with its obligation.
type DueAlert struct {
	Alert
	Obligation *obligation.Obligation
}

// NewDelivery is one channel an alert must reach, stored when it fires.
type NewDelivery struct {
	AlertID string
	Channel string // the configured channel's name
	// Payload is what the channel needs to send it (JSON), the same on
	// every attempt.
	Payload []byte
}

// Delivery is an alert on its way to one channel.
type Delivery struct {
	AlertID   string    `json:"alert_id"`
	Channel   string    `json:"channel"`
	Payload   []byte    `json:"-"`
	Status    string    `json:"status"` // pending, delivered, dead
	Attempts  int       `json:"attempts"`
	NextAt    time.Time `json:"next_at,omitzero"`
	CreatedAt time.Time `json:"created_at"`
	DoneAt    time.Time `json:"done_at,omitzero"`
	LastError string    `json:"last_error,omitempty"`
}

// DeliveryFilter selects deliveries.
type DeliveryFilter struct {
	Status  string
	AlertID string
	Limit   int
}
