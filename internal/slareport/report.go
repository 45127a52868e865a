// Package slareport is the SLA report: how the agreement's obligations
// that started in a period went — met, breached, open, cancelled — overall
// and by owner, team, tier, rule or lead source, with the share met and
// its Wilson interval, time to first touch, how many handed-over leads
// were worked, touches before disposition, dispositions and handoff
// answers on time, and marketing's side: leads carrying every field it
// promised.
//
// Build is a pure function of obligations, their leads and a time to judge
// open obligations at. Load reads the live obligations from the store;
// Backtest derives them afresh from the stored events under a proposed
// agreement, writing nothing, so the two reports of a period can be put
// side by side (Compare).
package slareport

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/accordhq/accord/internal/lead"
	"github.com/accordhq/accord/internal/obligation"
)

// Groupings a report can be broken down by.
const (
	ByOwner  = "owner"
	ByTeam   = "team"
	ByTier   = "tier"
	ByRule   = "rule"
	BySource = "source" // the lead's original source (its latest if none)
)

// Bys lists the groupings, for flag help and validation.
var Bys = []string{ByOwner, ByTeam, ByTier, ByRule, BySource}

// CheckBy returns an error unless by is "" or one of Bys.
func CheckBy(by string) error {
	if by == "" || slices.Contains(Bys, by) {
		return nil
	}
	return fmt.Errorf("cannot group by %q: use one of %s", by, strings.Join(Bys, ", "))
}

// Options say which period a report covers, how to break it down and when
// it is judged.
type Options struct {
	From, To time.Time // obligations started in [From, To); zero: unbounded
	By       string    // "", owner, team, tier, rule, source (see CheckBy)
	// Now is what "open and past due" is judged against; zero is
	// time.Now().
	Now time.Time
}

// Input is what a report is built from.
type Input struct {
	Obligations []*obligation.Obligation
	// Leads are the leads of those obligations, by lead key. A lead
	// missing here still counts in the obligation figures, but not in
	// marketing's share nor in touches before disposition.
	Leads map[string]*lead.Lead
	// MustHave are marketing's lead_must_have fields, of the agreement
	// judging the period.
	MustHave []string
	// Book gives open obligations their elapsed business time; nil leaves
	// it out.
	Book obligation.Book
}

// Report is the SLA report of one period.
type Report struct {
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
	// AsOf is when open obligations were judged: open and past due is
	// breached.
	AsOf     time.Time `json:"as_of"`
	By       string    `json:"by,omitempty"`
	MustHave []string  `json:"lead_must_have"`
	// MustHaveBasis says which leads marketing's share counts.
	MustHaveBasis string  `json:"lead_must_have_basis"`
	Overall       Group   `json:"overall"`
	Groups        []Group `json:"groups,omitempty"`
}

// MustHaveBasis is what marketing's share is counted over.
const MustHaveBasis = "leads with an obligation that started in the period, their fields as they stand now"

// Group is the figures of all the obligations of one owner, team, tier,
// rule or source (or of all of them, for Overall).
type Group struct {
	// Key is the owner, team, tier, rule or source ("" when the
	// obligation or lead has none; also "" for Overall).
	Key         string `json:"key"`
	Obligations Counts `json:"obligations"`
	// Met is met ÷ (met + breached): obligations still open and not yet
	// due are not judged; open past due counts as breached.
	Met Rate `json:"met"`
	// FirstTouch is the time from start to close of first-touch
	// obligations that were closed by a touch (met or late).
	FirstTouch Times `json:"time_to_first_touch"`
	// Worked is the share of leads with an obligation here that were
	// touched at or after their first obligation started.
	Worked Rate `json:"leads_worked"`
	// TouchesBeforeDisposition counts the touches a lead had when given a
	// disposition, over touch-cadence obligations whose lead has one.
	TouchesBeforeDisposition Count `json:"touches_before_disposition"`
	// DispositionsOnTime are disposition and feedback obligations met ÷
	// judged.
	DispositionsOnTime Rate `json:"dispositions_on_time"`
	// HandoffsAcceptedOnTime are handoff answers (accept or reject) in
	// time ÷ judged.
	HandoffsAcceptedOnTime Rate `json:"handoffs_accepted_on_time"`
	// MustHave is marketing's side: leads with every lead_must_have field
	// ÷ leads (see Report.MustHaveBasis). Missing counts, by field, the
	// leads without it.
	MustHave Rate           `json:"leads_with_must_have"`
	Missing  map[string]int `json:"missing_fields,omitempty"`
	// OpenAge is how long the obligations still open have run.
	OpenAge Times `json:"open_age"`
}

