package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/lead"
	"github.com/accordhq/accord/internal/people"
	"github.com/accordhq/accord/internal/store"
)

// pgTx is the write side. Every multi-row statement is set-based: rows go in
// as one array per column and come out of unnest(), and lookups use
// = ANY($1), so a batch costs one round trip per statement, not per row.
// Writes are pipelined (see pipeline.go); every read starts with sync.
type pgTx struct {
	tx       pgx.Tx
	cache    *leadCache
	saved    []cachedLead // leads written, for the cache once committed
	pending  []queued
	inflight chan error // receives the result of the batch on the wire
	err      error      // the first failed write
}

// planEachRun makes a statement run as an unnamed statement, planned for
// its actual arguments every time. pgx otherwise prepares a statement once
// per connection, and after five runs PostgreSQL may settle on a generic
// plan made for the tables as they were then: a server started on an empty
// database would keep a sequential scan, quadratic with = ANY of a
// 1,000-element array, long after the tables have grown. Lookups by one key
// keep their prepared, generic plans, which are index scans at any size
// and save the planning on the hundreds of them a batch makes.
const planEachRun = pgx.QueryExecModeCacheDescribe

// querier is what both the pool and a transaction offer.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func (t *pgTx) MaxSeq(ctx context.Context) (int64, error) {
	if err := t.sync(ctx); err != nil {
		return 0, err
	}
	var v int64
	if err := t.tx.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM events`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read last sequence number: %w", err)
	}
	return v, nil
}

func (t *pgTx) EventHashes(ctx context.Context, ids []string) (map[string]string, error) {
	if err := t.sync(ctx); err != nil {
		return nil, err
	}
	out := make(map[string]string)
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := t.tx.Query(ctx, `SELECT id, hash FROM events WHERE id = ANY($1::text[])`, planEachRun, ids)
	if err != nil {
		return nil, fmt.Errorf("look up event ids: %w", err)
	}
	var id, h string
	_, err = pgx.ForEachRow(rows, []any{&id, &h}, func() error {
		out[id] = h
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("look up event ids: %w", err)
	}
	return out, nil
}

const insertEvents = `INSERT INTO events (seq, id, type, occurred_at, received_at, lead_key, lead_ref,
	opportunity_ref, person_ref, hash, data)
SELECT seq, id, type, occurred_at, received_at, nullif(lead_key, ''), nullif(lead_ref, ''),
	nullif(opportunity_ref, ''), nullif(person_ref, ''), hash, data
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::text[],
	$7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
	AS u(seq, id, type, occurred_at, received_at, lead_key, lead_ref, opportunity_ref, person_ref, hash, data)`

func (t *pgTx) InsertEvents(ctx context.Context, evs []*event.Event) error {
	if len(evs) == 0 {
		return nil
	}
	n := len(evs)
	seq := make([]int64, n)
	id, typ, leadKey, leadRef, oppRef, personRef, hash, data :=
		make([]string, n), make([]string, n), make([]string, n), make([]string, n),
		make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	occ, rec := make([]time.Time, n), make([]time.Time, n)
	for i, e := range evs {
		seq[i], id[i], typ[i], occ[i], rec[i] = e.Seq, e.ID, string(e.Type), e.OccurredAt, e.ReceivedAt
		leadKey[i], leadRef[i], oppRef[i], personRef[i] = e.LeadKey, e.LeadRef, e.OpportunityRef, e.PersonRef
		hash[i], data[i] = e.Hash, string(e.Data)
	}
	return t.write(ctx, fmt.Sprintf("insert %d events", n), insertEvents,
		seq, id, typ, occ, rec, leadKey, leadRef, oppRef, personRef, hash, data)
}

// SetEventLeadKeys updates only the events whose filing changed: after a
// reset every key is NULL, and events about no lead stay that way. It is
// not pipelined: its join must be planned for the batch at hand, which a
// pgx.Batch (prepared statements only) cannot do.
func (t *pgTx) SetEventLeadKeys(ctx context.Context, evs []*event.Event) error {
	if err := t.sync(ctx); err != nil {
		return err
	}
	if len(evs) == 0 {
		return nil
	}
	seq, key := make([]int64, len(evs)), make([]string, len(evs))
	for i, e := range evs {
		seq[i], key[i] = e.Seq, e.LeadKey
	}
	_, err := t.tx.Exec(ctx, `UPDATE events e SET lead_key = nullif(u.lead_key, '')
		FROM unnest($1::bigint[], $2::text[]) AS u(seq, lead_key)
		WHERE e.seq = u.seq AND e.lead_key IS DISTINCT FROM nullif(u.lead_key, '')`, planEachRun, seq, key)
	if err != nil {
		return fmt.Errorf("file %d events under their leads: %w", len(evs), err)
	}
	return nil
}

// MergeLead queues its four statements; they go out together with the
// other writes queued meanwhile.
func (t *pgTx) MergeLead(ctx context.Context, from, into string) error {
	what := fmt.Sprintf("merge lead %s into %s", from, into)
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE events SET lead_key = $1 WHERE lead_key = $2`, []any{into, from}},
		{`UPDATE lead_aliases SET lead_key = $1 WHERE lead_key = $2`, []any{into, from}},
		{`UPDATE opportunities SET lead_key = $1 WHERE lead_key = $2`, []any{into, from}},
		{`DELETE FROM leads WHERE lead_key = $1`, []any{from}},
	} {
		if err := t.write(ctx, what, q.sql, q.args...); err != nil {
			return err
		}
	}
	return nil
}

