// Package plan is the reverse-funnel planner: it works a monthly bookings
// goal back through the funnel into the customers, opportunities, SQLs,
// MQLs and leads it takes each month.
//
// Every input says where it comes from. The bookings goal, marketing's
// share of it, the average deal size and the four conversion rates are
// either given (by the agreement's goals, or by an override) or measured
// from the daily atoms over a lookback window of whole fiscal months
// before the as-of day; a measured figure carries the window and its
// numerator and denominator, and is flagged as a small sample when the
// denominator is under 30. The measured figures are worked out whether or
// not they are used, so a given rate can be read against history.
//
// Measured rates are period rates, as the funnel report's are: SQLs in
// the window ÷ MQLs in the window, not a cohort. SQL → opportunity counts
// opportunities opened, opportunity → customer deals won, and the average
// deal size is bookings ÷ deals won.
//
// On top of the plan: the same per segment (each segment's measured rates,
// deal size and share of bookings over the window), a value-based variant
// (leads needed = marketing's bookings goal ÷ bookings per lead over the
// window) and a sensitivity table (each rate moved a few points either way).
package plan

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/accordhq/accord/internal/agreement"
	"github.com/accordhq/accord/internal/daily"
	"github.com/accordhq/accord/internal/store"
)

// Defaults and bounds of the options.
const (
	DefaultLookbackMonths = 6
	MaxLookbackMonths     = 36
	DefaultSensitivity    = 5.0 // points
	// SmallSample is the denominator under which a measured figure is
	// flagged.
	SmallSample = 30
)

// Where the conversion rates (and, unless given, the deal size) come from.
const (
	// RatesAgreement takes each rate and the deal size from the agreement's
	// goals where it sets them, and measures the rest.
	RatesAgreement = "agreement"
	// RatesMeasured measures every rate and the deal size over the window
	// (a --deal-size override still wins).
	RatesMeasured = "measured"
)

// Basis of a figure.
const (
	Given    = "given"
	Measured = "measured"
	None     = "none" // neither given nor measurable: the plan stops there
)

// Source of a figure.
const (
	FromOverride  = "override"
	FromAgreement = "agreement"
	FromHistory   = "history"
	FromDefault   = "default"
	// FromPlan is a segment's figure that its own atoms cannot measure (no
	// denominator in the window), taken from the plan's.
	FromPlan = "plan"
)

// BySegment is the one breakdown the planner offers.
const BySegment = daily.Segment

// Rate keys, in funnel order.
const (
	LeadToMQL             = "lead_to_mql"
	MQLToSQL              = "mql_to_sql"
	SQLToOpportunity      = "sql_to_opportunity"
	OpportunityToCustomer = "opportunity_to_customer"
)

// step is one conversion: its key, its words, and the atoms measuring it.
type step struct {
	key, label, from, to, fromNoun string
}

var steps = []step{
	{LeadToMQL, "lead → MQL", "lead", "mql", "leads"},
	{MQLToSQL, "MQL → SQL", "mql", "sql", "MQLs"},
	{SQLToOpportunity, "SQL → opportunity", "sql", daily.Opportunities, "SQLs"},
	{OpportunityToCustomer, "opportunity → customer", daily.Opportunities, daily.Won, "opportunities opened"},
}

// metrics are the atoms the planner reads.
var metrics = []string{"lead", "mql", "sql", daily.Opportunities, daily.Won, daily.Bookings}

// Options shape a plan. Bookings, MarketingShare and DealSize override
// the agreement's goals when set.
type Options struct {
	// AsOf is a day; the lookback is the whole fiscal months before its
	// month.
	AsOf   string
	Fiscal daily.Fiscal
	// Goals are the agreement's (nil when none is in force or it sets
	// none), Version the version in force (0: none).
	Goals   *agreement.Goals
	Version int

	Bookings       *float64
	MarketingShare *float64
	DealSize       *float64
	// Rates is RatesAgreement (when empty) or RatesMeasured.
	Rates string
	// LookbackMonths is the window's length (DefaultLookbackMonths when 0).
	LookbackMonths int
	// By is "" or BySegment.
	By string
	// Sensitivity is how many points each rate is moved either way in the
	// sensitivity table; 0 leaves the table out.
	Sensitivity float64
}