// Counts are obligations by outcome at the report's time. Breached
// includes OpenOverdue: still open, past due.
type Counts struct {
	Total       int `json:"total"`
	Met         int `json:"met"`
	Breached    int `json:"breached"`
	Open        int `json:"open"` // open and not yet due (or paused)
	OpenOverdue int `json:"open_overdue"`
	Cancelled   int `json:"cancelled"`
}

// Build computes the report of in's obligations that started in the
// period.
func Build(in Input, opt Options) *Report {
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	by := opt.By
	if CheckBy(by) != nil {
		by = "" // callers check; an unknown grouping is none
	}
	r := &Report{From: opt.From, To: opt.To, AsOf: now, By: by, MustHave: slices.Clone(in.MustHave), MustHaveBasis: MustHaveBasis}
	if r.MustHave == nil {
		r.MustHave = []string{}
	}
	all := newTally()
	groups := map[string]*tally{}
	for _, o := range in.Obligations {
		if !opt.From.IsZero() && o.StartedAt.Before(opt.From) || !opt.To.IsZero() && !o.StartedAt.Before(opt.To) {
			continue
		}
		all.add(o, in, now)
		if by != "" {
			k := KeyOf(o, in.Leads, by)
			g := groups[k]
			if g == nil {
				g = newTally()
				groups[k] = g
			}
			g.add(o, in, now)
		}
	}
	r.Overall = all.group("", in)
	for _, k := range slices.SortedFunc(maps.Keys(groups), byKey) {
		r.Groups = append(r.Groups, groups[k].group(k, in))
	}
	return r
}

// byKey sorts group keys alphabetically, the empty one last.
func byKey(a, b string) int {
	if (a == "") != (b == "") {
		if a == "" {
			return 1
		}
		return -1
	}
	if c := cmp.Compare(strings.ToLower(a), strings.ToLower(b)); c != 0 {
		return c
	}
	return cmp.Compare(a, b)
}

// KeyOf is the group an obligation falls in when a report is by by (an
// owner, team, tier, rule or original source; "" for none).
func KeyOf(o *obligation.Obligation, leads map[string]*lead.Lead, by string) string {
	switch by {
	case ByOwner:
		return o.Owner
	case ByTeam:
		return o.Team
	case ByTier:
		return o.Tier
	case ByRule:
		return o.Rule
	case BySource:
		if l := leads[o.LeadKey]; l != nil {
			return cmp.Or(l.OriginalSource, l.Source)
		}
	}
	return ""
}

// tally accumulates one group.
type tally struct {
	counts                 Counts
	met, disp, accept      [2]int // numerator, denominator
	ftBusiness, ftWall     []time.Duration
	openBusiness, openWall []time.Duration
	touches                []int
	// leads maps each lead key to when its first obligation here started,
	// and whether an obligation shows it was touched.
	leads   map[string]time.Time
	touched map[string]bool
}

func newTally() *tally {
	return &tally{leads: map[string]time.Time{}, touched: map[string]bool{}}
}

func (t *tally) add(o *obligation.Obligation, in Input, now time.Time) {
	out := o.Outcome(now)
	t.counts.Total++
	switch out {
	case obligation.Met:
		t.counts.Met++
	case obligation.Breached:
		t.counts.Breached++
		if o.Status == obligation.Open {
			t.counts.OpenOverdue++
		}
	case obligation.Open:
		t.counts.Open++
	case obligation.Cancelled:
		t.counts.Cancelled++
	}
	judge(&t.met, out)
	switch o.Kind {
	case obligation.Disposition, obligation.Feedback:
		judge(&t.disp, out)
	case obligation.Accept:
		judge(&t.accept, out)
	}

	closedByTouch := (o.Status == obligation.Met || o.Status == obligation.Breached) && !o.ClosedAt.IsZero()
	if o.Kind == obligation.FirstTouch && closedByTouch {
		t.ftBusiness = append(t.ftBusiness, o.Business)
		t.ftWall = append(t.ftWall, o.Wall)
	}
	if o.Status == obligation.Open {
		if in.Book != nil {
			b, _ := o.Elapsed(in.Book, now)
			t.openBusiness = append(t.openBusiness, b)
		}
		t.openWall = append(t.openWall, now.Sub(o.StartedAt))
	}

	if first, ok := t.leads[o.LeadKey]; !ok || o.StartedAt.Before(first) {
		t.leads[o.LeadKey] = o.StartedAt
	}
	if o.Kind == obligation.FirstTouch && closedByTouch || o.Kind == obligation.Touches && o.Done > 0 {
		t.touched[o.LeadKey] = true
	}

	if o.Kind == obligation.Touches && o.Status != obligation.Cancelled {
		if n, ok := touchesAtDisposition(o, in.Leads[o.LeadKey]); ok {
			t.touches = append(t.touches, n)
		}
	}
}

