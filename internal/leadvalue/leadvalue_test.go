package leadvalue

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/agreement"
	"github.com/accordhq/accord/internal/daily"
	"github.com/accordhq/accord/internal/store"
)

// leads makes n leads of one source (and offer) worth value each.
func leads(source, offer string, n int, value float64) []store.LeadValue {
	out := make([]store.LeadValue, n)
	for i := range out {
		out[i] = store.LeadValue{Source: source, Offer: offer, BookingsCents: int64(math.Round(value * 100))}
		if value > 0 {
			out[i].Won = 1
		}
	}
	return out
}

func cat(parts ...[]store.LeadValue) []store.LeadValue {
	var out []store.LeadValue
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.6f, want %.6f", what, got, want)
	}
}

func find(t *testing.T, gs []Group, key ...string) Group {
	t.Helper()
	for _, g := range gs {
		match := true
		for i := 0; i+1 < len(key); i += 2 {
			if g.Key[key[i]] != key[i+1] {
				match = false
			}
		}
		if match && len(g.Key) == len(key)/2 {
			return g
		}
	}
	t.Fatalf("no group %v in %+v", key, gs)
	return Group{}
}

// TestShrinkOneLevel: two big sources barely move, a thin one with a high
// mean is pulled well toward all leads' value. The expected figures were
// worked out separately (a few lines of Python over the same 406 values):
// N = 406, mean 107.8818; σ² = Σ(y−ȳ_g)²/(N−K) = 11215.8809; τ² =
// (Σ n(ȳ_g−ȳ)² − (K−1)σ²)/(N − Σn²/N) = 1016.6593, so σ²/τ² = 11.0321.
func TestShrinkOneLevel(t *testing.T) {
	ls := cat(
		leads("big", "", 100, 0), leads("big", "", 100, 200), // mean 100, n 200
		leads("other", "", 90, 0), leads("other", "", 110, 200), // mean 110, n 200
		leads("thin", "", 3, 0), leads("thin", "", 3, 600), // mean 300, n 6
	)
	e := Estimate(ls, []string{Source})
	if e.Overall.N != 406 || e.Overall.Won != 213 || e.Overall.Bookings != 43800 {
		t.Fatalf("overall: %+v", e.Overall)
	}
	near(t, "overall value", e.Overall.ValuePerLead, 107.88, 1e-9)
	near(t, "overall low", e.Overall.Interval.Low, 97.34, 0.005)
	near(t, "overall high", e.Overall.Interval.High, 118.42, 0.005)
	lv := e.Levels[0]
	near(t, "σ", *lv.WithinSD, 105.91, 0.005)
	near(t, "τ", *lv.BetweenSD, 31.89, 0.005)
	near(t, "σ²/τ²", *lv.HalfWeightLeads, 11.0, 0.05)

	big, other, thin := find(t, e.Groups, Source, "big"), find(t, e.Groups, Source, "other"), find(t, e.Groups, Source, "thin")
	// B = n/(n + σ²/τ²): 200/211.03 and 6/17.03.
	near(t, "big weight", big.Weight, 0.9477, 0.00005)
	near(t, "thin weight", thin.Weight, 0.3523, 0.00005)
	near(t, "big shrunk", big.ShrunkValue, 100.41, 0.005)
	near(t, "other shrunk", other.ShrunkValue, 109.89, 0.005)
	near(t, "thin shrunk", thin.ShrunkValue, 175.56, 0.005)
	if big.ValuePerLead != 100 || thin.ValuePerLead != 300 || thin.N != 6 || thin.Bookings != 1800 || thin.Won != 3 {
		t.Errorf("raw figures: big %+v thin %+v", big, thin)
	}
	// The big group moves by under half a unit; the thin one by 124 of
	// the 192 between it and the parent.
	if math.Abs(big.ShrunkValue-big.ValuePerLead) > 0.5 || thin.ShrunkValue > 200 || thin.ShrunkValue < e.Overall.ValuePerLead {
		t.Errorf("shrinkage: big %v → %v, thin %v → %v", big.ValuePerLead, big.ShrunkValue, thin.ValuePerLead, thin.ShrunkValue)
	}
	// V = Bσ²/n + (1−B)²·s²/N.
	near(t, "big low", big.Interval.Low, 86.11, 0.005)
	near(t, "big high", big.Interval.High, 114.71, 0.005)
	near(t, "thin low", thin.Interval.Low, 124.80, 0.005)
	near(t, "thin high", thin.Interval.High, 226.32, 0.005)
	if !thin.SmallSample || big.SmallSample || thin.Fallback || len(thin.Parent.Key) != 0 || thin.Parent.N != 406 {
		t.Errorf("flags: thin %+v, big %+v", thin, big)
	}
	if len(e.Parents) != 0 || len(e.Groups) != 3 {
		t.Errorf("groups %d, parents %d", len(e.Groups), len(e.Parents))
	}
}

