package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/accordhq/accord/internal/store"
)

// leadValues reads each lead created in a window with its won bookings:
// a range along leads_created (in its order, so no sort), and for each
// lead two lookups of its won deals along opportunities_lead. (A join
// grouped by lead_key would have SQLite walk the whole primary key
// instead.) A lead's source and segment have columns of their own (its
// state leaves them out, see appendState); the rest is read from its
// state. Each deal's amount is rounded to cents before the sum, as the
// daily atoms do (SQLite's round is half away from zero, as Go's
// math.Round is).
const leadValues = `SELECT l.lead_key, l.created_at,
	coalesce(nullif(json_extract(l.state, '$.original_source'), ''), l.source),
	coalesce(nullif(json_extract(l.state, '$.original_offer'), ''), json_extract(l.state, '$.offer'), ''),
	coalesce(nullif(json_extract(l.state, '$.original_campaign'), ''), json_extract(l.state, '$.campaign'), ''),
	l.segment,
	coalesce(json_extract(l.state, '$.seniority'), ''),
	(SELECT count(*) FROM opportunities o WHERE o.lead_key = l.lead_key AND o.status = 'won'),
	(SELECT coalesce(sum(CAST(round(json_extract(o.state, '$.amount') * 100) AS INTEGER)), 0)
		FROM opportunities o WHERE o.lead_key = l.lead_key AND o.status = 'won')
FROM leads l
WHERE l.created_at >= ? AND l.created_at < ?
ORDER BY l.created_at, l.lead_key`

// LeadValues returns the leads created in [from, to) with their bookings.
func (s *Store) LeadValues(ctx context.Context, from, to time.Time) ([]store.LeadValue, error) {
	rows, err := s.reader.QueryContext(ctx, leadValues, micros(from), micros(to))
	if err != nil {
		return nil, fmt.Errorf("read lead values: %w", err)
	}
	defer rows.Close()
	var out []store.LeadValue
	for rows.Next() {
		var v store.LeadValue
		var created int64
		if err := rows.Scan(&v.Key, &created, &v.Source, &v.Offer, &v.Campaign, &v.Segment, &v.Seniority, &v.Won, &v.BookingsCents); err != nil {
			return nil, fmt.Errorf("read lead values: %w", err)
		}
		v.CreatedAt = fromMicros(created)
		out = append(out, v)
	}
	return out, rows.Err()
}
