package plan_test

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/agreement"
	"github.com/accordhq/accord/internal/daily"
	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/plan"
	"github.com/accordhq/accord/internal/store"
	"github.com/accordhq/accord/internal/store/sqlite"
)

func i64(v int64) *int64 { return &v }

func f64(v float64) *float64 { return &v }

func show(p *int64) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

// needs writes customers/opportunities/SQLs/MQLs/leads, null where unknown.
func needs(n plan.Needs) string {
	return strings.Join([]string{show(n.Customers), show(n.Opportunities), show(n.SQLs), show(n.MQLs), show(n.Leads)}, "/")
}

// TestWork checks the reverse funnel against numbers worked by hand.
func TestWork(t *testing.T) {
	acme := agreement.Rates{LeadToMQL: 0.2, MQLToSQL: 0.5, SQLToOpportunity: 0.6, OpportunityToCustomer: 0.25}
	for _, c := range []struct {
		name           string
		bookings, deal float64
		rates          agreement.Rates
		want           string
	}{
		// 1,200,000 × 0.6 = 720,000 ÷ 24,000 = 30 customers; ÷ 0.25 = 120
		// opportunities; ÷ 0.6 = 200 SQLs; ÷ 0.5 = 400 MQLs; ÷ 0.2 = 2,000 leads.
		{"acme's marketing share", 1_200_000 * 0.6, 24_000, acme, "30/120/200/400/2000"},
		// The sales-sourced 480,000: 20 customers, 80 opportunities.
		{"acme's sales share, to opportunities", 480_000, 24_000, agreement.Rates{OpportunityToCustomer: 0.25}, "20/80/null/null/null"},
		// 100 ÷ 30 = 3.33 → 4 customers; the exact 3.33 is carried: ÷ 0.5 =
		// 6.67 → 7 opportunities (not 4 ÷ 0.5 = 8); ÷ 0.3 = 22.2 → 23 SQLs.
		{"rounds up each step, carrying the exact need", 100, 30, agreement.Rates{OpportunityToCustomer: 0.5, SQLToOpportunity: 0.3}, "4/7/23/null/null"},
		{"a missing rate stops the plan there", 720_000, 24_000, agreement.Rates{LeadToMQL: 0.2, MQLToSQL: 0, SQLToOpportunity: 0.6, OpportunityToCustomer: 0.25}, "30/120/200/null/null"},
		{"no deal size, no customers", 720_000, 0, acme, "null/null/null/null/null"},
		{"nothing to book", 0, 24_000, acme, "0/0/0/0/0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := needs(plan.Work(c.bookings, c.deal, c.rates)); got != c.want {
				t.Errorf("Work(%v, %v, %+v) = %s, want %s", c.bookings, c.deal, c.rates, got, c.want)
			}
		})
	}
}

