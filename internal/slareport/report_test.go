package slareport

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/lead"
	"github.com/accordhq/accord/internal/obligation"
)

func TestWilson(t *testing.T) {
	t.Parallel()
	// Reference values: Wilson (1927), as given by e.g. R's
	// prop.test(correct = FALSE) and statsmodels' proportion_confint
	// (method="wilson").
	for _, c := range []struct {
		k, n      int
		low, high float64
	}{
		{8, 10, 0.4902, 0.9433},
		{0, 10, 0, 0.2775},
		{10, 10, 0.7225, 1},
		{50, 100, 0.4038, 0.5962},
		{1, 1, 0.2065, 1},
		{81, 263, 0.2553, 0.3662},
	} {
		low, high := Wilson(c.k, c.n, 0.95)
		if math.Abs(low-c.low) > 5e-4 || math.Abs(high-c.high) > 5e-4 {
			t.Errorf("Wilson(%d, %d) = [%.4f, %.4f], want [%.4f, %.4f]", c.k, c.n, low, high, c.low, c.high)
		}
	}
	if r := NewRate(8, 10); r.Value != 0.8 || !r.Small || math.Abs(r.Low-0.490) > 5e-4 || math.Abs(r.High-0.943) > 5e-4 {
		t.Errorf("NewRate(8, 10) = %+v", r)
	}
	if r := NewRate(30, 30); r.Small {
		t.Errorf("30 judged is not a small sample: %+v", r)
	}
}

func TestPercentile(t *testing.T) {
	t.Parallel()
	ten := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, c := range []struct {
		xs   []int
		p    float64
		want int
	}{
		{ten, 0.5, 5},
		{ten, 0.9, 9},
		{ten, 1, 10},
		{[]int{1, 2, 3, 4}, 0.5, 2},
		{[]int{1, 2, 3, 4}, 0.9, 4},
		{[]int{7}, 0.5, 7},
		{[]int{7}, 0.9, 7},
		{nil, 0.5, 0},
	} {
		if got := Percentile(c.xs, c.p); got != c.want {
			t.Errorf("Percentile(%v, %v) = %d, want %d", c.xs, c.p, got, c.want)
		}
	}
}

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }
func tp(d time.Duration) *time.Time {
	x := at(d)
	return &x
}

