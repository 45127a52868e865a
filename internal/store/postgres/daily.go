package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/accordhq/accord/internal/daily"
	"github.com/accordhq/accord/internal/lead"
	"github.com/accordhq/accord/internal/store"
)

func (t *pgTx) OpportunitiesOfLeads(ctx context.Context, keys []string) (map[string][]*lead.Opportunity, error) {
	if err := t.sync(ctx); err != nil {
		return nil, err
	}
	out := map[string][]*lead.Opportunity{}
	if len(keys) == 0 {
		return out, nil
	}
	os, err := queryOpportunities(ctx, t.tx, `WHERE lead_key = ANY($1::text[]) ORDER BY opportunity_id`, planEachRun, keys)
	for _, o := range os {
		out[o.LeadID] = append(out[o.LeadID], o)
	}
	return out, err
}

const addDaily = `INSERT INTO daily (dim, metric, day, value, n, cents)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[])
ON CONFLICT (dim, metric, day, value) DO UPDATE SET n = daily.n + excluded.n, cents = daily.cents + excluded.cents`

// AddDaily queues one set-based upsert; its keys are sorted, so two
// transactions touching the same atoms lock them in the same order.
func (t *pgTx) AddDaily(ctx context.Context, delta daily.Counts) error {
	if len(delta) == 0 {
		return nil
	}
	keys := delta.Keys()
	n := len(keys)
	dim, metric, day, value := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	cnt, cents := make([]int64, n), make([]int64, n)
	for i, k := range keys {
		c := delta[k]
		dim[i], metric[i], day[i], value[i], cnt[i], cents[i] = k.Dim, k.Metric, k.Day, k.Value, c.N, c.Cents
	}
	return t.write(ctx, fmt.Sprintf("add %d daily atoms", n), addDaily, dim, metric, day, value, cnt, cents)
}

func (s *Store) Daily(ctx context.Context, f store.DailyFilter) ([]store.DailyRow, error) {
	where := []string{"dim = $1"}
	args := []any{f.Dim}
	param := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	var metric []string
	if len(f.Metrics) > 0 {
		metric = append(metric, "metric = ANY("+param(f.Metrics)+"::text[])")
	}
	if f.Prefix != "" {
		// starts_with, not a range: the range's order would depend on
		// the database's collation.
		metric = append(metric, "starts_with(metric, "+param(f.Prefix)+")")
	}
	if len(metric) > 0 {
		where = append(where, "("+strings.Join(metric, " OR ")+")")
	}
	if f.From != "" {
		where = append(where, "day >= "+param(f.From))
	}
	if f.To != "" {
		where = append(where, "day < "+param(f.To))
	}
	if f.Value != "" {
		where = append(where, "value = "+param(f.Value))
	}
	q := `SELECT dim, metric, day, value, n, cents FROM daily WHERE ` + strings.Join(where, " AND ") +
		` AND (n <> 0 OR cents <> 0) ORDER BY day, metric, value`
	if f.Summed {
		// Sums of bigint are numeric in PostgreSQL: back to bigint.
		q = `SELECT dim, metric, '', value, SUM(n)::bigint, SUM(cents)::bigint FROM daily WHERE ` + strings.Join(where, " AND ") +
			` GROUP BY dim, metric, value HAVING SUM(n) <> 0 OR SUM(cents) <> 0 ORDER BY metric, value`
	}
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read daily atoms: %w", err)
	}
	defer rows.Close()
	var out []store.DailyRow
	for rows.Next() {
		var r store.DailyRow
		if err := rows.Scan(&r.Dim, &r.Metric, &r.Day, &r.Value, &r.N, &r.Cents); err != nil {
			return nil, fmt.Errorf("read daily atoms: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