func (t *pgTx) RekeyOpportunityEvents(ctx context.Context, opportunityID, leadKey string) error {
	return t.write(ctx, fmt.Sprintf("file opportunity %s under lead %s", opportunityID, leadKey),
		`UPDATE events SET lead_key = $1 WHERE opportunity_ref = $2`, leadKey, opportunityID)
}

func (t *pgTx) LeadEvents(ctx context.Context, key string, through int64) ([]event.Event, error) {
	if err := t.sync(ctx); err != nil {
		return nil, err
	}
	return queryEvents(ctx, t.tx, `WHERE lead_key = $1 AND seq <= $2`, key, through)
}

func (t *pgTx) OpportunityEvents(ctx context.Context, id string, through int64) ([]event.Event, error) {
	if err := t.sync(ctx); err != nil {
		return nil, err
	}
	return queryEvents(ctx, t.tx, `WHERE opportunity_ref = $1 AND seq <= $2`, id, through)
}

func (t *pgTx) ResolveAliases(ctx context.Context, refs []string) (map[string]string, error) {
	if err := t.sync(ctx); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(refs))
	if len(refs) == 0 {
		return out, nil
	}
	rows, err := t.tx.Query(ctx, `SELECT alias, lead_key FROM lead_aliases WHERE alias = ANY($1::text[])`, planEachRun, refs)
	if err != nil {
		return nil, fmt.Errorf("resolve lead ids: %w", err)
	}
	var a, k string
	if _, err := pgx.ForEachRow(rows, []any{&a, &k}, func() error {
		out[a] = k
		return nil
	}); err != nil {
		return nil, fmt.Errorf("resolve lead ids: %w", err)
	}
	return out, nil
}

func (t *pgTx) PutAliases(ctx context.Context, aliases map[string]string) error {
	if len(aliases) == 0 {
		return nil
	}
	as, ks := make([]string, 0, len(aliases)), make([]string, 0, len(aliases))
	for a, k := range aliases {
		as, ks = append(as, a), append(ks, k)
	}
	return t.write(ctx, fmt.Sprintf("save %d lead aliases", len(aliases)), `INSERT INTO lead_aliases (alias, lead_key)
		SELECT * FROM unnest($1::text[], $2::text[])
		ON CONFLICT (alias) DO UPDATE SET lead_key = excluded.lead_key`, as, ks)
}

