package leadvalue

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/accordhq/accord/internal/agreement"
	"github.com/accordhq/accord/internal/daily"
	"github.com/accordhq/accord/internal/store"
)

// DefaultLookbackMonths is the lookback when none is given.
const DefaultLookbackMonths = 12

// MaxLookbackMonths bounds the lookback (ten years).
const MaxLookbackMonths = 120

// Options shape a lead value report.
type Options struct {
	Fiscal   daily.Fiscal
	Location *time.Location // the organisation's zone: days start at midnight in it
	// AsOf is a day (2006-01-02). The lookback is the LookbackMonths whole
	// fiscal months before the month holding it; the month is counted up
	// to it.
	AsOf           string
	LookbackMonths int
	By             []string
	// Agreement is the agreement in force, for the goal (nil: none).
	Agreement *agreement.Agreement
	// Now is when the report is made: bookings are those won by then.
	Now time.Time
}

// Report is the lead value report: the lookback's value per lead, overall
// and by group (Estimates, inlined), how each month's leads of the window
// have booked so far, and the month of AsOf against goal.
type Report struct {
	AsOf     string `json:"as_of"`
	Lookback Window `json:"lookback"`
	// Cohort says in words which leads and which bookings are counted.
	Cohort   string `json:"cohort"`
	Currency string `json:"currency,omitempty"` // the agreement's, if it names one
	Method   string `json:"method"`
	*Estimates
	CohortsByMonth []CohortMonth `json:"cohorts_by_month"`
	Month          Month         `json:"month"`
	Warnings       []string      `json:"warnings"`

	counted time.Time      // bookings won up to
	loc     *time.Location // for the text
}

// Window is the lookback: the leads created from From to To (excluded),
// whole fiscal months.
type Window struct {
	Months int    `json:"months"`
	Name   string `json:"name"`
	From   string `json:"from"`
	To     string `json:"to"` // excluded
	// BookingsCountedTo: the window's leads' deals won by then count,
	// whenever they were won.
	BookingsCountedTo time.Time `json:"bookings_counted_to"`
}

// CohortMonth is the leads created in one month of the window and what
// they have booked so far: the later months have had less time to close.
type CohortMonth struct {
	Month        string   `json:"month"`
	From         string   `json:"from"`
	To           string   `json:"to"`
	N            int64    `json:"n"`
	Won          int64    `json:"won"`
	Bookings     float64  `json:"bookings"`
	ValuePerLead *float64 `json:"value_per_lead"`
}

// Month is marketing's lead value delivered in the month holding AsOf:
// the leads created in it so far, each worth its group's value per lead
// over the lookback, against the agreement's goal.
type Month struct {
	Period      daily.Period `json:"period"`
	DaysElapsed int          `json:"days_elapsed"`
	Days        int          `json:"days"`
	Leads       int64        `json:"leads"`
	// ValueDelivered is Σ over the month's leads of the shrunk value per
	// lead of their group (by the report's dimensions; a group the
	// lookback never saw takes its parent's, or all leads'). Null when
	// the lookback has no leads to value them by.
	ValueDelivered *float64 `json:"value_delivered"`
	// ValuePerLead is ValueDelivered ÷ Leads: the lookback's value per
	// lead, weighted by this month's mix.
	ValuePerLead *float64 `json:"value_per_lead"`
	// ValueAtOverall is Leads × all leads' value per lead, ignoring mix.
	ValueAtOverall *float64 `json:"value_at_overall"`
	// Projected is ValueDelivered at the month's pace so far, to its end.
	Projected *float64 `json:"projected"`
	Goal      *Goal    `json:"goal"`
	// ProjectedOfGoal is Projected ÷ Goal.Monthly; ValuePerLeadOfGoal is
	// ValuePerLead ÷ Goal.PerLead.
	ProjectedOfGoal    *float64 `json:"projected_of_goal"`
	ValuePerLeadOfGoal *float64 `json:"value_per_lead_of_goal"`
	// BookingsSoFar is what the month's leads have actually booked yet
	// (Won deals): early, and no measure of their value.
	BookingsSoFar float64 `json:"bookings_so_far"`
	Won           int64   `json:"won"`
}

// Goal is marketing's lead value goal for a month, from the agreement's
// marketing.lead_value_goal.
type Goal struct {
	// Kind is "derived" (the marketing share of the bookings goal) or
	// "amount" (a value per lead, as written).
	Kind string `json:"kind"`
	// Monthly is what the month's leads should be worth; PerLead what
	// each should. One follows from the other through the agreement's
	// leads goal, when it has one; otherwise it is null.
	Monthly *float64 `json:"monthly"`
	PerLead *float64 `json:"per_lead"`
	Basis   string   `json:"basis"`
}