// fixture is eleven obligations in the period [t0, t0+24h) of four leads,
// two outside it, judged by default at t0+10h:
//
//	o1  L1 sam  first touch  met in 4m
//	o2  L2 sam  first touch  met in 10m business, 3h wall
//	o3  L4 kim  first touch  closed late, 30m
//	o4  L3 kim  first touch  open, due at +3h
//	o5  L3 kim  touches      open, due at +30h
//	o6  L1 sam  touches      met with 3 touches; the lead's disposition came after its last touch
//	o7  L1 sam  feedback     met
//	o8  L4 kim  feedback     closed late
//	o9  L4 kim  accept       met
//	o10 L2 sam  touches      cancelled
//	o11 L1 sam  first touch  met, started before the period
//	o12 L1 sam  first touch  met, started at its end
//	o13 L2 sam  touches      broken off with 1 touch; the lead was touched again after its disposition
func fixture() Input {
	ob := func(id, key, owner, tier, rule string, kind obligation.Kind, status obligation.Status, start time.Duration) *obligation.Obligation {
		return &obligation.Obligation{ID: id, LeadKey: key, Owner: owner, Team: map[string]string{"sam": "sdr", "kim": "ae"}[owner],
			Tier: tier, Rule: rule, Kind: kind, Status: status, StartedAt: at(start)}
	}
	closed := func(o *obligation.Obligation, business, wall time.Duration) *obligation.Obligation {
		o.Business, o.Wall, o.ClosedAt = business, wall, o.StartedAt.Add(wall)
		return o
	}
	due := func(o *obligation.Obligation, d time.Duration) *obligation.Obligation {
		o.DueAt = at(d)
		return o
	}
	o6 := closed(ob("o6", "L1", "sam", "A", "r1", obligation.Touches, obligation.Met, 0), 2*time.Hour, 2*time.Hour)
	o6.Done, o6.Need = 3, 3
	o13 := closed(ob("o13", "L2", "sam", "A", "r1", obligation.Touches, obligation.Breached, time.Hour), 4*time.Hour, 4*time.Hour)
	o13.Done, o13.Need = 1, 3
	return Input{
		Obligations: []*obligation.Obligation{
			closed(ob("o11", "L1", "sam", "A", "r1", obligation.FirstTouch, obligation.Met, -time.Hour), time.Minute, time.Minute),
			closed(ob("o1", "L1", "sam", "A", "r1", obligation.FirstTouch, obligation.Met, 0), 4*time.Minute, 4*time.Minute),
			closed(ob("o2", "L2", "sam", "A", "r1", obligation.FirstTouch, obligation.Met, time.Hour), 10*time.Minute, 3*time.Hour),
			closed(ob("o3", "L4", "kim", "B", "r2", obligation.FirstTouch, obligation.Breached, time.Hour), 30*time.Minute, 30*time.Minute),
			due(ob("o4", "L3", "kim", "B", "r2", obligation.FirstTouch, obligation.Open, 2*time.Hour), 3*time.Hour),
			due(ob("o5", "L3", "kim", "B", "r2", obligation.Touches, obligation.Open, 2*time.Hour), 30*time.Hour),
			o6,
			closed(ob("o7", "L1", "sam", "A", "feedback", obligation.Feedback, obligation.Met, 0), time.Hour, time.Hour),
			closed(ob("o8", "L4", "kim", "B", "feedback", obligation.Feedback, obligation.Breached, time.Hour), 5*time.Hour, 5*time.Hour),
			closed(ob("o9", "L4", "kim", "B", "handoff sdr → ae", obligation.Accept, obligation.Met, time.Hour), time.Hour, time.Hour),
			closed(ob("o10", "L2", "sam", "A", "r1", obligation.Touches, obligation.Cancelled, time.Hour), time.Hour, time.Hour),
			o13,
			closed(ob("o12", "L1", "sam", "A", "r1", obligation.FirstTouch, obligation.Met, 24*time.Hour), time.Minute, time.Minute),
		},
		Leads: map[string]*lead.Lead{
			"L1": {LeadID: "L1", Email: "a@x.com", Company: "X", Country: "US", OriginalSource: "ads", Source: "web",
				Attributes: map[string]any{"budget": 10000.0}, Touches: 3, LastTouchAt: tp(2 * time.Hour), DispositionAt: tp(3 * time.Hour)},
			"L2": {LeadID: "L2", Email: "b@x.com", Company: "Y", Source: "web", Attributes: map[string]any{"budget": "yes"},
				Touches: 2, LastTouchAt: tp(6 * time.Hour), DispositionAt: tp(5 * time.Hour)},
			"L3": {LeadID: "L3", Email: "c@x.com", Company: "  ", Attributes: map[string]any{"budget": ""}},
			"L4": {LeadID: "L4", Email: "d@x.com", Company: "Z", Country: "DE", Source: "web", Attributes: map[string]any{"budget": true},
				Touches: 1, LastTouchAt: tp(90 * time.Minute)},
		},
		MustHave: []string{"email", "company", "country", "attributes.budget"},
	}
}

func opts(by string) Options {
	return Options{From: t0, To: at(24 * time.Hour), By: by, Now: at(10 * time.Hour)}
}

