package slareport

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/daily"
	"github.com/accordhq/accord/internal/obligation"
)

const day = 24 * time.Hour

// trendBuckets are two weeks from t0, a gap of a week, then four days.
var trendBuckets = []Bucket{
	{From: t0, To: at(7 * day)},
	{From: at(7 * day), To: at(14 * day)},
	{From: at(21 * day), To: at(25 * day)},
}

// tob is an obligation of owner started at t0+start.
func tob(owner string, status obligation.Status, start, due time.Duration) *obligation.Obligation {
	o := &obligation.Obligation{ID: fmt.Sprintf("%s-%v-%v", owner, start, status), LeadKey: "L-" + owner, Owner: owner,
		Kind: obligation.FirstTouch, Status: status, StartedAt: at(start)}
	if due != 0 {
		o.DueAt = at(due)
	}
	return o
}

func TestBuildTrendBuckets(t *testing.T) {
	t.Parallel()
	now := at(30 * day)
	for _, c := range []struct {
		name string
		obs  []*obligation.Obligation
		want [][2]int // met, judged by bucket
	}{
		{"at a bucket's start it is in that bucket", []*obligation.Obligation{tob("a", obligation.Met, 0, 0)}, [][2]int{{1, 1}, {0, 0}, {0, 0}}},
		{"just before a bucket's end", []*obligation.Obligation{tob("a", obligation.Breached, 7*day-time.Nanosecond, 0)}, [][2]int{{0, 1}, {0, 0}, {0, 0}}},
		{"at a bucket's end it is in the next", []*obligation.Obligation{tob("a", obligation.Met, 7*day, 0)}, [][2]int{{0, 0}, {1, 1}, {0, 0}}},
		{"before the first bucket", []*obligation.Obligation{tob("a", obligation.Met, -time.Nanosecond, 0)}, [][2]int{{0, 0}, {0, 0}, {0, 0}}},
		{"in the gap between buckets", []*obligation.Obligation{tob("a", obligation.Met, 14*day, 0), tob("a", obligation.Met, 21*day-time.Second, 0)}, [][2]int{{0, 0}, {0, 0}, {0, 0}}},
		{"at the last bucket's end", []*obligation.Obligation{tob("a", obligation.Met, 25*day, 0)}, [][2]int{{0, 0}, {0, 0}, {0, 0}}},
		{"open and past due is breached", []*obligation.Obligation{tob("a", obligation.Open, 22*day, 23*day)}, [][2]int{{0, 0}, {0, 0}, {0, 1}}},
		{"open and not yet due, open with no due time, cancelled: not judged", []*obligation.Obligation{
			tob("a", obligation.Open, day, 31*day), tob("a", obligation.Open, day, 0), tob("a", obligation.Cancelled, day, 0),
		}, [][2]int{{0, 0}, {0, 0}, {0, 0}}},
		{"in any order", []*obligation.Obligation{
			tob("a", obligation.Met, 24*day, 0), tob("a", obligation.Breached, 8*day, 0), tob("a", obligation.Met, time.Hour, 0), tob("a", obligation.Met, 9*day, 0),
		}, [][2]int{{1, 1}, {1, 2}, {1, 1}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tr := BuildTrend(Input{Obligations: c.obs}, TrendOptions{Buckets: trendBuckets, Now: now})
			if len(tr.Overall) != len(trendBuckets) {
				t.Fatalf("%d rates for %d buckets", len(tr.Overall), len(trendBuckets))
			}
			for i, r := range tr.Overall {
				if got := [2]int{r.Numerator, r.Denominator}; got != c.want[i] {
					t.Errorf("bucket %d: %d of %d met, want %d of %d", i, got[0], got[1], c.want[i][0], c.want[i][1])
				}
				if r != NewRate(c.want[i][0], c.want[i][1]) {
					t.Errorf("bucket %d: %+v is not NewRate's", i, r)
				}
			}
		})
	}
}

func TestBuildTrendTopGroups(t *testing.T) {
	t.Parallel()
	// Judged over all buckets: b 3, a 3, c 1, "" (no owner) 2; d has
	// only an obligation not yet due.
	obs := []*obligation.Obligation{
		tob("b", obligation.Met, 0, 0), tob("b", obligation.Met, day, 0), tob("b", obligation.Breached, 8*day, 0),
		tob("a", obligation.Met, 8*day, 0), tob("a", obligation.Breached, 9*day, 0), tob("a", obligation.Met, 22*day, 0),
		tob("c", obligation.Met, 0, 0),
		tob("", obligation.Breached, 0, 0), tob("", obligation.Met, 22*day, 0),
		tob("d", obligation.Open, 0, 40*day),
	}
	for _, c := range []struct {
		name string
		by   string
		top  int
		want []string
	}{
		{"the largest, ties in key order", ByOwner, 2, []string{"a", "b"}},
		{"no group with nothing judged", ByOwner, 10, []string{"a", "b", "", "c"}},
		{"none asked for", ByOwner, 0, nil},
		{"no grouping", "", 5, nil},
		{"an unknown grouping is none", "weekday", 5, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tr := BuildTrend(Input{Obligations: obs}, TrendOptions{Buckets: trendBuckets, By: c.by, Top: c.top, Now: at(30 * day)})
			var keys []string
			for _, g := range tr.Groups {
				keys = append(keys, g.Key)
				if len(g.Met) != len(trendBuckets) {
					t.Errorf("group %q: %d rates for %d buckets", g.Key, len(g.Met), len(trendBuckets))
				}
			}
			if !slices.Equal(keys, c.want) {
				t.Errorf("groups %q, want %q", keys, c.want)
			}
		})
	}
	tr := BuildTrend(Input{Obligations: obs}, TrendOptions{Buckets: trendBuckets, By: ByOwner, Top: 1, Now: at(30 * day)})
	a := tr.Groups[0]
	if a.Key != "a" || a.Judged != 3 {
		t.Fatalf("top group %q with %d judged, want a with 3", a.Key, a.Judged)
	}
	// a had nothing in the first week: no rate, not 0%.
	for i, want := range [][2]int{{0, 0}, {1, 2}, {1, 1}} {
		if r := a.Met[i]; r.Numerator != want[0] || r.Denominator != want[1] || r.Defined() != (want[1] > 0) {
			t.Errorf("a, bucket %d: %+v, want %d of %d", i, r, want[0], want[1])
		}
	}
}

