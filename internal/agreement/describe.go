package agreement

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
)

// Describe says the agreement as people read it: one line per calendar,
// rule and handoff, then marketing's promise, the review and who signs.
func (a *Agreement) Describe() string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	section := func(title string) { line("\n%s", title) }

	line("%s", a.Name)
	if a.Description != "" {
		line("%s", a.Description)
	}
	line("Organisation time zone: %s; reports count days in it.", a.Timezone)

	if len(a.Calendars) > 0 {
		section("Calendars")
		for _, c := range a.Calendars {
			extra := ""
			if len(c.Closed) > 0 {
				extra = fmt.Sprintf(", %s", plural(len(c.Closed), "company day off", "company days off"))
			}
			line("  %s (%s): %s%s, %s; a business day is %s, a business week %s.", c.label(), c.Name,
				c.hoursWords(), extra, c.Timezone, hoursWords(c.Day), hoursWords(c.Week))
		}
		line("  Rules that name no calendar run around the clock: a day is 24 hours.")
	}

	if len(a.Definitions) > 0 {
		section("Definitions")
		for _, d := range a.Definitions {
			line("  %s: %s", d.Name, d.Cond.Source)
		}
	}
	if len(a.Tiers) > 0 {
		section("Tiers (a lead gets the first that holds)")
		for _, t := range a.Tiers {
			cond := t.Cond.Source
			if cond == "true" {
				cond = "every other lead"
			}
			line("  %s: %s", t.Name, cond)
		}
	}
	if g := a.Goals; g != nil {
		section("Goals")
		line("  %s", g.words())
	}
	if len(a.Sales) > 0 {
		section("Sales rules")
		for _, r := range a.Sales {
			line("  - %s [rule %q]", r.words(), r.Name)
		}
	}
	if len(a.Handoffs) > 0 {
		section("Handoffs")
		for _, h := range a.Handoffs {
			line("  - %s", h.words())
		}
	}
	if f := a.Feedback; f != nil && f.DispositionWithin != nil {
		section("Feedback")
		line("  Sales gives every lead it is handed a disposition (accepted, rejected with a reason, disqualified, recycled or converted) within %s, %s%s.",
			f.DispositionWithin.words(business(f.Calendar)), f.Calendar.words(), warnWords(f.WarnBefore, 1))
	}
	if m := a.Marketing; m != nil {
		section("Marketing")
		if len(m.LeadMustHave) > 0 {
			line("  Marketing promises that every lead it hands over has %s.", list(m.LeadMustHave, "and"))
		}
		switch m.LeadValueGoal {
		case "":
		case "derived":
			line("  Its lead value goal is derived from the bookings goal and historical lead values.")
		default:
			line("  Its lead value goal is %s per lead.", m.LeadValueGoal)
		}
	}
	if r := a.Review; r != nil && r.Weekly != nil {
		section("Review")
		s := fmt.Sprintf("  Sales and marketing review the numbers together every %s", r.Weekly.On)
		if r.Weekly.LockAfter != nil {
			s += fmt.Sprintf("; a reviewed week locks %s after the review, and events that arrive later show as restatements", r.Weekly.LockAfter.words(false))
		}
		line("%s. A month is the sum of its reviewed weeks.", s)
	}
	section("Signers")
	if len(a.Signers) == 0 {
		line("  None: a version is in force from its effective date.")
	} else {
		names := make([]string, len(a.Signers))
		for i, s := range a.Signers {
			names[i] = s.Name
			var about []string
			if s.Title != "" {
				about = append(about, s.Title)
			}
			if s.Email != "" {
				about = append(about, s.Email)
			}
			if len(about) > 0 {
				names[i] += " (" + strings.Join(about, ", ") + ")"
			}
		}
		line("  In force once signed by %s.", list(names, "and"))
	}
	return b.String()
}

