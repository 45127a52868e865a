// Package leadvalue works out what a lead is worth: the bookings of the
// leads created over a lookback window divided by their number, overall
// and per group of a dimension (source, offer, campaign, segment,
// seniority) or of a combination of them (source × offer), with thin
// groups shrunk toward their parent, an interval and n for every figure;
// and marketing's "lead value delivered vs goal" for a month.
//
// # Method
//
// A lead's value y is its won bookings (0 for most leads). Groups are
// nested: by source, offer the parent of (webinar, demo) is (webinar),
// whose parent is all leads. At each level the model is normal-normal:
// a group's mean ȳ is its true value θ plus noise of variance σ²/n, and
// the θ of the groups under one parent scatter around it with variance
// τ². σ² is the pooled within-group variance of the level's leads,
// Σ(y − ȳ_group)² / (N − K); τ² is estimated by the method of moments
// (DerSimonian–Laird, pooled over the parents): τ² = max(0, (Σ n(ȳ −
// ȳ_parent)² − (K − P)·σ²) / Σ_parents(N_p − Σ n²/N_p)), for K groups
// under P parents. Each group is then shrunk toward its parent's own
// estimate: θ̂ = θ̂_parent + B·(ȳ − θ̂_parent) with B = n / (n + σ²/τ²),
// so a group of σ²/τ² leads is weighted half on its own mean, a big one
// hardly moves and a thin one lands near its parent. A group of fewer
// than MinLeads leads takes its parent's estimate outright (B = 0, the
// fallback); when τ² is 0 (the groups differ no more than noise would
// make them) every group does.
//
// The 95% interval is θ̂ ± 1.96·√V with V = B·σ²/n + (1 − B)²·V_parent
// (the posterior variance given τ², plus what the parent's own
// uncertainty passes on; all leads' mean has V = s²/N), cut at 0 since
// bookings are not negative. It is a normal approximation: it takes σ²
// and τ² as known, so it runs somewhat narrow, and lead values are
// skewed (a few big deals among many zeros), so under SmallSample leads
// it is rough — such groups are flagged small_sample. And σ² is pooled:
// a group whose leads vary less than the level's average gets a wider
// interval than its own leads alone would give, one that varies more
// (a single big deal among few leads) a narrower one. Pooling is what
// keeps a thin group of zeros from claiming an interval of [0, 0].
package leadvalue

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/accordhq/accord/internal/store"
)

// Dimensions a lead's value may be broken down by.
const (
	Source    = "source"    // the first source the lead came in under, else its latest
	Offer     = "offer"     // likewise the first offer
	Campaign  = "campaign"  // likewise the first campaign
	Segment   = "segment"   // the lead's segment now
	Seniority = "seniority" // the seniority of the lead's title, as sent
)

// Dimensions lists them in the order a combination's levels are named.
var Dimensions = []string{Source, Offer, Campaign, Segment, Seniority}

// SmallSample is the number of leads under which a group is flagged.
const SmallSample = 30

// MinLeads is the fewest leads a group needs to count on its own mean at
// all; fewer, and it takes its parent's value.
const MinLeads = 5

// z95 is the normal quantile of a two-sided 95% interval.
const z95 = 1.959963984540054

// Method describes, in one paragraph, how the figures are made.
const Method = "Value per lead = bookings ÷ leads. Each group is shrunk toward its parent (all leads, or the group one " +
	"dimension up) by empirical Bayes: a normal-normal model whose within-group variance σ² is pooled over the level's " +
	"groups and whose between-group variance τ² is estimated by the method of moments (DerSimonian–Laird); the group's " +
	"own mean gets weight n/(n + σ²/τ²). Groups of fewer than 5 leads take their parent's value. Intervals are normal " +
	"approximations, θ ± 1.96√(B·σ²/n + (1−B)²·V_parent), cut at 0; they treat σ² and τ² as known and use the pooled σ², " +
	"and lead values are skewed, so under 30 leads (small_sample) they are rough."

// ParseBy reads a comma-separated list of dimensions ("source,offer").
// The first is the outer level: source × offer falls back to source.
func ParseBy(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return []string{Source}, nil
	}
	var out []string
	for _, d := range strings.Split(s, ",") {
		d = strings.TrimSpace(d)
		if !slices.Contains(Dimensions, d) {
			return nil, fmt.Errorf("cannot break lead value down by %q: use %s, or two or more of them joined by commas (source,offer)",
				d, strings.Join(Dimensions, ", "))
		}
		if slices.Contains(out, d) {
			return nil, fmt.Errorf("%q is named twice", d)
		}
		out = append(out, d)
	}
	return out, nil
}

// dim is a lead's value of one dimension.
func dim(l *store.LeadValue, d string) string {
	switch d {
	case Source:
		return l.Source
	case Offer:
		return l.Offer
	case Campaign:
		return l.Campaign
	case Segment:
		return l.Segment
	case Seniority:
		return l.Seniority
	}
	return ""
}