// judge counts an outcome into a rate's numerator and denominator: met
// is one of one, breached (open past due included) none of one; open and
// cancelled obligations are not judged. Build and BuildTrend both count
// with it, so a week of the trend is that week's report.
func judge(c *[2]int, out obligation.Status) {
	switch out {
	case obligation.Met:
		c[0]++
		c[1]++
	case obligation.Breached:
		c[1]++
	}
}

// touchesAtDisposition is how many touches the lead of a touch-cadence
// obligation had when it was given its disposition. The lead's count is
// exact when no touch came after the disposition; otherwise the
// obligation's own count, of the touches while it ran, stands in.
func touchesAtDisposition(o *obligation.Obligation, l *lead.Lead) (int, bool) {
	if l == nil || l.DispositionAt == nil || l.DispositionAt.Before(o.StartedAt) {
		return 0, false
	}
	if l.LastTouchAt == nil || !l.LastTouchAt.After(*l.DispositionAt) {
		return l.Touches, true
	}
	return o.Done, true
}

func (t *tally) group(key string, in Input) Group {
	g := Group{
		Key:                      key,
		Obligations:              t.counts,
		Met:                      NewRate(t.met[0], t.met[1]),
		DispositionsOnTime:       NewRate(t.disp[0], t.disp[1]),
		HandoffsAcceptedOnTime:   NewRate(t.accept[0], t.accept[1]),
		FirstTouch:               Times{N: len(t.ftWall), Business: spreadOf(t.ftBusiness), Wall: spreadOf(t.ftWall)},
		OpenAge:                  Times{N: len(t.openWall), Business: spreadOf(t.openBusiness), Wall: spreadOf(t.openWall)},
		TouchesBeforeDisposition: countOf(t.touches),
	}
	worked, have, known := 0, 0, 0
	for k, first := range t.leads {
		l := in.Leads[k]
		if t.touched[k] || l != nil && l.LastTouchAt != nil && !l.LastTouchAt.Before(first) {
			worked++
		}
		if l == nil || len(in.MustHave) == 0 {
			continue
		}
		known++
		ok := true
		for _, f := range in.MustHave {
			if !hasField(l, f) {
				ok = false
				if g.Missing == nil {
					g.Missing = map[string]int{}
				}
				g.Missing[f]++
			}
		}
		if ok {
			have++
		}
	}
	g.Worked = NewRate(worked, len(t.leads))
	g.MustHave = NewRate(have, known)
	return g
}

// hasField reports whether the lead carries a lead_must_have field: a
// lead field by its name, attributes.NAME (or any other name) among its
// attributes. Blank strings and false do not count.
func hasField(l *lead.Lead, name string) bool {
	var s string
	switch name {
	case "email":
		s = l.Email
	case "name":
		s = l.Name
	case "company":
		s = l.Company
	case "title":
		s = l.Title
	case "seniority":
		s = l.Seniority
	case "phone":
		s = l.Phone
	case "country":
		s = l.Country
	case "source":
		s = cmp.Or(l.Source, l.OriginalSource)
	case "campaign":
		s = cmp.Or(l.Campaign, l.OriginalCampaign)
	case "offer":
		s = cmp.Or(l.Offer, l.OriginalOffer)
	case "segment":
		s = l.Segment
	case "score":
		return l.Score != nil
	default:
		v, ok := l.Attributes[strings.TrimPrefix(name, "attributes.")]
		if !ok || v == nil || v == false {
			return false
		}
		if str, isStr := v.(string); isStr {
			return strings.TrimSpace(str) != ""
		}
		return true
	}
	return strings.TrimSpace(s) != ""
}
