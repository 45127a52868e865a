package sqlite

import (
	"cmp"
	"context"
	"fmt"
	"slices"
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
	// In the primary key's order: one writer keeps no lock order, but
	// B-tree pages filled in order are each read and written once (a
	// rebuild writes hundreds of thousands of atoms at a time).
	keys := make([]daily.Key, 0, len(delta))
	for k := range delta {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b daily.Key) int {
		return cmp.Or(strings.Compare(a.Dim, b.Dim), strings.Compare(a.Metric, b.Metric),
			strings.Compare(a.Day, b.Day), strings.Compare(a.Value, b.Value))
	})
	return eachChunk(keys, chunk/4, func(part []daily.Key) error {
		args := t.args
		for _, k := range part {
			c := delta[k]
			args = append(args, k.Dim, k.Metric, k.Day, k.Value, c.N, c.Cents)
		}
		if err := t.exec(ctx, `INSERT INTO daily (dim, metric, day, value, n, cents) VALUES `+placeholders(len(part), 6)+`
			ON CONFLICT (dim, metric, day, value) DO UPDATE SET n = n + excluded.n, cents = cents + excluded.cents`, args); err != nil {
			return fmt.Errorf("add daily atoms: %w", err)
		}
		return nil
	})
}

func (s *Store) Daily(ctx context.Context, f store.DailyFilter) ([]store.DailyRow, error) {
	if len(f.Metrics) > 0 && f.Prefix != "" {
		// Read apart: planned as one query with an OR, SQLite walks the
		// dimension's days (daily_dim_day) instead of seeking each metric.
		named := f
		named.Prefix, named.Metrics = "", slices.DeleteFunc(slices.Clone(f.Metrics), func(m string) bool { return strings.HasPrefix(m, f.Prefix) })
		prefixed := f
		prefixed.Metrics = nil
		out, err := s.Daily(ctx, prefixed)
		if err != nil {
			return nil, err
		}
		if len(named.Metrics) > 0 { // else all were in the prefix
			more, err := s.Daily(ctx, named)
			if err != nil {
				return nil, err
			}
			out = append(out, more...)
		}
		slices.SortStableFunc(out, func(x, y store.DailyRow) int {
			return cmp.Or(cmp.Compare(x.Day, y.Day), cmp.Compare(x.Metric, y.Metric), cmp.Compare(x.Value, y.Value))
		})
		return out, nil
	}
	where := []string{"dim = ?"}
	args := []any{f.Dim}
	from := "daily"
	switch {
	case len(f.Metrics) > 0:
		where = append(where, "metric IN ("+inList(len(f.Metrics))+")")
		args = append(args, strArgs(f.Metrics)...)
	case f.Prefix != "":
		// A range on the key, so the primary key's order finds it.
		where = append(where, "metric >= ? AND metric < ?")
		args = append(args, f.Prefix, prefixEnd(f.Prefix))
	case f.From != "" || f.To != "":
		// Every metric of some days: found by day, not by walking each
		// metric's whole history.
		from = "daily INDEXED BY daily_dim_day"
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
	q := `SELECT dim, metric, day, value, n, cents FROM ` + from + ` WHERE ` + strings.Join(where, " AND ") +
		` AND (n != 0 OR cents != 0) ORDER BY day, metric, value`
	if f.Summed {
		q = `SELECT dim, metric, '', value, SUM(n), SUM(cents) FROM ` + from + ` WHERE ` + strings.Join(where, " AND ") +
			` GROUP BY metric, value HAVING SUM(n) != 0 OR SUM(cents) != 0 ORDER BY metric, value`
	}
	rows, err := s.reader.QueryContext(ctx, q, args...)
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

// prefixEnd is the least string greater than every string starting with
// p in byte order: p with its last byte below 0xff raised by one, and
// what follows cut. (Metric names are ASCII, so there always is one.)
func prefixEnd(p string) string {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1])
		}
	}
	return string(b) + "\x00" // unreachable for ASCII names; still an upper bound of p itself
}