func TestBuildOverall(t *testing.T) {
	t.Parallel()
	r := Build(fixture(), opts(""))
	g := r.Overall
	if want := (Counts{Total: 11, Met: 5, Breached: 4, Open: 1, OpenOverdue: 1, Cancelled: 1}); g.Obligations != want {
		t.Errorf("counts %+v, want %+v", g.Obligations, want)
	}
	rates := []struct {
		name     string
		got      Rate
		num, den int
	}{
		{"met", g.Met, 5, 9},
		{"worked", g.Worked, 3, 4},
		{"dispositions on time", g.DispositionsOnTime, 1, 2},
		{"handoffs accepted on time", g.HandoffsAcceptedOnTime, 1, 1},
		{"must have", g.MustHave, 2, 4},
	}
	for _, c := range rates {
		if c.got.Numerator != c.num || c.got.Denominator != c.den {
			t.Errorf("%s = %d/%d, want %d/%d", c.name, c.got.Numerator, c.got.Denominator, c.num, c.den)
		}
	}
	if !g.Met.Small {
		t.Error("9 judged should be flagged as a small sample")
	}
	ft := g.FirstTouch
	if ft.N != 3 || *ft.Business != (Spread{Seconds(10 * time.Minute), Seconds(30 * time.Minute)}) ||
		*ft.Wall != (Spread{Seconds(30 * time.Minute), Seconds(3 * time.Hour)}) {
		t.Errorf("first touch %d: business %+v wall %+v", ft.N, ft.Business, ft.Wall)
	}
	if tb := g.TouchesBeforeDisposition; tb != (Count{N: 2, Mean: 2, Median: 2}) {
		t.Errorf("touches before disposition %+v, want o6's 3 and o13's 1", tb)
	}
	if want := map[string]int{"country": 2, "company": 1, "attributes.budget": 1}; !equalMaps(g.Missing, want) {
		t.Errorf("missing %v, want %v", g.Missing, want)
	}
	// No book: open obligations have only their wall-clock age.
	if g.OpenAge.N != 2 || g.OpenAge.Business != nil || g.OpenAge.Wall.P50 != Seconds(8*time.Hour) {
		t.Errorf("open age %+v", g.OpenAge)
	}
	if r.Groups != nil {
		t.Errorf("no grouping asked, got %d groups", len(r.Groups))
	}
}

// TestBuildJudgedAt: an open obligation is judged only once due; past due
// it counts as breached.
func TestBuildJudgedAt(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		now                   time.Duration
		breached, open, judge int
	}{
		{150 * time.Minute, 3, 2, 8}, // o4 not yet due
		{3 * time.Hour, 4, 1, 9},     // o4 due now: breached
		{10 * time.Hour, 4, 1, 9},    // o4 overdue
		{30 * time.Hour, 5, 0, 10},   // o5 too
		{-24 * time.Hour, 3, 2, 8},   // before anything was due
		{3*time.Hour - 1, 3, 2, 8},   // a nanosecond early
		{30*time.Hour + time.Hour, 5, 0, 10},
	} {
		o := opts("")
		o.Now = at(c.now)
		g := Build(fixture(), o).Overall
		if g.Obligations.Breached != c.breached || g.Obligations.Open != c.open || g.Met.Denominator != c.judge || g.Met.Numerator != 5 {
			t.Errorf("at %v: breached %d open %d met %d/%d; want breached %d open %d met 5/%d",
				c.now, g.Obligations.Breached, g.Obligations.Open, g.Met.Numerator, g.Met.Denominator, c.breached, c.open, c.judge)
		}
	}
}

