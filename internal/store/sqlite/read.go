package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/lead"
	"github.com/accordhq/accord/internal/people"
	"github.com/accordhq/accord/internal/store"
)

const eventColumns = `seq, id, type, occurred_at, received_at, coalesce(lead_key, ''), coalesce(lead_ref, ''),
	coalesce(opportunity_ref, ''), coalesce(person_ref, ''), hash, data`

func queryEvents(ctx context.Context, q querier, where string, args ...any) ([]event.Event, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+eventColumns+` FROM events `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	defer rows.Close()
	var out []event.Event
	for rows.Next() {
		var e event.Event
		var typ, data string
		var occ, rec int64
		if err := rows.Scan(&e.Seq, &e.ID, &typ, &occ, &rec, &e.LeadKey, &e.LeadRef, &e.OpportunityRef, &e.PersonRef, &e.Hash, &data); err != nil {
			return nil, fmt.Errorf("read events: %w", err)
		}
		e.Type, e.Data = event.Type(typ), json.RawMessage(data)
		e.OccurredAt, e.ReceivedAt = fromMicros(occ), fromMicros(rec)
		out = append(out, e)
	}
	return out, rows.Err()
}

// leadColumns lists what a lead is read back from: its state, and the
// columns that hold what its state leaves out (see appendState).
const leadColumns = `lead_key, email_norm, stage, owner, team, source, segment, state`

// scanLead decodes a row of leadColumns.
func scanLead(rows interface{ Scan(...any) error }) (*lead.Lead, error) {
	var key, norm, stage, owner, team, source, segment string
	var state sql.RawBytes
	if err := rows.Scan(&key, &norm, &stage, &owner, &team, &source, &segment, &state); err != nil {
		return nil, fmt.Errorf("read leads: %w", err)
	}
	l := &lead.Lead{}
	if err := json.Unmarshal(state, l); err != nil {
		return nil, fmt.Errorf("decode lead %s: %w", key, err)
	}
	l.LeadID, l.EmailNorm = key, norm
	l.Stage, l.Owner, l.Team, l.Source, l.Segment = stage, owner, team, source, segment
	return l, nil
}

// appendState appends the JSON kept in a lead's state column: the lead as
// Lead.AppendJSON writes it, less its id, stage, owner, team, source and
// segment, which have columns of their own that every read takes them
// from (rows written before kept them in both, with the same values).
// Rows a tenth smaller make fewer pages for each commit to write.
func appendState(b []byte, l *lead.Lead) ([]byte, error) {
	c := *l
	c.LeadID, c.Stage, c.Owner, c.Team, c.Source, c.Segment = "", "", "", "", "", ""
	return c.AppendJSON(b)
}

