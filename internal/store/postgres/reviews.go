package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/store"
)

func (s *Store) Review(ctx context.Context, week string) (store.Review, error) {
	var body string
	err := s.pool.QueryRow(ctx, `SELECT body FROM reviews WHERE week = $1`, week).Scan(&body)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Review{}, store.ErrNotFound
	}
	if err != nil {
		return store.Review{}, fmt.Errorf("read review %s: %w", week, err)
	}
	var r store.Review
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		return r, fmt.Errorf("read review %s: %w", week, err)
	}
	return r, nil
}

func (s *Store) Reviews(ctx context.Context, from, to string) ([]store.Review, error) {
	rows, err := s.pool.Query(ctx, `SELECT week, status FROM reviews WHERE week >= $1 AND week < $2 ORDER BY week`, from, to)
	if err != nil {
		return nil, fmt.Errorf("list reviews: %w", err)
	}
	defer rows.Close()
	var out []store.Review
	for rows.Next() {
		var r store.Review
		if err := rows.Scan(&r.Week, &r.Status); err != nil {
			return nil, fmt.Errorf("list reviews: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// UpdateReview runs under the audit lock, which serialises it with every
// other audited change in every process; the row lock is for clarity.
func (s *Store) UpdateReview(ctx context.Context, week string, fn func(r *store.Review) (store.AuditEntry, error)) (store.Review, error) {
	var r store.Review
	err := s.writeAudited(ctx, "update review "+week, func(tx pgx.Tx) error {
		var body string
		err := tx.QueryRow(ctx, `SELECT body FROM reviews WHERE week = $1 FOR UPDATE`, week).Scan(&body)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			r = store.Review{Week: week, Status: "open", Comments: []store.ReviewComment{}, Signoffs: []store.ReviewSignoff{}}
		case err != nil:
			return fmt.Errorf("read review %s: %w", week, err)
		default:
			if err := json.Unmarshal([]byte(body), &r); err != nil {
				return fmt.Errorf("read review %s: %w", week, err)
			}
		}
		e, err := fn(&r)
		if err != nil {
			return err
		}
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO reviews (week, status, body) VALUES ($1, $2, $3)
			ON CONFLICT (week) DO UPDATE SET status = excluded.status, body = excluded.body`, week, r.Status, string(b)); err != nil {
			return fmt.Errorf("save review %s: %w", week, err)
		}
		return appendAudit(ctx, tx, e)
	})
	return r, err
}

func (s *Store) LogEnd(ctx context.Context) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM events`).Scan(&n)
	return n, err
}

func (s *Store) EventsArrivedAfter(ctx context.Context, from, to time.Time, after int64, limit int) ([]event.Event, error) {
	return queryEvents(ctx, s.pool, `WHERE seq > $1 AND occurred_at >= $2 AND occurred_at < $3 ORDER BY seq LIMIT $4`,
		after, from, to, limit)
}