func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestAgreementPlan is acme's goals on an empty store: the agreement's
// numbers, each input given, the history empty and said so.
func TestAgreementPlan(t *testing.T) {
	ag, err := agreement.ParseFile("../../examples/agreement/acme.yaml")
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t)
	p, err := plan.Build(t.Context(), st, plan.Options{AsOf: "2026-04-15", Goals: ag.Goals, Version: 3, Sensitivity: 5})
	if err != nil {
		t.Fatal(err)
	}
	if got := needs(p.Marketing); got != "30/120/200/400/2000" || p.Marketing.Bookings != 720_000 {
		t.Errorf("marketing = %s on %v, want 30/120/200/400/2000 on 720,000", got, p.Marketing.Bookings)
	}
	// The planner agrees with the agreement's own monthly goals.
	m := ag.Goals.Monthly()
	if float64(*p.Marketing.Customers) != m.Customers || float64(*p.Marketing.Leads) != m.Leads || float64(*p.Marketing.MQLs) != m.MQLs {
		t.Errorf("plan %s, agreement's Monthly %+v", needs(p.Marketing), m)
	}
	if p.Sales.Bookings != 480_000 || show(p.Sales.Customers) != "20" || show(p.Sales.Opportunities) != "80" ||
		show(p.Total.Customers) != "50" || show(p.Total.Opportunities) != "200" {
		t.Errorf("sales %+v, total %+v", p.Sales, p.Total)
	}
	if p.AgreementVersion != 3 || p.Currency != "USD" || p.Rates != plan.RatesAgreement ||
		p.Lookback != (plan.Window{Name: "2025-10 to 2026-03", From: "2025-10-01", To: "2026-04-01", Months: 6}) {
		t.Errorf("plan head %+v", p)
	}
	for name, f := range map[string]plan.Figure{"bookings": p.Inputs.Bookings, "share": p.Inputs.MarketingShare, "deal size": p.Inputs.DealSize,
		"lead→MQL": p.Inputs.LeadToMQL, "close rate": p.Inputs.OpportunityToCustomer} {
		if f.Basis != plan.Given || f.Source != plan.FromAgreement {
			t.Errorf("%s: %s from %s, want given from the agreement", name, f.Basis, f.Source)
		}
	}
	// History is measured anyway, and has nothing to say.
	if m := p.Inputs.LeadToMQL.Measured; m == nil || m.Value != nil || m.Denominator != 0 || m.From != "2025-10-01" || m.To != "2026-04-01" || m.Of != "mql ÷ lead" {
		t.Errorf("lead→MQL measured %+v", m)
	}
	if p.Value.LeadValueGoal != 720_000 || p.Value.Leads != nil || p.Value.ValuePerLead.Basis != plan.None {
		t.Errorf("value plan %+v", p.Value)
	}

	// Sensitivity, worked by hand: the close rate at 20% needs 720,000 ÷
	// 24,000 ÷ 0.2 = 150 opportunities, 250 SQLs, 500 MQLs, 2,500 leads
	// (+500); at 30%, 100, 166.7 → 167, 333.3 → 334 and 1,666.7 → 1,667
	// (−333).
	sh := p.Sensitivity.Shifts
	if len(sh) != 8 || sh[0].Rate != plan.OpportunityToCustomer || sh[7].Rate != plan.LeadToMQL {
		t.Fatalf("shifts %+v", sh)
	}
	for _, c := range []struct {
		i     int
		to    float64
		want  string
		leads int64
	}{
		{0, 0.20, "30/150/250/500/2500", 500},
		{1, 0.30, "30/100/167/334/1667", -333},
		{6, 0.15, "30/120/200/400/2667", 667},
		{7, 0.25, "30/120/200/400/1600", -400},
	} {
		if s := sh[c.i]; s.To != c.to || needs(s.Needs) != c.want || *s.LeadsDelta != c.leads {
			t.Errorf("shift %d: %s to %v → %s (%+d leads), want %v → %s (%+d)", c.i, s.Rate, s.To, needs(s.Needs), *s.LeadsDelta, c.to, c.want, c.leads)
		}
	}
	// Direction: a lower rate never needs fewer MQLs or leads, a higher
	// never more.
	for _, s := range sh {
		if (s.Points < 0 && (*s.LeadsDelta <= 0 || *s.MQLsDelta < 0)) || (s.Points > 0 && (*s.LeadsDelta >= 0 || *s.MQLsDelta > 0)) {
			t.Errorf("%s %+v points: %+d MQLs, %+d leads", s.Rate, s.Points, *s.MQLsDelta, *s.LeadsDelta)
		}
	}

	// Overrides win over the agreement and say so.
	p, err = plan.Build(t.Context(), st, plan.Options{AsOf: "2026-04-15", Goals: ag.Goals, Bookings: f64(600_000), MarketingShare: f64(1), DealSize: f64(12_000)})
	if err != nil {
		t.Fatal(err)
	}
	// 600,000 ÷ 12,000 = 50 customers, 200, 333.3 → 334, 666.7 → 667, 3,333.3 → 3,334.
	if got := needs(p.Marketing); got != "50/200/334/667/3334" || p.Inputs.Bookings.Source != plan.FromOverride ||
		p.Inputs.DealSize.Source != plan.FromOverride || show(p.Sales.Customers) != "0" || p.Sensitivity != nil {
		t.Errorf("overridden: %s, %+v", got, p.Inputs)
	}
}