// TestBuildTrendIsBuild: each bucket's rates, overall and by group, are
// the share met Build reports for the bucket's span.
func TestBuildTrendIsBuild(t *testing.T) {
	t.Parallel()
	in := fixture()
	var buckets []Bucket
	for h := -2; h < 30; h += 6 {
		buckets = append(buckets, Bucket{From: at(time.Duration(h) * time.Hour), To: at(time.Duration(h+6) * time.Hour)})
	}
	for _, now := range []time.Time{at(10 * time.Hour), at(40 * time.Hour)} {
		for _, by := range append([]string{""}, Bys...) {
			tr := BuildTrend(in, TrendOptions{Buckets: buckets, By: by, Top: 100, Now: now})
			for i, b := range buckets {
				rep := Build(in, Options{From: b.From, To: b.To, By: by, Now: now})
				if tr.Overall[i] != rep.Overall.Met {
					t.Errorf("by %q at %v, bucket %d: trend %+v, report %+v", by, now, i, tr.Overall[i], rep.Overall.Met)
				}
				for _, g := range tr.Groups {
					want := NewRate(0, 0)
					for _, rg := range rep.Groups {
						if rg.Key == g.Key {
							want = rg.Met
						}
					}
					if g.Met[i] != want {
						t.Errorf("by %q at %v, bucket %d, group %q: trend %+v, report %+v", by, now, i, g.Key, g.Met[i], want)
					}
				}
			}
		}
	}
}

func TestWeeks(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	sunday := daily.Fiscal{WeekStart: time.Sunday, WeekStartSet: true}
	for _, c := range []struct {
		name string
		f    daily.Fiscal
		loc  *time.Location
		end  string
		n    int
		want [][2]string // days
	}{
		{"Monday weeks, the last cut short mid-week", daily.Fiscal{}, time.UTC, "2026-03-19", 3,
			[][2]string{{"2026-03-02", "2026-03-09"}, {"2026-03-09", "2026-03-16"}, {"2026-03-16", "2026-03-19"}}},
		{"an end on a week's first day", daily.Fiscal{}, time.UTC, "2026-03-16", 2,
			[][2]string{{"2026-03-02", "2026-03-09"}, {"2026-03-09", "2026-03-16"}}},
		{"Sunday weeks", sunday, time.UTC, "2026-03-19", 3,
			[][2]string{{"2026-03-01", "2026-03-08"}, {"2026-03-08", "2026-03-15"}, {"2026-03-15", "2026-03-19"}}},
		{"across the new year", daily.Fiscal{}, time.UTC, "2026-01-06", 2,
			[][2]string{{"2025-12-29", "2026-01-05"}, {"2026-01-05", "2026-01-06"}}},
		{"a week with the clocks going forward is still midnight to midnight", daily.Fiscal{}, ny, "2026-03-16", 2,
			[][2]string{{"2026-03-02", "2026-03-09"}, {"2026-03-09", "2026-03-16"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ws, err := Weeks(c.f, c.loc, c.end, c.n)
			if err != nil {
				t.Fatal(err)
			}
			var got [][2]string
			for _, w := range ws {
				if w.From.Location() != c.loc || w.From.In(c.loc).Hour() != 0 || w.To.In(c.loc).Hour() != 0 {
					t.Errorf("week %v to %v does not run from midnight to midnight in %v", w.From, w.To, c.loc)
				}
				got = append(got, [2]string{w.From.Format(time.DateOnly), w.To.Format(time.DateOnly)})
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("weeks %v, want %v", got, c.want)
			}
		})
	}
	if ws, _ := Weeks(daily.Fiscal{}, ny, "2026-03-16", 2); ws[0].To.Sub(ws[0].From) != 7*day-time.Hour {
		t.Errorf("the week of 2026-03-02 in New York lasts %v, want 167h (clocks go forward on the 8th)", ws[0].To.Sub(ws[0].From))
	}
	if _, err := Weeks(daily.Fiscal{}, time.UTC, "2026-3-16", 12); err == nil {
		t.Error("weeks to a malformed day: no error")
	}
}