// Fields are the options by the names the API gives them (the CLI's
// flags are the same with dashes).
var Fields = []string{"bookings", "marketing_share", "deal_size", "rates", "lookback_months", "as_of", "by", "sensitivity"}

// InputError is a bad option, named as in Fields.
type InputError struct {
	Field, Msg string
}

func (e *InputError) Error() string { return e.Field + ": " + e.Msg }

func inputErr(field, format string, args ...any) *InputError {
	return &InputError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Set parses one option given as text, by its name in Fields.
func (o *Options) Set(field, value string) error {
	number := func() (float64, error) {
		v, err := strconv.ParseFloat(value, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, inputErr(field, "%q is not a number", value)
		}
		return v, nil
	}
	switch field {
	case "bookings", "deal_size":
		v, err := number()
		if err != nil {
			return err
		}
		if v <= 0 {
			return inputErr(field, "must be more than 0, got %v", v)
		}
		if field == "bookings" {
			o.Bookings = &v
		} else {
			o.DealSize = &v
		}
	case "marketing_share":
		v, err := number()
		if err != nil {
			return err
		}
		if v < 0 || v > 1 {
			return inputErr(field, "is a share between 0 and 1 (0.6 for 60%%), not %v", v)
		}
		o.MarketingShare = &v
	case "rates":
		o.Rates = value
	case "lookback_months":
		n, err := strconv.Atoi(value)
		if err != nil {
			return inputErr(field, "%q is not a whole number of months", value)
		}
		o.LookbackMonths = n
	case "as_of":
		o.AsOf = value
	case "by":
		o.By = value
	case "sensitivity":
		v, err := number()
		if err != nil {
			return err
		}
		o.Sensitivity = v
	default:
		return inputErr(field, "no such option")
	}
	return o.check(field)
}

// check validates the options (only field's, when field is set).
func (o *Options) check(field string) error {
	is := func(f string) bool { return field == "" || field == f }
	if is("rates") && o.Rates != "" && o.Rates != RatesAgreement && o.Rates != RatesMeasured {
		return inputErr("rates", "%q: use agreement or measured", o.Rates)
	}
	if is("lookback_months") && (o.LookbackMonths < 0 || o.LookbackMonths > MaxLookbackMonths || (field != "" && o.LookbackMonths == 0)) {
		return inputErr("lookback_months", "must be 1 to %d months, got %d", MaxLookbackMonths, o.LookbackMonths)
	}
	if is("as_of") {
		if _, err := time.Parse(time.DateOnly, o.AsOf); err != nil {
			return inputErr("as_of", "must be a day such as 2026-03-15, got %q", o.AsOf)
		}
	}
	if is("by") && o.By != "" && o.By != BySegment {
		return inputErr("by", "%q: the plan breaks down by segment only", o.By)
	}
	if is("sensitivity") && (o.Sensitivity < 0 || o.Sensitivity >= 100 || math.IsNaN(o.Sensitivity)) {
		return inputErr("sensitivity", "is points to move each rate by, 0 (none) to under 100, not %v", o.Sensitivity)
	}
	for _, c := range []struct {
		f  string
		v  *float64
		ok func(float64) bool
	}{
		{"bookings", o.Bookings, func(v float64) bool { return v > 0 }},
		{"deal_size", o.DealSize, func(v float64) bool { return v > 0 }},
		{"marketing_share", o.MarketingShare, func(v float64) bool { return v >= 0 && v <= 1 }},
	} {
		if is(c.f) && c.v != nil && (!c.ok(*c.v) || math.IsInf(*c.v, 0)) {
			return inputErr(c.f, "%v is out of range", *c.v)
		}
	}
	return nil
}

// Plan is the reverse funnel for one month.
type Plan struct {
	AsOf string `json:"as_of"`
	// AgreementVersion is the version whose goals were read (0: none).
	AgreementVersion int    `json:"agreement_version,omitempty"`
	Currency         string `json:"currency,omitempty"`
	// Rates is where the rates were asked to come from: agreement or
	// measured (each figure says where it did come from).
	Rates    string `json:"rates"`
	Lookback Window `json:"lookback"`
	Inputs   Inputs `json:"inputs"`
	// Marketing is what marketing-sourced leads must bring each month,
	// worked back to leads; Sales what sales-sourced deals must, worked
	// back to opportunities (outbound does not go through marketing's
	// stages); Total both.
	Marketing Needs     `json:"marketing"`
	Sales     Deals     `json:"sales"`
	Total     Deals     `json:"total"`
	Value     ValuePlan `json:"value"`
	// Sensitivity is absent when no shift was asked for.
	Sensitivity *Sensitivity `json:"sensitivity,omitempty"`
	By          string       `json:"by,omitempty"`
	Segments    []Segment    `json:"segments,omitempty"`
	// SegmentsTotal adds up the segments' marketing needs: the plan with
	// the mix of segments taken into account.
	SegmentsTotal *Needs   `json:"segments_total,omitempty"`
	Warnings      []string `json:"warnings"`
}

// Window is the lookback: whole fiscal months, From included, To excluded.
type Window struct {
	Name   string `json:"name"`
	From   string `json:"from"`
	To     string `json:"to"`
	Months int    `json:"months"`
}

// Inputs are the plan's figures.
type Inputs struct {
	Bookings              Figure `json:"bookings"`
	MarketingShare        Figure `json:"marketing_share"`
	DealSize              Figure `json:"deal_size"`
	LeadToMQL             Figure `json:"lead_to_mql"`
	MQLToSQL              Figure `json:"mql_to_sql"`
	SQLToOpportunity      Figure `json:"sql_to_opportunity"`
	OpportunityToCustomer Figure `json:"opportunity_to_customer"`
}

// rate returns the input for a rate key.
func (in *Inputs) rate(key string) *Figure {
	switch key {
	case LeadToMQL:
		return &in.LeadToMQL
	case MQLToSQL:
		return &in.MQLToSQL
	case SQLToOpportunity:
		return &in.SQLToOpportunity
	}
	return &in.OpportunityToCustomer
}

// Figure is one input and where it comes from.
type Figure struct {
	// Value is null when the figure is neither given nor measurable.
	Value  *float64 `json:"value"`
	Basis  string   `json:"basis"`  // given, measured or none
	Source string   `json:"source"` // override, agreement, history, default or plan
	// Measured is what the window says, used or not; absent for figures
	// history cannot say (a goal).
	Measured *Measure `json:"measured,omitempty"`
}

// Measure is a figure measured over the window: Numerator ÷ Denominator.
type Measure struct {
	From        string   `json:"from"`
	To          string   `json:"to"` // excluded
	Of          string   `json:"of"` // what is divided by what, e.g. "sql ÷ mql"
	Numerator   float64  `json:"numerator"`
	Denominator float64  `json:"denominator"`
	Value       *float64 `json:"value"` // null when the denominator is 0
	// SmallSample: fewer than 30 in the denominator (for a share of
	// bookings, fewer than 30 deals won).
	SmallSample bool `json:"small_sample,omitempty"`
}

// Needs are a month's bookings worked back through the funnel, each step
// rounded up. A step is null when it cannot be worked out: the deal size
// or a rate on the way is missing or zero.
type Needs struct {
	Bookings      float64 `json:"bookings"`
	Customers     *int64  `json:"customers"`
	Opportunities *int64  `json:"opportunities"`
	SQLs          *int64  `json:"sqls"`
	MQLs          *int64  `json:"mqls"`
	Leads         *int64  `json:"leads"`
}

// Deals are bookings worked back to customers and opportunities.
type Deals struct {
	Bookings      float64 `json:"bookings"`
	Customers     *int64  `json:"customers"`
	Opportunities *int64  `json:"opportunities"`
}

// ValuePlan is the value-based variant: marketing's bookings goal as a
// lead value goal, and the leads it takes at the bookings per lead of the
// window.
type ValuePlan struct {
	// LeadValueGoal is what marketing's leads must be worth each month:
	// the marketing-sourced bookings goal.
	LeadValueGoal float64 `json:"lead_value_goal"`
	// ValuePerLead is bookings ÷ leads over the window (a period ratio:
	// this window's bookings may come from earlier leads).
	ValuePerLead Figure `json:"value_per_lead"`
	Leads        *int64 `json:"leads"`
}

// Sensitivity is the marketing plan again with one rate moved, the others
// held.
type Sensitivity struct {
	Points float64 `json:"points"`
	Shifts []Shift `json:"shifts"`
}

// Shift is one rate moved by Points (negative: down).
type Shift struct {
	Rate   string  `json:"rate"` // lead_to_mql, mql_to_sql, sql_to_opportunity or opportunity_to_customer
	Points float64 `json:"points"`
	From   float64 `json:"from"`
	To     float64 `json:"to"` // the rate used: capped at 1, and 0 or less stops the plan
	Needs  Needs   `json:"needs"`
	// The change in MQLs and leads needed against the plan.
	MQLsDelta  *int64 `json:"mqls_delta"`
	LeadsDelta *int64 `json:"leads_delta"`
	Note       string `json:"note,omitempty"`
}

// Segment is the plan for one segment, everything measured over the
// window: its share of bookings, its deal size and its rates (the plan's
// where its own atoms have no denominator).
type Segment struct {
	// Segment is the value; "" is the leads without a segment.
	Segment               string  `json:"segment"`
	Share                 Measure `json:"share"` // of the window's bookings
	DealSize              Figure  `json:"deal_size"`
	LeadToMQL             Figure  `json:"lead_to_mql"`
	MQLToSQL              Figure  `json:"mql_to_sql"`
	SQLToOpportunity      Figure  `json:"sql_to_opportunity"`
	OpportunityToCustomer Figure  `json:"opportunity_to_customer"`
	// Marketing is the segment's share of the marketing-sourced goal,
	// worked back through its own rates.
	Marketing Needs `json:"marketing"`
}

func (s *Segment) rate(key string) *Figure {
	switch key {
	case LeadToMQL:
		return &s.LeadToMQL
	case MQLToSQL:
		return &s.MQLToSQL
	case SQLToOpportunity:
		return &s.SQLToOpportunity
	}
	return &s.OpportunityToCustomer
}

// Lookback is the window of months whole fiscal months before the month
// holding asOf.
func Lookback(f daily.Fiscal, asOf string, months int) Window {
	to := f.Month(asOf).From
	from, first := to, ""
	for range months {
		m := f.Month(dayBefore(from))
		from = m.From
		first = m.Name
	}
	last := f.Month(dayBefore(to)).Name
	name := first + " to " + last
	if months == 1 {
		name = last
	}
	return Window{Name: name, From: from, To: to, Months: months}
}

func dayBefore(day string) string {
	t, _ := time.Parse(time.DateOnly, day)
	return t.AddDate(0, 0, -1).Format(time.DateOnly)
}

// counts are a window's atoms summed per metric.
type counts map[string]daily.Cell

func (c counts) value(metric string) float64 {
	if metric == daily.Bookings {
		return c[metric].Amount()
	}
	return float64(c[metric].N)
}

// measure is num ÷ den over w; small says what the sample size is.
func (w Window) measure(c counts, num, den string) *Measure {
	m := &Measure{From: w.From, To: w.To, Of: num + " ÷ " + den, Numerator: c.value(num), Denominator: c.value(den)}
	if m.Denominator > 0 {
		v := m.Numerator / m.Denominator
		m.Value = &v
	}
	m.SmallSample = c[den].N < SmallSample
	return m
}

// Build reads the window's atoms and makes the plan.
func Build(ctx context.Context, st store.Store, o Options) (*Plan, error) {
	if o.LookbackMonths == 0 {
		o.LookbackMonths = DefaultLookbackMonths
	}
	if o.Rates == "" {
		o.Rates = RatesAgreement
	}
	if err := o.check(""); err != nil {
		return nil, err
	}
	g := o.Goals
	if g == nil {
		g = &agreement.Goals{}
	}
	w := Lookback(o.Fiscal, o.AsOf, o.LookbackMonths)
	p := &Plan{AsOf: o.AsOf, AgreementVersion: o.Version, Currency: g.Currency, Rates: o.Rates, Lookback: w, By: o.By, Warnings: []string{}}
	all, err := read(ctx, st, w, daily.All)
	if err != nil {
		return nil, err
	}
	total := all[""]

	// The goal and marketing's share: given, never measured.
	in := &p.Inputs
	switch {
	case o.Bookings != nil:
		in.Bookings = given(*o.Bookings, FromOverride)
	case g.BookingsPerMonth > 0:
		in.Bookings = given(g.BookingsPerMonth, FromAgreement)
	case o.Goals == nil && o.Version == 0:
		return nil, inputErr("bookings", "no bookings goal: no agreement is in force, so give one")
	default:
		return nil, inputErr("bookings", "no bookings goal: the agreement in force sets none (goals.bookings_per_month), so give one")
	}
	switch {
	case o.MarketingShare != nil:
		in.MarketingShare = given(*o.MarketingShare, FromOverride)
	case g.MarketingShare > 0:
		in.MarketingShare = given(g.MarketingShare, FromAgreement)
	default:
		in.MarketingShare = given(1, FromDefault)
		p.warn("No marketing share is set (goals.marketing_share): the whole bookings goal is planned through marketing's funnel.")
	}

	// The deal size and the rates: given where the agreement (or an
	// override) says so and rates=agreement, measured otherwise.
	in.DealSize = pick(o.DealSize, g.AverageDealSize, o.Rates, w.measure(total, daily.Bookings, daily.Won))
	theirs := map[string]float64{LeadToMQL: g.Rates.LeadToMQL, MQLToSQL: g.Rates.MQLToSQL,
		SQLToOpportunity: g.Rates.SQLToOpportunity, OpportunityToCustomer: g.Rates.OpportunityToCustomer}
	for _, s := range steps {
		*in.rate(s.key) = pick(nil, theirs[s.key], o.Rates, w.measure(total, s.to, s.from))
	}
	switch {
	case o.Goals == nil && o.Version == 0:
		p.warn("No agreement is in force: every figure not given here is measured over " + w.Name + ".")
	case o.Goals == nil:
		p.warn("The agreement in force sets no goals: every figure not given here is measured over " + w.Name + ".")
	}
	p.explain(in, w, "", o.Rates == RatesAgreement && o.Goals != nil)

	goal, share := *in.Bookings.Value, *in.MarketingShare.Value
	mkt := goal * share
	r := rates(in.rate)
	p.Marketing = Work(mkt, val(in.DealSize), r)
	p.Sales = Deals{Bookings: goal - mkt}
	if d := val(in.DealSize); d > 0 {
		sales := Work(goal-mkt, d, agreement.Rates{OpportunityToCustomer: r.OpportunityToCustomer})
		p.Sales.Customers, p.Sales.Opportunities = sales.Customers, sales.Opportunities
	}
	p.Total = Deals{Bookings: goal, Customers: add(p.Marketing.Customers, p.Sales.Customers),
		Opportunities: add(p.Marketing.Opportunities, p.Sales.Opportunities)}

	// Value-based: the leads it takes at the window's bookings per lead.
	p.Value = ValuePlan{LeadValueGoal: mkt, ValuePerLead: measured(w.measure(total, daily.Bookings, "lead"))}
	if v := val(p.Value.ValuePerLead); v > 0 {
		n := ceil(mkt / v)
		p.Value.Leads = &n
		if p.Value.ValuePerLead.Measured.SmallSample {
			p.warn(fmt.Sprintf("The value per lead rests on only %d leads in %s: read with care.", total["lead"].N, w.Name))
		}
	} else {
		p.warn(fmt.Sprintf("No value per lead: %s has %s in bookings over %d leads.", w.Name, amount(total.value(daily.Bookings)), total["lead"].N))
	}

	if o.Sensitivity > 0 {
		p.Sensitivity = sensitivity(mkt, val(in.DealSize), r, p.Marketing, o.Sensitivity)
	}
	if o.By == BySegment {
		if err := p.segments(ctx, st, total, mkt); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// read sums the window's atoms per dimension value.
func read(ctx context.Context, st store.Store, w Window, dim string) (map[string]counts, error) {
	rows, err := st.Daily(ctx, store.DailyFilter{From: w.From, To: w.To, Metrics: metrics, Dim: dim, Summed: true})
	if err != nil {
		return nil, err
	}
	out := map[string]counts{}
	if dim == daily.All {
		out[""] = counts{}
	}
	for _, r := range rows {
		c := out[r.Value]
		if c == nil {
			c = counts{}
			out[r.Value] = c
		}
		cell := c[r.Metric]
		cell.N += r.N
		cell.Cents += r.Cents
		c[r.Metric] = cell
	}
	return out, nil
}

func given(v float64, source string) Figure {
	return Figure{Value: &v, Basis: Given, Source: source}
}

func measured(m *Measure) Figure {
	f := Figure{Value: m.Value, Basis: Measured, Source: FromHistory, Measured: m}
	if m.Value == nil {
		f.Basis = None
	}
	return f
}

// pick is the override if any, else the agreement's figure under
// rates=agreement, else the measure.
func pick(override *float64, theirs float64, mode string, m *Measure) Figure {
	switch {
	case override != nil:
		f := given(*override, FromOverride)
		f.Measured = m
		return f
	case mode == RatesAgreement && theirs > 0:
		f := given(theirs, FromAgreement)
		f.Measured = m
		return f
	}
	return measured(m)
}

// explain warns about the measured figures the plan uses: unmeasurable,
// zero, above 100% or resting on a small sample. who names a segment.
func (p *Plan) explain(in *Inputs, w Window, who string, fromAgreement bool) {
	type item struct {
		f                *Figure
		label, name, den string
		rate             bool
	}
	items := []item{{&in.DealSize, "the average deal size", "average deal size", "deals won", false}}
	for _, s := range steps {
		items = append(items, item{in.rate(s.key), s.label, s.label + " rate", s.fromNoun, true})
	}
	for _, it := range items {
		f := it.f
		if f.Basis == Given || f.Source == FromPlan {
			continue
		}
		m := f.Measured
		if fromAgreement && who == "" {
			p.warn(fmt.Sprintf("The agreement sets no %s: measured over %s instead.", it.name, w.Name))
		}
		switch {
		case m.Value == nil:
			p.warn(fmt.Sprintf("%s cannot be measured: no %s in %s, so the plan stops there.", upper(who+it.label), it.den, w.Name))
		case it.rate && *m.Value == 0:
			p.warn(fmt.Sprintf("%s is 0%% over %s (0 of %s %s): no number of them reaches the goal, so the plan stops there.", upper(who+it.label), w.Name, count(m.Denominator), it.den))
		case m.SmallSample:
			p.warn(fmt.Sprintf("%s rests on only %s %s in %s: read with care.", upper(who+it.label), count(m.Denominator), it.den, w.Name))
		}
		if it.rate && m.Value != nil && *m.Value > 1 {
			p.warn(fmt.Sprintf("%s is above 100%% over %s (%s/%s): a period rate counts stages entered in the window, and leads may skip a stage or enter it from before.",
				upper(who+it.label), w.Name, count(m.Numerator), count(m.Denominator)))
		}
	}
}

func (p *Plan) warn(s string) { p.Warnings = append(p.Warnings, s) }

// rates are the figures' values (0 where unknown) as agreement.Rates.
func rates(get func(string) *Figure) agreement.Rates {
	return agreement.Rates{LeadToMQL: val(*get(LeadToMQL)), MQLToSQL: val(*get(MQLToSQL)),
		SQLToOpportunity: val(*get(SQLToOpportunity)), OpportunityToCustomer: val(*get(OpportunityToCustomer))}
}

func val(f Figure) float64 {
	if f.Value == nil {
		return 0
	}
	return *f.Value
}

// Work works bookings back through the funnel: customers at the deal size,
// then opportunities, SQLs, MQLs and leads at the rates, each rounded up
// (the exact need is carried from step to step, as the agreement's
// Monthly goals do). It stops at the first deal size or rate that is not
// more than 0, leaving that step and those above it null — unless there
// is nothing to book, which needs nothing.
func Work(bookings, dealSize float64, r agreement.Rates) Needs {
	n := Needs{Bookings: bookings}
	if bookings == 0 {
		// Nothing to book needs nothing, whatever the rates.
		var zero int64
		n.Customers, n.Opportunities, n.SQLs, n.MQLs, n.Leads = &zero, &zero, &zero, &zero, &zero
		return n
	}
	if dealSize <= 0 {
		return n
	}
	need := bookings / dealSize
	c := ceil(need)
	n.Customers = &c
	for _, s := range []struct {
		rate float64
		dst  **int64
	}{{r.OpportunityToCustomer, &n.Opportunities}, {r.SQLToOpportunity, &n.SQLs}, {r.MQLToSQL, &n.MQLs}, {r.LeadToMQL, &n.Leads}} {
		if s.rate <= 0 {
			break
		}
		need /= s.rate
		v := ceil(need)
		*s.dst = &v
	}
	return n
}

// ceil rounds up, forgiving the float error of a division that should be
// whole (1,200,000 × 0.6 ÷ 24,000 is 30, not 30.000000000000004).
func ceil(v float64) int64 { return int64(math.Ceil(v - 1e-9)) }

func add(a, b *int64) *int64 {
	if a == nil || b == nil {
		return nil
	}
	v := *a + *b
	return &v
}

func sub(a, b *int64) *int64 {
	if a == nil || b == nil {
		return nil
	}
	v := *a - *b
	return &v
}

// sensitivity moves each rate, the close rate first, by points either way.
func sensitivity(mkt, deal float64, base agreement.Rates, plan Needs, points float64) *Sensitivity {
	s := &Sensitivity{Points: points, Shifts: []Shift{}}
	field := func(r *agreement.Rates, key string) *float64 {
		switch key {
		case LeadToMQL:
			return &r.LeadToMQL
		case MQLToSQL:
			return &r.MQLToSQL
		case SQLToOpportunity:
			return &r.SQLToOpportunity
		}
		return &r.OpportunityToCustomer
	}
	for i := len(steps) - 1; i >= 0; i-- {
		key := steps[i].key
		from := *field(&base, key)
		if from <= 0 {
			continue // no rate to move: the plan already stops there
		}
		for _, sign := range []float64{-1, 1} {
			r := base
			to := from + sign*points/100
			sh := Shift{Rate: key, Points: sign * points, From: from}
			switch {
			case to <= 1e-9:
				to = 0
				sh.Note = "at 0% or less no number of " + steps[i].fromNoun + " reaches the goal"
			case to > 1:
				to = 1
				sh.Note = "capped at 100%"
			}
			sh.To = math.Round(to*1e9) / 1e9
			*field(&r, key) = sh.To
			sh.Needs = Work(mkt, deal, r)
			sh.MQLsDelta, sh.LeadsDelta = sub(sh.Needs.MQLs, plan.MQLs), sub(sh.Needs.Leads, plan.Leads)
			s.Shifts = append(s.Shifts, sh)
		}
	}
	return s
}

// segments plans each segment on its own measured figures and its share of
// the window's bookings. Leads without a segment are the remainder: the
// totals less every segment's atoms.
func (p *Plan) segments(ctx context.Context, st store.Store, total counts, mkt float64) error {
	by, err := read(ctx, st, p.Lookback, daily.Segment)
	if err != nil {
		return err
	}
	rest := counts{}
	for _, m := range metrics {
		cell := total[m]
		for _, c := range by {
			cell.N -= c[m].N
			cell.Cents -= c[m].Cents
		}
		if cell.N != 0 || cell.Cents != 0 {
			rest[m] = cell
		}
	}
	if len(rest) > 0 {
		by[""] = rest
	}
	w := p.Lookback
	if total[daily.Bookings].Cents == 0 {
		p.warn(fmt.Sprintf("No bookings in %s: the segments' shares of the goal cannot be measured.", w.Name))
	}
	var sum *Needs
	for v, c := range by {
		share := Measure{From: w.From, To: w.To, Of: "segment bookings ÷ all bookings",
			Numerator: c.value(daily.Bookings), Denominator: total.value(daily.Bookings), SmallSample: c[daily.Won].N < SmallSample}
		if share.Denominator > 0 {
			x := share.Numerator / share.Denominator
			share.Value = &x
		}
		seg := Segment{Segment: v, Share: share}
		seg.DealSize = fallback(measured(w.measure(c, daily.Bookings, daily.Won)), p.Inputs.DealSize)
		for _, s := range steps {
			*seg.rate(s.key) = fallback(measured(w.measure(c, s.to, s.from)), *p.Inputs.rate(s.key))
		}
		if share.Value != nil {
			seg.Marketing = Work(mkt**share.Value, val(seg.DealSize), rates(seg.rate))
		}
		p.Segments = append(p.Segments, seg)
	}
	slices.SortFunc(p.Segments, func(a, b Segment) int {
		if (a.Segment == "") != (b.Segment == "") {
			if a.Segment == "" {
				return 1
			}
			return -1
		}
		return cmp.Or(-cmp.Compare(a.Share.Numerator, b.Share.Numerator), cmp.Compare(a.Segment, b.Segment))
	})
	for i := range p.Segments {
		seg := &p.Segments[i]
		who := "segment " + seg.Segment + ": "
		if seg.Segment == "" {
			who = "leads without a segment: "
		}
		if seg.Share.Value == nil || *seg.Share.Value == 0 {
			continue // no share of the goal: nothing to warn about
		}
		in := Inputs{DealSize: seg.DealSize, LeadToMQL: seg.LeadToMQL, MQLToSQL: seg.MQLToSQL,
			SQLToOpportunity: seg.SQLToOpportunity, OpportunityToCustomer: seg.OpportunityToCustomer}
		p.explain(&in, w, who, false)
		n := seg.Marketing
		if sum == nil {
			sum = &Needs{Customers: new(int64), Opportunities: new(int64), SQLs: new(int64), MQLs: new(int64), Leads: new(int64)}
		}
		sum.Bookings += n.Bookings
		sum.Customers, sum.Opportunities, sum.SQLs = add(sum.Customers, n.Customers), add(sum.Opportunities, n.Opportunities), add(sum.SQLs, n.SQLs)
		sum.MQLs, sum.Leads = add(sum.MQLs, n.MQLs), add(sum.Leads, n.Leads)
	}
	p.SegmentsTotal = sum
	return nil
}

// fallback is the measured figure, or the plan's when the segment's own
// atoms have no denominator.
func fallback(m, plan Figure) Figure {
	if m.Value != nil {
		return m
	}
	f := plan
	f.Source, f.Measured = FromPlan, m.Measured
	if f.Value == nil {
		f.Basis = None
	}
	return f
}