// Lookback returns the months whole fiscal months before the month
// holding asOf.
func Lookback(f daily.Fiscal, asOf string, months int) Window {
	to := f.Month(asOf).From
	from, first := to, ""
	for range months {
		m := f.Month(dayBefore(from))
		from, first = m.From, m.Name
	}
	name := first + " to " + f.Month(dayBefore(to)).Name
	if months == 1 {
		name = first
	}
	return Window{Months: months, Name: name, From: from, To: to}
}

func dayBefore(day string) string {
	t, _ := time.Parse(time.DateOnly, day)
	return t.AddDate(0, 0, -1).Format(time.DateOnly)
}

func dayAfter(day string) string {
	t, _ := time.Parse(time.DateOnly, day)
	return t.AddDate(0, 0, 1).Format(time.DateOnly)
}

// Build reads the leads of the lookback and of the month in one store
// query and makes the report.
func Build(ctx context.Context, st store.LeadValueStore, o Options) (*Report, error) {
	if _, err := time.Parse(time.DateOnly, o.AsOf); err != nil {
		return nil, fmt.Errorf("as of: %q is not a day such as 2026-03-15", o.AsOf)
	}
	if o.LookbackMonths == 0 {
		o.LookbackMonths = DefaultLookbackMonths
	}
	if o.LookbackMonths < 1 || o.LookbackMonths > MaxLookbackMonths {
		return nil, fmt.Errorf("lookback of %d months: use 1 to %d", o.LookbackMonths, MaxLookbackMonths)
	}
	if len(o.By) == 0 {
		o.By = []string{Source}
	}
	loc := o.Location
	if loc == nil {
		loc = time.UTC
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	w := Lookback(o.Fiscal, o.AsOf, o.LookbackMonths)
	w.BookingsCountedTo = o.Now.In(loc).Truncate(time.Second)
	month := o.Fiscal.Month(o.AsOf)
	monthTo := min(month.To, dayAfter(o.AsOf))
	at := func(day string) time.Time {
		t, _ := time.ParseInLocation(time.DateOnly, day, loc)
		return t
	}
	all, err := st.LeadValues(ctx, at(w.From), at(monthTo))
	if err != nil {
		return nil, err
	}
	split := at(w.To)
	i := 0
	for i < len(all) && all[i].CreatedAt.Before(split) {
		i++
	}
	window, current := all[:i], all[i:]

	r := &Report{AsOf: o.AsOf, Lookback: w, Method: Method, Warnings: []string{}, counted: o.Now, loc: loc}
	r.Cohort = fmt.Sprintf("leads created from %s to %s (%s, %d months before the month of %s); bookings are the amounts of "+
		"those leads' deals won at any time up to %s, summed as sent (not converted between currencies)", w.From, dayBefore(w.To), w.Name, w.Months, o.AsOf,
		o.Now.In(loc).Format("2006-01-02 15:04 MST"))
	r.Estimates = Estimate(window, o.By)
	r.CohortsByMonth = cohortMonths(o.Fiscal, w, window, at)
	r.Month = monthOf(month, monthTo, current, r.Estimates)
	if o.Agreement != nil && o.Agreement.Goals != nil {
		r.Currency = o.Agreement.Goals.Currency
	}
	goal, note := goalOf(o.Agreement)
	r.Month.Goal = goal
	if note != "" {
		r.Warnings = append(r.Warnings, note)
	}
	m := &r.Month
	if goal != nil && goal.Monthly != nil && m.Projected != nil && *goal.Monthly > 0 {
		m.ProjectedOfGoal = ptr(math.Round(*m.Projected / *goal.Monthly * 1000) / 1000)
	}
	if goal != nil && goal.PerLead != nil && m.ValuePerLead != nil && *goal.PerLead > 0 {
		m.ValuePerLeadOfGoal = ptr(math.Round(*m.ValuePerLead / *goal.PerLead * 1000) / 1000)
	}
	r.Warnings = append(r.Warnings, r.warnings()...)
	return r, nil
}

// cohortMonths splits the window's leads by the fiscal month they were
// created in.
func cohortMonths(f daily.Fiscal, w Window, leads []store.LeadValue, at func(string) time.Time) []CohortMonth {
	out := []CohortMonth{}
	i := 0
	for day := w.From; day < w.To; {
		p := f.Month(day)
		c := CohortMonth{Month: p.Name, From: p.From, To: p.To}
		var cents int64
		end := at(p.To)
		for ; i < len(leads) && leads[i].CreatedAt.Before(end); i++ {
			c.N++
			c.Won += leads[i].Won
			cents += leads[i].BookingsCents
		}
		c.Bookings = float64(cents) / 100
		if c.N > 0 {
			c.ValuePerLead = ptr(round2(c.Bookings / float64(c.N)))
		}
		out = append(out, c)
		day = p.To
	}
	return out
}

// monthOf values the month's leads at the lookback's estimates.
func monthOf(p daily.Period, to string, leads []store.LeadValue, e *Estimates) Month {
	m := Month{Period: p, Days: len(p.Days()), Leads: int64(len(leads))}
	m.DaysElapsed = len(daily.Period{From: p.From, To: to}.Days())
	var cents int64
	var sum float64
	valued := e.Overall.N > 0
	for i := range leads {
		cents += leads[i].BookingsCents
		m.Won += leads[i].Won
		if v, ok := e.ValueOf(&leads[i]); ok {
			sum += v
		}
	}
	m.BookingsSoFar = float64(cents) / 100
	if !valued {
		return m
	}
	m.ValueDelivered = ptr(round2(sum))
	m.ValueAtOverall = ptr(round2(float64(m.Leads) * e.all))
	if m.Leads > 0 {
		m.ValuePerLead = ptr(round2(sum / float64(m.Leads)))
	}
	if m.DaysElapsed > 0 {
		m.Projected = ptr(round2(sum * float64(m.Days) / float64(m.DaysElapsed)))
	}
	return m
}

// goalOf reads marketing's lead value goal from the agreement, and says
// why there is none when there is not.
func goalOf(a *agreement.Agreement) (*Goal, string) {
	if a == nil {
		return nil, "no agreement is in force: no lead value goal to compare with"
	}
	if a.Marketing == nil || a.Marketing.LeadValueGoal == "" {
		return nil, "the agreement sets no marketing.lead_value_goal"
	}
	monthly := a.Goals.Monthly()
	switch a.Marketing.LeadValueGoal {
	case "derived":
		if a.Goals == nil || a.Goals.BookingsPerMonth <= 0 {
			return nil, "marketing.lead_value_goal is derived, but the agreement sets no goals.bookings_per_month to derive it from"
		}
		share, basis := a.Goals.MarketingShare, ""
		if share <= 0 {
			share = 1
			basis = fmt.Sprintf("derived: goals.bookings_per_month %s, all of it (no marketing_share is set)", money(a.Goals.BookingsPerMonth))
		} else {
			basis = fmt.Sprintf("derived: goals.bookings_per_month %s × marketing_share %s", money(a.Goals.BookingsPerMonth), pct(share))
		}
		g := &Goal{Kind: "derived", Monthly: ptr(round2(a.Goals.BookingsPerMonth * share))}
		if monthly.Leads > 0 {
			g.PerLead = ptr(round2(*g.Monthly / monthly.Leads))
			basis += fmt.Sprintf("; per lead, ÷ %s leads a month", money0(monthly.Leads))
		}
		g.Basis = basis
		return g, ""
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(a.Marketing.LeadValueGoal, "_", ""), 64)
	if err != nil || v <= 0 {
		return nil, fmt.Sprintf("marketing.lead_value_goal %q is neither derived nor an amount", a.Marketing.LeadValueGoal)
	}
	g := &Goal{Kind: "amount", PerLead: ptr(v), Basis: "marketing.lead_value_goal: " + money(v) + " per lead"}
	if monthly.Leads > 0 {
		g.Monthly = ptr(round2(v * monthly.Leads))
		g.Basis += fmt.Sprintf("; for the month, × %s leads a month", money0(monthly.Leads))
	}
	return g, ""
}

// warnings say what to be careful of in reading the report.
func (r *Report) warnings() []string {
	var out []string
	e := r.Estimates
	if e.Overall.N == 0 {
		return append(out, "no leads were created in the lookback window: there is no value per lead to report or to value this month's leads at")
	}
	out = append(out, fmt.Sprintf("bookings are counted to %s: leads created late in the window have had less time to close, "+
		"so their value (see cohorts by month) is understated until they mature", r.counted.In(r.loc).Format("2006-01-02")))
	if e.Overall.SmallSample {
		out = append(out, fmt.Sprintf("only %d leads in the window (under %d): every figure is rough", e.Overall.N, SmallSample))
	}
	var small, fallback int
	for _, g := range e.Groups {
		if g.SmallSample {
			small++
		}
		if g.Fallback {
			fallback++
		}
	}
	if small > 0 {
		out = append(out, fmt.Sprintf("%d of %d groups %s fewer than %d leads (small_sample): lean on the shrunk value and read the interval as rough",
			small, len(e.Groups), map[bool]string{true: "has", false: "have"}[small == 1], SmallSample))
	}
	if fallback > 0 {
		out = append(out, fmt.Sprintf("%s fewer than %d leads and take%s the parent's value (fallback)",
			plural(fallback, "group has", "groups have"), MinLeads, map[bool]string{true: "s", false: ""}[fallback == 1]))
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func money(v float64) string {
	if v == math.Trunc(v) {
		return money0(v)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func money0(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) }

func pct(v float64) string { return strconv.FormatFloat(v*100, 'f', -1, 64) + "%" }
