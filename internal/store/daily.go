package store

import (
	"context"

	"github.com/accordhq/accord/internal/daily"
	"github.com/accordhq/accord/internal/lead"
)

// The reporting atoms (see package daily): one row per day, metric,
// dimension and value, kept current by ingest, which adds the difference
// each batch makes, and rebuilt with the other projections.

// DailyTx is the write side, inside Store.Write.
type DailyTx interface {
	// OpportunitiesOfLeads returns the stored opportunities of each lead.
	OpportunitiesOfLeads(ctx context.Context, keys []string) (map[string][]*lead.Opportunity, error)
	// AddDaily adds delta to the atoms.
	AddDaily(ctx context.Context, delta daily.Counts) error
}

// DailyStore reads the atoms.
type DailyStore interface {
	// Daily returns the non-zero atoms of the metrics (all when empty) on
	// days in [From, To), under one dimension (daily.All for totals),
	// ordered by day, metric and value.
	Daily(ctx context.Context, f DailyFilter) ([]DailyRow, error)
}

// DailyFilter selects atoms. From and To are days (2006-01-02).
type DailyFilter struct {
	From, To string
	Metrics  []string
	Dim      string
	// Value, if set, keeps one value of the dimension.
	Value string
	// Prefix, if set, keeps the metrics whose names start with it (the
	// cycle histogram's "cycle.", say), besides any in Metrics.
	Prefix string
	// Summed adds the days up: one row per metric and value, with Day
	// empty, ordered by metric and value. Reports that want a period's
	// totals read a few hundred rows this way instead of one per day.
	Summed bool
}

// DailyRow is one atom.
type DailyRow struct {
	daily.Key
	daily.Cell
}
