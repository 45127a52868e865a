package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/lead"
	"github.com/accordhq/accord/internal/people"
	"github.com/accordhq/accord/internal/store"
)

const eventColumns = `seq, id, type, occurred_at, received_at, coalesce(lead_key, ''), coalesce(lead_ref, ''),
	coalesce(opportunity_ref, ''), coalesce(person_ref, ''), hash, data`

// queryEvents reads events. pgx hands back times in the local zone; they
// are turned to UTC so both backends render the same JSON.
func queryEvents(ctx context.Context, q querier, where string, args ...any) ([]event.Event, error) {
	rows, err := q.Query(ctx, `SELECT `+eventColumns+` FROM events `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	defer rows.Close()
	var out []event.Event
	for rows.Next() {
		var e event.Event
		var typ string
		var data []byte
		if err := rows.Scan(&e.Seq, &e.ID, &typ, &e.OccurredAt, &e.ReceivedAt, &e.LeadKey, &e.LeadRef,
			&e.OpportunityRef, &e.PersonRef, &e.Hash, &data); err != nil {
			return nil, fmt.Errorf("read events: %w", err)
		}
		e.Type, e.Data = event.Type(typ), json.RawMessage(data)
		e.OccurredAt, e.ReceivedAt = e.OccurredAt.UTC(), e.ReceivedAt.UTC()
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return out, nil
}

func queryLeads(ctx context.Context, q querier, query string, args ...any) ([]*lead.Lead, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("read leads: %w", err)
	}
	defer rows.Close()
	var out []*lead.Lead
	var states [][]byte
	for rows.Next() {
		l := &lead.Lead{}
		var state []byte
		if err := rows.Scan(&l.LeadID, &l.EmailNorm, &state); err != nil {
			return nil, fmt.Errorf("read leads: %w", err)
		}
		out, states = append(out, l), append(states, state)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read leads: %w", err)
	}
	err = inParallel(len(out), func(i int) error {
		l := out[i]
		key, norm := l.LeadID, l.EmailNorm
		if err := json.Unmarshal(states[i], l); err != nil {
			return fmt.Errorf("decode lead %s: %w", key, err)
		}
		l.LeadID, l.EmailNorm = key, norm
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func queryOpportunities(ctx context.Context, q querier, where string, args ...any) ([]*lead.Opportunity, error) {
	rows, err := q.Query(ctx, `SELECT lead_key, state FROM opportunities `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read opportunities: %w", err)
	}
	defer rows.Close()
	var out []*lead.Opportunity
	for rows.Next() {
		var key string
		var state []byte
		if err := rows.Scan(&key, &state); err != nil {
			return nil, fmt.Errorf("read opportunities: %w", err)
		}
		o := &lead.Opportunity{}
		if err := json.Unmarshal(state, o); err != nil {
			return nil, fmt.Errorf("decode opportunity: %w", err)
		}
		o.LeadID = key // the column is kept current by merges
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read opportunities: %w", err)
	}
	return out, nil
}

func queryPeople(ctx context.Context, q querier, where string, args ...any) ([]*people.Person, error) {
	rows, err := q.Query(ctx, `SELECT state FROM people `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read people: %w", err)
	}
	defer rows.Close()
	var out []*people.Person
	for rows.Next() {
		var state []byte
		if err := rows.Scan(&state); err != nil {
			return nil, fmt.Errorf("read people: %w", err)
		}
		p := &people.Person{}
		if err := json.Unmarshal(state, p); err != nil {
			return nil, fmt.Errorf("decode person: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read people: %w", err)
	}
	return out, nil
}

// EventsAfter pages through the log in arrival order.
func (s *Store) EventsAfter(ctx context.Context, after int64, limit int) ([]event.Event, error) {
	return queryEvents(ctx, s.pool, `WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
}

// Lead returns a lead by id or alias.
func (s *Store) Lead(ctx context.Context, ref string) (*lead.Lead, error) {
	ls, err := queryLeads(ctx, s.pool, `SELECT l.lead_key, l.email_norm, l.state FROM lead_aliases a
		JOIN leads l ON l.lead_key = a.lead_key WHERE a.alias = $1`, ref)
	if err != nil {
		return nil, err
	}
	if len(ls) == 0 {
		return nil, store.ErrNotFound
	}
	return ls[0], nil
}

// Leads lists leads, newest first.
func (s *Store) Leads(ctx context.Context, f store.LeadFilter) ([]*lead.Lead, error) {
	// The filters vary from call to call, and so does the best plan.
	where, args := "WHERE true", []any{planEachRun}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args)-1)
	}
	for _, c := range []struct{ col, v string }{
		{"stage", f.Stage}, {"owner", f.Owner}, {"team", f.Team}, {"source", f.Source}, {"segment", f.Segment},
	} {
		if c.v != "" {
			where += " AND " + c.col + " = " + arg(c.v)
		}
	}
	for _, c := range []struct {
		cond string
		v    time.Time
	}{
		{"created_at >= ", f.CreatedFrom}, {"created_at < ", f.CreatedTo},
		{"updated_at >= ", f.UpdatedFrom}, {"updated_at < ", f.UpdatedTo},
	} {
		if !c.v.IsZero() {
			where += " AND " + c.cond + arg(c.v)
		}
	}
	if f.After != nil {
		// A row comparison walks the (created_at, lead_key) index backwards
		// from the cursor.
		where += " AND (created_at, lead_key) < (" + arg(f.After.CreatedAt) + ", " + arg(f.After.LeadID) + ")"
	}
	return queryLeads(ctx, s.pool, `SELECT lead_key, email_norm, state FROM leads `+where+
		` ORDER BY created_at DESC, lead_key DESC LIMIT `+arg(f.Limit), args...)
}

// LeadEvents returns the events filed under a lead, in history order.
func (s *Store) LeadEvents(ctx context.Context, key string) ([]event.Event, error) {
	return queryEvents(ctx, s.pool, `WHERE lead_key = $1 ORDER BY occurred_at, seq`, key)
}

// LeadAliases returns the ids other than its own that a lead came in under.
func (s *Store) LeadAliases(ctx context.Context, key string) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT alias FROM lead_aliases WHERE lead_key = $1 AND alias <> $1 ORDER BY alias`, key)
	if err != nil {
		return nil, fmt.Errorf("read aliases: %w", err)
	}
	out, err := collectStrings(rows)
	if err != nil {
		return nil, fmt.Errorf("read aliases: %w", err)
	}
	return out, nil
}

// collectStrings reads one text column. No rows gives nil, not an empty
// slice, as on SQLite, so both render the same JSON (null).
func collectStrings(rows pgx.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// LeadOpportunities returns a lead's opportunities, by id.
func (s *Store) LeadOpportunities(ctx context.Context, key string) ([]*lead.Opportunity, error) {
	return queryOpportunities(ctx, s.pool, `WHERE lead_key = $1 ORDER BY opportunity_id`, key)
}

// People returns everyone, by id.
func (s *Store) People(ctx context.Context) ([]*people.Person, error) {
	return queryPeople(ctx, s.pool, `ORDER BY person_id`)
}

// Counts sizes the stored data.
func (s *Store) Counts(ctx context.Context) (store.Counts, error) {
	var c store.Counts
	err := s.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM leads),
		(SELECT count(*) FROM opportunities), (SELECT count(*) FROM people)`).Scan(&c.Events, &c.Leads, &c.Opportunities, &c.People)
	if err != nil {
		return c, fmt.Errorf("count records: %w", err)
	}
	return c, nil
}

// ResetProjections empties everything derived from the log, under the
// writer lock so no ingest in any process interleaves with it. TRUNCATE
// rather than DELETE: a rebuild of millions of leads should not first leave
// millions of dead rows behind. The events keep their lead until the replay
// files them again (see store.Store).
func (s *Store) ResetProjections(ctx context.Context) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{BeginQuery: beginWrite})
	if err != nil {
		return fmt.Errorf("reset projections: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	for _, q := range []string{
		`TRUNCATE leads, lead_aliases, opportunities, people`,
		// Fired alerts stay: a rebuild never fires one again. The delete
		// goes first, so obligations too is locked only for its TRUNCATE.
		`DELETE FROM alerts WHERE fired_at IS NULL`,
		`TRUNCATE obligations`,
		`TRUNCATE daily`,
	} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("reset projections (%s): %w", q, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("reset projections: commit: %w", err)
	}
	return nil
}

// TokenByHash finds an unrevoked token.
func (s *Store) TokenByHash(ctx context.Context, hash string) (store.Token, error) {
	var t store.Token
	err := s.pool.QueryRow(ctx, `SELECT id, name, role, hash, created_at FROM tokens
		WHERE hash = $1 AND revoked_at IS NULL`, hash).Scan(&t.ID, &t.Name, &t.Role, &t.Hash, &t.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Token{}, store.ErrNotFound
	}
	if err != nil {
		return store.Token{}, fmt.Errorf("look up token: %w", err)
	}
	t.CreatedAt = t.CreatedAt.UTC()
	return t, nil
}

// Tokens lists unrevoked tokens (never their secrets).
func (s *Store) Tokens(ctx context.Context) ([]store.Token, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, name, role, created_at FROM tokens WHERE revoked_at IS NULL ORDER BY created_at`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []store.Token
	for rows.Next() {
		var t store.Token
		if err := rows.Scan(&t.ID, &t.Name, &t.Role, &t.CreatedAt); err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		t.CreatedAt = t.CreatedAt.UTC()
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}