func TestBuildGroups(t *testing.T) {
	t.Parallel()
	type row struct {
		key                string
		total, met, judged int
		leads              int
	}
	for _, c := range []struct {
		by   string
		want []row
	}{
		{ByOwner, []row{{"kim", 5, 1, 4, 2}, {"sam", 6, 4, 5, 2}}},
		{ByTeam, []row{{"ae", 5, 1, 4, 2}, {"sdr", 6, 4, 5, 2}}},
		{ByTier, []row{{"A", 6, 4, 5, 2}, {"B", 5, 1, 4, 2}}},
		{ByRule, []row{{"feedback", 2, 1, 2, 2}, {"handoff sdr → ae", 1, 1, 1, 1}, {"r1", 5, 3, 4, 2}, {"r2", 3, 0, 2, 2}}},
		// L1's original source; L2 and L4 have only a latest one; L3 none, listed last.
		{BySource, []row{{"ads", 3, 3, 3, 1}, {"web", 6, 2, 5, 2}, {"", 2, 0, 1, 1}}},
	} {
		t.Run(c.by, func(t *testing.T) {
			r := Build(fixture(), opts(c.by))
			if len(r.Groups) != len(c.want) {
				t.Fatalf("%d groups, want %d: %+v", len(r.Groups), len(c.want), r.Groups)
			}
			for i, w := range c.want {
				g := r.Groups[i]
				if g.Key != w.key || g.Obligations.Total != w.total || g.Met.Numerator != w.met || g.Met.Denominator != w.judged || g.Worked.Denominator != w.leads {
					t.Errorf("group %d = %q: %d obligations, met %d/%d, %d leads; want %+v",
						i, g.Key, g.Obligations.Total, g.Met.Numerator, g.Met.Denominator, g.Worked.Denominator, w)
				}
			}
			if r.Overall.Obligations.Total != 11 {
				t.Errorf("overall has %d obligations, want 11 whatever the grouping", r.Overall.Obligations.Total)
			}
		})
	}
	owner := Build(fixture(), opts(ByOwner))
	kim, sam := owner.Groups[0], owner.Groups[1]
	if kim.FirstTouch.N != 1 || sam.FirstTouch.N != 2 || sam.FirstTouch.Business.P50 != Seconds(4*time.Minute) {
		t.Errorf("first touch: kim %+v sam %+v", kim.FirstTouch, sam.FirstTouch)
	}
	// L3 was never touched; L4's late first touch shows it was.
	if kim.Worked.Numerator != 1 || sam.Worked.Numerator != 2 {
		t.Errorf("worked: kim %d, sam %d", kim.Worked.Numerator, sam.Worked.Numerator)
	}
	if kim.MustHave != NewRate(1, 2) || sam.MustHave != NewRate(1, 2) {
		t.Errorf("must have: kim %+v, sam %+v", kim.MustHave, sam.MustHave)
	}
	if kim.HandoffsAcceptedOnTime.Denominator != 1 || sam.HandoffsAcceptedOnTime.Defined() {
		t.Errorf("handoffs: kim %+v, sam %+v", kim.HandoffsAcceptedOnTime, sam.HandoffsAcceptedOnTime)
	}
}

func TestMustHaveFields(t *testing.T) {
	t.Parallel()
	score := 12.0
	l := &lead.Lead{Email: "a@x.com", Phone: " ", OriginalCampaign: "spring", Score: &score,
		Attributes: map[string]any{"budget": 0.0, "authority": false, "need": nil, "timeline": "Q3"}}
	for _, c := range []struct {
		field string
		want  bool
	}{
		{"email", true}, {"phone", false}, {"company", false}, {"campaign", true}, {"score", true},
		{"attributes.budget", true}, {"attributes.authority", false}, {"attributes.need", false},
		{"attributes.timeline", true}, {"timeline", true}, {"attributes.nothing", false},
	} {
		if got := hasField(l, c.field); got != c.want {
			t.Errorf("hasField(%q) = %v, want %v", c.field, got, c.want)
		}
	}
	// No lead_must_have: nothing to count.
	in := fixture()
	in.MustHave = nil
	if g := Build(in, opts("")).Overall; g.MustHave.Defined() || g.Missing != nil {
		t.Errorf("without lead_must_have: %+v %v", g.MustHave, g.Missing)
	}
}

