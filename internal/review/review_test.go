package review

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/accordhq/accord/internal/daily"
	"github.com/accordhq/accord/internal/store"
)

func atom(day, metric, dim, value string, n int64) store.DailyRow {
	return store.DailyRow{Key: daily.Key{Day: day, Metric: metric, Dim: dim, Value: value}, Cell: daily.Cell{N: n}}
}

// TestRestatement: what changed between a snapshot and now, atom by atom,
// whatever order either side comes in.
func TestRestatement(t *testing.T) {
	snapshot := []store.DailyRow{
		atom("2026-03-02", "mql", daily.All, "", 7),
		atom("2026-03-02", "mql", daily.Source, "ads", 4),
		atom("2026-03-03", "sql", daily.Owner, "sam", 2),    // gone since
		atom("2026-03-04", "lead", daily.Campaign, "q1", 9), // unchanged
	}
	current := []store.DailyRow{
		atom("2026-03-02", "mql", daily.All, "", 8),         // one more
		atom("2026-03-02", "mql", daily.Source, "ads", 4),   // unchanged
		atom("2026-03-02", "mql", daily.Source, "seo", 1),   // new
		atom("2026-03-04", "lead", daily.Campaign, "q1", 9), // unchanged
	}
	want := []string{
		"2026-03-02 mql / 7 -> 8 (+1)",
		"2026-03-02 mql source/seo 0 -> 1 (+1)",
		"2026-03-03 sql owner/sam 2 -> 0 (-2)",
	}
	show := func(cs []Change) []string {
		var out []string
		for _, c := range cs {
			out = append(out, fmt.Sprintf("%s %s %s/%s %d -> %d (%+d)", c.Day, c.Metric, c.Dim, c.Value, c.Locked.N, c.Current.N, c.Delta.N))
		}
		return out
	}
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 20 {
		s, c := append([]store.DailyRow(nil), snapshot...), append([]store.DailyRow(nil), current...)
		if round > 0 { // the first round in the order Atoms reads
			r.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
			r.Shuffle(len(c), func(i, j int) { c[i], c[j] = c[j], c[i] })
		}
		if got := show(Restatement(s, c)); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("round %d: restatement\n%q\nwant\n%q", round, got, want)
		}
	}
	if got := Restatement(snapshot, snapshot); got != nil {
		t.Errorf("nothing changed, yet %v", got)
	}
}
