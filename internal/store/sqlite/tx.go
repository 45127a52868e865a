package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"unsafe"

	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/lead"
	"github.com/accordhq/accord/internal/people"
	"github.com/accordhq/accord/internal/store"
)

// chunk bounds rows per multi-row statement, well under SQLite's limit of
// 32,766 bound parameters.
const chunk = 512

type sqliteTx struct {
	// tx is the writer connection, inside BEGIN IMMEDIATE (see Store.Write).
	tx    *sql.Conn
	cache *writeCache
	// saved and aliases are what this transaction wrote or read, for the
	// cache once it has committed.
	saved   []*lead.Lead
	aliases map[string]string
	loaded  map[string]leadIndexed // indexed columns of the leads read
	// args and named are exec's argument buffers, reused statement after
	// statement.
	args  []any
	named []driver.NamedValue
}

// exec runs a statement that changes rows and returns none, as write does,
// but on the driver's connection itself: database/sql would copy args
// into a fresh []driver.NamedValue and check each one for every
// statement, and the write transaction's statements (thousands of
// arguments for a chunk of events, one statement per saved lead) spend a
// tenth of their Go time there. args must be driver values (string,
// int64, nil...); callers build them in t.args, which exec lends back.
func (t *sqliteTx) exec(ctx context.Context, query string, args []any) error {
	named := t.named[:0]
	for i, a := range args {
		switch a.(type) {
		case nil, string, int64, float64, bool, []byte:
		default:
			return fmt.Errorf("internal error: argument %d of %.40q is a %T", i+1, query, a)
		}
		named = append(named, driver.NamedValue{Ordinal: i + 1, Value: a})
	}
	err := t.tx.Raw(func(dc any) error {
		rows, err := dc.(driver.QueryerContext).QueryContext(ctx, query, named) // see write
		if err != nil {
			return err
		}
		return rows.Close()
	})
	clear(args) // let the values go
	clear(named)
	t.args, t.named = args[:0], named[:0]
	return err
}

// querier is what both *sql.DB and *sql.Conn offer.
type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

// write runs a statement that changes rows and returns none. It goes
// through QueryContext rather than ExecContext because mattn/go-sqlite3
// binds a query's arguments in one cgo call (copied into a C buffer) but
// an Exec's with one cgo call per argument, and this store's multi-row
// statements carry thousands of arguments: that is ~0.8 µs an event on
// the ingest bench. The driver takes a query's first step before
// QueryContext returns, which for a statement without RETURNING runs it
// to the end, errors included; Close then resets the statement.
func write(ctx context.Context, q querier, query string, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	return rows.Close()
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

// bytesText passes b to exec as text without copying it: the driver copies
// a statement's arguments into C memory before running it, and nothing
// keeps the string afterwards.
func bytesText(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
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
		args := t.args
		for _, e := range part {
			args = append(args, e.Seq, e.ID, string(e.Type), micros(e.OccurredAt), micros(e.ReceivedAt),
				nullable(e.LeadKey), nullable(e.LeadRef), nullable(e.OpportunityRef), nullable(e.PersonRef), e.Hash, bytesText(e.Data))
		}
		err := t.exec(ctx, `INSERT INTO events (seq, id, type, occurred_at, received_at, lead_key, lead_ref,
			opportunity_ref, person_ref, hash, data) VALUES `+placeholders(len(part), 11), args)
		if err != nil {
			return fmt.Errorf("insert events: %w", err)
		}
		return nil
	})
}

func (t *sqliteTx) SetEventLeadKeys(ctx context.Context, evs []*event.Event) error {
	for _, e := range evs {
		if err := write(ctx, t.tx, `UPDATE events SET lead_key = ? WHERE seq = ?`, nullable(e.LeadKey), e.Seq); err != nil {
			return fmt.Errorf("file event %d under its lead: %w", e.Seq, err)
		}
	}
	return nil
}

func (t *sqliteTx) MergeLead(ctx context.Context, from, into string) error {
	// from's row goes and its ids move: the cache must not outlive them,
	// even if this transaction is rolled back (forgetting is always safe).
	// Merges are rare; all ids are forgotten rather than looked for.
	t.cache.leads.drop(from)
	t.cache.aliases.clear()
	clear(t.aliases)
	delete(t.loaded, from) // saving from again would insert it anew
	for _, q := range []string{
		`UPDATE events SET lead_key = ? WHERE lead_key = ?`,
		`UPDATE lead_aliases SET lead_key = ? WHERE lead_key = ?`,
		`UPDATE opportunities SET lead_key = ? WHERE lead_key = ?`,
	} {
		if err := write(ctx, t.tx, q, into, from); err != nil {
			return fmt.Errorf("merge lead %s into %s: %w", from, into, err)
		}
	}
	if err := write(ctx, t.tx, `DELETE FROM leads WHERE lead_key = ?`, from); err != nil {
		return fmt.Errorf("merge lead %s into %s: %w", from, into, err)
	}
	return nil
}

