// Package agreement reads the sales–marketing agreement from its YAML file:
// calendars, definitions, tiers, goals, sales rules, handoffs, feedback,
// marketing's promises and the weekly review. It validates the file with
// line:column errors, compiles every condition once, and says the agreement
// back in plain words. The obligation engine asks it which tier a lead is
// in, which rules apply to it and when a deadline falls due.
package agreement

import (
	"cmp"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// Agreement is one parsed and validated agreement.
type Agreement struct {
	Name        string
	Description string
	Timezone    string
	Location    *time.Location
	Signers     []Signer
	Calendars   []*Calendar // in file order
	Definitions []*Definition
	Tiers       []*Tier // in order: the first that holds is the lead's tier
	Goals       *Goals
	Sales       []*Rule
	Handoffs    []*Handoff
	Feedback    *Feedback
	Marketing   *Marketing
	Review      *Review

	calendars map[string]*Calendar
	always    *Calendar
}

// Pos is a place in the file: 1-based line and column.
type Pos struct{ Line, Column int }

// Signer is a named person who must sign a version before it is in force.
type Signer struct {
	Name, Title, Email string
	Pos                Pos
}

// Definition is a named condition, usable by name in later conditions.
type Definition struct {
	Name string
	Cond *Condition
}

// Tier is a grade and the condition that earns it.
type Tier struct {
	Name string
	Cond *Condition
}

// Goals are the numbers the agreement aims for each month.
type Goals struct {
	BookingsPerMonth float64
	MarketingShare   float64 // 0–1
	AverageDealSize  float64
	Currency         string
	LeadsPerMonth    float64
	MQLsPerMonth     float64
	// Rates are the funnel's conversion rates, used to work the bookings
	// goal back into customers, opportunities, SQLs, MQLs and leads.
	Rates Rates
}

// Rates are conversion rates between lifecycle stages, each 0–1.
type Rates struct {
	LeadToMQL, MQLToSQL, SQLToOpportunity, OpportunityToCustomer float64
}

// Rule is one sales rule: to which leads it applies and what it promises.
type Rule struct {
	Name string
	// When selects the leads the rule applies to; nil means every lead.
	When *Condition
	// Calendar is the business time its durations count in; 24/7 unless
	// the rule names one.
	Calendar          *Calendar
	FirstTouchWithin  *Duration
	Touches           *Touches
	DispositionWithin *Duration
	// WarnBefore is how long before each deadline the owner is warned.
	WarnBefore *Duration
	Escalate   *Escalation
	// PauseWhen stops the rule's clocks while it holds (waiting on the
	// prospect, say).
	PauseWhen *Condition
	// Route sends matching leads to a stage (nurture) instead of to sales.
	Route string
	Pos   Pos
}

// Touches is a cadence: at least AtLeast touches within Within before the
// lead may be given the disposition (or stage) Before.
type Touches struct {
	AtLeast int
	Within  *Duration
	Before  string
}

// Escalation says what happens when an obligation runs late. After counts
// from the obligation's start, in the same business time as its deadline,
// and is longer than the rule's shortest deadline; an obligation whose
// deadline is longer than After escalates at its breach.
type Escalation struct {
	After    *Duration
	Notify   []Recipient
	Reassign string // "" or "round_robin" (within the owner's team)
}

// Recipient is someone an escalation tells.
type Recipient struct {
	Kind   string // owner, manager, team, channel or email
	Target string // the channel (#name) or the address
}

// Handoff is the agreement between two teams when one passes a lead on:
// the receiving team accepts or rejects within AcceptWithin.
type Handoff struct {
	From, To     string
	When         *Condition // nil: every handoff between the two teams
	AcceptWithin *Duration
	Requires     []string // qualification fields the lead must carry
	OnReject     string   // where a rejected lead goes; "marketing" by default
	Calendar     *Calendar
	WarnBefore   *Duration
	Escalate     *Escalation
	Pos          Pos
}

// Feedback is sales' promise to give every lead a disposition.
type Feedback struct {
	DispositionWithin *Duration
	Calendar          *Calendar
	WarnBefore        *Duration
}

// Marketing is marketing's promise about the leads it hands over.
type Marketing struct {
	LeadMustHave  []string
	LeadValueGoal string // "derived" or an amount, as written
}

// Review is when the numbers are reviewed and locked.
type Review struct {
	Weekly *WeeklyReview
}

// WeeklyReview locks a week's numbers LockAfter the review (in days of 24
// hours: reporting days are calendar days, not business days).
type WeeklyReview struct {
	On        time.Weekday
	LockAfter *Duration
}

// Calendar returns a calendar by name; "" is 24/7 in the agreement's zone.
func (a *Agreement) Calendar(name string) *Calendar {
	if name == "" {
		return a.always
	}
	return a.calendars[name]
}

// TierOf returns the first tier whose condition holds for f ("" if none).
// f.Tier is ignored.
func (a *Agreement) TierOf(f Fields) string {
	f.Tier = ""
	for _, t := range a.Tiers {
		if t.Cond.holds(f) {
			return t.Name
		}
	}
	return ""
}

// Graded returns f with its tier filled in.
func (a *Agreement) Graded(f Fields) Fields {
	f.Tier = a.TierOf(f)
	return f
}

// RulesFor returns the sales rules that apply to f, which should be graded.
func (a *Agreement) RulesFor(f Fields) []*Rule {
	var out []*Rule
	for _, r := range a.Sales {
		if r.Applies(f) {
			out = append(out, r)
		}
	}
	return out
}

// HandoffFor returns the handoff between two teams that applies to f, or nil.
func (a *Agreement) HandoffFor(from, to string, f Fields) *Handoff {
	for _, h := range a.Handoffs {
		if strings.EqualFold(h.From, from) && strings.EqualFold(h.To, to) && h.Applies(f) {
			return h
		}
	}
	return nil
}

// Applies reports whether the rule applies to f (graded: f.Tier set). A
// condition that fails at run time does not apply.
func (r *Rule) Applies(f Fields) bool { return r.When == nil || r.When.holds(f) }

// Paused reports whether the rule's clocks stand still for f.
func (r *Rule) Paused(f Fields) bool { return r.PauseWhen != nil && r.PauseWhen.holds(f) }

// Due is when an obligation of d started at start falls due on the rule's
// calendar.
func (r *Rule) Due(start time.Time, d Duration) time.Time { return r.Calendar.Due(start, d) }

// Obligation is one promise a rule makes about a lead.
type Obligation struct {
	Kind   string // first_touch, touches or disposition
	Within Duration
}

// Obligations lists what the rule promises, shortest deadline first.
func (r *Rule) Obligations() []Obligation {
	var out []Obligation
	if r.FirstTouchWithin != nil {
		out = append(out, Obligation{"first_touch", *r.FirstTouchWithin})
	}
	if r.Touches != nil && r.Touches.Within != nil {
		out = append(out, Obligation{"touches", *r.Touches.Within})
	}
	if r.DispositionWithin != nil {
		out = append(out, Obligation{"disposition", *r.DispositionWithin})
	}
	slices.SortStableFunc(out, func(x, y Obligation) int {
		return cmp.Compare(x.Within.In(r.Calendar), y.Within.In(r.Calendar))
	})
	return out
}

// Applies reports whether the handoff applies to f.
func (h *Handoff) Applies(f Fields) bool { return h.When == nil || h.When.holds(f) }

// Error is one problem in an agreement file.
type Error struct {
	Line, Column int
	Message      string
}

func (e Error) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Column, e.Message) }

// Errors are all the problems found in a file, in file order.
type Errors []Error

func (es Errors) Error() string { return es.Format("") }

// Format prints one error per line as FILE:LINE:COLUMN: message.
func (es Errors) Format(file string) string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte('\n')
		}
		if file != "" {
			b.WriteString(file + ":")
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// ParseFile reads and parses an agreement file.
func ParseFile(path string) (*Agreement, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data)
}

// Parse reads an agreement and validates it. When it is not valid the
// error is Errors, holding every problem found.
func Parse(data []byte) (*Agreement, error) {
	p := &parse{}
	a := p.agreement(data)
	if len(p.errs) > 0 {
		slices.SortStableFunc(p.errs, func(x, y Error) int {
			return cmp.Or(cmp.Compare(x.Line, y.Line), cmp.Compare(x.Column, y.Column))
		})
		return nil, Errors(slices.Compact(p.errs))
	}
	return a, nil
}
