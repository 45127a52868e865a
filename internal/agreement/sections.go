package agreement

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/goccy/go-yaml/ast"

	"github.com/accordhq/accord/internal/clock"
	"github.com/accordhq/accord/internal/event"
	"github.com/rickar/cal/v2"
)

func (p *parse) calendars(n ast.Node) {
	for _, e := range p.entries(n, "calendars") {
		c := &Calendar{Name: e.key, Pos: e.at}
		f := p.fields(e.val, fmt.Sprintf("calendar %q", e.key), "label", "hours", "holidays", "closed", "timezone")
		c.Label = p.text(f["label"], "label").text
		ok := true
		loc := p.a.Location
		if tz := p.text(f["timezone"], "timezone"); tz.text != "" {
			if loc = p.zone(tz); loc == nil {
				ok = false
			}
			c.Timezone = tz.text
		} else {
			c.Timezone = p.a.Timezone
		}
		hours := p.text(f["hours"], "hours")
		c.Hours = hours.text
		var week clock.Hours
		if hours.text == "" {
			p.errorf(e.at, "calendar %q needs its working hours (hours: \"Mon-Fri 09:00-17:00\")", e.key)
			ok = false
		} else if h, err := clock.ParseHours(hours.text); err != nil {
			p.errorf(hours.at, "calendar %q hours: %v", e.key, err)
			ok = false
		} else {
			week = h
		}
		var holidays []*cal.Holiday
		for _, code := range p.texts(f["holidays"], "holidays") {
			h, known := clock.CountryHolidays(code.text)
			if !known {
				p.errorf(code.at, "unknown holiday country %q (known: %s; list other days off under closed:)",
					code.text, strings.Join(clock.Countries(), ", "))
				ok = false
				continue
			}
			c.Holidays = append(c.Holidays, strings.ToUpper(code.text))
			holidays = append(holidays, h...)
		}
		for _, d := range p.texts(f["closed"], "closed") {
			if _, err := time.Parse("2006-01-02", d.text); err != nil {
				p.errorf(d.at, "closed date %q is not a date like 2026-12-24", d.text)
				ok = false
				continue
			}
			c.Closed = append(c.Closed, d.text)
		}
		if _, dup := p.a.calendars[e.key]; dup {
			p.errorf(e.at, "calendar %q is defined twice", e.key)
			continue
		}
		p.a.calendars[e.key] = c
		p.a.Calendars = append(p.a.Calendars, c)
		if !ok || loc == nil {
			continue
		}
		built, err := clock.New(e.key, loc, week, holidays, c.Closed)
		if err != nil {
			p.errorf(hours.at, "%v", err)
			continue
		}
		c.Clock = built
		c.Day, c.Week = lengths(week)
	}
}

// calendarRef resolves a rule's calendar: (nil, true) when it names none.
func (p *parse) calendarRef(n ast.Node) (*Calendar, bool) {
	l := p.text(n, "calendar")
	if l.text == "" {
		return p.a.always, true
	}
	c, ok := p.a.calendars[l.text]
	if !ok {
		msg := fmt.Sprintf("unknown calendar %q", l.text)
		names := slices.Sorted(maps.Keys(p.a.calendars))
		switch s := suggest(l.text, names); {
		case s != "":
			msg += fmt.Sprintf(" (did you mean %s?)", s)
		case len(names) == 0:
			msg += " (the agreement defines no calendars; leave calendar out for 24/7)"
		default:
			msg += " (calendars: " + strings.Join(names, ", ") + ")"
		}
		p.errorf(l.at, "%s", msg)
		return nil, false
	}
	// A calendar that failed to build has been reported already.
	return c, c.Clock != nil
}

// compile compiles a condition and reports what is wrong with it.
func (p *parse) compile(c *Condition, what, kind string) bool {
	if c == nil {
		return false
	}
	tree, perr := parser.Parse(c.Source)
	if perr == nil {
		for _, id := range identifiers(tree.Node) {
			if p.broken[id] {
				return false // the definition's own error says it
			}
		}
	}
	if fe := c.compile(p.defs); fe != nil {
		at := c.Pos
		if fe.Line > 0 {
			at = c.at(fe.Line, fe.Column)
		}
		p.errorf(at, "%s: %s", what, p.exprMessage(fe))
		return false
	}
	p.conds = append(p.conds, &checked{cond: c, what: what, kind: kind})
	return true
}

