package postgres

import (
	"sync"

	"github.com/accordhq/accord/internal/lead"
)

// leadCacheSize bounds the decoded leads kept between write transactions:
// about the leads a CRM sync is working through at once, a few KB each.
const leadCacheSize = 8192

// leadCache keeps the leads recent write transactions saved, already
// decoded, so a batch that touches them again (most do: a lead's events
// arrive over minutes to days) skips parsing their JSON state, the largest
// piece of Go work done under the writer lock. An entry stands for a row
// only while the row holds byte for byte the state and email it was saved
// with, so a write by another accord process, a merge or a rebuild is never
// hidden by it. Reads outside Write never use it.
type leadCache struct {
	mu sync.Mutex
	m  map[string]cachedLead
}

type cachedLead struct {
	norm, state string
	lead        *lead.Lead
}

func newLeadCache() *leadCache { return &leadCache{m: make(map[string]cachedLead)} }

// take returns the cached lead for a row read as (key, norm, state), or nil.
// The entry leaves the cache: the caller may change the lead, which comes
// back through put only once its transaction has committed.
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

// put records the leads a committed transaction saved, exactly as saved.
func (c *leadCache) put(saved []cachedLead) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range saved {
		if _, ok := c.m[e.lead.LeadID]; !ok && len(c.m) >= leadCacheSize {
			for k := range c.m { // evict any entry: a miss costs one decode
				delete(c.m, k)
				break
			}
		}
		c.m[e.lead.LeadID] = e
	}
}
