package store

import (
	"context"
	"time"
)

// Lead value: what the leads created in a window have booked. The
// statistics live in package leadvalue; the store gives one row per lead
// with the dimensions it is credited under and its won bookings, read in
// one set-based query.

// LeadValueStore reads the raw material of lead value.
type LeadValueStore interface {
	// LeadValues returns every lead created in [createdFrom, createdTo),
	// oldest first, each with the sum of the amounts of its won
	// opportunities (won at any time up to now), in one query.
	LeadValues(ctx context.Context, createdFrom, createdTo time.Time) ([]LeadValue, error)
}

// LeadValue is one lead and what it has booked. Source, Offer and
// Campaign are the ones marketing is credited with: the first the lead
// came in under, else the latest (as the daily atoms count them); Segment
// and Seniority are the lead's now. "" when the lead has none.
type LeadValue struct {
	Key       string
	CreatedAt time.Time
	Source    string
	Offer     string
	Campaign  string
	Segment   string
	Seniority string
	// Won counts the lead's won opportunities; BookingsCents sums their
	// amounts, each rounded to cents (half away from zero) before adding,
	// as the daily atoms do. Amounts are taken as they are, whatever
	// their currency.
	Won           int64
	BookingsCents int64
}