func (p *parse) exprMessage(fe *file.Error) string {
	if name, ok := strings.CutPrefix(fe.Message, "unknown name "); ok && slices.Contains(p.defNames, name) {
		if _, ready := p.defs[name]; !ready {
			return fmt.Sprintf("%s is defined later; a definition may only use the definitions above it", name)
		}
	}
	if got, ok := strings.CutPrefix(fe.Message, "expected bool, but got "); ok {
		return fmt.Sprintf("the condition gives a %s, not true or false", got)
	}
	return exprMessage(fe, p.defNames)
}

func (p *parse) definitions(n ast.Node) {
	entries := p.entries(n, "definitions")
	for _, e := range entries {
		p.defNames = append(p.defNames, e.key)
	}
	for _, e := range entries {
		what := fmt.Sprintf("definition %q", e.key)
		switch {
		case !identRe.MatchString(e.key):
			p.errorf(e.at, "%s: a definition's name is a word of letters, digits and _ (it is used in conditions)", what)
		case fieldKinds[e.key] != "":
			p.errorf(e.at, "%s would hide the lead field %s; choose another name", what, e.key)
		case reserved(e.key):
			p.errorf(e.at, "%s: %s is a word of the expression language; choose another name", what, e.key)
		default:
			c := p.condition(e.val, what)
			if c == nil {
				if isNull(p.resolve(e.val)) {
					p.errorf(e.at, "%s is empty", what)
				}
				p.broken[e.key] = true
				continue
			}
			d := &Definition{Name: e.key, Cond: c}
			if !p.compile(c, what, "definition") {
				p.broken[e.key] = true
				continue
			}
			p.defs[e.key] = d
			p.a.Definitions = append(p.a.Definitions, d)
			continue
		}
		if fieldKinds[e.key] == "" {
			p.broken[e.key] = true
		}
	}
}

func (p *parse) tiers(n ast.Node) {
	for _, e := range p.entries(n, "tiers") {
		what := fmt.Sprintf("tier %q", e.key)
		c := p.condition(e.val, what)
		if c == nil {
			p.errorf(e.at, "%s needs a condition (write true for everything left)", what)
			p.tierErr = true
			continue
		}
		t := &Tier{Name: e.key, Cond: c}
		p.a.Tiers = append(p.a.Tiers, t)
		if !p.compile(c, what, "tier") {
			p.tierErr = true
			continue
		}
		if tree, err := c.expanded(p.defs); err == nil && slices.Contains(identifiers(tree), "tier") {
			p.errorf(c.Pos, "%s: a tier's condition cannot use tier (directly or through a definition): tiers are what it decides", what)
			p.tierErr = true
		}
	}
}

func (p *parse) goals(n ast.Node) {
	f := p.fields(n, "goals", "bookings_per_month", "marketing_share", "average_deal_size", "currency",
		"leads_per_month", "mqls_per_month", "rates")
	if len(f) == 0 {
		return
	}
	g := &Goals{}
	amount := func(key string, dst *float64) {
		if v, ok := p.number(f[key], key); ok {
			if v < 0 {
				p.errorf(posOf(p.resolve(f[key])), "%s must not be negative", key)
			}
			*dst = v
		}
	}
	share := func(fs map[string]ast.Node, key string, dst *float64) {
		if v, ok := p.number(fs[key], key); ok {
			if v <= 0 || v > 1 {
				p.errorf(posOf(p.resolve(fs[key])), "%s is a share between 0 and 1 (0.6 for 60%%), not %v", key, v)
			}
			*dst = v
		}
	}
	amount("bookings_per_month", &g.BookingsPerMonth)
	amount("average_deal_size", &g.AverageDealSize)
	amount("leads_per_month", &g.LeadsPerMonth)
	amount("mqls_per_month", &g.MQLsPerMonth)
	share(f, "marketing_share", &g.MarketingShare)
	g.Currency = strings.ToUpper(p.text(f["currency"], "currency").text)
	if g.Currency != "" && len(g.Currency) != 3 {
		p.errorf(posOf(p.resolve(f["currency"])), "currency %q is not a three-letter code such as USD", g.Currency)
	}
	r := p.fields(f["rates"], "goals.rates", "lead_to_mql", "mql_to_sql", "sql_to_opportunity", "opportunity_to_customer")
	share(r, "lead_to_mql", &g.Rates.LeadToMQL)
	share(r, "mql_to_sql", &g.Rates.MQLToSQL)
	share(r, "sql_to_opportunity", &g.Rates.SQLToOpportunity)
	share(r, "opportunity_to_customer", &g.Rates.OpportunityToCustomer)
	p.a.Goals = g
}