// words says a rule in one sentence.
func (r *Rule) words() string {
	who := whoWords(r.When)
	if r.Route != "" {
		return fmt.Sprintf("%s: routed to %s, with no sales deadlines.", who, r.Route)
	}
	bus := business(r.Calendar)
	var promises []string
	if r.FirstTouchWithin != nil {
		promises = append(promises, "first touch within "+r.FirstTouchWithin.words(bus))
	}
	if t := r.Touches; t != nil && t.Within != nil {
		promises = append(promises, fmt.Sprintf("at least %s within %s before the lead is %s",
			plural(t.AtLeast, "touch", "touches"), t.Within.words(bus), t.Before))
	}
	if r.DispositionWithin != nil {
		promises = append(promises, "a disposition within "+r.DispositionWithin.words(bus))
	}
	s := fmt.Sprintf("%s: %s, %s", who, list(promises, "and"), r.Calendar.words())
	s += warnWords(r.WarnBefore, len(promises))
	s += escalationWords(r.Escalate)
	if r.PauseWhen != nil {
		while := r.PauseWhen.Source
		if identRe.MatchString(while) { // a definition's name reads as words
			while = strings.ReplaceAll(while, "_", " ")
		}
		s += "; the clocks pause while " + while
	}
	return s + "."
}

// words says a handoff in one sentence.
func (h *Handoff) words() string {
	from, to := team(h.From), team(h.To)
	s := fmt.Sprintf("%s → %s", from, to)
	if h.When != nil {
		s += ", for " + lowerFirst(whoWords(h.When))
	}
	s += ": the " + to + " accepts or rejects"
	if h.AcceptWithin != nil {
		s += " within " + h.AcceptWithin.words(business(h.Calendar))
	}
	s += ", " + h.Calendar.words()
	if len(h.Requires) > 0 {
		s += "; requires " + strings.Join(h.Requires, ", ")
	}
	switch {
	case h.OnReject == "marketing":
		s += "; a rejection sends the lead back to marketing"
	case strings.EqualFold(h.OnReject, h.From):
		s += "; a rejection sends the lead back to the " + from
	default:
		s += "; a rejection sends the lead to " + h.OnReject
	}
	s += warnWords(h.WarnBefore, 1)
	s += escalationWords(h.Escalate)
	return s + "."
}

func warnWords(d *Duration, deadlines int) string {
	if d == nil {
		return ""
	}
	if deadlines > 1 {
		return "; warning " + d.words(false) + " before each deadline"
	}
	return "; warning " + d.words(false) + " before"
}

func escalationWords(e *Escalation) string {
	if e == nil {
		return ""
	}
	when := "at the breach"
	if e.After != nil {
		when = "after " + e.After.words(false)
	}
	var told []string
	for _, rc := range e.Notify {
		switch rc.Kind {
		case "owner", "manager", "team":
			told = append(told, "the "+rc.Kind)
		default:
			told = append(told, rc.Target)
		}
	}
	var parts []string
	if len(told) == 1 {
		parts = append(parts, told[0]+" is told")
	} else if len(told) > 1 {
		parts = append(parts, list(told, "and")+" are told")
	}
	if e.Reassign == "round_robin" {
		parts = append(parts, "the lead is reassigned round-robin within the team")
	}
	return "; " + when + " " + list(parts, "and")
}

// business reports whether durations on c are business time (not 24/7).
func business(c *Calendar) bool { return c != nil && c.Hours != "24/7" }

// words names the calendar in a rule: "US office hours (Mon–Fri
// 09:00–17:00, US holidays), America/New_York".
func (c *Calendar) words() string {
	if c == nil || c.Hours == "24/7" && len(c.Holidays) == 0 && len(c.Closed) == 0 {
		return "around the clock"
	}
	return fmt.Sprintf("%s (%s), %s", c.label(), c.hoursWords(), c.Timezone)
}

func (c *Calendar) hoursWords() string {
	s := strings.NewReplacer("-", "–", ",", ", ", ";", ";").Replace(c.Hours)
	if len(c.Holidays) > 0 {
		s += ", " + list(c.Holidays, "and") + " holidays"
	}
	return s
}

