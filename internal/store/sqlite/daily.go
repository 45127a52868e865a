package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/accordhq/accord/internal/daily"
	"github.com/accordhq/accord/internal/lead"
	"github.com/accordhq/accord/internal/store"
)

func (t *sqliteTx) OpportunitiesOfLeads(ctx context.Context, keys []string) (map[string][]*lead.Opportunity, error) {
	out := map[string][]*lead.Opportunity{}
	err := eachChunk(keys, chunk, func(part []string) error {
		os, err := queryOpportunities(ctx, t.tx, `WHERE lead_key IN (`+inList(len(part))+`) ORDER BY opportunity_id`, strArgs(part)...)
		for _, o := range os {
			out[o.LeadID] = append(out[o.LeadID], o)
		}
		return err
	})
	return out, err
}

func (t *sqliteTx) AddDaily(ctx context.Context, delta daily.Counts) error {
	// One writer: no lock order to keep, so no need to sort.
	keys := make([]daily.Key, 0, len(delta))
	for k := range delta {
		keys = append(keys, k)
	}
	return eachChunk(keys, chunk/4, func(part []daily.Key) error {
		args := make([]any, 0, 6*len(part))
		for _, k := range part {
			c := delta[k]
			args = append(args, k.Dim, k.Metric, k.Day, k.Value, c.N, c.Cents)
		}
		if err := write(ctx, t.tx, `INSERT INTO daily (dim, metric, day, value, n, cents) VALUES `+placeholders(len(part), 6)+`
			ON CONFLICT (dim, metric, day, value) DO UPDATE SET n = n + excluded.n, cents = cents + excluded.cents`, args...); err != nil {
			return fmt.Errorf("add daily atoms: %w", err)
		}
		return nil
	})
}

func (s *Store) Daily(ctx context.Context, f store.DailyFilter) ([]store.DailyRow, error) {
	where := []string{"dim = ?", "(n != 0 OR cents != 0)"}
	args := []any{f.Dim}
	if len(f.Metrics) > 0 {
		where = append(where, "metric IN ("+inList(len(f.Metrics))+")")
		args = append(args, strArgs(f.Metrics)...)
	}
	if f.From != "" {
		where, args = append(where, "day >= ?"), append(args, f.From)
	}
	if f.To != "" {
		where, args = append(where, "day < ?"), append(args, f.To)
	}
	if f.Value != "" {
		where, args = append(where, "value = ?"), append(args, f.Value)
	}
	rows, err := s.reader.QueryContext(ctx, `SELECT dim, metric, day, value, n, cents FROM daily WHERE `+
		strings.Join(where, " AND ")+` ORDER BY day, metric, value`, args...)
	if err != nil {
		return nil, fmt.Errorf("read daily atoms: %w", err)
	}
	defer rows.Close()
	var out []store.DailyRow
	for rows.Next() {
		var r store.DailyRow
		if err := rows.Scan(&r.Dim, &r.Metric, &r.Day, &r.Value, &r.N, &r.Cents); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