func (p *parse) sales(n ast.Node) {
	r := p.resolve(n)
	if isNull(r) {
		return
	}
	seq, ok := r.(*ast.SequenceNode)
	if !ok {
		p.errorf(posOf(r), "sales must be a list of rules (- rule: …)")
		return
	}
	for _, item := range seq.Values {
		p.rule(item)
	}
}

func (p *parse) rule(item ast.Node) {
	at := posOf(p.resolve(item))
	f := p.fields(item, "a sales rule", "rule", "when", "calendar", "first_touch_within", "touches",
		"disposition_within", "warn_before", "escalate", "pause_when", "route")
	r := &Rule{Pos: at}
	r.Name = p.text(f["rule"], "rule").text
	if r.Name == "" {
		p.errorf(at, "a sales rule needs a name (rule: …)")
		r.Name = fmt.Sprintf("at line %d", at.Line)
	} else if slices.ContainsFunc(p.a.Sales, func(o *Rule) bool { return strings.EqualFold(o.Name, r.Name) }) {
		p.errorf(posOf(p.resolve(f["rule"])), "two sales rules are named %q", r.Name)
	}
	what := fmt.Sprintf("rule %q", r.Name)
	r.When = p.condition(f["when"], what+" when")
	p.compile(r.When, what+" when", "rule")
	r.PauseWhen = p.condition(f["pause_when"], what+" pause_when")
	p.compile(r.PauseWhen, what+" pause_when", "pause")
	rc, calOK := p.calendarRef(f["calendar"])
	r.Calendar = rc
	r.FirstTouchWithin = p.duration(f["first_touch_within"], "first_touch_within")
	r.DispositionWithin = p.duration(f["disposition_within"], "disposition_within")
	r.WarnBefore = p.duration(f["warn_before"], "warn_before")
	if tn, ok := f["touches"]; ok {
		tf := p.fields(tn, "touches", "at_least", "within", "before")
		t := &Touches{Before: "disqualified"}
		if v, ok := p.number(tf["at_least"], "at_least"); ok {
			if v < 1 || v != float64(int(v)) {
				p.errorf(posOf(p.resolve(tf["at_least"])), "touches.at_least must be a whole number of at least 1")
			}
			t.AtLeast = int(v)
		} else if tf["at_least"] == nil {
			p.errorf(posOf(p.resolve(tn)), "touches needs at_least (how many touches)")
		}
		t.Within = p.duration(tf["within"], "touches.within")
		if tf["within"] == nil {
			p.errorf(posOf(p.resolve(tn)), "touches needs within (in how long, e.g. 10d)")
		}
		if b := p.text(tf["before"], "touches.before"); b.text != "" {
			if !slices.Contains(event.Dispositions, b.text) && !slices.Contains(event.Stages, b.text) {
				p.errorf(b.at, "touches.before %q is not a disposition or a stage (%s)", b.text,
					strings.Join(event.Dispositions, ", "))
			}
			t.Before = b.text
		}
		r.Touches = t
	}
	r.Escalate = p.escalation(f["escalate"])
	if rt := p.text(f["route"], "route"); rt.text != "" {
		r.Route = rt.text
		if !slices.Contains(event.Stages, rt.text) {
			msg := fmt.Sprintf("route %q is not a stage", rt.text)
			if s := suggest(rt.text, event.Stages); s != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", s)
			} else {
				msg += " (" + strings.Join(event.Stages, ", ") + ")"
			}
			p.errorf(rt.at, "%s", msg)
		}
	}
	p.a.Sales = append(p.a.Sales, r)

	// What the rule promises, and whether its times make sense.
	hasObligation := r.FirstTouchWithin != nil || r.Touches != nil || r.DispositionWithin != nil ||
		f["first_touch_within"] != nil || f["disposition_within"] != nil
	switch {
	case !hasObligation && f["route"] == nil:
		p.errorf(at, "%s promises nothing: give it first_touch_within, touches or disposition_within, or route it (route: nurture)", what)
	case hasObligation && f["route"] != nil:
		p.errorf(posOf(p.resolve(f["route"])), "%s both routes leads away and sets sales deadlines; a routed lead has no deadlines", what)
	case !hasObligation:
		if r.WarnBefore != nil {
			p.errorf(r.WarnBefore.Pos, "warn_before has no deadline to warn of in a rule that only routes")
		}
		if f["escalate"] != nil {
			p.errorf(posOf(p.resolve(f["escalate"])), "escalate has no deadline to follow in a rule that only routes")
		}
	}
	if calOK {
		p.timing(r.Calendar, r.Obligations(), r.WarnBefore, r.Escalate)
	}
}