// label is the calendar's name for people: its label, or its name with
// short words (US, SDR) in capitals: "us-office" is "US office hours".
func (c *Calendar) label() string {
	if c.Label != "" {
		return c.Label
	}
	words := strings.FieldsFunc(c.Name, func(r rune) bool { return r == '-' || r == '_' || r == ' ' })
	for i, w := range words {
		if len(w) <= 3 {
			words[i] = strings.ToUpper(w)
		}
	}
	s := strings.Join(words, " ")
	if !strings.Contains(strings.ToLower(s), "hours") {
		s += " hours"
	}
	return upperFirst(s)
}

// whoWords says which leads a condition selects: `stage == "mql" and tier
// == "A"` is "Tier A MQLs".
func whoWords(c *Condition) string {
	if c == nil || c.Source == "true" {
		return "Every lead"
	}
	tree, err := parser.Parse(c.Source)
	if err != nil {
		return "Leads where " + c.Source
	}
	var terms []ast.Node
	var flatten func(n ast.Node)
	flatten = func(n ast.Node) {
		if b, ok := n.(*ast.BinaryNode); ok && (b.Operator == "and" || b.Operator == "&&") {
			flatten(b.Left)
			flatten(b.Right)
			return
		}
		terms = append(terms, n)
	}
	flatten(tree.Node)
	var tiers, stages, rest []string
	for _, t := range terms {
		field, vals := equality(t)
		switch field {
		case "tier":
			tiers = append(tiers, vals...)
		case "stage":
			for _, v := range vals {
				stages = append(stages, stageNoun(v))
			}
		default:
			rest = append(rest, t.String())
		}
	}
	if len(tiers) == 0 && len(stages) == 0 {
		return "Leads where " + c.Source
	}
	noun := "leads"
	if len(stages) > 0 {
		noun = list(stages, "and")
	}
	s := noun
	if len(tiers) > 0 {
		s = "Tier " + list(tiers, "and") + " " + noun
	}
	if len(rest) > 0 {
		s += " (" + strings.Join(rest, " and ") + ")"
	}
	return upperFirst(s)
}

// equality recognises field == "x" and field in ["x", "y"].
func equality(n ast.Node) (string, []string) {
	b, ok := n.(*ast.BinaryNode)
	if !ok || (b.Operator != "==" && b.Operator != "in") {
		return "", nil
	}
	id, ok := b.Left.(*ast.IdentifierNode)
	if !ok {
		return "", nil
	}
	var vals []string
	switch v := b.Right.(type) {
	case *ast.StringNode:
		if b.Operator != "==" {
			return "", nil
		}
		vals = []string{v.Value}
	case *ast.ArrayNode:
		if b.Operator != "in" {
			return "", nil
		}
		for _, e := range v.Nodes {
			s, ok := e.(*ast.StringNode)
			if !ok {
				return "", nil
			}
			vals = append(vals, s.Value)
		}
	default:
		return "", nil
	}
	return id.Value, vals
}

func stageNoun(s string) string {
	switch s {
	case "mql", "sql":
		return strings.ToUpper(s) + "s"
	case "inquiry":
		return "inquiries"
	case "opportunity":
		return "opportunities"
	case "nurture", "disqualified":
		return s + " leads"
	}
	return s + "s"
}

