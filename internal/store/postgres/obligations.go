package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/accordhq/accord/internal/notify"
	"github.com/accordhq/accord/internal/obligation"
	"github.com/accordhq/accord/internal/store"
)

// Obligations, their alerts and the delivery outbox.
//
// Obligations are written by the ingest, inside Store.Write. Firing alerts
// and the outbox are not: several processes share them, each claiming rows
// with FOR UPDATE SKIP LOCKED in a short READ COMMITTED transaction of its
// own, never waiting for the writer lock or for each other. An ingest that
// replaces an obligation's unfired alerts while a scheduler fires one of
// them waits for the scheduler's row lock, then finds the alert fired and
// leaves it (DELETE … WHERE fired_at IS NULL rechecks the row it waited for,
// and INSERT … ON CONFLICT DO NOTHING keeps the fired row); a scheduler
// skips the alerts an uncommitted ingest is replacing and fires their new
// rows on a later tick.

// OpenObligations reads the open obligations of the leads.
func (t *pgTx) OpenObligations(ctx context.Context, keys []string) (map[string][]*obligation.Obligation, error) {
	if err := t.sync(ctx); err != nil {
		return nil, err
	}
	out := make(map[string][]*obligation.Obligation)
	if len(keys) == 0 {
		return out, nil
	}
	obs, err := queryObligations(ctx, t.tx, `WHERE lead_key = ANY($1::text[]) AND status = 'open' ORDER BY started_at, id`,
		planEachRun, keys)
	for _, o := range obs {
		out[o.LeadKey] = append(out[o.LeadKey], o)
	}
	return out, err
}

// deleteObligations removes the leads' obligations and unfired alerts in
// one statement (the two deletes touch different tables, so neither sees
// the other's effect). It is not pipelined, for the reason SetEventLeadKeys
// is not: prepared once, on an empty table, the alerts delete is planned as
// a walk of every pending alert, comparing each with the whole key array.
const deleteObligations = `WITH unfired AS (
	DELETE FROM alerts WHERE fired_at IS NULL AND lead_key = ANY($1::text[])
)
DELETE FROM obligations WHERE lead_key = ANY($1::text[])`

func (t *pgTx) DeleteObligations(ctx context.Context, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	if err := t.sync(ctx); err != nil {
		return err
	}
	if _, err := t.tx.Exec(ctx, deleteObligations, planEachRun, keys); err != nil {
		return fmt.Errorf("delete the obligations of %d leads: %w", len(keys), err)
	}
	return nil
}

const (
	saveObligations = `INSERT INTO obligations (id, lead_key, status, owner, started_at, due_at, body)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::text[])
ON CONFLICT (id) DO UPDATE SET lead_key = excluded.lead_key, status = excluded.status, owner = excluded.owner,
	started_at = excluded.started_at, due_at = excluded.due_at, body = excluded.body`
	// unscheduleAlerts may be pipelined (prepared): the partial index on
	// obligation_id of the unfired alerts is its plan at any table size.
	unscheduleAlerts = `DELETE FROM alerts WHERE fired_at IS NULL AND obligation_id = ANY($1::text[])`
	// scheduleAlerts keeps an alert that fired: the same alert is never
	// fired twice, even if its time moves.
	scheduleAlerts = `INSERT INTO alerts (id, obligation_id, lead_key, kind, fire_at, fired_at, outcome)
SELECT id, obligation_id, lead_key, kind, fire_at,
	CASE WHEN stale THEN fire_at END, CASE WHEN stale THEN 'stale' ELSE '' END
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::boolean[])
	AS u(id, obligation_id, lead_key, kind, fire_at, stale)
ON CONFLICT (id) DO NOTHING`
)