func (t *pgTx) LeadKeysByEmail(ctx context.Context, norms []string) (map[string][]string, error) {
	if err := t.sync(ctx); err != nil {
		return nil, err
	}
	out := make(map[string][]string)
	if len(norms) == 0 {
		return out, nil
	}
	// Leads are found by the key of their email (see store.EmailKey);
	// addresses that merely share a key are told apart here.
	keys := make([]int64, len(norms))
	for i, n := range norms {
		keys[i] = store.EmailKey(n)
	}
	rows, err := t.tx.Query(ctx, `SELECT email_norm, lead_key FROM leads
		WHERE email_key = ANY($1::integer[]) AND email_key <> 0 AND email_norm = ANY($2::text[])`,
		planEachRun, keys, norms)
	if err != nil {
		return nil, fmt.Errorf("find leads by email: %w", err)
	}
	var norm, key string
	_, err = pgx.ForEachRow(rows, []any{&norm, &key}, func() error {
		if norm != "" {
			out[norm] = append(out[norm], key)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("find leads by email: %w", err)
	}
	return out, nil
}

func (t *pgTx) LoadLeads(ctx context.Context, keys []string) (map[string]*lead.Lead, error) {
	if err := t.sync(ctx); err != nil {
		return nil, err
	}
	out := make(map[string]*lead.Lead, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	rows, err := t.tx.Query(ctx, `SELECT lead_key, email_norm, state FROM leads WHERE lead_key = ANY($1::text[])`, planEachRun, keys)
	if err != nil {
		return nil, fmt.Errorf("read leads: %w", err)
	}
	defer rows.Close()
	type miss struct {
		key, norm string
		state     []byte
	}
	var misses []miss
	for rows.Next() {
		var m miss
		if err := rows.Scan(&m.key, &m.norm, &m.state); err != nil {
			return nil, fmt.Errorf("read leads: %w", err)
		}
		if l := t.cache.take(m.key, m.norm, m.state); l != nil {
			out[m.key] = l
		} else {
			misses = append(misses, m)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read leads: %w", err)
	}
	decoded := make([]*lead.Lead, len(misses))
	err = inParallel(len(misses), func(i int) error {
		l := &lead.Lead{}
		if err := json.Unmarshal(misses[i].state, l); err != nil {
			return fmt.Errorf("decode lead %s: %w", misses[i].key, err)
		}
		l.LeadID, l.EmailNorm = misses[i].key, misses[i].norm
		decoded[i] = l
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, l := range decoded {
		out[l.LeadID] = l
	}
	return out, nil
}

const saveLeads = `INSERT INTO leads (lead_key, email_norm, email_key, stage, owner, team, source, segment,
	created_at, updated_at, state)
SELECT * FROM unnest($1::text[], $2::text[], $3::integer[], $4::text[], $5::text[], $6::text[], $7::text[],
	$8::text[], $9::timestamptz[], $10::timestamptz[], $11::text[])
ON CONFLICT (lead_key) DO UPDATE SET email_norm = excluded.email_norm, email_key = excluded.email_key,
	stage = excluded.stage, owner = excluded.owner, team = excluded.team, source = excluded.source,
	segment = excluded.segment, created_at = excluded.created_at, updated_at = excluded.updated_at,
	state = excluded.state`

func (t *pgTx) SaveLeads(ctx context.Context, leads []*lead.Lead) error {
	if len(leads) == 0 {
		return nil
	}
	n := len(leads)
	key, norm, stage, owner, team, source, segment, state :=
		make([]string, n), make([]string, n), make([]string, n), make([]string, n),
		make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	created, updated := make([]time.Time, n), make([]time.Time, n)
	emailKey := make([]int64, n)
	err := inParallel(n, func(i int) error {
		l := leads[i]
		// Aliases live in lead_aliases; the stored state never carries them.
		l.Aliases = nil
		b, err := json.Marshal(l)
		if err != nil {
			return fmt.Errorf("encode lead %s: %w", l.LeadID, err)
		}
		key[i], norm[i], stage[i], owner[i], team[i] = l.LeadID, l.EmailNorm, l.Stage, l.Owner, l.Team
		emailKey[i] = store.EmailKey(l.EmailNorm)
		source[i], segment[i], created[i], updated[i], state[i] = l.Source, l.Segment, l.CreatedAt, l.UpdatedAt, string(b)
		return nil
	})
	if err != nil {
		return err
	}
	// The projector is done with these leads once it saves them, so they
	// can be handed to the next transaction as they are.
	for i, l := range leads {
		t.saved = append(t.saved, cachedLead{norm: norm[i], state: state[i], lead: l})
	}
	return t.write(ctx, fmt.Sprintf("save %d leads", n), saveLeads,
		key, norm, emailKey, stage, owner, team, source, segment, created, updated, state)
}

func (t *pgTx) LoadOpportunities(ctx context.Context, ids []string) (map[string]*lead.Opportunity, error) {
	if err := t.sync(ctx); err != nil {
		return nil, err
	}
	out := make(map[string]*lead.Opportunity, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	os, err := queryOpportunities(ctx, t.tx, `WHERE opportunity_id = ANY($1::text[])`, planEachRun, ids)
	for _, o := range os {
		out[o.OpportunityID] = o
	}
	return out, err
}

func (t *pgTx) SaveOpportunities(ctx context.Context, opps []*lead.Opportunity) error {
	if len(opps) == 0 {
		return nil
	}
	n := len(opps)
	id, key, status, state := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	updated := make([]time.Time, n)
	for i, o := range opps {
		b, err := json.Marshal(o)
		if err != nil {
			return fmt.Errorf("encode opportunity %s: %w", o.OpportunityID, err)
		}
		id[i], key[i], status[i], updated[i], state[i] = o.OpportunityID, o.LeadID, o.Status, o.UpdatedAt, string(b)
	}
	return t.write(ctx, fmt.Sprintf("save %d opportunities", n), `INSERT INTO opportunities
		(opportunity_id, lead_key, status, updated_at, state)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[])
		ON CONFLICT (opportunity_id) DO UPDATE SET lead_key = excluded.lead_key, status = excluded.status,
		updated_at = excluded.updated_at, state = excluded.state`, id, key, status, updated, state)
}

func (t *pgTx) LoadPeople(ctx context.Context, ids []string) (map[string]*people.Person, error) {
	if err := t.sync(ctx); err != nil {
		return nil, err
	}
	out := make(map[string]*people.Person, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	ps, err := queryPeople(ctx, t.tx, `WHERE person_id = ANY($1::text[])`, planEachRun, ids)
	for _, p := range ps {
		out[p.PersonID] = p
	}
	return out, err
}

func (t *pgTx) SavePeople(ctx context.Context, ps []*people.Person) error {
	if len(ps) == 0 {
		return nil
	}
	id, state := make([]string, len(ps)), make([]string, len(ps))
	for i, p := range ps {
		b, err := json.Marshal(p)
		if err != nil {
			return fmt.Errorf("encode person %s: %w", p.PersonID, err)
		}
		id[i], state[i] = p.PersonID, string(b)
	}
	return t.write(ctx, fmt.Sprintf("save %d people", len(ps)), `INSERT INTO people (person_id, state)
		SELECT * FROM unnest($1::text[], $2::text[])
		ON CONFLICT (person_id) DO UPDATE SET state = excluded.state`, id, state)
}