// TestShrinkTwoLevels: source × offer. Sources are shrunk toward all
// leads, combinations toward their source's estimate; a combination of
// two leads takes its source's value. Expected figures from the same
// independent computation.
func TestShrinkTwoLevels(t *testing.T) {
	ls := cat(
		leads("web", "demo", 40, 0), leads("web", "demo", 40, 300),
		leads("web", "trial", 4, 0), leads("web", "trial", 2, 600),
		leads("web", "ebook", 2, 0),
		leads("ads", "demo", 90, 0), leads("ads", "demo", 10, 100),
		leads("ads", "trial", 50, 0), leads("ads", "trial", 10, 200),
	)
	e := Estimate(ls, []string{Source, Offer})
	if len(e.Levels) != 2 || len(e.Parents) != 2 || len(e.Groups) != 5 {
		t.Fatalf("levels %d, parents %d, groups %d", len(e.Levels), len(e.Parents), len(e.Groups))
	}
	web := find(t, e.Parents, Source, "web")
	near(t, "web shrunk", web.ShrunkValue, 148.74, 0.005)
	near(t, "ads shrunk", find(t, e.Parents, Source, "ads").ShrunkValue, 19.13, 0.005)

	trial := find(t, e.Groups, Source, "web", Offer, "trial")
	near(t, "web × trial weight", trial.Weight, 0.2203, 0.00005)
	near(t, "web × trial shrunk", trial.ShrunkValue, 160.03, 0.005)
	near(t, "web × trial low", trial.Interval.Low, 116.85, 0.005)
	near(t, "web × trial high", trial.Interval.High, 203.21, 0.005)
	if trial.Parent.Key[Source] != "web" || trial.Parent.ShrunkValue != web.ShrunkValue || trial.Parent.N != 88 {
		t.Errorf("web × trial's parent: %+v", trial.Parent)
	}
	demo := find(t, e.Groups, Source, "web", Offer, "demo")
	near(t, "web × demo shrunk", demo.ShrunkValue, 149.74, 0.005)

	ebook := find(t, e.Groups, Source, "web", Offer, "ebook")
	if !ebook.Fallback || ebook.Weight != 0 || ebook.ValuePerLead != 0 || ebook.ShrunkValue != web.ShrunkValue ||
		*ebook.Interval != *web.Interval {
		t.Errorf("web × ebook should take web's value: %+v (web %+v)", ebook, web)
	}
	near(t, "ads × demo shrunk", find(t, e.Groups, Source, "ads", Offer, "demo").ShrunkValue, 11.60, 0.005)

	// A lead of a combination never seen takes its source's value, and of
	// a source never seen, all leads'.
	if v, _ := e.ValueOf(&store.LeadValue{Source: "web", Offer: "webinar"}); math.Abs(v-148.74) > 0.005 {
		t.Errorf("unseen offer of web valued at %v, want web's 148.74", v)
	}
	if v, _ := e.ValueOf(&store.LeadValue{Source: "radio"}); math.Abs(v-e.Overall.ValuePerLead) > 0.005 {
		t.Errorf("unseen source valued at %v, want %v", v, e.Overall.ValuePerLead)
	}
}

