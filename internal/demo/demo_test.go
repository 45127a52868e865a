package demo

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/event"
)

var testNow = time.Date(2026, 9, 15, 16, 30, 0, 0, time.UTC)

// defaultSet is the full-size demo, generated once for all tests.
var defaultSet = sync.OnceValue(func() [][]byte {
	return Generate(Options{Seed: 1, Now: testNow})
})

// defaultEvents is defaultSet decoded, checked by TestEveryEnvelopeDecodes.
var defaultEvents = sync.OnceValues(func() ([]event.Event, error) {
	raw := defaultSet()
	out := make([]event.Event, len(raw))
	for i, r := range raw {
		e, err := event.Decode(r, testNow)
		if err != nil {
			return nil, fmt.Errorf("envelope %d: %w\n%s", i, err, r)
		}
		out[i] = e
	}
	return out, nil
})

func decodedDefault(t *testing.T) []event.Event {
	t.Helper()
	evs, err := defaultEvents()
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// decodeAll decodes every sent envelope as the API would at Now.
func decodeAll(t *testing.T, raw [][]byte, now time.Time) []event.Event {
	t.Helper()
	out := make([]event.Event, len(raw))
	for i, r := range raw {
		e, err := event.Decode(r, now)
		if err != nil {
			t.Fatalf("envelope %d does not decode: %v\n%s", i, err, r)
		}
		out[i] = e
	}
	return out
}

func TestEveryEnvelopeDecodes(t *testing.T) {
	t.Parallel()
	for _, o := range []Options{
		{Seed: 1, Now: testNow},
		{Seed: 7, Leads: 300, Days: 10, Now: time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC)}, // spans a DST change
	} {
		evs := decodedDefault(t)
		if o.Leads != 0 {
			evs = decodeAll(t, Generate(o), o.Now)
		}
		for _, e := range evs {
			if e.OccurredAt.After(o.Now) {
				t.Fatalf("event %s happened at %s, after Now %s", e.ID, e.OccurredAt, o.Now)
			}
			if !strings.HasPrefix(e.ID, "demo-") {
				t.Fatalf("event id %q lacks the demo- prefix", e.ID)
			}
		}
	}
}

func TestSameSeedSameBytes(t *testing.T) {
	t.Parallel()
	o := Options{Leads: 400, Days: 60, Seed: 42, Now: testNow}
	a, b := Generate(o), Generate(o)
	if !equal(a, b) {
		t.Fatal("two runs with the same options differ")
	}
	o.Seed = 43
	if equal(a, Generate(o)) {
		t.Fatal("a different seed gave the same data set")
	}
}

func equal(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func TestFunnelShape(t *testing.T) {
	t.Parallel()
	f := analyze(t, decodedDefault(t), testNow)
	t.Log(f)
	tests := []struct {
		name   string
		got    float64
		lo, hi float64
	}{
		{"first inquiries", float64(f.people), 2990, 3010},
		{"inquiry→MQL", f.rate("", "inquiry", "mql"), 0.30, 0.45},
		{"MQL→SQL", f.rate("", "mql", "sql"), 0.30, 0.50},
		{"SQL→opportunity", f.rate("", "sql", "opportunity"), 0.58, 0.72},
		// About 180 deals close in the window, so the win rate wobbles by
		// ±0.03 from seed to seed around the intended 0.26.
		{"opportunity→won (closed deals)", f.winRate, 0.18, 0.34},
		{"customers", float64(f.stage("", "customer")), 20, 150},
		{"nurture", float64(f.stage("", "nurture")), 300, 1500},
		{"disqualified", float64(f.stage("", "disqualified")), 50, 400},
		{"referral MQL→SQL minus trade show's", f.rate("referral", "mql", "sql") - f.rate("trade_show", "mql", "sql"), 0.15, 1},
		{"MQLs first touched within 5 minutes", f.within5m, 0.10, 0.40},
		{"MQLs never touched", f.untouched, 0.03, 0.20},
		{"people who inquired twice", float64(f.returning) / float64(f.people), 0.02, 0.045},
		{"events sent after a later event of their lead", f.share(f.late), 0.005, 0.02},
		{"sends that repeat an earlier send", f.share(f.dupes), 0.005, 0.02},
	}
	for _, tt := range tests {
		if tt.got < tt.lo || tt.got > tt.hi {
			t.Errorf("%s = %.3f, want in [%.3f, %.3f]", tt.name, tt.got, tt.lo, tt.hi)
		}
	}
}

func TestReferences(t *testing.T) {
	t.Parallel()
	evs := decodedDefault(t)
	people := map[string]time.Time{}
	opps := map[string]time.Time{}
	for _, e := range evs {
		p, err := e.Payload()
		if err != nil {
			t.Fatal(err)
		}
		switch v := p.(type) {
		case *event.Person:
			people[v.PersonID] = e.OccurredAt
		case *event.Opportunity:
			if _, ok := opps[v.OpportunityID]; !ok {
				opps[v.OpportunityID] = e.OccurredAt
			}
		case *event.Close:
			at, ok := opps[v.OpportunityID]
			if !ok || at.After(e.OccurredAt) {
				t.Errorf("%s closes %s before it was opened", e.ID, v.OpportunityID)
			}
		case *event.Assignment:
			if at, ok := people[v.Owner]; !ok || at.After(e.OccurredAt) {
				t.Errorf("%s assigns to %q, who is not a known person at %s", e.ID, v.Owner, e.OccurredAt)
			}
		case *event.Activity:
			if _, ok := people[v.Actor]; !ok {
				t.Errorf("%s is a touch by %q, who is not a known person", e.ID, v.Actor)
			}
		}
	}
}

// funnel is what the tests measure in a data set, the way Accord would:
// by person (leads merged on normalized email), after deduplication.
type funnel struct {
	people, events, sends int
	byType                map[event.Type]int
	stages                map[string]map[string]int // source → stage → people who entered it
	entered               map[string]map[string]bool
	source                map[string]string
	winRate               float64
	within5m, untouched   float64
	returning, late       int
	dupes                 int
}

func (f funnel) stage(source, stage string) int { return f.stages[source][stage] }

// rate is the share of people from source ("" for all) who, having entered
// stage from, also entered stage to.
func (f funnel) rate(source, from, to string) float64 {
	var n, both int
	for who, st := range f.entered {
		if (source == "" || f.source[who] == source) && st[from] {
			n++
			if st[to] {
				both++
			}
		}
	}
	if n == 0 {
		return 0
	}
	return float64(both) / float64(n)
}

// share is n as a fraction of distinct events.
func (f funnel) share(n int) float64 { return float64(n) / float64(f.events) }

func (f funnel) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d people, %d events, %d sends\n", f.people, f.events, f.sends)
	for _, t := range event.Types {
		fmt.Fprintf(&b, "  %-22s %6d\n", t, f.byType[t])
	}
	for _, src := range append([]string{""}, sourceNames()...) {
		fmt.Fprintf(&b, "  %-16s", orAll(src))
		for _, s := range event.Stages {
			fmt.Fprintf(&b, " %s=%d", s, f.stages[src][s])
		}
		fmt.Fprintf(&b, "  mql→sql=%.2f sql→opp=%.2f\n", f.rate(src, "mql", "sql"), f.rate(src, "sql", "opportunity"))
	}
	fmt.Fprintf(&b, "  win rate %.3f, first touch ≤5m %.3f, untouched MQLs %.3f, returning %d, late %d, duplicate sends %d",
		f.winRate, f.within5m, f.untouched, f.returning, f.late, f.dupes)
	return b.String()
}