func TestReportJSON(t *testing.T) {
	t.Parallel()
	r := Build(fixture(), opts(ByOwner))
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{
		`"by":"owner"`,
		`"lead_must_have":["email","company","country","attributes.budget"]`,
		`"met":{"numerator":5,"denominator":9,"value":0.5555555555555556,"low":0.2666`,
		`"handoffs_accepted_on_time":{"numerator":0,"denominator":0,"value":null,"low":null,"high":null,"small_sample":true}`,
		`"time_to_first_touch":{"n":3,"business":{"p50_seconds":600,"p90_seconds":1800},"wall":{"p50_seconds":1800,"p90_seconds":10800}}`,
		`"obligations":{"total":11,"met":5,"breached":4,"open":1,"open_overdue":1,"cancelled":1}`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("JSON lacks %s:\n%s", want, s)
		}
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Overall.Met != r.Overall.Met || back.Overall.FirstTouch.Business.P90 != r.Overall.FirstTouch.Business.P90 {
		t.Errorf("round trip: %+v, want %+v", back.Overall.Met, r.Overall.Met)
	}
}

func TestWriteText(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := Build(fixture(), opts(ByOwner)).WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"SLA report: obligations started from 2026-03-02 09:00 UTC to 2026-03-03 09:00 UTC, judged at 2026-03-02 19:00 UTC, by owner",
		"OWNER", "kim", "sam", "(all)",
		"56%", "27–81%", "9*",
		"10m / 30m", "30m / 3h00m",
		"75% (3/4)", "mean 2, median 2 (n=2)",
		"Marketing: 50% of leads (2/4) had every lead_must_have field (email, company, country, attributes.budget); missing: company 1, country 2, attributes.budget 1.",
		"* fewer than 30 judged",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
}

func TestWriteCSV(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := Build(fixture(), opts(BySource)).WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 { // header, ads, web, (none), (all)
		t.Fatalf("%d rows, want 5:\n%v", len(rows), rows)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	all := rows[4]
	for name, want := range map[string]string{
		"group": "(all)", "obligations": "11", "met_numerator": "5", "met_denominator": "9", "met_rate": "0.5556",
		"first_touch_business_p50_s": "600", "handoffs_on_time_rate": "1.0000", "must_have_denominator": "4",
	} {
		if got := all[col[name]]; got != want {
			t.Errorf("(all) %s = %q, want %q", name, got, want)
		}
	}
	if none := rows[3]; none[0] != "(none)" || none[col["handoffs_on_time_rate"]] != "" {
		t.Errorf("(none) row %v: an empty rate is an empty cell", none)
	}
}

func TestCompare(t *testing.T) {
	t.Parallel()
	cur := Build(fixture(), opts(ByOwner))
	stricter := fixture()
	stricter.Obligations[1].Status = obligation.Breached // o1
	stricter.MustHave = append(stricter.MustHave, "phone")
	pro := Build(stricter, opts(ByOwner))
	c := Compare(cur, pro)
	var b bytes.Buffer
	if err := c.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"IN FORCE", "PROPOSED", "CHANGE",
		"  breached", "+1",
		"56% 27–81%", "44% 19–73%", "-11.1 pts",
		"lead_must_have: in force email, company, country, attributes.budget; proposed email, company, country, attributes.budget, phone.",
		"Met % by owner (judged):",
		"sam", "80% (5)", "60% (5)", "-20.0 pts",
		"kim", "25% (4)", "0 pts",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("comparison lacks %q:\n%s", want, out)
		}
	}
	b.Reset()
	if err := c.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	if rows, _ := csv.NewReader(&b).ReadAll(); len(rows) != 7 || rows[1][0] != "current" || rows[6][0] != "proposed" {
		t.Errorf("comparison CSV: %v", rows)
	}
}

func TestCheckBy(t *testing.T) {
	t.Parallel()
	for _, by := range append([]string{""}, Bys...) {
		if err := CheckBy(by); err != nil {
			t.Errorf("CheckBy(%q): %v", by, err)
		}
	}
	if err := CheckBy("region"); err == nil || !strings.Contains(err.Error(), "owner, team, tier, rule, source") {
		t.Errorf("CheckBy(region) = %v", err)
	}
}

func equalMaps(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
