// Package daily holds the reporting atoms: per day (in the organisation's
// time zone) and per dimension value, how many leads entered each stage,
// how many opportunities were opened, won and lost and for how much, and
// how many activities of each kind were logged. Weeks, months, quarters and
// the year to date are sums of days.
//
// Each lead contributes a set of atoms that is a function of its state and
// its opportunities (Of); ingest keeps the lead's last contribution and
// applies only the difference when the lead changes, so the table is always
// the sum of every lead's current contribution, and a rebuild gives the
// same table. Activities are counted from the log directly (OfActivity):
// an activity is a fact about a day and a rep, whoever's lead it was.
package daily

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/lead"
)

// Dimensions an atom is counted under. All is the total: every atom is
// counted once under it and once under each other dimension that has a
// value.
const (
	All      = ""
	Source   = "source"
	Campaign = "campaign"
	Offer    = "offer"
	Segment  = "segment"
	Owner    = "owner"
	Team     = "team"
	Product  = "product"
	Tier     = "tier"
	// Hour is the hour of the day (00 to 23, in the organisation's zone)
	// a lead entered a stage or a deal was opened: what the wall display
	// draws hour by hour. Counted alone, not crossed with the others.
	Hour = "hour"
)

// Dimensions lists the dimensions a report may break figures down by.
var Dimensions = []string{Source, Campaign, Offer, Segment, Owner, Team, Product, Tier, Hour}

// hours are the Hour dimension's values.
var hours = func() (h [24]string) {
	for i := range h {
		h[i] = fmt.Sprintf("%02d", i)
	}
	return h
}()

// HourOf is t's hour of the day in loc, as the Hour dimension's value.
func HourOf(t time.Time, loc *time.Location) string { return hours[t.In(loc).Hour()] }

// Metrics counted from leads and opportunities. Stages count leads that
// entered the stage for the first time that day; opportunity metrics count
// deals (and Bookings their amount).
const (
	Opportunities = "opportunities_opened"
	Proposals     = "proposals"
	Won           = "won"
	Lost          = "lost"
	Bookings      = "bookings"
)

// ActivityMetric is the metric counting activities of a kind.
func ActivityMetric(kind string) string { return "activity." + kind }

// Key is one atom: a metric on a day under one dimension value.
type Key struct {
	Day    string `json:"day"` // 2006-01-02 in the organisation's zone
	Metric string `json:"metric"`
	Dim    string `json:"dim"`
	Value  string `json:"value"`
}

// Cell is an atom's value: a count and, for bookings, an amount in
// hundredths (cents), kept whole so that adding and taking away a lead's
// contribution, in any order, always lands on the same sum.
type Cell struct {
	N     int64 `json:"n"`
	Cents int64 `json:"cents,omitempty"`
}

// Amount is the cell's amount in currency units.
func (c Cell) Amount() float64 { return float64(c.Cents) / 100 }

// Counts is a set of atoms.
type Counts map[Key]Cell

// Add adds c's atoms to x, times sign (+1 or −1), dropping cells that
// become zero.
func (x Counts) Add(c Counts, sign int64) {
	for k, v := range c {
		cur := x[k]
		cur.N += sign * v.N
		cur.Cents += sign * v.Cents
		if cur.N == 0 && cur.Cents == 0 {
			delete(x, k)
		} else {
			x[k] = cur
		}
	}
}

// Diff returns after − before.
func Diff(before, after Counts) Counts {
	out := Counts{}
	out.Add(after, 1)
	out.Add(before, -1)
	return out
}

// Keys returns the atoms' keys in a stable order.
func (x Counts) Keys() []Key {
	keys := slices.Collect(maps.Keys(x))
	slices.SortFunc(keys, func(a, b Key) int {
		return cmp.Or(cmp.Compare(a.Day, b.Day), cmp.Compare(a.Metric, b.Metric), cmp.Compare(a.Dim, b.Dim), cmp.Compare(a.Value, b.Value))
	})
	return keys
}

// Day is t's calendar day in loc.
func Day(t time.Time, loc *time.Location) string {
	y, m, d := t.In(loc).Date()
	if y >= 1000 && y <= 9999 {
		// Formatting a date is ~100 ns; a day string per atom adds up.
		return days.get(y, m, d)
	}
	return t.In(loc).Format(time.DateOnly)
}

// dayCache interns day strings: reporting touches few distinct days.
type dayCache struct {
	mu sync.RWMutex
	m  map[int32]string
}

var days = dayCache{m: map[int32]string{}}

func (c *dayCache) get(y int, m time.Month, d int) string {
	k := int32(y*10000 + int(m)*100 + d)
	c.mu.RLock()
	s, ok := c.m[k]
	c.mu.RUnlock()
	if ok {
		return s
	}
	s = time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	c.mu.Lock()
	if len(c.m) < 1<<16 {
		c.m[k] = s
	}
	c.mu.Unlock()
	return s
}