func orAll(source string) string {
	if source == "" {
		return "all"
	}
	return source
}

func sourceNames() []string {
	var out []string
	for _, s := range sources {
		out = append(out, s.name)
	}
	return out
}

func analyze(t *testing.T, sends []event.Event, now time.Time) funnel {
	t.Helper()
	f := funnel{sends: len(sends), byType: map[event.Type]int{}, stages: map[string]map[string]int{}}
	key := map[string]string{} // lead_id or opportunity_id → person (normalized email)
	source := map[string]string{}
	entered := map[string]map[string]bool{}
	inquiries := map[string]int{}
	mqlAt := map[string]time.Time{}
	touchAt := map[string]time.Time{}
	latest := map[string]time.Time{}
	seen := map[string]bool{}
	var won, lost int
	for _, e := range sends {
		if seen[e.ID] {
			f.dupes++
			continue
		}
		seen[e.ID] = true
		f.events++
		f.byType[e.Type]++
		p, err := e.Payload()
		if err != nil {
			t.Fatal(err)
		}
		var who string
		switch v := p.(type) {
		case *event.Lead:
			if v.Email != "" {
				who = strings.ToLower(v.Email)
				if _, ok := key[v.LeadID]; !ok {
					key[v.LeadID] = who
				}
			}
			who = key[v.LeadID]
			if source[who] == "" {
				source[who] = v.Source
				entered[who] = map[string]bool{"inquiry": true}
			}
			if v.Email != "" {
				inquiries[who]++
			}
		case *event.StageChange:
			who = key[v.LeadID]
			entered[who][v.Stage] = true
			if v.Stage == "mql" && mqlAt[who].IsZero() {
				mqlAt[who] = e.OccurredAt
			}
		case *event.Activity:
			who = key[v.LeadID]
			if touchAt[who].IsZero() {
				touchAt[who] = e.OccurredAt
			}
		case *event.Assignment:
			who = key[v.LeadID]
		case *event.Disposition:
			who = key[v.LeadID]
		case *event.Opportunity:
			if v.LeadID != "" {
				key[v.OpportunityID] = key[v.LeadID]
			}
			who = key[v.OpportunityID]
		case *event.Close:
			who = key[v.OpportunityID]
			if v.Outcome == "won" {
				won++
			} else {
				lost++
			}
		}
		if e.Type == event.PersonUpserted {
			continue
		}
		if who == "" {
			t.Fatalf("%s (%s) refers to no known lead", e.ID, e.Type)
		}
		if e.OccurredAt.Before(latest[who]) {
			f.late++
		} else {
			latest[who] = e.OccurredAt
		}
	}
	var mqls, fast, never int
	for who, st := range entered {
		f.people++
		if inquiries[who] > 1 {
			f.returning++
		}
		for s := range st {
			for _, src := range []string{"", source[who]} {
				if f.stages[src] == nil {
					f.stages[src] = map[string]int{}
				}
				f.stages[src][s]++
			}
		}
		if m := mqlAt[who]; !m.IsZero() && m.Before(now.Add(-14*24*time.Hour)) {
			mqls++
			switch tt := touchAt[who]; {
			case tt.IsZero():
				never++
			case tt.Sub(m) <= 5*time.Minute:
				fast++
			}
		}
	}
	f.entered, f.source = entered, source
	f.winRate = float64(won) / float64(won+lost)
	f.within5m = float64(fast) / float64(mqls)
	f.untouched = float64(never) / float64(mqls)
	return f
}
