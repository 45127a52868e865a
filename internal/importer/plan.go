package importer

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// plan is a Mapping bound to one file's header: every field knows which
// cells to read, so reading a row does no name lookups.
type plan struct {
	name     string
	dates    dateParser
	nulls    map[string]bool
	warnings []string

	occurredAt column
	lead       *leadPlan
	stages     []stagePlan
	assign     *assignPlan
	opp        *oppPlan
}

type leadPlan struct {
	leadID, email, name, firstName, lastName, company, title, seniority,
	phone, country, source, campaign, offer, segment, score column
	attrs      []attrPlan
	occurredAt column
}

type attrPlan struct {
	name string
	col  column
}

type stagePlan struct{ stage, occurredAt, reason column }

type assignPlan struct{ owner, team, occurredAt column }

type oppPlan struct {
	oppID, leadID, account, name, stage, amount, currency, owner, product, occurredAt column
	close                                                                             *closePlan
}

type closePlan struct{ outcome, amount, reason, occurredAt column }

// column is a Field resolved against the header.
type column struct {
	path   string
	idx    []int    // cells to try, in order
	names  []string // their header names, for messages
	value  string
	values map[string]string
	number bool
}

func (c column) isSet() bool { return len(c.idx) > 0 || c.value != "" }

// compile binds m to a header. A field whose columns are all absent is an
// error when every row would need it (ids, dates) and a warning otherwise.
func compile(m *Mapping, header []string) (*plan, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	dates, err := newDateParser(m.DateFormats, m.Timezone)
	if err != nil {
		return nil, err
	}
	p := &plan{name: m.Name, dates: dates, nulls: map[string]bool{}}
	for _, v := range m.NullValues {
		p.nulls[strings.ToLower(strings.TrimSpace(v))] = true
	}
	exact := map[string]int{}
	folded := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if _, dup := exact[h]; dup {
			p.warnings = append(p.warnings, fmt.Sprintf("the header repeats column %q; the first one (column %d) is used", h, exact[h]+1))
			continue
		}
		exact[h] = i
		if _, dup := folded[strings.ToLower(h)]; !dup {
			folded[strings.ToLower(h)] = i
		}
	}
	var errs []string
	bind := func(path string, f Field, required bool) column {
		c := column{path: path, value: f.Value, values: lowerKeys(f.Values), number: f.Type == "number"}
		for _, name := range f.Columns {
			name = strings.TrimSpace(name)
			i, ok := exact[name]
			if !ok {
				i, ok = folded[strings.ToLower(name)]
			}
			if ok {
				c.idx = append(c.idx, i)
				c.names = append(c.names, strings.TrimSpace(header[i]))
			}
		}
		if len(f.Columns) > 0 && len(c.idx) == 0 && c.value == "" {
			msg := fmt.Sprintf("%s: the file has no column %s", path, quoteList(f.Columns))
			if required {
				errs = append(errs, msg)
			} else {
				p.warnings = append(p.warnings, msg+"; the field stays empty")
			}
		}
		return c
	}
	num := func(f Field) Field { f.Type = "number"; return f }

	p.occurredAt = bind("occurred_at", m.OccurredAt, true)
	// dateFor binds a section's own date, or falls back to the file's.
	dateFor := func(path string, f Field) column {
		if f.IsSet() {
			return bind(path, f, true)
		}
		if !m.OccurredAt.IsSet() {
			errs = append(errs, path+": no date: set occurred_at (a date column, or a constant stand-in for files without dates)")
		}
		return p.occurredAt
	}
	if l := m.Lead; l != nil {
		lp := &leadPlan{
			leadID: bind("lead.lead_id", l.LeadID, true), email: bind("lead.email", l.Email, false),
			name: bind("lead.name", l.Name, false), firstName: bind("lead.first_name", l.FirstName, false),
			lastName: bind("lead.last_name", l.LastName, false), company: bind("lead.company", l.Company, false),
			title: bind("lead.title", l.Title, false), seniority: bind("lead.seniority", l.Seniority, false),
			phone: bind("lead.phone", l.Phone, false), country: bind("lead.country", l.Country, false),
			source: bind("lead.source", l.Source, false), campaign: bind("lead.campaign", l.Campaign, false),
			offer: bind("lead.offer", l.Offer, false), segment: bind("lead.segment", l.Segment, false),
			score:      bind("lead.score", num(l.Score), false),
			occurredAt: dateFor("lead.occurred_at", l.OccurredAt),
		}
		for _, k := range sortedKeys(l.Attributes) {
			lp.attrs = append(lp.attrs, attrPlan{name: k, col: bind("lead.attributes."+k, l.Attributes[k], false)})
		}
		p.lead = lp
	}
	for i, r := range m.Stages {
		path := fmt.Sprintf("stages[%d]", i)
		p.stages = append(p.stages, stagePlan{
			stage:      bind(path, r.Stage, false),
			occurredAt: dateFor(path+".occurred_at", r.OccurredAt),
			reason:     bind(path+".reason", r.Reason, false),
		})
	}
	if a := m.Assign; a != nil {
		p.assign = &assignPlan{
			owner: bind("assign.owner", a.Owner, false), team: bind("assign.team", a.Team, false),
			occurredAt: dateFor("assign.occurred_at", a.OccurredAt),
		}
	}
	if o := m.Opportunity; o != nil {
		op := &oppPlan{
			oppID:  bind("opportunity.opportunity_id", o.OpportunityID, true),
			leadID: bind("opportunity.lead_id", o.LeadID, false), account: bind("opportunity.account", o.Account, false),
			name: bind("opportunity.name", o.Name, false), stage: bind("opportunity.stage", o.Stage, false),
			amount: bind("opportunity.amount", num(o.Amount), false), currency: bind("opportunity.currency", o.Currency, false),
			owner: bind("opportunity.owner", o.Owner, false), product: bind("opportunity.product", o.Product, false),
			occurredAt: dateFor("opportunity.occurred_at", o.OccurredAt),
		}
		if c := o.Close; c != nil {
			op.close = &closePlan{
				outcome:    bind("opportunity.close.outcome", c.Outcome, false),
				amount:     bind("opportunity.close.amount", num(c.Amount), false),
				reason:     bind("opportunity.close.reason", c.Reason, false),
				occurredAt: dateFor("opportunity.close.occurred_at", c.OccurredAt),
			}
		}
		p.opp = op
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("mapping %s does not fit the file: %s (the header has: %s)",
			m.Name, strings.Join(errs, "; "), quoteList(header))
	}
	return p, nil
}

