package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/lead"
	"github.com/accordhq/accord/internal/people"
)

// chunk bounds rows per multi-row statement, well under SQLite's limit of
// 32,766 bound parameters.
const chunk = 512

type sqliteTx struct {
	tx     *sql.Tx
	leads  *leadCache
	saved  []cachedLead           // leads written, for the cache once committed
	loaded map[string]leadColumns // indexed columns of the leads read
}

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

// placeholders returns "(?,?,?),(?,?,?)" for rows of cols columns.
func placeholders(rows, cols int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", cols), ",") + ")"
	return strings.TrimSuffix(strings.Repeat(one+",", rows), ",")
}

func inList(n int) string { return strings.TrimSuffix(strings.Repeat("?,", n), ",") }

func strArgs(ss []string) []any {
	a := make([]any, len(ss))
	for i, s := range ss {
		a[i] = s
	}
	return a
}

// eachChunk calls fn on consecutive slices of at most size elements, each a
// power of two long (size is one), so a multi-row statement has only a
// handful of shapes and the connection's statement cache keeps them all
// prepared instead of parsing a new one for every batch.
func eachChunk[T any](xs []T, size int, fn func([]T) error) error {
	for len(xs) > 0 {
		n := size
		for n > len(xs) {
			n /= 2
		}
		if err := fn(xs[:n]); err != nil {
			return err
		}
		xs = xs[n:]
	}
	return nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (t *sqliteTx) MaxSeq(ctx context.Context) (int64, error) {
	var v sql.NullInt64
	if err := t.tx.QueryRowContext(ctx, `SELECT max(seq) FROM events`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read last sequence number: %w", err)
	}
	return v.Int64, nil
}

func (t *sqliteTx) EventHashes(ctx context.Context, ids []string) (map[string]string, error) {
	out := make(map[string]string)
	err := eachChunk(ids, chunk, func(part []string) error {
		rows, err := t.tx.QueryContext(ctx, `SELECT id, hash FROM events WHERE id IN (`+inList(len(part))+`)`, strArgs(part)...)
		if err != nil {
			return fmt.Errorf("look up event ids: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id, h string
			if err := rows.Scan(&id, &h); err != nil {
				return err
			}
			out[id] = h
		}
		return rows.Err()
	})
	return out, err
}

func (t *sqliteTx) InsertEvents(ctx context.Context, evs []*event.Event) error {
	return eachChunk(evs, chunk, func(part []*event.Event) error {
		args := make([]any, 0, len(part)*11)
		for _, e := range part {
			args = append(args, e.Seq, e.ID, string(e.Type), micros(e.OccurredAt), micros(e.ReceivedAt),
				nullable(e.LeadKey), nullable(e.LeadRef), nullable(e.OpportunityRef), nullable(e.PersonRef), e.Hash, string(e.Data))
		}
		_, err := t.tx.ExecContext(ctx, `INSERT INTO events (seq, id, type, occurred_at, received_at, lead_key, lead_ref,
			opportunity_ref, person_ref, hash, data) VALUES `+placeholders(len(part), 11), args...)
		if err != nil {
			return fmt.Errorf("insert events: %w", err)
		}
		return nil
	})
}

func (t *sqliteTx) SetEventLeadKeys(ctx context.Context, evs []*event.Event) error {
	for _, e := range evs {
		if _, err := t.tx.ExecContext(ctx, `UPDATE events SET lead_key = ? WHERE seq = ?`, nullable(e.LeadKey), e.Seq); err != nil {
			return fmt.Errorf("file event %d under its lead: %w", e.Seq, err)
		}
	}
	return nil
}

func (t *sqliteTx) MergeLead(ctx context.Context, from, into string) error {
	for _, q := range []string{
		`UPDATE events SET lead_key = ? WHERE lead_key = ?`,
		`UPDATE lead_aliases SET lead_key = ? WHERE lead_key = ?`,
		`UPDATE opportunities SET lead_key = ? WHERE lead_key = ?`,
	} {
		if _, err := t.tx.ExecContext(ctx, q, into, from); err != nil {
			return fmt.Errorf("merge lead %s into %s: %w", from, into, err)
		}
	}
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM leads WHERE lead_key = ?`, from); err != nil {
		return fmt.Errorf("merge lead %s into %s: %w", from, into, err)
	}
	return nil
}

func (t *sqliteTx) RekeyOpportunityEvents(ctx context.Context, opportunityID, leadKey string) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE events SET lead_key = ? WHERE opportunity_ref = ?`, leadKey, opportunityID)
	if err != nil {
		return fmt.Errorf("file opportunity %s under lead %s: %w", opportunityID, leadKey, err)
	}
	return nil
}

func (t *sqliteTx) LeadEvents(ctx context.Context, key string) ([]event.Event, error) {
	return queryEvents(ctx, t.tx, `WHERE lead_key = ?`, key)
}

func (t *sqliteTx) OpportunityEvents(ctx context.Context, id string) ([]event.Event, error) {
	return queryEvents(ctx, t.tx, `WHERE opportunity_ref = ?`, id)
}

func (t *sqliteTx) ResolveAliases(ctx context.Context, refs []string) (map[string]string, error) {
	out := make(map[string]string, len(refs))
	err := eachChunk(refs, chunk, func(part []string) error {
		rows, err := t.tx.QueryContext(ctx, `SELECT alias, lead_key FROM lead_aliases WHERE alias IN (`+inList(len(part))+`)`, strArgs(part)...)
		if err != nil {
			return fmt.Errorf("resolve lead ids: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var a, k string
			if err := rows.Scan(&a, &k); err != nil {
				return err
			}
			out[a] = k
		}
		return rows.Err()
	})
	return out, err
}

func (t *sqliteTx) PutAliases(ctx context.Context, aliases map[string]string) error {
	pairs := make([][2]string, 0, len(aliases))
	for a, k := range aliases {
		pairs = append(pairs, [2]string{a, k})
	}
	return eachChunk(pairs, chunk, func(part [][2]string) error {
		args := make([]any, 0, 2*len(part))
		for _, p := range part {
			args = append(args, p[0], p[1])
		}
		_, err := t.tx.ExecContext(ctx, `INSERT INTO lead_aliases (alias, lead_key) VALUES `+placeholders(len(part), 2)+`
			ON CONFLICT (alias) DO UPDATE SET lead_key = excluded.lead_key`, args...)
		if err != nil {
			return fmt.Errorf("save lead aliases: %w", err)
		}
		return nil
	})
}

func (t *sqliteTx) LeadKeysByEmail(ctx context.Context, norm string) ([]string, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT lead_key FROM leads WHERE email_norm = ? AND email_norm <> ''`, norm)
	if err != nil {
		return nil, fmt.Errorf("find lead by email: %w", err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

func (t *sqliteTx) LoadLeads(ctx context.Context, keys []string) (map[string]*lead.Lead, error) {
	out := make(map[string]*lead.Lead, len(keys))
	err := eachChunk(keys, chunk, func(part []string) error {
		rows, err := t.tx.QueryContext(ctx, `SELECT lead_key, email_norm, state FROM leads WHERE lead_key IN (`+inList(len(part))+`)`, strArgs(part)...)
		if err != nil {
			return fmt.Errorf("read leads: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var key, norm string
			var state sql.RawBytes
			if err := rows.Scan(&key, &norm, &state); err != nil {
				return fmt.Errorf("read leads: %w", err)
			}
			l := t.leads.take(key, norm, state)
			if l == nil {
				l = &lead.Lead{}
				if err := json.Unmarshal(state, l); err != nil {
					return fmt.Errorf("decode lead %s: %w", key, err)
				}
				l.LeadID, l.EmailNorm = key, norm
			}
			out[key] = l
			t.loaded[key] = columnsOf(l)
		}
		return rows.Err()
	})
	return out, err
}

// leadColumns are a lead's indexed columns as loaded, to tell at save time
// which of its index entries need rewriting.
type leadColumns struct {
	norm, stage, owner string
	created            int64
}

func columnsOf(l *lead.Lead) leadColumns {
	return leadColumns{l.EmailNorm, l.Stage, l.Owner, micros(l.CreatedAt)}
}

// leadSet is the SET clause of a lead upsert for a set of changed indexed
// columns (bit 0 email_norm, 1 stage, 2 owner, 3 created_at); the
// unindexed columns are always set.
func leadSet(changed int) string {
	set := `team = excluded.team, source = excluded.source, segment = excluded.segment,
			updated_at = excluded.updated_at, state = excluded.state`
	for bit, col := range []string{"email_norm", "stage", "owner", "created_at"} {
		if changed&(1<<bit) != 0 {
			set += ", " + col + " = excluded." + col
		}
	}
	return set
}

const allLeadColumns = 1<<4 - 1

func (t *sqliteTx) SaveLeads(ctx context.Context, leads []*lead.Lead) error {
	// SQLite rewrites an index entry of a row whenever the upsert's SET
	// names a column of that index, changed or not. Most saves change only
	// a lead's state and updated_at (a touch, a disposition), some its
	// stage or owner; so rows are grouped by which indexed columns really
	// changed since they were loaded, and each group's upsert sets only
	// those, leaving the other indexes' pages clean. New leads set all.
	// Every statement carries every column, so a row that is not there is
	// inserted whole either way.
	states, err := encodeLeads(leads)
	if err != nil {
		return err
	}
	var byChange [allLeadColumns + 1][]int
	for i, l := range leads {
		t.saved = append(t.saved, cachedLead{norm: l.EmailNorm, state: states[i], lead: l})
		changed := allLeadColumns
		if was, ok := t.loaded[l.LeadID]; ok {
			now := columnsOf(l)
			changed = 0
			for bit, diff := range []bool{was.norm != now.norm, was.stage != now.stage, was.owner != now.owner, was.created != now.created} {
				if diff {
					changed |= 1 << bit
				}
			}
		}
		byChange[changed] = append(byChange[changed], i)
	}
	for changed, idx := range byChange {
		if err := t.saveLeads(ctx, leads, states, idx, leadSet(changed)); err != nil {
			return err
		}
	}
	return nil
}

// encodeLeads returns each lead's state as JSON. Encoding is most of the Go
// work of a save and needs nothing from the database, so a large batch
// is split over a few goroutines: the write transaction, which all
// writers queue for, is shorter by that much.
func encodeLeads(leads []*lead.Lead) ([]string, error) {
	states := make([]string, len(leads))
	errs := make([]error, len(leads))
	encode := func(from, to int) {
		for i := from; i < to; i++ {
			l := leads[i]
			l.Aliases = nil
			b, err := json.Marshal(l)
			if err != nil {
				errs[i] = fmt.Errorf("encode lead %s: %w", l.LeadID, err)
			}
			states[i] = string(b)
		}
	}
	workers := min(runtime.GOMAXPROCS(0), 4, len(leads)/64)
	if workers < 2 {
		encode(0, len(leads))
	} else {
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				encode(w*len(leads)/workers, (w+1)*len(leads)/workers)
			}()
		}
		wg.Wait()
	}
	return states, errors.Join(errs...)
}

// saveLeads upserts the leads at positions idx, setting the columns in set
// on conflict.
func (t *sqliteTx) saveLeads(ctx context.Context, leads []*lead.Lead, states []string, idx []int, set string) error {
	return eachChunk(idx, chunk, func(part []int) error {
		args := make([]any, 0, len(part)*10)
		for _, i := range part {
			l := leads[i]
			args = append(args, l.LeadID, l.EmailNorm, l.Stage, l.Owner, l.Team, l.Source, l.Segment,
				micros(l.CreatedAt), micros(l.UpdatedAt), states[i])
		}
		_, err := t.tx.ExecContext(ctx, `INSERT INTO leads (lead_key, email_norm, stage, owner, team, source, segment,
			created_at, updated_at, state) VALUES `+placeholders(len(part), 10)+`
			ON CONFLICT (lead_key) DO UPDATE SET `+set, args...)
		if err != nil {
			return fmt.Errorf("save leads: %w", err)
		}
		return nil
	})
}

func (t *sqliteTx) LoadOpportunities(ctx context.Context, ids []string) (map[string]*lead.Opportunity, error) {
	out := make(map[string]*lead.Opportunity, len(ids))
	err := eachChunk(ids, chunk, func(part []string) error {
		os, err := queryOpportunities(ctx, t.tx, `WHERE opportunity_id IN (`+inList(len(part))+`)`, strArgs(part)...)
		for _, o := range os {
			out[o.OpportunityID] = o
		}
		return err
	})
	return out, err
}

func (t *sqliteTx) SaveOpportunities(ctx context.Context, opps []*lead.Opportunity) error {
	return eachChunk(opps, chunk, func(part []*lead.Opportunity) error {
		args := make([]any, 0, len(part)*5)
		for _, o := range part {
			state, err := json.Marshal(o)
			if err != nil {
				return fmt.Errorf("encode opportunity %s: %w", o.OpportunityID, err)
			}
			args = append(args, o.OpportunityID, o.LeadID, o.Status, micros(o.UpdatedAt), string(state))
		}
		_, err := t.tx.ExecContext(ctx, `INSERT INTO opportunities (opportunity_id, lead_key, status, updated_at, state)
			VALUES `+placeholders(len(part), 5)+`
			ON CONFLICT (opportunity_id) DO UPDATE SET lead_key = excluded.lead_key, status = excluded.status,
			updated_at = excluded.updated_at, state = excluded.state`, args...)
		if err != nil {
			return fmt.Errorf("save opportunities: %w", err)
		}
		return nil
	})
}

func (t *sqliteTx) LoadPeople(ctx context.Context, ids []string) (map[string]*people.Person, error) {
	out := make(map[string]*people.Person, len(ids))
	err := eachChunk(ids, chunk, func(part []string) error {
		ps, err := queryPeople(ctx, t.tx, `WHERE person_id IN (`+inList(len(part))+`)`, strArgs(part)...)
		for _, p := range ps {
			out[p.PersonID] = p
		}
		return err
	})
	return out, err
}

func (t *sqliteTx) SavePeople(ctx context.Context, ps []*people.Person) error {
	return eachChunk(ps, chunk, func(part []*people.Person) error {
		args := make([]any, 0, len(part)*2)
		for _, p := range part {
			state, err := json.Marshal(p)
			if err != nil {
				return fmt.Errorf("encode person %s: %w", p.PersonID, err)
			}
			args = append(args, p.PersonID, string(state))
		}
		_, err := t.tx.ExecContext(ctx, `INSERT INTO people (person_id, state) VALUES `+placeholders(len(part), 2)+`
			ON CONFLICT (person_id) DO UPDATE SET state = excluded.state`, args...)
		if err != nil {
			return fmt.Errorf("save people: %w", err)
		}
		return nil
	})
}
