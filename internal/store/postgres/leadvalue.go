package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/accordhq/accord/internal/store"
)

// leadValues reads each lead created in a window with its won bookings.
// The range runs along leads_created; each lead's won deals are found
// through opportunities_lead, in a lateral subquery (no GROUP BY over the
// window). State columns are text (see 0001_init.sql), parsed here once
// per row. Each deal's amount is rounded to cents before the sum, half
// away from zero in double precision, as Go's math.Round (and SQLite's
// round) does it: PostgreSQL's round of a double rounds half to even,
// and of a numeric works on the exact decimal, either of which could
// differ by a cent from the daily atoms.
const leadValues = `SELECT l.lead_key, l.created_at,
	coalesce(nullif(s.j->>'original_source', ''), l.source),
	coalesce(nullif(s.j->>'original_offer', ''), s.j->>'offer', ''),
	coalesce(nullif(s.j->>'original_campaign', ''), s.j->>'campaign', ''),
	l.segment,
	coalesce(s.j->>'seniority', ''),
	w.n, w.cents
FROM leads l
CROSS JOIN LATERAL (SELECT l.state::jsonb AS j) s
CROSS JOIN LATERAL (
	SELECT count(*) AS n,
		coalesce(sum((sign(a.x) * floor(abs(a.x) + 0.5))::bigint), 0)::bigint AS cents
	FROM opportunities o
	CROSS JOIN LATERAL (SELECT ((o.state::jsonb)->>'amount')::float8 * 100 AS x) a
	WHERE o.lead_key = l.lead_key AND o.status = 'won'
) w
WHERE l.created_at >= $1 AND l.created_at < $2
ORDER BY l.created_at, l.lead_key`

// LeadValues returns the leads created in [from, to) with their bookings.
func (s *Store) LeadValues(ctx context.Context, from, to time.Time) ([]store.LeadValue, error) {
	rows, err := s.pool.Query(ctx, leadValues, from, to)
	if err != nil {
		return nil, fmt.Errorf("read lead values: %w", err)
	}
	defer rows.Close()
	var out []store.LeadValue
	for rows.Next() {
		var v store.LeadValue
		if err := rows.Scan(&v.Key, &v.CreatedAt, &v.Source, &v.Offer, &v.Campaign, &v.Segment, &v.Seniority, &v.Won, &v.BookingsCents); err != nil {
			return nil, fmt.Errorf("read lead values: %w", err)
		}
		v.CreatedAt = v.CreatedAt.UTC()
		out = append(out, v)
	}
	return out, rows.Err()
}