func (t *sqliteTx) RekeyOpportunityEvents(ctx context.Context, opportunityID, leadKey string) error {
	err := write(ctx, t.tx, `UPDATE events SET lead_key = ? WHERE opportunity_ref = ?`, leadKey, opportunityID)
	if err != nil {
		return fmt.Errorf("file opportunity %s under lead %s: %w", opportunityID, leadKey, err)
	}
	return nil
}

func (t *sqliteTx) LeadEvents(ctx context.Context, key string, through int64) ([]event.Event, error) {
	return queryEvents(ctx, t.tx, `WHERE lead_key = ? AND seq <= ?`, key, through)
}

func (t *sqliteTx) OpportunityEvents(ctx context.Context, id string, through int64) ([]event.Event, error) {
	return queryEvents(ctx, t.tx, `WHERE opportunity_ref = ? AND seq <= ?`, id, through)
}

func (t *sqliteTx) ResolveAliases(ctx context.Context, refs []string) (map[string]string, error) {
	out := make(map[string]string, len(refs))
	var read []string
	for _, ref := range refs {
		if key, ok := t.cache.aliases.get(ref); ok {
			out[ref] = key
		} else {
			read = append(read, ref)
		}
	}
	err := eachChunk(read, chunk, func(part []string) error {
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
			t.noteAlias(a, k)
		}
		return rows.Err()
	})
	return out, err
}

// noteAlias records an alias read or written, for the cache.
func (t *sqliteTx) noteAlias(ref, key string) {
	if t.aliases == nil {
		t.aliases = map[string]string{}
	}
	t.aliases[ref] = key
}

func (t *sqliteTx) PutAliases(ctx context.Context, aliases map[string]string) error {
	pairs := make([][2]string, 0, len(aliases))
	for a, k := range aliases {
		pairs = append(pairs, [2]string{a, k})
		t.noteAlias(a, k)
	}
	return eachChunk(pairs, chunk, func(part [][2]string) error {
		args := t.args
		for _, p := range part {
			args = append(args, p[0], p[1])
		}
		err := t.exec(ctx, `INSERT INTO lead_aliases (alias, lead_key) VALUES `+placeholders(len(part), 2)+`
			ON CONFLICT (alias) DO UPDATE SET lead_key = excluded.lead_key`, args)
		if err != nil {
			return fmt.Errorf("save lead aliases: %w", err)
		}
		return nil
	})
}

