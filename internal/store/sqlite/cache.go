package sqlite

import (
	"github.com/accordhq/accord/internal/lead"
)

// Bounds of the write cache: enough for the leads a CRM sync is working
// through at once (a few KB each decoded) and for their ids.
const (
	leadCacheSize  = 8192
	aliasCacheSize = 65536
)

// writeCache keeps what the last write transactions saved, so the next
// ones need not read it back: leads already decoded (a batch touches
// leads that earlier batches stored; reading and parsing their state was
// a tenth of ingest), and which lead each known id belongs to.
//
// It holds exactly what the database holds. Entries are put only once
// the transaction that wrote them has committed; a lead is taken out (not
// copied) by the transaction that loads it, since that one will change
// it; MergeLead, which deletes a lead and moves its ids, drops what it
// touches before it runs. The whole cache is emptied when rows may have
// changed behind it: a migration, ResetProjections, a commit by another
// connection (another process, or a second Store on the file: PRAGMA
// data_version moves), or a new writer connection. Store.Write checks the
// last two at the start of every transaction. Store.wmu guards it: every
// transaction on the writer that may change leads or aliases holds it.
type writeCache struct {
	leads   recent[*lead.Lead]
	aliases recent[string] // lead ref -> lead key
	// conn and version are the writer connection and its data_version
	// the entries were last checked against.
	conn    any
	version int64
}

func newWriteCache() *writeCache {
	return &writeCache{leads: newRecent[*lead.Lead](leadCacheSize), aliases: newRecent[string](aliasCacheSize)}
}

// validate empties the cache unless the writer connection is the one it
// was filled through and nobody else has committed since.
func (c *writeCache) validate(conn any, version int64) {
	if conn != c.conn || version != c.version {
		c.clear()
		c.conn, c.version = conn, version
	}
}

func (c *writeCache) clear() {
	c.leads.clear()
	c.aliases.clear()
}

// recent maps keys to the values most recently put, at most max of them.
// Values are put in cur; when cur holds max/2, it becomes old and the
// previous old is forgotten. So a value put in the last max/2 puts is
// always kept: the leads being worked, saved again and again, stay however
// many finished ones pass through.
type recent[V any] struct {
	cur, old map[string]V
	max      int
}

func newRecent[V any](max int) recent[V] {
	return recent[V]{cur: map[string]V{}, old: map[string]V{}, max: max}
}

func (r *recent[V]) get(k string) (V, bool) {
	if v, ok := r.cur[k]; ok {
		return v, true
	}
	v, ok := r.old[k]
	return v, ok
}

// take returns k's value and forgets it.
func (r *recent[V]) take(k string) (V, bool) {
	v, ok := r.get(k)
	r.drop(k)
	return v, ok
}

func (r *recent[V]) put(k string, v V) {
	if len(r.cur) >= r.max/2 {
		r.old, r.cur = r.cur, r.old
		clear(r.cur)
	}
	delete(r.old, k)
	r.cur[k] = v
}

func (r *recent[V]) drop(k string) {
	delete(r.cur, k)
	delete(r.old, k)
}

func (r *recent[V]) clear() {
	clear(r.cur)
	clear(r.old)
}
