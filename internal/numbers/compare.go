package numbers

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/accordhq/accord/internal/daily"
	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/store"
)

// Activity compares the sales activities of a period with the period
// before it (the same number of days elapsed, so a month to date is set
// against last month to the same day), by kind and by rep.
type Activity struct {
	Period   daily.Period `json:"period"`
	Previous daily.Period `json:"previous"`
	Kinds    []Pair       `json:"kinds"`
	Reps     []RepPairs   `json:"reps"`
}

// Pair is a count now and before.
type Pair struct {
	Key      string `json:"key"`
	Now      int64  `json:"now"`
	Previous int64  `json:"previous"`
	Change   int64  `json:"change"`
}

// RepPairs is one rep's activities by kind.
type RepPairs struct {
	Rep   string `json:"rep"`
	Total Pair   `json:"total"`
	Kinds []Pair `json:"kinds"`
}

// ActivityReport compares activities in the period of kind holding day
// (counted up to day) with the previous period to the same point.
func ActivityReport(ctx context.Context, st store.Store, f daily.Fiscal, kind, day string) (*Activity, error) {
	p, err := PeriodOf(f, kind, day)
	if err != nil {
		return nil, err
	}
	prevDay := addDays(p.From, -1)
	prev, _ := PeriodOf(f, kind, prevDay)
	elapsed := len(daily.Period{From: p.From, To: min(p.To, next(day))}.Days())
	cur := daily.Period{Name: p.Name, From: p.From, To: min(p.To, next(day))}
	before := daily.Period{Name: prev.Name, From: prev.From, To: min(prev.To, addDays(prev.From, elapsed))}
	a := &Activity{Period: cur, Previous: before}
	// Only the activity atoms: without a metric filter the store reads
	// every atom of the dimension in the period (stages, cohorts, deals,
	// the cycle histogram…) to keep one metric in twenty. Ingest accepts
	// only the kinds in event.ActivityKinds, so these are all there are.
	metrics := make([]string, len(event.ActivityKinds))
	for i, k := range event.ActivityKinds {
		metrics[i] = daily.ActivityMetric(k)
	}
	read := func(per daily.Period, dim string) (map[string]map[string]int64, error) {
		rows, err := st.Daily(ctx, store.DailyFilter{From: per.From, To: per.To, Dim: dim, Metrics: metrics, Summed: true})
		if err != nil {
			return nil, err
		}
		out := map[string]map[string]int64{}
		for _, r := range rows {
			k, ok := strings.CutPrefix(r.Metric, "activity.")
			if !ok {
				continue
			}
			if out[r.Value] == nil {
				out[r.Value] = map[string]int64{}
			}
			out[r.Value][k] += r.N
		}
		return out, nil
	}
	nowAll, err := read(cur, daily.All)
	if err != nil {
		return nil, err
	}
	prevAll, err := read(before, daily.All)
	if err != nil {
		return nil, err
	}
	a.Kinds = pairs(nowAll[""], prevAll[""])
	nowReps, err := read(cur, daily.Owner)
	if err != nil {
		return nil, err
	}
	prevReps, err := read(before, daily.Owner)
	if err != nil {
		return nil, err
	}
	reps := map[string]bool{}
	for r := range nowReps {
		reps[r] = true
	}
	for r := range prevReps {
		reps[r] = true
	}
	for _, rep := range slices.Sorted(maps.Keys(reps)) {
		kinds := pairs(nowReps[rep], prevReps[rep])
		total := Pair{Key: "total"}
		for _, k := range kinds {
			total.Now += k.Now
			total.Previous += k.Previous
		}
		total.Change = total.Now - total.Previous
		a.Reps = append(a.Reps, RepPairs{Rep: rep, Total: total, Kinds: kinds})
	}
	return a, nil
}

func pairs(now, prev map[string]int64) []Pair {
	keys := map[string]bool{}
	for k := range now {
		keys[k] = true
	}
	for k := range prev {
		keys[k] = true
	}
	var out []Pair
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		out = append(out, Pair{Key: k, Now: now[k], Previous: prev[k], Change: now[k] - prev[k]})
	}
	return out
}

// Day compares one day's funnel with the same weekday a week before.
type Day struct {
	Day     string `json:"day"`
	Against string `json:"against"`
	Metrics []Pair `json:"metrics"`
}

// DayReport compares day with the same weekday of the week before.
func DayReport(ctx context.Context, st store.Store, day string) (*Day, error) {
	against := addDays(day, -7)
	read := func(d string) (map[string]int64, error) {
		rows, err := st.Daily(ctx, store.DailyFilter{From: d, To: next(d), Dim: daily.All, Metrics: Metrics})
		if err != nil {
			return nil, err
		}
		out := map[string]int64{}
		for _, r := range rows {
			out[r.Metric] += r.N
		}
		return out, nil
	}
	now, err := read(day)
	if err != nil {
		return nil, err
	}
	then, err := read(against)
	if err != nil {
		return nil, err
	}
	d := &Day{Day: day, Against: against}
	for _, m := range Metrics {
		d.Metrics = append(d.Metrics, Pair{Key: m, Now: now[m], Previous: then[m], Change: now[m] - then[m]})
	}
	return d, nil
}

func addDays(day string, n int) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return t.AddDate(0, 0, n).Format(time.DateOnly)
}