// timing checks a warning and an escalation against the deadlines they
// belong to, in the calendar's business time.
func (p *parse) timing(cal *Calendar, obs []Obligation, warn *Duration, esc *Escalation) {
	if len(obs) == 0 {
		return
	}
	if warn != nil {
		for _, o := range obs {
			if warn.In(cal) >= o.Within.In(cal) {
				p.errorf(warn.Pos, "warn_before (%s) must be shorter than the deadline it warns of (%s within %s)",
					warn.Text, strings.ReplaceAll(o.Kind, "_", " "), o.Within.Text)
				break
			}
		}
	}
	if esc != nil && esc.After != nil && esc.After.In(cal) <= obs[0].Within.In(cal) {
		p.errorf(esc.After.Pos, "escalate.after (%s) counts from the start and must be later than the deadline (%s within %s): an escalation follows a breach",
			esc.After.Text, strings.ReplaceAll(obs[0].Kind, "_", " "), obs[0].Within.Text)
	}
}

func (p *parse) escalation(n ast.Node) *Escalation {
	if isNull(p.resolve(n)) {
		return nil
	}
	f := p.fields(n, "escalate", "after", "notify", "reassign")
	e := &Escalation{After: p.duration(f["after"], "escalate.after")}
	for _, l := range p.texts(f["notify"], "escalate.notify") {
		rc, err := parseRecipient(l.text)
		if err != nil {
			p.errorf(l.at, "escalate.notify: %v", err)
			continue
		}
		e.Notify = append(e.Notify, rc)
	}
	if ra := p.text(f["reassign"], "escalate.reassign"); ra.text != "" {
		if ra.text != "round_robin" {
			p.errorf(ra.at, "escalate.reassign %q: the only way to reassign is round_robin (within the owner's team)", ra.text)
		}
		e.Reassign = ra.text
	}
	if f["notify"] == nil && f["reassign"] == nil {
		p.errorf(posOf(p.resolve(n)), "escalate says neither whom to notify nor to reassign")
	}
	return e
}

// parseRecipient reads owner, manager, team, channel:#name or an email.
func parseRecipient(s string) (Recipient, error) {
	switch s {
	case "owner", "manager", "team":
		return Recipient{Kind: s}, nil
	}
	if ch, ok := strings.CutPrefix(s, "channel:"); ok || strings.HasPrefix(s, "#") {
		ch = strings.TrimPrefix(strings.TrimSpace(ch), "#")
		if ch == "" || strings.ContainsAny(ch, " \t") {
			return Recipient{}, fmt.Errorf("%q is not a channel (write channel:#name)", s)
		}
		return Recipient{Kind: "channel", Target: "#" + ch}, nil
	}
	if at := strings.Index(s, "@"); at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " \t") {
		return Recipient{Kind: "email", Target: s}, nil
	}
	return Recipient{}, fmt.Errorf("%q is not owner, manager, team, channel:#name or an email address", s)
}

func (p *parse) handoffs(n ast.Node) {
	r := p.resolve(n)
	if isNull(r) {
		return
	}
	seq, ok := r.(*ast.SequenceNode)
	if !ok {
		p.errorf(posOf(r), "handoffs must be a list (- {from: sdr, to: ae, accept_within: 1d})")
		return
	}
	for _, item := range seq.Values {
		at := posOf(p.resolve(item))
		f := p.fields(item, "a handoff", "from", "to", "when", "accept_within", "requires", "on_reject",
			"calendar", "warn_before", "escalate")
		h := &Handoff{Pos: at, OnReject: "marketing"}
		h.From = p.text(f["from"], "from").text
		h.To = p.text(f["to"], "to").text
		if h.From == "" || h.To == "" {
			p.errorf(at, "a handoff needs from and to (the teams, e.g. from: sdr, to: ae)")
		} else if strings.EqualFold(h.From, h.To) {
			p.errorf(posOf(p.resolve(f["to"])), "a handoff goes from one team to another, not from %s to itself", h.From)
		}
		what := fmt.Sprintf("handoff %s → %s", h.From, h.To)
		h.When = p.condition(f["when"], what+" when")
		p.compile(h.When, what+" when", "handoff")
		h.AcceptWithin = p.duration(f["accept_within"], "accept_within")
		if f["accept_within"] == nil {
			p.errorf(at, "%s needs accept_within (how long the receiving team has to accept or reject)", what)
		}
		for _, q := range p.texts(f["requires"], "requires") {
			if !identRe.MatchString(q.text) {
				p.errorf(q.at, "requires: %q is not a field name (a word such as budget)", q.text)
				continue
			}
			h.Requires = append(h.Requires, q.text)
		}
		if rj := p.text(f["on_reject"], "on_reject"); rj.text != "" {
			h.OnReject = rj.text
		}
		rc, calOK := p.calendarRef(f["calendar"])
		h.Calendar = rc
		h.WarnBefore = p.duration(f["warn_before"], "warn_before")
		h.Escalate = p.escalation(f["escalate"])
		if calOK && h.AcceptWithin != nil {
			p.timing(rc, []Obligation{{"accept", *h.AcceptWithin}}, h.WarnBefore, h.Escalate)
		}
		p.a.Handoffs = append(p.a.Handoffs, h)
	}
}