// Interval is a 95% interval.
type Interval struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

// Overall is all the leads of the window.
type Overall struct {
	N            int64   `json:"n"`
	Won          int64   `json:"won"`
	Bookings     float64 `json:"bookings"`
	ValuePerLead float64 `json:"value_per_lead"`
	// Interval is ValuePerLead ± 1.96 s/√n; null under two leads.
	Interval    *Interval `json:"interval"`
	SmallSample bool      `json:"small_sample"`
}

// Group is one value (or combination of values) of the dimensions.
type Group struct {
	// Key holds the group's value of each dimension; "" is the leads
	// without one.
	Key          map[string]string `json:"key"`
	N            int64             `json:"n"`
	Won          int64             `json:"won"`
	Bookings     float64           `json:"bookings"`
	ValuePerLead float64           `json:"value_per_lead"` // raw: bookings ÷ n
	ShrunkValue  float64           `json:"shrunk_value"`   // the estimate to use
	// Weight is B, the share of the group's own mean in ShrunkValue (the
	// rest is the parent's).
	Weight float64 `json:"weight"`
	// Interval is around ShrunkValue; null when it cannot be estimated.
	Interval    *Interval `json:"interval"`
	SmallSample bool      `json:"small_sample"` // fewer than 30 leads
	// Fallback: fewer than MinLeads leads, so ShrunkValue is the parent's.
	Fallback bool   `json:"fallback"`
	Parent   Parent `json:"parent"`
}

// Parent is the group a group is shrunk toward.
type Parent struct {
	Key         map[string]string `json:"key"` // {} for all leads
	N           int64             `json:"n"`
	ShrunkValue float64           `json:"shrunk_value"`
}

// Level is one level of the nesting: its groups and the model's
// variances there.
type Level struct {
	By     []string `json:"by"`
	Groups int      `json:"groups"`
	// WithinSD is σ, the pooled standard deviation of a lead's value
	// within its group; BetweenSD is τ, the spread of the groups' true
	// values around their parent's. Null when the level has too little
	// data to say.
	WithinSD  *float64 `json:"within_sd"`
	BetweenSD *float64 `json:"between_sd"`
	// HalfWeightLeads is σ²/τ²: a group of that many leads is weighted
	// half on its own mean. Null when τ is 0 (every group takes its
	// parent's value) or unknown.
	HalfWeightLeads *float64 `json:"half_weight_leads"`
}

// Estimates are the figures of one set of leads.
type Estimates struct {
	By      []string `json:"by"`
	Overall Overall  `json:"overall"`
	Levels  []Level  `json:"levels"`
	// Groups are the requested breakdown; Parents the groups of the
	// levels above it (none for a single dimension), outer first.
	Groups  []Group `json:"groups"`
	Parents []Group `json:"parents"`

	// est holds each level's estimates by key, for ValueOf.
	est []map[string]float64
	all float64
}

// group is a group as it is worked out.
type group struct {
	key    string
	values []string
	parent string
	n, won int64
	cents  int64
	sum    float64
	ss     float64 // Σ (y − ȳ)²
	est, v float64
	weight float64
	fb     bool
}

func (g *group) mean() float64 { return g.sum / float64(g.n) }

// keyOf joins a lead's values of dims.
func keyOf(l *store.LeadValue, dims []string) (string, []string) {
	vals := make([]string, len(dims))
	for i, d := range dims {
		vals[i] = dim(l, d)
	}
	return strings.Join(vals, "\x00"), vals
}