// TestNoSpread: when groups differ no more than chance makes them, τ² is
// 0 and every group takes its parent's value.
func TestNoSpread(t *testing.T) {
	ls := cat(
		leads("a", "", 50, 0), leads("a", "", 50, 100),
		leads("b", "", 49, 0), leads("b", "", 51, 100),
	)
	e := Estimate(ls, []string{Source})
	if *e.Levels[0].BetweenSD != 0 || e.Levels[0].HalfWeightLeads != nil {
		t.Fatalf("level: %+v", e.Levels[0])
	}
	for _, g := range e.Groups {
		if g.Weight != 0 || g.ShrunkValue != e.Overall.ValuePerLead || g.Fallback {
			t.Errorf("group %+v", g)
		}
	}
	// Nothing at all: no figures, no panic.
	e = Estimate(nil, []string{Source, Offer})
	if e.Overall.N != 0 || e.Overall.Interval != nil || len(e.Groups) != 0 {
		t.Errorf("empty: %+v", e)
	}
	if _, ok := e.ValueOf(&store.LeadValue{}); ok {
		t.Error("an empty window values a lead")
	}
	// One lead per group: nothing to pool, every group falls back.
	e = Estimate(cat(leads("a", "", 1, 10), leads("b", "", 1, 30)), []string{Source})
	if e.Levels[0].WithinSD != nil || !e.Groups[0].Fallback || e.Groups[0].ShrunkValue != 20 {
		t.Errorf("singletons: %+v %+v", e.Levels[0], e.Groups[0])
	}
}

