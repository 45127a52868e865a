package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/accordhq/accord/internal/notify"
	"github.com/accordhq/accord/internal/obligation"
	"github.com/accordhq/accord/internal/store"
)

func (t *sqliteTx) OpenObligations(ctx context.Context, keys []string) (map[string][]*obligation.Obligation, error) {
	out := map[string][]*obligation.Obligation{}
	err := eachChunk(keys, chunk, func(part []string) error {
		obs, err := queryObligations(ctx, t.tx, `WHERE status = 'open' AND lead_key IN (`+inList(len(part))+`) ORDER BY started_at, id`, strArgs(part)...)
		for _, o := range obs {
			out[o.LeadKey] = append(out[o.LeadKey], o)
		}
		return err
	})
	return out, err
}

func (t *sqliteTx) DeleteObligations(ctx context.Context, keys []string) error {
	return eachChunk(keys, chunk, func(part []string) error {
		in := inList(len(part))
		if err := write(ctx, t.tx, `DELETE FROM alerts WHERE fired_at IS NULL AND lead_key IN (`+in+`)`, strArgs(part)...); err != nil {
			return fmt.Errorf("delete alerts: %w", err)
		}
		if err := write(ctx, t.tx, `DELETE FROM obligations WHERE lead_key IN (`+in+`)`, strArgs(part)...); err != nil {
			return fmt.Errorf("delete obligations: %w", err)
		}
		return nil
	})
}

func (t *sqliteTx) SaveObligations(ctx context.Context, obs []*obligation.Obligation, staleBefore time.Time) error {
	if len(obs) == 0 {
		return nil
	}
	err := eachChunk(obs, chunk/8, func(part []*obligation.Obligation) error {
		args := make([]any, 0, 7*len(part))
		ids := make([]any, 0, len(part))
		for _, o := range part {
			body, err := json.Marshal(o)
			if err != nil {
				return err
			}
			args = append(args, o.ID, o.LeadKey, string(o.Status), o.Owner, micros(o.StartedAt), queueDue(o), string(body))
			ids = append(ids, o.ID)
		}
		if err := write(ctx, t.tx, `INSERT INTO obligations (id, lead_key, status, owner, started_at, due_at, body) VALUES `+
			placeholders(len(part), 7)+` ON CONFLICT (id) DO UPDATE SET lead_key = excluded.lead_key, status = excluded.status,
			owner = excluded.owner, started_at = excluded.started_at, due_at = excluded.due_at, body = excluded.body`, args...); err != nil {
			return fmt.Errorf("save obligations: %w", err)
		}
		return write(ctx, t.tx, `DELETE FROM alerts WHERE fired_at IS NULL AND obligation_id IN (`+inList(len(ids))+`)`, ids...)
	})
	if err != nil {
		return err
	}
	var args []any
	rows := 0
	for _, o := range obs {
		for _, a := range o.Alerts() {
			var fired any
			outcome := ""
			if a.At.Before(staleBefore) {
				// Marked as of its own time: it was due then, and is
				// never sent.
				fired, outcome = micros(a.At), "stale"
			}
			args = append(args, store.AlertID(o.ID, a.Kind), o.ID, o.LeadKey, a.Kind, micros(a.At), fired, outcome)
			rows++
		}
	}
	// An alert that fired keeps its row: the same alert is never fired
	// twice, even if its time moves.
	for len(args) > 0 {
		n := min(rows, chunk/8)
		if err := write(ctx, t.tx, `INSERT INTO alerts (id, obligation_id, lead_key, kind, fire_at, fired_at, outcome) VALUES `+
			placeholders(n, 7)+` ON CONFLICT (id) DO NOTHING`, args[:7*n]...); err != nil {
			return fmt.Errorf("schedule alerts: %w", err)
		}
		args, rows = args[7*n:], rows-n
	}
	return nil
}