// Estimate works out the value per lead of leads overall and by each
// level of by (by[:1], by[:2], … by), each level's groups shrunk toward
// the level above (see the package comment).
func Estimate(leads []store.LeadValue, by []string) *Estimates {
	e := &Estimates{By: by, Groups: []Group{}, Parents: []Group{}, Levels: []Level{}}
	ys := make([]float64, len(leads))
	var sum float64
	var cents, won int64
	for i := range leads {
		ys[i] = float64(leads[i].BookingsCents) / 100
		sum += ys[i]
		cents += leads[i].BookingsCents
		won += leads[i].Won
	}
	n := int64(len(leads))
	o := Overall{N: n, Won: won, Bookings: float64(cents) / 100, SmallSample: n < SmallSample}
	allV := math.NaN()
	if n > 0 {
		e.all = sum / float64(n)
		o.ValuePerLead = round2(e.all)
	}
	if n >= 2 {
		var ss float64
		for _, y := range ys {
			ss += (y - e.all) * (y - e.all)
		}
		allV = ss / float64(n-1) / float64(n)
		o.Interval = interval(e.all, allV)
	}
	e.Overall = o

	// The level above: its groups' estimates, variances, means and sizes.
	type up struct {
		est, v, mean float64
		n            int64
		values       []string
	}
	above := map[string]up{"": {est: e.all, v: allV, mean: e.all, n: n}}
	for k := 1; k <= len(by); k++ {
		dims := by[:k]
		groups := map[string]*group{}
		var order []*group
		idx := make([]*group, len(leads))
		for i := range leads {
			key, vals := keyOf(&leads[i], dims)
			g := groups[key]
			if g == nil {
				pk, _ := keyOf(&leads[i], by[:k-1])
				g = &group{key: key, values: vals, parent: pk}
				groups[key] = g
				order = append(order, g)
			}
			g.n++
			g.won += leads[i].Won
			g.cents += leads[i].BookingsCents
			g.sum += ys[i]
			idx[i] = g
		}
		for i, y := range ys {
			d := y - idx[i].mean()
			idx[i].ss += d * d
		}
		sigma2, tau2 := variances(order, func(g *group) (float64, int64) { p := above[g.parent]; return p.mean, p.n })
		lv := Level{By: dims, Groups: len(order)}
		if !math.IsNaN(sigma2) {
			lv.WithinSD = ptr(round2(math.Sqrt(sigma2)))
			lv.BetweenSD = ptr(round2(math.Sqrt(tau2)))
			if tau2 > 0 {
				lv.HalfWeightLeads = ptr(math.Round(sigma2/tau2*10) / 10)
			}
		}
		e.Levels = append(e.Levels, lv)

		next := map[string]up{}
		est := map[string]float64{}
		slices.SortFunc(order, func(a, b *group) int { return slices.Compare(a.values, b.values) })
		for _, g := range order {
			p := above[g.parent]
			switch {
			case g.n < MinLeads:
				g.fb = true
			case math.IsNaN(sigma2) || tau2 == 0:
				g.weight = 0
			case sigma2 == 0:
				g.weight = 1
			default:
				g.weight = float64(g.n) / (float64(g.n) + sigma2/tau2)
			}
			g.est = p.est + g.weight*(g.mean()-p.est)
			g.v = (1 - g.weight) * (1 - g.weight) * p.v
			if g.weight > 0 {
				g.v += g.weight * sigma2 / float64(g.n)
			}
			next[g.key] = up{est: g.est, v: g.v, mean: g.mean(), n: g.n, values: g.values}
			est[g.key] = g.est
			out := Group{Key: keyMap(dims, g.values), N: g.n, Won: g.won, Bookings: float64(g.cents) / 100,
				ValuePerLead: round2(g.mean()), ShrunkValue: round2(g.est), Weight: math.Round(g.weight*10000) / 10000,
				Interval: interval(g.est, g.v), SmallSample: g.n < SmallSample, Fallback: g.fb,
				Parent: Parent{Key: keyMap(by[:k-1], p.values), N: p.n, ShrunkValue: round2(p.est)}}
			if k == len(by) {
				e.Groups = append(e.Groups, out)
			} else {
				e.Parents = append(e.Parents, out)
			}
		}
		e.est = append(e.est, est)
		above = next
	}
	return e
}

// variances returns a level's pooled within-group variance σ² (NaN when
// no group has two leads) and the method-of-moments estimate of the
// between-group variance τ² around each group's parent (parent gives the
// parent's raw mean and size).
func variances(groups []*group, parent func(*group) (float64, int64)) (sigma2, tau2 float64) {
	var ss, q float64
	var n int64
	parents := map[string]struct {
		n   int64
		sq  float64
		cnt int
	}{}
	for _, g := range groups {
		ss += g.ss
		n += g.n
		mean, _ := parent(g)
		d := g.mean() - mean
		q += float64(g.n) * d * d
		p := parents[g.parent]
		p.n += g.n
		p.sq += float64(g.n) * float64(g.n)
		p.cnt++
		parents[g.parent] = p
	}
	k := int64(len(groups))
	if n <= k {
		return math.NaN(), 0
	}
	sigma2 = ss / float64(n-k)
	var c float64
	for _, p := range parents {
		c += float64(p.n) - p.sq/float64(p.n)
	}
	if c <= 0 {
		return sigma2, 0 // one group per parent: nothing to tell apart
	}
	df := float64(k - int64(len(parents)))
	return sigma2, max(0, (q-df*sigma2)/c)
}

// ValueOf is the estimate for a lead like l: its group's shrunk value at
// the finest level that has seen its values, else all leads' value; ok
// is false when the window had no leads at all.
func (e *Estimates) ValueOf(l *store.LeadValue) (v float64, ok bool) {
	if e.Overall.N == 0 {
		return 0, false
	}
	for k := len(e.est); k >= 1; k-- {
		key, _ := keyOf(l, e.By[:k])
		if v, ok := e.est[k-1][key]; ok {
			return v, true
		}
	}
	return e.all, true
}

func interval(est, v float64) *Interval {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	h := z95 * math.Sqrt(v)
	return &Interval{Low: round2(max(0, est-h)), High: round2(est + h)}
}

func keyMap(dims, values []string) map[string]string {
	m := make(map[string]string, len(dims))
	for i, d := range dims {
		m[d] = values[i]
	}
	return m
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

func ptr[T any](v T) *T { return &v }
