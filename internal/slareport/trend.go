package slareport

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/accordhq/accord/internal/daily"
)

// Bucket is one span of a trend: obligations started in [From, To).
type Bucket struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Weeks are the n weeks of the fiscal calendar f that end at end (a day,
// excluded), oldest first, each from midnight to midnight in loc. The
// last is the week holding the day before end, cut short at end when end
// falls mid-week, so the trend covers no day the caller did not ask for.
func Weeks(f daily.Fiscal, loc *time.Location, end string, n int) ([]Bucket, error) {
	last, err := time.Parse(time.DateOnly, end)
	if err != nil {
		return nil, fmt.Errorf("weeks to %q: not a day such as 2026-03-15", end)
	}
	if n <= 0 {
		return nil, nil
	}
	if loc == nil {
		loc = time.UTC
	}
	midnight := func(day string) time.Time {
		t, _ := time.ParseInLocation(time.DateOnly, day, loc)
		return t
	}
	// Weeks are counted in days, not hours, so a week with a daylight
	// saving change is still one week from midnight to midnight.
	week := f.Week(last.AddDate(0, 0, -1).Format(time.DateOnly))
	out := make([]Bucket, n)
	to := min(week.To, end)
	for i := n - 1; i >= 0; i-- {
		out[i] = Bucket{From: midnight(week.From), To: midnight(to)}
		to = week.From
		from, _ := time.Parse(time.DateOnly, week.From)
		week = f.Week(from.AddDate(0, 0, -1).Format(time.DateOnly))
	}
	return out, nil
}

// Trend is the share met bucket by bucket, overall and for the groups
// with the most judged obligations. Each bucket's rates are those Build
// gives for the bucket's [From, To).
type Trend struct {
	By      string    `json:"by,omitempty"`
	AsOf    time.Time `json:"as_of"`
	Buckets []Bucket  `json:"buckets"`
	// Overall is met ÷ judged of every obligation, one rate per bucket.
	Overall []Rate `json:"overall"`
	// Groups are the largest groups, the most judged first.
	Groups []TrendGroup `json:"groups,omitempty"`
}

// TrendGroup is one group's share met, one rate per bucket (with a zero
// denominator where it had nothing judged).
type TrendGroup struct {
	Key string `json:"key"`
	// Judged is how many of its obligations were judged over all the
	// buckets: what it was chosen by.
	Judged int    `json:"judged"`
	Met    []Rate `json:"met"`
}

// TrendOptions say what a trend is cut into and broken down by.
type TrendOptions struct {
	// Buckets are the spans, in order and not overlapping; gaps between
	// them are left out.
	Buckets []Bucket
	By      string // "" or one of Bys
	// Top is how many groups are kept: those with the most judged
	// obligations over all the buckets, ties in key order.
	Top int
	// Now is what "open and past due" is judged against; zero is
	// time.Now().
	Now time.Time
}

// BuildTrend computes the share met of in's obligations bucket by bucket
// in one pass, so a twelve-week trend costs one Load, not twelve.
func BuildTrend(in Input, opt TrendOptions) *Trend {
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	by := opt.By
	if CheckBy(by) != nil || opt.Top <= 0 {
		by = ""
	}
	n := len(opt.Buckets)
	all := make([][2]int, n)
	groups := map[string][][2]int{}
	for _, o := range in.Obligations {
		i := bucketOf(opt.Buckets, o.StartedAt)
		if i < 0 {
			continue
		}
		out := o.Outcome(now)
		judge(&all[i], out)
		if by == "" {
			continue
		}
		k := KeyOf(o, in.Leads, by)
		g := groups[k]
		if g == nil {
			g = make([][2]int, n)
			groups[k] = g
		}
		judge(&g[i], out)
	}

	t := &Trend{By: by, AsOf: now, Buckets: slices.Clone(opt.Buckets), Overall: rates(all)}
	for k, g := range groups {
		judged := 0
		for _, c := range g {
			judged += c[1]
		}
		if judged > 0 {
			t.Groups = append(t.Groups, TrendGroup{Key: k, Judged: judged, Met: rates(g)})
		}
	}
	slices.SortFunc(t.Groups, func(a, b TrendGroup) int {
		if c := cmp.Compare(b.Judged, a.Judged); c != 0 {
			return c
		}
		return byKey(a.Key, b.Key)
	})
	if len(t.Groups) > opt.Top {
		t.Groups = t.Groups[:opt.Top]
	}
	return t
}

// bucketOf is the index of the bucket holding t, or -1.
func bucketOf(bs []Bucket, t time.Time) int {
	i := sort.Search(len(bs), func(i int) bool { return bs[i].From.After(t) }) - 1
	if i < 0 || !t.Before(bs[i].To) {
		return -1
	}
	return i
}

func rates(cs [][2]int) []Rate {
	out := make([]Rate, len(cs))
	for i, c := range cs {
		out[i] = NewRate(c[0], c[1])
	}
	return out
}