// dims are the dimension values a lead's atoms are counted under: the
// source, campaign and offer marketing is credited with (the first), and
// the lead's segment, owner and team now.
func dims(l *lead.Lead) [][2]string {
	first := func(orig, latest string) string {
		if orig != "" {
			return orig
		}
		return latest
	}
	return [][2]string{
		{Source, first(l.OriginalSource, l.Source)},
		{Campaign, first(l.OriginalCampaign, l.Campaign)},
		{Offer, first(l.OriginalOffer, l.Offer)},
		{Segment, l.Segment},
		{Owner, l.Owner},
		{Team, l.Team},
	}
}

func (x Counts) put(day, metric string, ds [][2]string, n int64, amount float64) {
	cents := int64(math.Round(amount * 100))
	add := func(dim, value string) {
		k := Key{day, metric, dim, value}
		c := x[k]
		c.N += n
		c.Cents += cents
		x[k] = c
	}
	add(All, "")
	for _, d := range ds {
		if d[1] != "" {
			add(d[0], d[1])
		}
	}
}

// CohortSteps are the stage pairs counted by cohort: of the leads that
// entered From on a day, how many went on to To, ever and within each of
// CohortWindows days — in total and by source.
var CohortSteps = [][2]string{{"lead", "mql"}, {"mql", "sql"}, {"sql", "opportunity"}, {"opportunity", "customer"}}

// CohortWindows are the "within N days" a cohort is also counted for.
var CohortWindows = []int{30}

// CohortMetric names the count of leads that entered from on a day and
// went on to to (within days; 0 for ever).
func CohortMetric(from, to string, days int) string {
	if days == 0 {
		return "cohort." + from + "." + to
	}
	return fmt.Sprintf("cohort.%s.%s.%dd", from, to, days)
}

// Cycle metrics: every won deal counts once under CycleDays on its won
// day, with its length in hundredths of days in the cell's Cents (so the
// mean is Cents/100/N), and once under CycleHistogram of its whole number
// of days (so the median can be read).
const CycleDays = "cycle.days"

// CycleNegative counts won deals whose win is dated before the lead's
// first contact (its creation, or its first entry into a pre-sale stage);
// they are left out of the cycle and reported.
const CycleNegative = "cycle.negative"

// CycleHistogram names the count of deals won after days whole days.
func CycleHistogram(days int) string { return fmt.Sprintf("cycle.hist.%04d", days) }

// beforeContact reports whether a deal won at won came before the lead's
// first contact: the lead first entered a pre-sale stage (lead, MQL, SQL)
// after the win. The deal's own events may be what created the lead (a CRM
// export writing everything of a deal at its won date), so the lead's
// creation alone cannot tell.
func beforeContact(l *lead.Lead, won time.Time) bool {
	for _, s := range []string{"lead", "mql", "sql"} {
		if at, ok := l.StagesEntered[s]; ok && at.After(won) {
			return true
		}
	}
	return false
}

// stagesOf is a lead's stage and cohort atoms.
func stagesOf(x Counts, l *lead.Lead, ds [][2]string, loc *time.Location) {
	for stage, at := range l.StagesEntered {
		day := Day(at, loc)
		x.put(day, stage, ds, 1, 0)
		x.bump(Key{day, stage, Hour, HourOf(at, loc)})
	}
	for _, step := range CohortSteps {
		from, ok1 := l.StagesEntered[step[0]]
		to, ok2 := l.StagesEntered[step[1]]
		if !ok1 || !ok2 || to.Before(from) {
			continue
		}
		// Cohorts are counted in total and by source only: they are many
		// (a step, a window) and read by source or not at all.
		day := Day(from, loc)
		cd := ds[:1]
		x.put(day, CohortMetric(step[0], step[1], 0), cd, 1, 0)
		for _, w := range CohortWindows {
			if to.Sub(from) <= time.Duration(w)*24*time.Hour {
				x.put(day, CohortMetric(step[0], step[1], w), cd, 1, 0)
			}
		}
	}
}

// Counter counts leads' atoms on the days of its time zone, under the
// lead's tier too when it can grade leads.
type Counter struct {
	Loc *time.Location
	// Tier grades a lead (the agreement's tiers); nil: no tier dimension.
	Tier func(*lead.Lead) string
}

func (c Counter) dims(l *lead.Lead) [][2]string {
	ds := dims(l)
	if c.Tier != nil {
		ds = append(ds, [2]string{Tier, c.Tier(l)})
	}
	return ds
}

// Of is Counter.Of without tiers.
func Of(l *lead.Lead, opps []*lead.Opportunity, loc *time.Location) Counts {
	return Counter{Loc: loc}.Of(l, opps)
}