func (p *parse) feedback(n ast.Node) {
	if isNull(p.resolve(n)) {
		return
	}
	f := p.fields(n, "feedback", "disposition_within", "calendar", "warn_before")
	fb := &Feedback{DispositionWithin: p.duration(f["disposition_within"], "disposition_within")}
	if f["disposition_within"] == nil {
		p.errorf(posOf(p.resolve(n)), "feedback needs disposition_within (how long sales has to give a disposition)")
	}
	rc, calOK := p.calendarRef(f["calendar"])
	fb.Calendar = rc
	fb.WarnBefore = p.duration(f["warn_before"], "warn_before")
	if calOK && fb.DispositionWithin != nil {
		p.timing(rc, []Obligation{{"disposition", *fb.DispositionWithin}}, fb.WarnBefore, nil)
	}
	p.a.Feedback = fb
}

// leadFields are the fields marketing can promise a lead carries.
var leadFields = []string{"email", "name", "company", "title", "seniority", "phone", "country",
	"source", "campaign", "offer", "segment", "score"}

func (p *parse) marketing(n ast.Node) {
	if isNull(p.resolve(n)) {
		return
	}
	f := p.fields(n, "marketing", "lead_must_have", "lead_value_goal")
	m := &Marketing{}
	for _, l := range p.texts(f["lead_must_have"], "lead_must_have") {
		if key, ok := strings.CutPrefix(l.text, "attributes."); ok && identRe.MatchString(key) {
			m.LeadMustHave = append(m.LeadMustHave, l.text)
			continue
		}
		if !slices.Contains(leadFields, l.text) {
			msg := fmt.Sprintf("lead_must_have: %q is not a lead field", l.text)
			if s := suggest(l.text, leadFields); s != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", s)
			} else {
				msg += " (" + strings.Join(leadFields, ", ") + ", or attributes.NAME)"
			}
			p.errorf(l.at, "%s", msg)
			continue
		}
		m.LeadMustHave = append(m.LeadMustHave, l.text)
	}
	if g := p.resolve(f["lead_value_goal"]); !isNull(g) {
		switch g.(type) {
		case *ast.IntegerNode, *ast.FloatNode:
			v, _ := p.number(g, "lead_value_goal")
			if v <= 0 {
				p.errorf(posOf(g), "lead_value_goal must be more than 0")
			}
			m.LeadValueGoal = g.GetToken().Value
		default:
			l := p.text(g, "lead_value_goal")
			if l.text != "derived" && l.text != "" {
				p.errorf(l.at, "lead_value_goal is an amount per lead or derived (from the bookings goal and historical lead values), not %q", l.text)
			}
			m.LeadValueGoal = l.text
		}
	}
	p.a.Marketing = m
}

var weekdays = map[string]time.Weekday{
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
}

func (p *parse) review(n ast.Node) {
	if isNull(p.resolve(n)) {
		return
	}
	f := p.fields(n, "review", "weekly")
	rv := &Review{}
	if wn, ok := f["weekly"]; ok {
		wf := p.fields(wn, "review.weekly", "on", "lock_after")
		w := &WeeklyReview{On: time.Monday, LockAfter: p.duration(wf["lock_after"], "lock_after")}
		if on := p.text(wf["on"], "on"); on.text != "" {
			day, ok := weekdays[strings.ToLower(on.text)]
			if !ok {
				for name, d := range weekdays {
					if len(on.text) >= 3 && strings.HasPrefix(name, strings.ToLower(on.text)) {
						day, ok = d, true
					}
				}
			}
			if !ok {
				p.errorf(on.at, "review.weekly.on %q is not a day of the week", on.text)
			}
			w.On = day
		}
		rv.Weekly = w
	}
	p.a.Review = rv
}