// SaveObligations queues three statements: the upsert of the obligations,
// the delete of their unfired alerts and the insert of the alerts they have
// now.
func (t *pgTx) SaveObligations(ctx context.Context, obs []*obligation.Obligation, staleBefore time.Time) error {
	if len(obs) == 0 {
		return nil
	}
	// One row per obligation: an upsert cannot change a row twice. The
	// last copy wins, as it would row by row.
	at := make(map[string]int, len(obs))
	uniq := make([]*obligation.Obligation, 0, len(obs))
	for _, o := range obs {
		if i, ok := at[o.ID]; ok {
			uniq[i] = o
			continue
		}
		at[o.ID] = len(uniq)
		uniq = append(uniq, o)
	}
	obs = uniq
	n := len(obs)
	id, key, status, owner, body := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	started := make([]time.Time, n)
	// due is the due_at column: NULL unless open with its clock running
	// (see 0009).
	due := make([]*time.Time, n)
	err := inParallel(n, func(i int) error {
		o := obs[i]
		b, err := json.Marshal(o)
		if err != nil {
			return fmt.Errorf("encode obligation %s: %w", o.ID, err)
		}
		id[i], key[i], status[i], owner[i], started[i], body[i] = o.ID, o.LeadKey, string(o.Status), o.Owner, o.StartedAt, string(b)
		if o.Status == obligation.Open && !o.DueAt.IsZero() {
			due[i] = &o.DueAt
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := t.write(ctx, fmt.Sprintf("save %d obligations", n), saveObligations,
		id, key, status, owner, started, due, body); err != nil {
		return err
	}
	if err := t.write(ctx, fmt.Sprintf("unschedule the alerts of %d obligations", n), unscheduleAlerts, id); err != nil {
		return err
	}
	var aid, oid, akey, kind []string
	var fireAt []time.Time
	var stale []bool
	for _, o := range obs {
		for _, a := range o.Alerts() {
			aid, oid, akey, kind = append(aid, store.AlertID(o.ID, a.Kind)), append(oid, o.ID), append(akey, o.LeadKey), append(kind, a.Kind)
			fireAt, stale = append(fireAt, a.At), append(stale, a.At.Before(staleBefore))
		}
	}
	if len(aid) == 0 {
		return nil
	}
	return t.write(ctx, fmt.Sprintf("schedule %d alerts", len(aid)), scheduleAlerts,
		aid, oid, akey, kind, fireAt, stale)
}

// queryObligations decodes the bodies of the obligations a query selects.
func queryObligations(ctx context.Context, q querier, where string, args ...any) ([]*obligation.Obligation, error) {
	rows, err := q.Query(ctx, `SELECT body FROM obligations `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read obligations: %w", err)
	}
	defer rows.Close()
	var bodies [][]byte
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, fmt.Errorf("read obligations: %w", err)
		}
		bodies = append(bodies, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read obligations: %w", err)
	}
	if len(bodies) == 0 {
		return nil, nil
	}
	out := make([]*obligation.Obligation, len(bodies))
	err = inParallel(len(bodies), func(i int) error {
		o := &obligation.Obligation{}
		if err := json.Unmarshal(bodies[i], o); err != nil {
			return fmt.Errorf("decode obligation: %w", err)
		}
		out[i] = o
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// leadOf is a lead's key given its id or any alias, for $1.
const leadOf = `coalesce((SELECT lead_key FROM lead_aliases WHERE alias = $1), $1)`

// LeadObligations returns every obligation of a lead (by id or alias),
// oldest first.
func (s *Store) LeadObligations(ctx context.Context, key string) ([]*obligation.Obligation, error) {
	return queryObligations(ctx, s.pool, `WHERE lead_key = `+leadOf+` ORDER BY started_at, id`, key)
}

// Obligations lists obligations by start time, oldest first, or by due
// time (f.ByDue), the soonest first.
func (s *Store) Obligations(ctx context.Context, f store.ObligationFilter) ([]*obligation.Obligation, error) {
	where, args, err := obligationsWhere(f)
	if err != nil {
		return nil, err
	}
	if f.ByDue {
		// The order of obligations_queue (see 0009): ascending puts the
		// NULLs, no due time, last.
		where += " ORDER BY due_at, id"
	} else {
		where += " ORDER BY started_at, id"
	}
	if f.Limit > 0 {
		args = append(args, f.Limit)
		where += " LIMIT $" + strconv.Itoa(len(args)-1)
	}
	return queryObligations(ctx, s.pool, where, args...)
}

// CountObligations counts what Obligations would list without a limit.
func (s *Store) CountObligations(ctx context.Context, f store.ObligationFilter) (int, error) {
	where, args, err := obligationsWhere(f)
	if err != nil {
		return 0, err
	}
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM obligations `+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count obligations: %w", err)
	}
	return n, nil
}

// obligationsWhere is the WHERE clause of f, without its order or limit;
// args starts with the query mode.
func obligationsWhere(f store.ObligationFilter) (string, []any, error) {
	if f.ByDue && f.AfterID != "" {
		return "", nil, fmt.Errorf("list obligations: paging (after %s) is by start time, not by due time", f.AfterID)
	}
	// The filters vary from call to call, and so does the best plan.
	where, args := "WHERE true", []any{planEachRun}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args)-1)
	}
	if !f.From.IsZero() {
		where += " AND started_at >= " + arg(f.From)
	}
	if !f.To.IsZero() {
		where += " AND started_at < " + arg(f.To)
	}
	if f.Status != "" {
		where += " AND status = " + arg(f.Status)
	}
	if f.Owner != "" {
		where += " AND owner = " + arg(f.Owner)
	}
	if f.AfterID != "" {
		where += " AND (started_at, id) > (" + arg(f.AfterStarted) + ", " + arg(f.AfterID) + ")"
	}
	return where, args, nil
}

// Alerts lists alerts, newest first.
func (s *Store) Alerts(ctx context.Context, f store.AlertFilter) ([]store.Alert, error) {
	where, args := "WHERE true", []any{planEachRun}
	if f.LeadKey != "" {
		args = append(args, f.LeadKey)
		where += " AND lead_key = " + leadOf
	}
	if f.Fired != nil {
		if *f.Fired {
			where += " AND fired_at IS NOT NULL"
		} else {
			where += " AND fired_at IS NULL"
		}
	}
	args = append(args, limitOr(f.Limit, 100))
	rows, err := s.pool.Query(ctx, `SELECT id, obligation_id, lead_key, kind, fire_at, fired_at, outcome FROM alerts `+
		where+` ORDER BY fire_at DESC, id LIMIT $`+strconv.Itoa(len(args)-1), args...)
	if err != nil {
		return nil, fmt.Errorf("read alerts: %w", err)
	}
	defer rows.Close()
	var out []store.Alert
	for rows.Next() {
		var a store.Alert
		var fired *time.Time
		if err := rows.Scan(&a.ID, &a.ObligationID, &a.LeadKey, &a.Kind, &a.FireAt, &fired, &a.Outcome); err != nil {
			return nil, fmt.Errorf("read alerts: %w", err)
		}
		a.FireAt, a.FiredAt = a.FireAt.UTC(), utcOrZero(fired)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read alerts: %w", err)
	}
	return out, nil
}

func utcOrZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func limitOr(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}

const (
	// claimAlerts locks the earliest due alerts no other caller holds, and
	// reads their obligations (without locking those: an ingest may be
	// saving one meanwhile). The LIMIT applies to the rows locked, so a
	// caller skipping alerts held by another still gets up to limit.
	claimAlerts = `SELECT a.id, a.obligation_id, a.lead_key, a.kind, a.fire_at, o.body
FROM alerts a JOIN obligations o ON o.id = a.obligation_id
WHERE a.fired_at IS NULL AND a.fire_at <= $1
ORDER BY a.fire_at, a.id
LIMIT $2
FOR UPDATE OF a SKIP LOCKED`
	// fireAlerts marks the claimed alerts fired and stores their
	// deliveries: different tables, so one statement does both.
	fireAlerts = `WITH fired AS (
	UPDATE alerts SET fired_at = $1, outcome = 'fired' WHERE id = ANY($2::text[])
)
INSERT INTO deliveries (alert_id, channel, payload, next_at, created_at)
SELECT alert_id, channel, payload, $1, $1 FROM unnest($3::text[], $4::text[], $5::bytea[]) AS u(alert_id, channel, payload)
ON CONFLICT DO NOTHING`
)

// FireAlerts claims due alerts in a transaction of its own, not under the
// writer lock: the scheduler of each process fires alongside any ingest,
// and SKIP LOCKED gives each alert to one caller.
func (s *Store) FireAlerts(ctx context.Context, now time.Time, limit int, build func([]store.DueAlert) ([]store.NewDelivery, error)) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	// The row locks and rechecks that make firing exactly once are READ
	// COMMITTED's, whatever the database's default.
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return 0, fmt.Errorf("fire alerts: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	rows, err := tx.Query(ctx, claimAlerts, planEachRun, now, limit)
	if err != nil {
		return 0, fmt.Errorf("claim alerts: %w", err)
	}
	var due []store.DueAlert
	var d store.DueAlert
	var body []byte
	_, err = pgx.ForEachRow(rows, []any{&d.ID, &d.ObligationID, &d.LeadKey, &d.Kind, &d.FireAt, &body}, func() error {
		d.FireAt = d.FireAt.UTC()
		d.Obligation = &obligation.Obligation{}
		if err := json.Unmarshal(body, d.Obligation); err != nil {
			return fmt.Errorf("decode the obligation of alert %s: %w", d.ID, err)
		}
		due = append(due, d)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("claim alerts: %w", err)
	}
	if len(due) == 0 {
		return 0, nil
	}
	dels, err := build(due)
	if err != nil {
		return 0, err
	}
	ids := make([]string, len(due))
	for i, d := range due {
		ids[i] = d.ID
	}
	aid, channel, payload := make([]string, len(dels)), make([]string, len(dels)), make([][]byte, len(dels))
	for i, d := range dels {
		aid[i], channel[i], payload[i] = d.AlertID, d.Channel, d.Payload
		if payload[i] == nil {
			payload[i] = []byte{} // NOT NULL
		}
	}
	if _, err := tx.Exec(ctx, fireAlerts, planEachRun, now, ids, aid, channel, payload); err != nil {
		return 0, fmt.Errorf("fire %d alerts: %w", len(due), err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("fire alerts: commit: %w", err)
	}
	return len(due), nil
}

// NextAlertAt is when the earliest unfired alert is due (zero if none).
func (s *Store) NextAlertAt(ctx context.Context) (time.Time, error) {
	var at *time.Time
	if err := s.pool.QueryRow(ctx, `SELECT min(fire_at) FROM alerts WHERE fired_at IS NULL`).Scan(&at); err != nil {
		return time.Time{}, fmt.Errorf("find the next alert: %w", err)
	}
	return utcOrZero(at), nil
}

const deliveryColumns = `alert_id, channel, payload, status, attempts, next_at, created_at, done_at, last_error`

func queryDeliveries(ctx context.Context, q querier, sql string, args ...any) ([]store.Delivery, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	var out []store.Delivery
	var d store.Delivery
	var done *time.Time
	_, err = pgx.ForEachRow(rows, []any{&d.AlertID, &d.Channel, &d.Payload, &d.Status, &d.Attempts, &d.NextAt,
		&d.CreatedAt, &done, &d.LastError}, func() error {
		d.CreatedAt, d.DoneAt = d.CreatedAt.UTC(), utcOrZero(done)
		if d.Status == "pending" {
			d.NextAt = d.NextAt.UTC()
		} else {
			d.NextAt = time.Time{}
		}
		out = append(out, d) // pgx scans payload into a new slice each row
		return nil
	})
	return out, err
}

// claimDeliveries pushes the due deliveries' next try to the lease's end,
// skipping those another process is claiming at the same moment.
const claimDeliveries = `UPDATE deliveries SET next_at = $1
WHERE (alert_id, channel) IN (
	SELECT alert_id, channel FROM deliveries
	WHERE status = 'pending' AND next_at <= $2
	ORDER BY next_at
	LIMIT $3
	FOR UPDATE SKIP LOCKED)
RETURNING ` + deliveryColumns

// ClaimDeliveries leases due deliveries, in one statement (a transaction of
// its own, not under the writer lock).
func (s *Store) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.Delivery, error) {
	if limit <= 0 {
		return nil, nil
	}
	out, err := queryDeliveries(ctx, s.pool, claimDeliveries, planEachRun, now.Add(lease), now, limit)
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	return out, nil
}

// recordAttempt stores an attempt and moves its delivery on, in one
// statement. A delivery already delivered (by another process whose lease
// ran out, say) stays delivered.
const recordAttempt = `WITH attempt AS (
	INSERT INTO delivery_attempts (alert_id, channel, number, at, took_us, status, error, next_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
)
UPDATE deliveries SET status = $9, attempts = greatest(attempts, $3), next_at = coalesce($10, next_at),
	done_at = $11, last_error = $7
WHERE alert_id = $1 AND channel = $2 AND status <> 'delivered'`

// RecordAttempt stores one attempt and moves its delivery on.
func (s *Store) RecordAttempt(ctx context.Context, a notify.Attempt) error {
	var attemptNext *time.Time
	if !a.NextAt.IsZero() {
		attemptNext = &a.NextAt
	}
	status, next, done := deliveryAfter(a)
	if _, err := s.pool.Exec(ctx, recordAttempt, a.NotificationID, a.Channel, a.Number, a.At, a.Took.Microseconds(),
		string(a.Status), a.Error, attemptNext, status, next, done); err != nil {
		return fmt.Errorf("record attempt %d of %s on %s: %w", a.Number, a.NotificationID, a.Channel, err)
	}
	return nil
}

// deliveryAfter is where a delivery stands after attempt a.
func deliveryAfter(a notify.Attempt) (status string, next, done *time.Time) {
	switch a.Status {
	case notify.Delivered, notify.Dead:
		end := a.At.Add(a.Took)
		return string(a.Status), nil, &end
	}
	return "pending", &a.NextAt, nil
}

// Delivered reports whether the alert was delivered on the channel.
func (s *Store) Delivered(ctx context.Context, alertID, channel string) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM deliveries
		WHERE alert_id = $1 AND channel = $2 AND status = 'delivered')`, alertID, channel).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("look up delivery: %w", err)
	}
	return ok, nil
}

// Deliveries lists deliveries, newest first.
func (s *Store) Deliveries(ctx context.Context, f store.DeliveryFilter) ([]store.Delivery, error) {
	where, args := "WHERE true", []any{planEachRun}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args)-1)
	}
	if f.Status != "" {
		where += " AND status = " + arg(f.Status)
	}
	if f.AlertID != "" {
		where += " AND alert_id = " + arg(f.AlertID)
	}
	out, err := queryDeliveries(ctx, s.pool, `SELECT `+deliveryColumns+` FROM deliveries `+where+
		` ORDER BY created_at DESC, alert_id, channel LIMIT `+arg(limitOr(f.Limit, 100)), args...)
	if err != nil {
		return nil, fmt.Errorf("read deliveries: %w", err)
	}
	return out, nil
}

// DeliveryAttempts returns a delivery's attempts, in order.
func (s *Store) DeliveryAttempts(ctx context.Context, alertID, channel string) ([]notify.Attempt, error) {
	rows, err := s.pool.Query(ctx, `SELECT number, at, took_us, status, error, next_at FROM delivery_attempts
		WHERE alert_id = $1 AND channel = $2 ORDER BY seq`, alertID, channel)
	if err != nil {
		return nil, fmt.Errorf("read attempts: %w", err)
	}
	var out []notify.Attempt
	var a notify.Attempt
	var took int64
	var status string
	var next *time.Time
	_, err = pgx.ForEachRow(rows, []any{&a.Number, &a.At, &took, &status, &a.Error, &next}, func() error {
		out = append(out, notify.Attempt{NotificationID: alertID, Channel: channel, Number: a.Number, At: a.At.UTC(),
			Took: time.Duration(took) * time.Microsecond, Status: notify.Status(status), Error: a.Error, NextAt: utcOrZero(next)})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read attempts: %w", err)
	}
	return out, nil
}

// RetryDelivery makes a dead delivery pending again, due at now.
func (s *Store) RetryDelivery(ctx context.Context, alertID, channel string, now time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE deliveries SET status = 'pending', attempts = 0, next_at = $1, done_at = NULL
		WHERE alert_id = $2 AND channel = $3 AND status = 'dead'`, now, alertID, channel)
	if err != nil {
		return fmt.Errorf("retry delivery: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}
	return nil
}

func (s *Store) EnqueueDelivery(ctx context.Context, d store.NewDelivery, now time.Time) (bool, error) {
	tag, err := s.pool.Exec(ctx, `INSERT INTO deliveries (alert_id, channel, payload, next_at, created_at) VALUES ($1, $2, $3, $4, $4)
		ON CONFLICT DO NOTHING`, d.AlertID, d.Channel, d.Payload, now)
	if err != nil {
		return false, fmt.Errorf("enqueue delivery %s: %w", d.AlertID, err)
	}
	return tag.RowsAffected() == 1, nil
}