// words works the bookings goal back through the funnel.
func (g *Goals) words() string {
	money := func(v float64) string {
		if g.Currency != "" {
			return number(v) + " " + g.Currency
		}
		return number(v)
	}
	var parts []string
	if g.BookingsPerMonth > 0 {
		s := "Bookings of " + money(g.BookingsPerMonth) + " a month"
		if g.MarketingShare > 0 {
			s += fmt.Sprintf(", %s of them from marketing's leads (%s)", percent(g.MarketingShare), money(g.BookingsPerMonth*g.MarketingShare))
		}
		parts = append(parts, s)
		if g.MarketingShare > 0 && g.AverageDealSize > 0 {
			need := g.BookingsPerMonth * g.MarketingShare / g.AverageDealSize
			s := fmt.Sprintf("at an average deal of %s that is %s", money(g.AverageDealSize), plural(ceil(need), "customer", "customers"))
			steps := []struct {
				rate float64
				noun string
			}{
				{g.Rates.OpportunityToCustomer, "opportunities"}, {g.Rates.SQLToOpportunity, "SQLs"},
				{g.Rates.MQLToSQL, "MQLs"}, {g.Rates.LeadToMQL, "leads"},
			}
			var funnel []string
			for _, st := range steps {
				if st.rate <= 0 {
					break
				}
				need /= st.rate
				funnel = append(funnel, number(float64(ceil(need)))+" "+st.noun)
			}
			if len(funnel) > 0 {
				s += ", which at the agreed conversion rates takes " + list(funnel, "and")
			}
			parts = append(parts, s+" a month")
		}
	}
	if g.LeadsPerMonth > 0 {
		parts = append(parts, "marketing delivers "+number(g.LeadsPerMonth)+" leads a month")
	}
	if g.MQLsPerMonth > 0 {
		parts = append(parts, "marketing delivers "+number(g.MQLsPerMonth)+" MQLs a month")
	}
	if len(parts) == 0 {
		return "None set."
	}
	return strings.Join(parts, "; ") + "."
}

func ceil(v float64) int { return int(math.Ceil(v - 1e-9)) }

// number writes 1234567.5 as 1,234,567.5.
func number(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	whole, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(whole, "-")
	whole = strings.TrimPrefix(whole, "-")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	out := b.String()
	if frac != "" {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

func percent(v float64) string { return strconv.FormatFloat(v*100, 'f', -1, 64) + "%" }

func hoursWords(d interface{ Hours() float64 }) string {
	return plural(d.Hours(), "hour", "hours")
}

func plural[N int | float64](n N, one, many string) string {
	s := strconv.FormatFloat(float64(n), 'f', -1, 64)
	if n == 1 {
		return s + " " + one
	}
	return s + " " + many
}

// list joins words as people do: "a, b and c".
func list(words []string, and string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " " + and + " " + words[len(words)-1]
}

// team writes a short team name in capitals: sdr is SDR.
func team(s string) string {
	if len(s) <= 3 {
		return strings.ToUpper(s)
	}
	return s
}

func upperFirst(s string) string {
	r := []rune(s)
	if len(r) > 0 {
		r[0] = unicode.ToUpper(r[0])
	}
	return string(r)
}

func lowerFirst(s string) string {
	r := []rune(s)
	if len(r) > 1 && unicode.IsUpper(r[0]) && !unicode.IsUpper(r[1]) {
		r[0] = unicode.ToLower(r[0])
	}
	return string(r)
}

// Monthly are the goals for one month, worked back from bookings through
// the agreed rates (marketing's share of them), unless the file sets a
// number itself. Zero means no goal.
type Monthly struct {
	Bookings, Customers, Opportunities, SQLs, MQLs, Leads float64
}

// Monthly works the monthly goals out. The reverse funnel rounds each step
// up, as Describe says it.
func (g *Goals) Monthly() Monthly {
	var m Monthly
	if g == nil {
		return m
	}
	m.Bookings = g.BookingsPerMonth
	if g.BookingsPerMonth > 0 && g.AverageDealSize > 0 {
		share := g.MarketingShare
		if share <= 0 {
			share = 1
		}
		need := g.BookingsPerMonth * share / g.AverageDealSize
		m.Customers = float64(ceil(need))
		for _, st := range []struct {
			rate float64
			dst  *float64
		}{{g.Rates.OpportunityToCustomer, &m.Opportunities}, {g.Rates.SQLToOpportunity, &m.SQLs},
			{g.Rates.MQLToSQL, &m.MQLs}, {g.Rates.LeadToMQL, &m.Leads}} {
			if st.rate <= 0 {
				break
			}
			need /= st.rate
			*st.dst = float64(ceil(need))
		}
	}
	if g.LeadsPerMonth > 0 {
		m.Leads = g.LeadsPerMonth
	}
	if g.MQLsPerMonth > 0 {
		m.MQLs = g.MQLsPerMonth
	}
	return m
}