func (t *sqliteTx) LeadKeysByEmail(ctx context.Context, norms []string) (map[string][]string, error) {
	out := make(map[string][]string)
	// Leads are found by the key of their email (see store.EmailKey);
	// addresses that merely share a key are told apart here.
	asked := make(map[string]bool, len(norms))
	for _, n := range norms {
		if n != "" {
			asked[n] = true
		}
	}
	err := eachChunk(norms, chunk, func(part []string) error {
		keys := make([]any, len(part))
		for i, n := range part {
			keys[i] = store.EmailKey(n)
		}
		rows, err := t.tx.QueryContext(ctx, `SELECT email_norm, lead_key FROM leads
			WHERE email_key IN (`+inList(len(part))+`) AND email_key <> 0`, keys...)
		if err != nil {
			return fmt.Errorf("find leads by email: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var norm, key string
			if err := rows.Scan(&norm, &key); err != nil {
				return fmt.Errorf("find leads by email: %w", err)
			}
			if asked[norm] && !slices.Contains(out[norm], key) {
				out[norm] = append(out[norm], key)
			}
		}
		return rows.Err()
	})
	return out, err
}

func (t *sqliteTx) LoadLeads(ctx context.Context, keys []string) (map[string]*lead.Lead, error) {
	out := make(map[string]*lead.Lead, len(keys))
	// Cached leads are exactly what their rows hold (see leadCache), so
	// only the others are read.
	var read []string
	for _, key := range keys {
		if l, ok := t.cache.leads.take(key); ok {
			out[key] = l
			t.loaded[key] = indexedOf(l)
		} else {
			read = append(read, key)
		}
	}
	err := eachChunk(read, chunk, func(part []string) error {
		rows, err := t.tx.QueryContext(ctx, `SELECT `+leadColumns+` FROM leads WHERE lead_key IN (`+inList(len(part))+`)`, strArgs(part)...)
		if err != nil {
			return fmt.Errorf("read leads: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			l, err := scanLead(rows)
			if err != nil {
				return err
			}
			out[l.LeadID] = l
			t.loaded[l.LeadID] = indexedOf(l)
		}
		return rows.Err()
	})
	return out, err
}

// leadIndexed are a lead's indexed columns as loaded, to tell at save time
// which of its index entries need rewriting.
type leadIndexed struct {
	norm, stage, owner string
	created            int64
}

func indexedOf(l *lead.Lead) leadIndexed {
	return leadIndexed{l.EmailNorm, l.Stage, l.Owner, micros(l.CreatedAt)}
}

// indexedLeadColumns are the SET clauses of the leads columns with an
// index of their own (bit i of a "changed" mask stands for
// indexedLeadColumns[i]); email_norm is indexed by its key.
var indexedLeadColumns = [...]string{"email_norm = ?, email_key = ?", "stage = ?", "owner = ?", "created_at = ?"}

const allLeadColumns = 1<<len(indexedLeadColumns) - 1

func (t *sqliteTx) SaveLeads(ctx context.Context, leads []*lead.Lead) error {
	// A lead read in this transaction has a row: it is rewritten with an
	// UPDATE of one row by key, which costs SQLite a good third less than
	// an upsert, because an upsert first builds the whole row and its
	// index entries to insert them, finds the conflict, and then builds
	// them again for the update. Other leads (new ones) are upserted, many
	// rows per statement, after the updates.
	//
	// SQLite rewrites a row's entry in an index whenever the statement
	// sets a column of that index, changed or not. Most saves change only
	// a lead's state and updated_at (a touch, a disposition), some its
	// stage or owner; so each UPDATE sets only the indexed columns that
	// changed since the lead was loaded, leaving the other indexes' pages
	// clean.
	order := make([]*lead.Lead, 0, len(leads))
	var fresh []*lead.Lead
	for _, l := range leads {
		l.Aliases = nil // kept in lead_aliases, not in the state
		t.saved = append(t.saved, l)
		if _, ok := t.loaded[l.LeadID]; ok {
			order = append(order, l)
		} else {
			fresh = append(fresh, l)
		}
	}
	// In key order, so SQLite walks the lead_key index (and, as keys are
	// mostly written in order, the table) from one end to the other
	// rather than at random.
	slices.SortFunc(order, func(a, b *lead.Lead) int { return strings.Compare(a.LeadID, b.LeadID) })
	slices.SortFunc(fresh, func(a, b *lead.Lead) int { return strings.Compare(a.LeadID, b.LeadID) })
	updates := len(order)
	order = append(order, fresh...)
	enc := encodeLeads(order)
	var stmts [allLeadColumns + 1]string
	for i, l := range order[:updates] {
		state, err := enc.state(i)
		if err != nil {
			return err
		}
		was, now := t.loaded[l.LeadID], indexedOf(l)
		changed := 0
		args := append(t.args, l.Team, l.Source, l.Segment, micros(l.UpdatedAt), state)
		if was.norm != now.norm {
			changed |= 1
			args = append(args, now.norm, store.EmailKey(now.norm))
		}
		if was.stage != now.stage {
			changed |= 2
			args = append(args, now.stage)
		}
		if was.owner != now.owner {
			changed |= 4
			args = append(args, now.owner)
		}
		if was.created != now.created {
			changed |= 8
			args = append(args, now.created)
		}
		args = append(args, l.LeadID)
		if stmts[changed] == "" {
			set := `team = ?, source = ?, segment = ?, updated_at = ?, state = ?`
			for bit, col := range indexedLeadColumns {
				if changed&(1<<bit) != 0 {
					set += ", " + col
				}
			}
			stmts[changed] = `UPDATE leads SET ` + set + ` WHERE lead_key = ?`
		}
		if err := t.exec(ctx, stmts[changed], args); err != nil {
			return fmt.Errorf("save lead %s: %w", l.LeadID, err)
		}
	}
	states := make([]string, len(fresh))
	for i := range fresh {
		var err error
		if states[i], err = enc.state(updates + i); err != nil {
			return err
		}
	}
	return t.upsertLeads(ctx, fresh, states)
}

// leadEncoder encodes leads' states as JSON, sharing the work between
// the writer and a goroutine of its own: the writer encodes each lead as
// it comes to it, in order, while the goroutine, given another core,
// encodes from the other end; each lead is claimed by whoever comes to it
// first. Encoding (~1–3 µs a lead) then mostly happens beside the SQL
// (~8 µs a lead) instead of before it, and the writer never idles waiting
// for a goroutine that another core's work keeps from running; it waits
// only if it reaches the one lead the goroutine is encoding that moment.
type leadEncoder struct {
	leads  []*lead.Lead
	states []string
	errs   []error
	// claim holds each lead's progress: 0 free, 1 being encoded, 2 done.
	claim []atomic.Int32
	buf   []byte // the writer's scratch
}

func encodeLeads(leads []*lead.Lead) *leadEncoder {
	e := &leadEncoder{leads: leads, states: make([]string, len(leads)), errs: make([]error, len(leads)),
		claim: make([]atomic.Int32, len(leads))}
	if len(leads) >= 64 {
		go func() {
			var buf []byte
			for i := len(leads) - 1; i >= 0; i-- {
				buf = e.encode(i, buf)
			}
		}()
	}
	return e
}

// encode encodes lead i unless someone has claimed it.
func (e *leadEncoder) encode(i int, buf []byte) []byte {
	if !e.claim[i].CompareAndSwap(0, 1) {
		return buf
	}
	var err error
	if buf, err = appendState(buf[:0], e.leads[i]); err != nil {
		e.errs[i] = fmt.Errorf("encode lead %s: %w", e.leads[i].LeadID, err)
	}
	e.states[i] = string(buf)
	e.claim[i].Store(2)
	return buf
}

// state returns lead i's state, encoding it unless the goroutine has.
func (e *leadEncoder) state(i int) (string, error) {
	e.buf = e.encode(i, e.buf)
	for e.claim[i].Load() != 2 {
		runtime.Gosched() // the goroutine is encoding it
	}
	return e.states[i], e.errs[i]
}

// upsertLeads writes leads whole, with their states, inserting or
// replacing every column.
func (t *sqliteTx) upsertLeads(ctx context.Context, leads []*lead.Lead, states []string) error {
	idx := make([]int, len(leads))
	for i := range idx {
		idx[i] = i
	}
	return eachChunk(idx, chunk, func(part []int) error {
		args := t.args
		for _, i := range part {
			l := leads[i]
			args = append(args, l.LeadID, l.EmailNorm, store.EmailKey(l.EmailNorm), l.Stage, l.Owner, l.Team, l.Source, l.Segment,
				micros(l.CreatedAt), micros(l.UpdatedAt), states[i])
		}
		err := t.exec(ctx, `INSERT INTO leads (lead_key, email_norm, email_key, stage, owner, team, source, segment,
			created_at, updated_at, state) VALUES `+placeholders(len(part), 11)+`
			ON CONFLICT (lead_key) DO UPDATE SET email_norm = excluded.email_norm, email_key = excluded.email_key,
			stage = excluded.stage, owner = excluded.owner, team = excluded.team, source = excluded.source,
			segment = excluded.segment, created_at = excluded.created_at, updated_at = excluded.updated_at,
			state = excluded.state`, args)
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
		args := t.args
		for _, o := range part {
			state, err := json.Marshal(o)
			if err != nil {
				return fmt.Errorf("encode opportunity %s: %w", o.OpportunityID, err)
			}
			args = append(args, o.OpportunityID, o.LeadID, o.Status, micros(o.UpdatedAt), string(state))
		}
		err := t.exec(ctx, `INSERT INTO opportunities (opportunity_id, lead_key, status, updated_at, state)
			VALUES `+placeholders(len(part), 5)+`
			ON CONFLICT (opportunity_id) DO UPDATE SET lead_key = excluded.lead_key, status = excluded.status,
			updated_at = excluded.updated_at, state = excluded.state`, args)
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
		err := write(ctx, t.tx, `INSERT INTO people (person_id, state) VALUES `+placeholders(len(part), 2)+`
			ON CONFLICT (person_id) DO UPDATE SET state = excluded.state`, args...)
		if err != nil {
			return fmt.Errorf("save people: %w", err)
		}
		return nil
	})
}