func TestParseBy(t *testing.T) {
	for in, want := range map[string]string{"": "source", "offer": "offer", "source, offer": "source,offer", "segment,seniority,campaign": "segment,seniority,campaign"} {
		got, err := ParseBy(in)
		if err != nil || strings.Join(got, ",") != want {
			t.Errorf("ParseBy(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"region", "source,source", "source,"} {
		if _, err := ParseBy(in); err == nil {
			t.Errorf("ParseBy(%q) accepted", in)
		}
	}
}

// fakeStore serves LeadValues from a slice, as the stores would: created
// in [from, to), oldest first.
type fakeStore []store.LeadValue

func (f fakeStore) LeadValues(_ context.Context, from, to time.Time) ([]store.LeadValue, error) {
	var out []store.LeadValue
	for _, l := range f {
		if !l.CreatedAt.Before(from) && l.CreatedAt.Before(to) {
			out = append(out, l)
		}
	}
	return out, nil
}

func at(day string, hour int) time.Time {
	t, _ := time.Parse(time.DateOnly, day)
	return t.Add(time.Duration(hour) * time.Hour)
}

// TestBuild: the window is the whole months before the month of as_of; the
// month's leads are valued at the window's figures by their group and
// compared with the goal, derived or per lead.
func TestBuild(t *testing.T) {
	var st fakeStore
	add := func(day, source string, n int, value float64) {
		for _, l := range leads(source, "", n, value) {
			l.CreatedAt = at(day, 10)
			st = append(st, l)
		}
	}
	add("2025-12-31", "web", 5, 1000) // before the window
	add("2026-01-05", "web", 20, 0)
	add("2026-01-06", "web", 20, 100) // web: 40 leads, 50 a lead
	add("2026-02-10", "ads", 30, 0)
	add("2026-02-11", "ads", 10, 20) // ads: 40 leads, 5 a lead
	add("2026-03-31", "web", 1, 0)   // 31 March 10:00 UTC is still March in UTC
	add("2026-04-01", "web", 4, 0)   // this month, up to as_of: 4 web, 2 ads, 1 unseen
	add("2026-04-10", "ads", 2, 0)
	add("2026-04-10", "radio", 1, 0)
	add("2026-04-11", "web", 3, 0) // after as_of
	ag := &agreement.Agreement{Goals: &agreement.Goals{BookingsPerMonth: 2000, MarketingShare: 0.5, Currency: "USD"},
		Marketing: &agreement.Marketing{LeadValueGoal: "derived"}}
	now := time.Date(2026, 4, 12, 8, 0, 0, 0, time.UTC)
	r, err := Build(t.Context(), st, Options{AsOf: "2026-04-10", LookbackMonths: 3, By: []string{Source}, Agreement: ag, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if w := r.Lookback; w.From != "2026-01-01" || w.To != "2026-04-01" || w.Name != "2026-01 to 2026-03" || !w.BookingsCountedTo.Equal(now.Truncate(time.Second)) {
		t.Errorf("lookback %+v", w)
	}
	if r.Overall.N != 81 || r.Overall.Bookings != 2200 || len(r.CohortsByMonth) != 3 || r.CohortsByMonth[0].N != 40 ||
		*r.CohortsByMonth[0].ValuePerLead != 50 || r.CohortsByMonth[2].N != 1 {
		t.Errorf("window: %+v %+v", r.Overall, r.CohortsByMonth)
	}
	web, ads := find(t, r.Groups, Source, "web"), find(t, r.Groups, Source, "ads")
	m := r.Month
	if m.Period.From != "2026-04-01" || m.DaysElapsed != 10 || m.Days != 30 || m.Leads != 7 {
		t.Fatalf("month %+v", m)
	}
	radio, _ := r.ValueOf(&store.LeadValue{Source: "radio"})
	want := 4*web.ShrunkValue + 2*ads.ShrunkValue + radio
	near(t, "delivered", *m.ValueDelivered, want, 0.03)
	near(t, "projected", *m.Projected, want*3, 0.1)
	near(t, "at overall", *m.ValueAtOverall, 7*2200.0/81, 0.005)
	if g := m.Goal; g == nil || g.Kind != "derived" || *g.Monthly != 1000 || g.PerLead != nil || !strings.Contains(g.Basis, "2000 × marketing_share 50%") {
		t.Errorf("goal %+v", m.Goal)
	}
	near(t, "of goal", *m.ProjectedOfGoal, *m.Projected/1000, 0.0005)
	if r.Currency != "USD" || !strings.Contains(r.Cohort, "leads created from 2026-01-01 to 2026-03-31") {
		t.Errorf("currency %q, cohort %q", r.Currency, r.Cohort)
	}
	if !strings.Contains(strings.Join(r.Warnings, "\n"), "less time to close") {
		t.Errorf("warnings: %v", r.Warnings)
	}

	// A goal per lead, with a leads goal to make it monthly.
	ag.Marketing.LeadValueGoal = "25"
	ag.Goals.LeadsPerMonth = 30
	r, _ = Build(t.Context(), st, Options{AsOf: "2026-04-10", LookbackMonths: 3, Agreement: ag, Now: now})
	if g := r.Month.Goal; g == nil || g.Kind != "amount" || *g.PerLead != 25 || *g.Monthly != 750 {
		t.Errorf("goal per lead: %+v", g)
	}
	near(t, "per lead of goal", *r.Month.ValuePerLeadOfGoal, *r.Month.ValuePerLead/25, 0.0005)

	var buf bytes.Buffer
	if err := r.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Lead value by source, as of 2026-04-10", "All leads: 81 leads", "goal per lead: 25.00", "Method:"} {
		if !strings.Contains(buf.String(), s) {
			t.Errorf("text lacks %q:\n%s", s, buf.String())
		}
	}
	b, _ := json.Marshal(r)
	for _, s := range []string{`"groups":[`, `"overall":{`, `"by":["source"]`, `"month":{`, `"shrunk_value":`} {
		if !strings.Contains(string(b), s) {
			t.Errorf("JSON lacks %s: %s", s, b)
		}
	}

	// No agreement, no leads: a report that says so.
	r, err = Build(t.Context(), fakeStore{}, Options{AsOf: "2026-04-10", Fiscal: daily.Fiscal{}})
	if err != nil || r.Month.Goal != nil || r.Month.ValueDelivered != nil || r.Lookback.Months != 12 || len(r.Warnings) != 2 {
		t.Errorf("empty: %+v %v", r, err)
	}
	if _, err := Build(t.Context(), st, Options{AsOf: "April", LookbackMonths: 3}); err == nil {
		t.Error("a bad day accepted")
	}
	if _, err := Build(t.Context(), st, Options{AsOf: "2026-04-10", LookbackMonths: -1}); err == nil {
		t.Error("a negative lookback accepted")
	}
}