// Of is a lead's contribution: each stage it has entered, on the day it
// first entered it; its cohort steps, on the day it entered the first
// stage of each; and each of its opportunities — opened, given a
// proposal, won (with bookings and the cycle from the lead's creation) or
// lost — under the lead's dimensions and the deal's product (and the
// deal's owner, for the deal metrics).
func (c Counter) Of(l *lead.Lead, opps []*lead.Opportunity) Counts {
	loc := c.Loc
	out := Counts{}
	if l == nil || l.Events == 0 {
		return out
	}
	ds := c.dims(l)
	stagesOf(out, l, ds, loc)
	for _, o := range opps {
		od := slices.Clone(ds[:4]) // source, campaign, offer, segment of the lead
		od = append(od, [2]string{Owner, o.Owner}, [2]string{Team, l.Team}, [2]string{Product, o.Product})
		if c.Tier != nil {
			od = append(od, ds[len(ds)-1])
		}
		if o.Events == 0 {
			continue
		}
		opened := Day(o.CreatedAt, loc)
		out.put(opened, Opportunities, od, 1, 0)
		out.bump(Key{opened, Opportunities, Hour, HourOf(o.CreatedAt, loc)})
		if o.ProposalAt != nil {
			out.put(Day(*o.ProposalAt, loc), Proposals, od, 1, 0)
		}
		if o.ClosedAt != nil {
			switch o.Status {
			case "won":
				amount := 0.0
				if o.Amount != nil {
					amount = *o.Amount
				}
				day := Day(*o.ClosedAt, loc)
				out.put(day, Won, od, 1, 0)
				out.put(day, Bookings, od, 1, amount)
				if cycle := o.ClosedAt.Sub(l.CreatedAt); cycle >= 0 && !beforeContact(l, *o.ClosedAt) {
					d := cycle.Hours() / 24
					out.put(day, CycleDays, od, 1, d) // put keeps hundredths: days × 100
					out.put(day, CycleHistogram(int(d)), od, 1, 0)
				} else {
					// Won before the lead's first known contact: a data
					// problem to show, not a cycle to average.
					out.put(day, CycleNegative, od, 1, 0)
				}
			case "lost":
				out.put(Day(*o.ClosedAt, loc), Lost, od, 1, 0)
			}
		}
	}
	return out
}

// AddStages adds to x what changes when a lead whose dimensions and deals
// stay the same enters new stages: the atoms of the stages it had not
// entered before, and the cohort steps those complete. (Deal atoms do not
// change, unless a deal's cycle does: callers recount leads with won deals
// that enter a pre-sale stage — see beforeContact.)
func (c Counter) AddStages(x Counts, before, l *lead.Lead) {
	ds := c.dims(l)
	for stage, at := range l.StagesEntered {
		if _, had := before.StagesEntered[stage]; !had {
			day := Day(at, c.Loc)
			x.put(day, stage, ds, 1, 0)
			x.bump(Key{day, stage, Hour, HourOf(at, c.Loc)})
		}
	}
	for _, step := range CohortSteps {
		_, hadFrom := before.StagesEntered[step[0]]
		_, hadTo := before.StagesEntered[step[1]]
		if hadFrom && hadTo {
			continue // counted already, and first entries never move
		}
		from, ok1 := l.StagesEntered[step[0]]
		to, ok2 := l.StagesEntered[step[1]]
		if !ok1 || !ok2 || to.Before(from) {
			continue
		}
		day, cd := Day(from, c.Loc), ds[:1]
		x.put(day, CohortMetric(step[0], step[1], 0), cd, 1, 0)
		for _, w := range CohortWindows {
			if to.Sub(from) <= time.Duration(w)*24*time.Hour {
				x.put(day, CohortMetric(step[0], step[1], w), cd, 1, 0)
			}
		}
	}
}

// OfActivity is one logged activity's contribution: its kind, on its day,
// under the rep who did it (the actor).
func OfActivity(e *event.Event, loc *time.Location) Counts {
	out := Counts{}
	AddActivity(out, e, loc)
	return out
}

// AddActivity adds OfActivity(e, loc) to x.
func AddActivity(x Counts, e *event.Event, loc *time.Location) {
	if e.Type != event.ActivityLogged {
		return
	}
	p, err := e.Payload()
	if err != nil {
		return
	}
	a, ok := p.(*event.Activity)
	if !ok {
		return
	}
	day, metric := Day(e.OccurredAt, loc), ActivityMetric(a.Kind)
	x.bump(Key{day, metric, All, ""})
	if a.Actor != "" {
		x.bump(Key{day, metric, Owner, a.Actor})
	}
}

func (x Counts) bump(k Key) {
	c := x[k]
	c.N++
	x[k] = c
}