// cell reads c from a row: the first of its cells that is not missing,
// translated by its value map, else its constant. It returns "" for
// missing, and the header name the value came from ("" for a constant).
func (p *plan) cell(c column, rec []string) (v, from string, err error) {
	for j, i := range c.idx {
		if i >= len(rec) {
			continue
		}
		raw := strings.TrimSpace(rec[i])
		if raw == "" || p.nulls[strings.ToLower(raw)] {
			continue
		}
		from = c.names[j]
		v = raw
		if c.values != nil {
			mapped, ok := c.values[strings.ToLower(raw)]
			if !ok {
				mapped, ok = c.values["*"]
			}
			if !ok {
				return "", from, fmt.Errorf("column %q: %q is not in the values of %s (known: %s)", from, raw, c.path, knownValues(c.values))
			}
			switch mapped {
			case "":
				return "", from, nil
			case "*":
				// "*" as a translation keeps the cell as it is, so a map can
				// fix a few values and let the rest through.
			default:
				v = mapped
			}
		}
		return v, from, nil
	}
	return c.value, "", nil
}

// parseNumber reads a numeric cell; from names its column for messages.
func parseNumber(s, from, path string) (*float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		where := path
		if from != "" {
			where = fmt.Sprintf("column %q", from)
		}
		return nil, fmt.Errorf("%s: %q is not a number", where, s)
	}
	return &f, nil
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}