func queryLeads(ctx context.Context, q querier, query string, args ...any) ([]*lead.Lead, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("read leads: %w", err)
	}
	defer rows.Close()
	var out []*lead.Lead
	for rows.Next() {
		l, err := scanLead(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

func queryOpportunities(ctx context.Context, q querier, where string, args ...any) ([]*lead.Opportunity, error) {
	rows, err := q.QueryContext(ctx, `SELECT lead_key, state FROM opportunities `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read opportunities: %w", err)
	}
	defer rows.Close()
	var out []*lead.Opportunity
	for rows.Next() {
		var key, state string
		if err := rows.Scan(&key, &state); err != nil {
			return nil, fmt.Errorf("read opportunities: %w", err)
		}
		o := &lead.Opportunity{}
		if err := json.Unmarshal([]byte(state), o); err != nil {
			return nil, fmt.Errorf("decode opportunity: %w", err)
		}
		o.LeadID = key // the column is kept current by merges
		out = append(out, o)
	}
	return out, rows.Err()
}

func queryPeople(ctx context.Context, q querier, where string, args ...any) ([]*people.Person, error) {
	rows, err := q.QueryContext(ctx, `SELECT state FROM people `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read people: %w", err)
	}
	defer rows.Close()
	var out []*people.Person
	for rows.Next() {
		var state string
		if err := rows.Scan(&state); err != nil {
			return nil, fmt.Errorf("read people: %w", err)
		}
		p := &people.Person{}
		if err := json.Unmarshal([]byte(state), p); err != nil {
			return nil, fmt.Errorf("decode person: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// EventsAfter pages through the log in arrival order.
func (s *Store) EventsAfter(ctx context.Context, after int64, limit int) ([]event.Event, error) {
	return queryEvents(ctx, s.reader, `WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
}

// Lead returns a lead by id or alias.
func (s *Store) Lead(ctx context.Context, ref string) (*lead.Lead, error) {
	ls, err := queryLeads(ctx, s.reader, `SELECT `+leadColumns+` FROM leads
		WHERE lead_key = (SELECT lead_key FROM lead_aliases WHERE alias = ?)`, ref)
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
	where, args := "WHERE 1=1", []any{}
	add := func(cond string, v any) {
		where += " AND " + cond
		args = append(args, v)
	}
	for _, c := range []struct{ col, v string }{
		{"stage", f.Stage}, {"owner", f.Owner}, {"team", f.Team}, {"source", f.Source}, {"segment", f.Segment},
	} {
		if c.v != "" {
			add(c.col+" = ?", c.v)
		}
	}
	if !f.CreatedFrom.IsZero() {
		add("created_at >= ?", micros(f.CreatedFrom))
	}
	if !f.CreatedTo.IsZero() {
		add("created_at < ?", micros(f.CreatedTo))
	}
	if !f.UpdatedFrom.IsZero() {
		add("updated_at >= ?", micros(f.UpdatedFrom))
	}
	if !f.UpdatedTo.IsZero() {
		add("updated_at < ?", micros(f.UpdatedTo))
	}
	if f.After != nil {
		where += " AND (created_at < ? OR (created_at = ? AND lead_key < ?))"
		c := micros(f.After.CreatedAt)
		args = append(args, c, c, f.After.LeadID)
	}
	args = append(args, f.Limit)
	return queryLeads(ctx, s.reader, `SELECT `+leadColumns+` FROM leads `+where+
		` ORDER BY created_at DESC, lead_key DESC LIMIT ?`, args...)
}

// LeadEvents returns the events filed under a lead.
func (s *Store) LeadEvents(ctx context.Context, key string) ([]event.Event, error) {
	return queryEvents(ctx, s.reader, `WHERE lead_key = ? ORDER BY occurred_at, seq`, key)
}

// LeadAliases returns the ids other than its own that a lead came in under.
func (s *Store) LeadAliases(ctx context.Context, key string) ([]string, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT alias FROM lead_aliases WHERE lead_key = ? AND alias <> ? ORDER BY alias`, key, key)
	if err != nil {
		return nil, fmt.Errorf("read aliases: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// LeadOpportunities returns a lead's opportunities, oldest first.
func (s *Store) LeadOpportunities(ctx context.Context, key string) ([]*lead.Opportunity, error) {
	return queryOpportunities(ctx, s.reader, `WHERE lead_key = ? ORDER BY opportunity_id`, key)
}

// People returns everyone, by id.
func (s *Store) People(ctx context.Context) ([]*people.Person, error) {
	return queryPeople(ctx, s.reader, `ORDER BY person_id`)
}

// Counts sizes the stored data.
func (s *Store) Counts(ctx context.Context) (store.Counts, error) {
	var c store.Counts
	err := s.reader.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM leads),
		(SELECT count(*) FROM opportunities), (SELECT count(*) FROM people)`).Scan(&c.Events, &c.Leads, &c.Opportunities, &c.People)
	if err != nil {
		return c, fmt.Errorf("count records: %w", err)
	}
	return c, nil
}

// ResetProjections empties everything derived from the log.
func (s *Store) ResetProjections(ctx context.Context) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.cache.clear()
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, q := range []string{
		`DELETE FROM leads`, `DELETE FROM lead_aliases`, `DELETE FROM opportunities`, `DELETE FROM people`,
		`DELETE FROM obligations`, `DELETE FROM alerts WHERE fired_at IS NULL`, `DELETE FROM daily`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("reset projections (%s): %w", q, err)
		}
	}
	return tx.Commit()
}

// TokenByHash finds an unrevoked token.
func (s *Store) TokenByHash(ctx context.Context, hash string) (store.Token, error) {
	var t store.Token
	var created int64
	err := s.reader.QueryRowContext(ctx, `SELECT id, name, role, hash, created_at FROM tokens
		WHERE hash = ? AND revoked_at IS NULL`, hash).Scan(&t.ID, &t.Name, &t.Role, &t.Hash, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return t, store.ErrNotFound
	}
	if err != nil {
		return t, fmt.Errorf("look up token: %w", err)
	}
	t.CreatedAt = fromMicros(created)
	return t, nil
}

// Tokens lists unrevoked tokens (never their secrets).
func (s *Store) Tokens(ctx context.Context) ([]store.Token, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT id, name, role, created_at FROM tokens WHERE revoked_at IS NULL ORDER BY created_at`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []store.Token
	for rows.Next() {
		var t store.Token
		var created int64
		if err := rows.Scan(&t.ID, &t.Name, &t.Role, &created); err != nil {
			return nil, err
		}
		t.CreatedAt = fromMicros(created)
		out = append(out, t)
	}
	return out, rows.Err()
}
