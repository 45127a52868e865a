package sqlite

import (
	"sync"

	"github.com/accordhq/accord/internal/lead"
)

// leadCacheSize bounds the decoded leads kept between write transactions:
// enough for the leads a CRM sync is working through at once, at a few KB
// each.
const leadCacheSize = 8192

// leadCache keeps the leads the last write transactions saved, already
// decoded, so a batch that touches them again (most batches do: a lead's
// events arrive over minutes to days) skips parsing their JSON state. An
// entry stands in for a row only while the row still holds exactly the
// state and email it was saved with, so a write by another process, a
// merge or a rebuild can never be hidden by it.
type leadCache struct {
	mu  sync.Mutex
	m   map[string]cachedLead
	max int
}

type cachedLead struct {
	norm, state string
	lead        *lead.Lead
}

func newLeadCache(max int) *leadCache {
	return &leadCache{m: make(map[string]cachedLead), max: max}
}

// take returns the cached lead for a row read as (key, norm, state), or nil.
// The entry leaves the cache: the caller will modify the lead, and it comes
// back through put only if its transaction commits.
func (c *leadCache) take(key, norm string, state []byte) *lead.Lead {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok {
		return nil
	}
	delete(c.m, key)
	if e.norm != norm || e.state != string(state) {
		return nil
	}
	return e.lead
}

// put records the leads a committed transaction saved.
func (c *leadCache) put(saved []cachedLead) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range saved {
		if _, ok := c.m[e.lead.LeadID]; !ok && len(c.m) >= c.max {
			// Drop an arbitrary entry; a miss costs one JSON decode.
			for k := range c.m {
				delete(c.m, k)
				break
			}
		}
		c.m[e.lead.LeadID] = e
	}
}