// fixture ingests six months of history: enterprise and smb leads with
// their stages and deals inside the window, leads without a segment, and
// leads before and after it that must not count.
//
// In the window (October 2025 to March 2026): enterprise 40 leads, 20 MQLs,
// 10 SQLs, 5 opportunities, 2 won for 50,000 each; smb 100 leads, 30 MQLs,
// 12 SQLs, 8 opportunities, 4 won for 5,000 each; 10 leads without a
// segment, 5 of them MQLs. In all 150 leads, 55 MQLs, 22 SQLs, 13
// opportunities, 6 won, 120,000 booked.
func fixture(t *testing.T, st store.Store) {
	t.Helper()
	var evs []string
	add := func(id, typ string, at time.Time, data string) {
		evs = append(evs, fmt.Sprintf(`{"id":%q,"type":%q,"occurred_at":%q,"data":%s}`, id, typ, at.Format(time.RFC3339), data))
	}
	group := func(seg string, leads, mqls, sqls, opps, won int, amount float64, start time.Time) {
		for i := range leads {
			l := fmt.Sprintf("%s-%d-%d", seg, start.Month(), i)
			at := start.Add(time.Duration(i) * time.Hour)
			segment := ""
			if seg != "none" {
				segment = fmt.Sprintf(`,"segment":%q`, seg)
			}
			add("u"+l, "lead.upserted", at, fmt.Sprintf(`{"lead_id":%q,"email":"%s@x.com"%s}`, l, l, segment))
			add("l"+l, "lead.stage_changed", at, fmt.Sprintf(`{"lead_id":%q,"stage":"lead"}`, l))
			if i < mqls {
				add("m"+l, "lead.stage_changed", at.AddDate(0, 0, 5), fmt.Sprintf(`{"lead_id":%q,"stage":"mql"}`, l))
			}
			if i < sqls {
				add("s"+l, "lead.stage_changed", at.AddDate(0, 0, 10), fmt.Sprintf(`{"lead_id":%q,"stage":"sql"}`, l))
			}
			if i < opps {
				add("o"+l, "opportunity.upserted", at.AddDate(0, 0, 20), fmt.Sprintf(`{"opportunity_id":"O%s","lead_id":%q,"amount":%v}`, l, l, amount))
			}
			if i < won {
				add("w"+l, "opportunity.closed", at.AddDate(0, 0, 40), fmt.Sprintf(`{"opportunity_id":"O%s","outcome":"won"}`, l))
			}
		}
	}
	group("enterprise", 40, 20, 10, 5, 2, 50_000, time.Date(2025, 11, 3, 9, 0, 0, 0, time.UTC))
	group("smb", 100, 30, 12, 8, 4, 5_000, time.Date(2025, 12, 1, 9, 0, 0, 0, time.UTC))
	group("none", 10, 5, 0, 0, 0, 0, time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC))
	// Wholly before the window (August) and after it (April).
	group("smb", 7, 7, 7, 0, 0, 0, time.Date(2025, 8, 1, 9, 0, 0, 0, time.UTC))
	group("enterprise", 9, 9, 9, 9, 0, 0, time.Date(2026, 4, 1, 0, 30, 0, 0, time.UTC))
	items, err := event.DecodeBatch([]byte("["+strings.Join(evs, ",")+"]"), false, 0, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := ingest.New(st, ingest.Options{}).Ingest(t.Context(), items); err != nil || rep.Accepted != len(items) {
		t.Fatalf("ingest: %+v %v", rep, err)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// TestMeasuredPlan measures the rates, the deal size, the value per lead
// and the segments from a real store.
func TestMeasuredPlan(t *testing.T) {
	st := openStore(t)
	fixture(t, st)
	// Goals of an agreement with no rates or deal size: they are measured.
	goals := &agreement.Goals{BookingsPerMonth: 120_000, MarketingShare: 1}
	p, err := plan.Build(t.Context(), st, plan.Options{AsOf: "2026-04-15", Goals: goals, Version: 1, By: plan.BySegment, Sensitivity: 5})
	if err != nil {
		t.Fatal(err)
	}
	in := p.Inputs
	for _, c := range []struct {
		name     string
		f        plan.Figure
		num, den float64
		small    bool
	}{
		{"deal size", in.DealSize, 120_000, 6, true},
		{"lead→MQL", in.LeadToMQL, 55, 150, false},
		{"MQL→SQL", in.MQLToSQL, 22, 55, false},
		{"SQL→opportunity", in.SQLToOpportunity, 13, 22, true},
		{"opportunity→customer", in.OpportunityToCustomer, 6, 13, true},
	} {
		m := c.f.Measured
		if c.f.Basis != plan.Measured || c.f.Source != plan.FromHistory || m == nil || m.Numerator != c.num || m.Denominator != c.den ||
			!near(*c.f.Value, c.num/c.den) || m.SmallSample != c.small || m.From != "2025-10-01" || m.To != "2026-04-01" {
			t.Errorf("%s: %+v measured %+v, want %v/%v (small %v)", c.name, c.f, m, c.num, c.den, c.small)
		}
	}
	// A goal of what the window booked in all comes back to what it took.
	if got := needs(p.Marketing); got != "6/13/22/55/150" {
		t.Errorf("measured plan %s, want the window's 6/13/22/55/150", got)
	}
	// 120,000 of bookings over 150 leads: 800 a lead; 150 leads for 120,000.
	if v := p.Value; *v.ValuePerLead.Value != 800 || *v.Leads != 150 || v.ValuePerLead.Measured.Of != "bookings ÷ lead" {
		t.Errorf("value plan %+v", v)
	}
	for _, want := range []string{
		"The agreement sets no average deal size: measured over 2025-10 to 2026-03 instead.", "The agreement sets no lead → MQL rate", "Opportunity → customer rests on only 13 opportunities opened in 2025-10 to 2026-03",
		"The average deal size rests on only 6 deals won",
	} {
		if !strings.Contains(strings.Join(p.Warnings, "\n"), want) {
			t.Errorf("warnings lack %q:\n%s", want, strings.Join(p.Warnings, "\n"))
		}
	}

	// Per segment: enterprise books 100,000 of 120,000 at 50,000 a deal and
	// converts half at each step but 40% at the close: 2 customers, 5, 10,
	// 20, 40. smb books 20,000 at 5,000: 4 customers, 8, 12, 30, 100.
	// Leads without a segment book nothing.
	if len(p.Segments) != 3 {
		t.Fatalf("segments %+v", p.Segments)
	}
	ent, smb, none := p.Segments[0], p.Segments[1], p.Segments[2]
	if ent.Segment != "enterprise" || !near(*ent.Share.Value, 100_000.0/120_000) || *ent.DealSize.Value != 50_000 ||
		*ent.LeadToMQL.Value != 0.5 || *ent.OpportunityToCustomer.Value != 0.4 || needs(ent.Marketing) != "2/5/10/20/40" || !ent.Share.SmallSample {
		t.Errorf("enterprise %+v: %s", ent, needs(ent.Marketing))
	}
	if smb.Segment != "smb" || *smb.DealSize.Value != 5_000 || *smb.LeadToMQL.Value != 0.3 || needs(smb.Marketing) != "4/8/12/30/100" {
		t.Errorf("smb %+v: %s", smb, needs(smb.Marketing))
	}
	// Leads without a segment are the remainder; they have no SQLs, so
	// their MQL→SQL is measured 0 of 5, and the rest is the plan's.
	if none.Segment != "" || *none.Share.Value != 0 || none.LeadToMQL.Measured.Denominator != 10 || *none.MQLToSQL.Value != 0 ||
		none.SQLToOpportunity.Source != plan.FromPlan || none.DealSize.Source != plan.FromPlan {
		t.Errorf("no segment %+v", none)
	}
	if got := needs(*p.SegmentsTotal); got != "6/13/22/50/140" {
		t.Errorf("segments total %s, want 6/13/22/50/140", got)
	}

	// A lower close rate needs more leads; a higher one fewer.
	for _, s := range p.Sensitivity.Shifts {
		if s.Rate == plan.OpportunityToCustomer && ((s.Points < 0) != (*s.LeadsDelta > 0)) {
			t.Errorf("close rate %+v points: %+d leads", s.Points, *s.LeadsDelta)
		}
	}

	// rates=agreement takes the agreement's where it has them; the window
	// is still shown next to them. Over January to March only the leads
	// without a segment arrive (10, 5 MQLs) and smb's 4 deals are won
	// (opened in December): the close rate cannot be measured, and the
	// plan stops at customers.
	goals.Rates = agreement.Rates{LeadToMQL: 0.5}
	goals.AverageDealSize = 24_000
	p, err = plan.Build(t.Context(), st, plan.Options{AsOf: "2026-04-15", Goals: goals, LookbackMonths: 3})
	if err != nil {
		t.Fatal(err)
	}
	if f := p.Inputs.LeadToMQL; f.Basis != plan.Given || *f.Value != 0.5 || f.Measured.Numerator != 5 || f.Measured.Denominator != 10 {
		t.Errorf("lead→MQL %+v measured %+v", f, f.Measured)
	}
	if p.Lookback.From != "2026-01-01" || p.Inputs.DealSize.Source != plan.FromAgreement || p.Inputs.OpportunityToCustomer.Basis != plan.None ||
		needs(p.Marketing) != "5/null/null/null/null" || show(p.Total.Opportunities) != "null" {
		t.Errorf("3-month window %+v, inputs %+v, plan %s", p.Lookback, p.Inputs, needs(p.Marketing))
	}
	if w := strings.Join(p.Warnings, "\n"); !strings.Contains(w, "Opportunity → customer cannot be measured: no opportunities opened in 2026-01 to 2026-03, so the plan stops there.") {
		t.Errorf("warnings:\n%s", w)
	}
	// rates=measured ignores the agreement's rates and deal size.
	p, err = plan.Build(t.Context(), st, plan.Options{AsOf: "2026-04-15", Goals: goals, Rates: plan.RatesMeasured})
	if err != nil {
		t.Fatal(err)
	}
	if p.Inputs.LeadToMQL.Source != plan.FromHistory || p.Inputs.DealSize.Source != plan.FromHistory || needs(p.Marketing) != "6/13/22/55/150" {
		t.Errorf("rates=measured: %+v, %s", p.Inputs, needs(p.Marketing))
	}
}

func TestLookback(t *testing.T) {
	for _, c := range []struct {
		fiscal daily.Fiscal
		asOf   string
		months int
		want   plan.Window
	}{
		{daily.Fiscal{}, "2026-04-15", 6, plan.Window{Name: "2025-10 to 2026-03", From: "2025-10-01", To: "2026-04-01", Months: 6}},
		{daily.Fiscal{}, "2026-04-01", 1, plan.Window{Name: "2026-03", From: "2026-03-01", To: "2026-04-01", Months: 1}},
		{daily.Fiscal{}, "2026-01-31", 12, plan.Window{Name: "2025-01 to 2025-12", From: "2025-01-01", To: "2026-01-01", Months: 12}},
		// 4-4-5 from Monday 29 December 2025: M01 is 4 weeks, M02 4, M03 5.
		{daily.Fiscal{Pattern: "4-4-5"}, "2026-04-10", 3, plan.Window{Name: "FY2026-M01 to FY2026-M03", From: "2025-12-29", To: "2026-03-30", Months: 3}},
	} {
		if got := plan.Lookback(c.fiscal, c.asOf, c.months); got != c.want {
			t.Errorf("Lookback(%+v, %s, %d) = %+v, want %+v", c.fiscal, c.asOf, c.months, got, c.want)
		}
	}
}

func TestOptions(t *testing.T) {
	for _, c := range []struct {
		field, value string
		bad          bool
	}{
		{"bookings", "1200000", false},
		{"bookings", "0", true},
		{"bookings", "lots", true},
		{"marketing_share", "0", false},
		{"marketing_share", "60", true},
		{"deal_size", "-1", true},
		{"rates", "measured", false},
		{"rates", "guessed", true},
		{"lookback_months", "12", false},
		{"lookback_months", "0", true},
		{"lookback_months", "37", true},
		{"lookback_months", "six", true},
		{"as_of", "2026-02-30", true},
		{"by", "segment", false},
		{"by", "source", true},
		{"sensitivity", "0", false},
		{"sensitivity", "2.5", false},
		{"sensitivity", "-5", true},
		{"sensitivity", "NaN", true},
	} {
		o := plan.Options{AsOf: "2026-04-15"}
		err := o.Set(c.field, c.value)
		var ie *plan.InputError
		if c.bad != (err != nil) || (err != nil && (!errors.As(err, &ie) || ie.Field != c.field)) {
			t.Errorf("Set(%s, %q) = %v", c.field, c.value, err)
		}
	}
	// No goal anywhere: the bookings field is at fault.
	_, err := plan.Build(t.Context(), openStore(t), plan.Options{AsOf: "2026-04-15"})
	var ie *plan.InputError
	if !errors.As(err, &ie) || ie.Field != "bookings" {
		t.Errorf("no goal: %v", err)
	}
}

func TestWriteText(t *testing.T) {
	st := openStore(t)
	fixture(t, st)
	goals := &agreement.Goals{BookingsPerMonth: 1_200_000, MarketingShare: 0.6, AverageDealSize: 24_000, Currency: "USD",
		Rates: agreement.Rates{LeadToMQL: 0.2, MQLToSQL: 0.5, SQLToOpportunity: 0.6, OpportunityToCustomer: 0.25}}
	p, err := plan.Build(t.Context(), st, plan.Options{AsOf: "2026-04-15", Goals: goals, Version: 2, By: plan.BySegment, Sensitivity: 5})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := p.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"Reverse-funnel plan as of 2026-04-15 (agreement version 2)",
		"History: 2025-10 to 2026-03 (6 whole months, 2025-10-01 to 2026-04-01 excluded)",
		"Goal: bookings of 1,200,000 USD a month, given by the agreement;",
		"60.0% of it from marketing-sourced leads (720,000 USD), given by the agreement, and 40.0% from sales-sourced (480,000 USD)",
		"  lead → MQL                20.0%   given by the agreement   36.7% = 55 ÷ 150 leads\n",
		"  average deal size        24,000   given by the agreement   20,000 = 120,000 ÷ 6 deals won *\n",
		"  customers                      30              20          50\n",
		"  leads                       2,000\n",
		"at 800 USD per lead (120,000 of bookings ÷ 150 leads over 2025-10 to 2026-03) that is 900 leads a month (the funnel says 2,000)",
		"  opportunity → customer   -5 pts   25.0%   20.0%             150    250    500   2,500            +500\n",
		"                           +5 pts   25.0%   30.0%             100    167    334   1,667            -333\n",
		"  enterprise         83.3% *    50,000 *      50.0%   50.0% *   50.0% *    40.0% *          12              30     60    120     240\n",
		"  (none)              0.0% *    24,000 †    50.0% *    0.0% *   60.0% †    25.0% †           0               0      0      0       0\n",
		"  all segments                                                                              36              78    132    300     840\n",
		"  (the plan above)                                                                          30             120    200    400   2,000\n",
		"  - Segment enterprise: the average deal size rests on only 2 deals won in 2025-10 to 2026-03: read with care.\n",
		"Warnings:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	if testing.Verbose() {
		t.Log("\n" + out)
	}
}