// obligationQuerier reads with a writer connection or the reader pool.
func queryObligations(ctx context.Context, q querier, where string, args ...any) ([]*obligation.Obligation, error) {
	rows, err := q.QueryContext(ctx, `SELECT body FROM obligations `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read obligations: %w", err)
	}
	defer rows.Close()
	var out []*obligation.Obligation
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		o := &obligation.Obligation{}
		if err := json.Unmarshal([]byte(body), o); err != nil {
			return nil, fmt.Errorf("read obligation: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

func (s *Store) LeadObligations(ctx context.Context, key string) ([]*obligation.Obligation, error) {
	return queryObligations(ctx, s.reader, `WHERE lead_key = coalesce((SELECT lead_key FROM lead_aliases WHERE alias = ?), ?)
		ORDER BY started_at, id`, key, key)
}

func (s *Store) Obligations(ctx context.Context, f store.ObligationFilter) ([]*obligation.Obligation, error) {
	q, args, err := obligationsWhere(f)
	if err != nil {
		return nil, err
	}
	if f.ByDue {
		// The order of obligations_queue (see 0009).
		q += " ORDER BY due_at IS NULL, due_at, id"
	} else {
		q += " ORDER BY started_at, id"
	}
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	return queryObligations(ctx, s.reader, q, args...)
}

func (s *Store) CountObligations(ctx context.Context, f store.ObligationFilter) (int, error) {
	q, args, err := obligationsWhere(f)
	if err != nil {
		return 0, err
	}
	var n int
	if err := s.reader.QueryRowContext(ctx, `SELECT count(*) FROM obligations `+q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count obligations: %w", err)
	}
	return n, nil
}

// obligationsWhere is the WHERE clause of f, without its order or limit.
func obligationsWhere(f store.ObligationFilter) (string, []any, error) {
	if f.ByDue && f.AfterID != "" {
		return "", nil, fmt.Errorf("list obligations: paging (after %s) is by start time, not by due time", f.AfterID)
	}
	var where []string
	var args []any
	add := func(cond string, v any) { where = append(where, cond); args = append(args, v) }
	if !f.From.IsZero() {
		add("started_at >= ?", micros(f.From))
	}
	if !f.To.IsZero() {
		add("started_at < ?", micros(f.To))
	}
	switch f.Status {
	case "":
	case string(obligation.Open):
		// A literal, not a parameter: SQLite uses a partial index (WHERE
		// status = 'open') only when it can see the query asks the same.
		where = append(where, "status = 'open'")
	default:
		add("status = ?", f.Status)
	}
	if f.Owner != "" {
		add("owner = ?", f.Owner)
	}
	if f.AfterID != "" {
		where = append(where, "(started_at, id) > (?, ?)")
		args = append(args, micros(f.AfterStarted), f.AfterID)
	}
	if len(where) == 0 {
		return "", nil, nil
	}
	return "WHERE " + strings.Join(where, " AND "), args, nil
}

// queueDue is an obligation's due_at column: when it is due while it is
// open and its clock runs, else NULL (see 0009).
func queueDue(o *obligation.Obligation) any {
	if o.Status != obligation.Open || o.DueAt.IsZero() {
		return nil
	}
	return micros(o.DueAt)
}

func (s *Store) Alerts(ctx context.Context, f store.AlertFilter) ([]store.Alert, error) {
	var where []string
	var args []any
	if f.LeadKey != "" {
		where = append(where, "lead_key = coalesce((SELECT lead_key FROM lead_aliases WHERE alias = ?), ?)")
		args = append(args, f.LeadKey, f.LeadKey)
	}
	if f.Fired != nil {
		if *f.Fired {
			where = append(where, "fired_at IS NOT NULL")
		} else {
			where = append(where, "fired_at IS NULL")
		}
	}
	q := `SELECT id, obligation_id, lead_key, kind, fire_at, fired_at, outcome FROM alerts`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(" ORDER BY fire_at DESC, id LIMIT %d", limitOr(f.Limit, 100))
	rows, err := s.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read alerts: %w", err)
	}
	defer rows.Close()
	var out []store.Alert
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func scanAlert(rows *sql.Rows) (store.Alert, error) {
	var a store.Alert
	var fire int64
	var fired sql.NullInt64
	if err := rows.Scan(&a.ID, &a.ObligationID, &a.LeadKey, &a.Kind, &fire, &fired, &a.Outcome); err != nil {
		return a, err
	}
	a.FireAt = fromMicros(fire)
	if fired.Valid {
		a.FiredAt = fromMicros(fired.Int64)
	}
	return a, nil
}

func limitOr(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}

// FireAlerts runs on the writer: SQLite has one, so no two callers can
// claim the same alert.
func (s *Store) FireAlerts(ctx context.Context, now time.Time, limit int, build func([]store.DueAlert) ([]store.NewDelivery, error)) (int, error) {
	fired := 0
	err := s.Write(ctx, func(tx store.Tx) error {
		t := tx.(*sqliteTx)
		rows, err := t.tx.QueryContext(ctx, `SELECT a.id, a.obligation_id, a.lead_key, a.kind, a.fire_at, a.fired_at, a.outcome, o.body
			FROM alerts a JOIN obligations o ON o.id = a.obligation_id
			WHERE a.fired_at IS NULL AND a.fire_at <= ? ORDER BY a.fire_at, a.id LIMIT ?`, micros(now), limit)
		if err != nil {
			return fmt.Errorf("claim alerts: %w", err)
		}
		var due []store.DueAlert
		for rows.Next() {
			var d store.DueAlert
			var fire int64
			var firedAt sql.NullInt64
			var body string
			if err := rows.Scan(&d.ID, &d.ObligationID, &d.LeadKey, &d.Kind, &fire, &firedAt, &d.Outcome, &body); err != nil {
				rows.Close()
				return err
			}
			d.FireAt = fromMicros(fire)
			d.Obligation = &obligation.Obligation{}
			if err := json.Unmarshal([]byte(body), d.Obligation); err != nil {
				rows.Close()
				return fmt.Errorf("alert %s: %w", d.ID, err)
			}
			due = append(due, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(due) == 0 {
			return nil
		}
		dels, err := build(due)
		if err != nil {
			return err
		}
		for _, d := range dels {
			if err := write(ctx, t.tx, `INSERT INTO deliveries (alert_id, channel, payload, next_at, created_at) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT DO NOTHING`, d.AlertID, d.Channel, d.Payload, micros(now), micros(now)); err != nil {
				return fmt.Errorf("store delivery: %w", err)
			}
		}
		for _, d := range due {
			if err := write(ctx, t.tx, `UPDATE alerts SET fired_at = ?, outcome = 'fired' WHERE id = ?`, micros(now), d.ID); err != nil {
				return fmt.Errorf("mark alert fired: %w", err)
			}
		}
		fired = len(due)
		return nil
	})
	return fired, err
}

func (s *Store) NextAlertAt(ctx context.Context) (time.Time, error) {
	var at sql.NullInt64
	if err := s.reader.QueryRowContext(ctx, `SELECT min(fire_at) FROM alerts WHERE fired_at IS NULL`).Scan(&at); err != nil {
		return time.Time{}, err
	}
	if !at.Valid {
		return time.Time{}, nil
	}
	return fromMicros(at.Int64), nil
}

const deliveryColumns = `alert_id, channel, payload, status, attempts, next_at, created_at, done_at, last_error`

func scanDelivery(rows *sql.Rows) (store.Delivery, error) {
	var d store.Delivery
	var next, created int64
	var done sql.NullInt64
	if err := rows.Scan(&d.AlertID, &d.Channel, &d.Payload, &d.Status, &d.Attempts, &next, &created, &done, &d.LastError); err != nil {
		return d, err
	}
	d.CreatedAt = fromMicros(created)
	if d.Status == "pending" {
		d.NextAt = fromMicros(next)
	}
	if done.Valid {
		d.DoneAt = fromMicros(done.Int64)
	}
	return d, nil
}

func (s *Store) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.Delivery, error) {
	var out []store.Delivery
	err := s.Write(ctx, func(tx store.Tx) error {
		t := tx.(*sqliteTx)
		rows, err := t.tx.QueryContext(ctx, `UPDATE deliveries SET next_at = ?
			WHERE rowid IN (SELECT rowid FROM deliveries WHERE status = 'pending' AND next_at <= ? ORDER BY next_at LIMIT ?)
			RETURNING `+deliveryColumns, micros(now.Add(lease)), micros(now), limit)
		if err != nil {
			return fmt.Errorf("claim deliveries: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDelivery(rows)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return rows.Err()
	})
	return out, err
}

func (s *Store) RecordAttempt(ctx context.Context, a notify.Attempt) error {
	return s.Write(ctx, func(tx store.Tx) error {
		t := tx.(*sqliteTx)
		var next any
		if !a.NextAt.IsZero() {
			next = micros(a.NextAt)
		}
		if err := write(ctx, t.tx, `INSERT INTO delivery_attempts (alert_id, channel, number, at, took_us, status, error, next_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, a.NotificationID, a.Channel, a.Number, micros(a.At), a.Took.Microseconds(),
			string(a.Status), a.Error, next); err != nil {
			return fmt.Errorf("record attempt: %w", err)
		}
		status, nextAt, done := deliveryAfter(a)
		return write(ctx, t.tx, `UPDATE deliveries SET status = ?, attempts = max(attempts, ?), next_at = coalesce(?, next_at),
			done_at = ?, last_error = ? WHERE alert_id = ? AND channel = ? AND status != 'delivered'`,
			status, a.Number, nextAt, done, a.Error, a.NotificationID, a.Channel)
	})
}

// deliveryAfter is where a delivery stands after attempt a.
func deliveryAfter(a notify.Attempt) (status string, next, done any) {
	switch a.Status {
	case notify.Delivered:
		return "delivered", nil, micros(a.At.Add(a.Took))
	case notify.Dead:
		return "dead", nil, micros(a.At.Add(a.Took))
	}
	return "pending", micros(a.NextAt), nil
}

func (s *Store) Delivered(ctx context.Context, alertID, channel string) (bool, error) {
	var n int
	err := s.reader.QueryRowContext(ctx, `SELECT count(*) FROM deliveries WHERE alert_id = ? AND channel = ? AND status = 'delivered'`,
		alertID, channel).Scan(&n)
	return n > 0, err
}

func (s *Store) Deliveries(ctx context.Context, f store.DeliveryFilter) ([]store.Delivery, error) {
	var where []string
	var args []any
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, f.Status)
	}
	if f.AlertID != "" {
		where, args = append(where, "alert_id = ?"), append(args, f.AlertID)
	}
	q := `SELECT ` + deliveryColumns + ` FROM deliveries`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(" ORDER BY created_at DESC, alert_id, channel LIMIT %d", limitOr(f.Limit, 100))
	rows, err := s.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read deliveries: %w", err)
	}
	defer rows.Close()
	var out []store.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func (s *Store) DeliveryAttempts(ctx context.Context, alertID, channel string) ([]notify.Attempt, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT number, at, took_us, status, error, next_at FROM delivery_attempts
		WHERE alert_id = ? AND channel = ? ORDER BY seq`, alertID, channel)
	if err != nil {
		return nil, fmt.Errorf("read attempts: %w", err)
	}
	defer rows.Close()
	var out []notify.Attempt
	for rows.Next() {
		a := notify.Attempt{NotificationID: alertID, Channel: channel}
		var at, took int64
		var next sql.NullInt64
		var status string
		if err := rows.Scan(&a.Number, &at, &took, &status, &a.Error, &next); err != nil {
			return nil, err
		}
		a.At, a.Took, a.Status = fromMicros(at), time.Duration(took)*time.Microsecond, notify.Status(status)
		if next.Valid {
			a.NextAt = fromMicros(next.Int64)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func (s *Store) RetryDelivery(ctx context.Context, alertID, channel string, now time.Time) error {
	return s.Write(ctx, func(tx store.Tx) error {
		t := tx.(*sqliteTx)
		res, err := t.tx.ExecContext(ctx, `UPDATE deliveries SET status = 'pending', attempts = 0, next_at = ?, done_at = NULL
			WHERE alert_id = ? AND channel = ? AND status = 'dead'`, micros(now), alertID, channel)
		if err != nil {
			return fmt.Errorf("retry delivery: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		return nil
	})
}

func (s *Store) EnqueueDelivery(ctx context.Context, d store.NewDelivery, now time.Time) (bool, error) {
	added := false
	err := s.Write(ctx, func(tx store.Tx) error {
		t := tx.(*sqliteTx)
		res, err := t.tx.ExecContext(ctx, `INSERT INTO deliveries (alert_id, channel, payload, next_at, created_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, d.AlertID, d.Channel, d.Payload, micros(now), micros(now))
		if err != nil {
			return fmt.Errorf("enqueue delivery %s: %w", d.AlertID, err)
		}
		n, _ := res.RowsAffected()
		added = n == 1
		return nil
	})
	return added, err
}
