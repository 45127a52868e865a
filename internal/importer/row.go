package importer

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/accordhq/accord/internal/event"
)

// draft is an event built from a row but not yet validated, with the header
// column behind each payload field so a rejection can name it.
type draft struct {
	typ  event.Type
	at   time.Time
	data any
	cols map[string]string // "data.email" or "occurred_at" -> header column
}

// rowReader reads the cells of one record. The first problem sticks, so the
// event-building code reads straight through and checks once.
type rowReader struct {
	p    *plan
	rec  []string
	err  error
	cols map[string]string
}

// begin starts the column record of a new event.
func (r *rowReader) begin() map[string]string {
	r.cols = map[string]string{}
	return r.cols
}

func (r *rowReader) str(c column, field string) string {
	if r.err != nil || !c.isSet() {
		return ""
	}
	v, from, err := r.p.cell(c, r.rec)
	if err != nil {
		r.err = err
		return ""
	}
	if v != "" && from != "" {
		r.cols["data."+field] = from
	}
	return v
}

func (r *rowReader) num(c column, field string) *float64 {
	s := r.str(c, field)
	if s == "" || r.err != nil {
		return nil
	}
	f, err := parseNumber(s, r.cols["data."+field], c.path)
	if err != nil {
		r.err = err
	}
	return f
}

// required reads a field every event of its kind needs.
func (r *rowReader) required(c column, field string) string {
	v := r.str(c, field)
	if v == "" && r.err == nil {
		r.err = fmt.Errorf("%s: %s", field, emptyCells(c))
	}
	return v
}

// when reads the time an event happened.
func (r *rowReader) when(c column) time.Time {
	if r.err != nil {
		return time.Time{}
	}
	v, from, err := r.p.cell(c, r.rec)
	switch {
	case err != nil:
		r.err = err
		return time.Time{}
	case v == "":
		r.err = fmt.Errorf("%s: %s (every event needs the time it happened)", c.path, emptyCells(c))
		return time.Time{}
	}
	t, err := r.p.dates.parse(v)
	if err != nil {
		if from != "" {
			r.err = fmt.Errorf("column %q: %w", from, err)
		} else {
			r.err = fmt.Errorf("%s: %w", c.path, err)
		}
		return time.Time{}
	}
	if from != "" {
		r.cols["occurred_at"] = from
	}
	return t
}

func emptyCells(c column) string {
	switch len(c.names) {
	case 0:
		return "no value"
	case 1:
		return fmt.Sprintf("column %q is empty", c.names[0])
	}
	return fmt.Sprintf("columns %s are all empty", quoteList(c.names))
}

// drafts turns one record into the events it stands for, in the order
// they should be applied: the lead, its stages, its owner, then the deal.
func (p *plan) drafts(rec []string) ([]draft, error) {
	r := &rowReader{p: p, rec: rec}
	var out []draft
	leadID := ""
	if lp := p.lead; lp != nil {
		cols := r.begin()
		l := event.Lead{
			LeadID: r.required(lp.leadID, "lead_id"),
			Email:  r.str(lp.email, "email"), Name: r.str(lp.name, "name"),
			Company: r.str(lp.company, "company"), Title: r.str(lp.title, "title"),
			Seniority: r.str(lp.seniority, "seniority"), Phone: r.str(lp.phone, "phone"),
			Country: r.str(lp.country, "country"), Source: r.str(lp.source, "source"),
			Campaign: r.str(lp.campaign, "campaign"), Offer: r.str(lp.offer, "offer"),
			Segment: r.str(lp.segment, "segment"), Score: r.num(lp.score, "score"),
		}
		if l.Name == "" {
			first, last := r.str(lp.firstName, "first_name"), r.str(lp.lastName, "last_name")
			l.Name = strings.TrimSpace(first + " " + last)
		}
		for _, a := range lp.attrs {
			var v any
			if a.col.number {
				if f := r.num(a.col, "attributes."+a.name); f != nil {
					v = *f
				}
			} else if s := r.str(a.col, "attributes."+a.name); s != "" {
				v = s
			}
			if v != nil {
				if l.Attributes == nil {
					l.Attributes = map[string]any{}
				}
				l.Attributes[a.name] = v
			}
		}
		at := r.when(lp.occurredAt)
		if r.err != nil {
			return nil, r.err
		}
		leadID = l.LeadID
		out = append(out, draft{event.LeadUpserted, at, l, cols})
	}
	for _, sp := range p.stages {
		cols := r.begin()
		stage := r.str(sp.stage, "stage")
		if stage == "" {
			continue
		}
		s := event.StageChange{LeadID: leadID, Stage: stage, Reason: r.str(sp.reason, "reason")}
		at := r.when(sp.occurredAt)
		if r.err != nil {
			return nil, r.err
		}
		out = append(out, draft{event.LeadStageChanged, at, s, cols})
	}
	if ap := p.assign; ap != nil {
		cols := r.begin()
		if owner := r.str(ap.owner, "owner"); owner != "" {
			a := event.Assignment{LeadID: leadID, Owner: owner, Team: r.str(ap.team, "team")}
			at := r.when(ap.occurredAt)
			if r.err != nil {
				return nil, r.err
			}
			out = append(out, draft{event.LeadAssigned, at, a, cols})
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	if op := p.opp; op != nil {
		cols := r.begin()
		o := event.Opportunity{
			OpportunityID: r.required(op.oppID, "opportunity_id"),
			LeadID:        r.str(op.leadID, "lead_id"),
			Account:       r.str(op.account, "account"), Name: r.str(op.name, "name"),
			Stage: r.str(op.stage, "stage"), Amount: r.num(op.amount, "amount"),
			Currency: r.str(op.currency, "currency"), Owner: r.str(op.owner, "owner"),
			Product: r.str(op.product, "product"),
		}
		if o.LeadID == "" {
			o.LeadID = leadID
		}
		at := r.when(op.occurredAt)
		if r.err != nil {
			return nil, r.err
		}
		out = append(out, draft{event.OpportunityUpserted, at, o, cols})
		if cp := op.close; cp != nil {
			cols := r.begin()
			if outcome := r.str(cp.outcome, "outcome"); outcome != "" {
				c := event.Close{OpportunityID: o.OpportunityID, Outcome: outcome,
					Amount: r.num(cp.amount, "amount"), Reason: r.str(cp.reason, "reason")}
				at := r.when(cp.occurredAt)
				if r.err != nil {
					return nil, r.err
				}
				out = append(out, draft{event.OpportunityClosed, at, c, cols})
			}
			if r.err != nil {
				return nil, r.err
			}
		}
	}
	return out, nil
}

// rowEvents builds a row's events and validates each exactly as the API
// would. Any failure rejects the whole row, so a file never half-imports a
// row.
func (p *plan) rowEvents(rec []string, now time.Time) ([]event.Event, error) {
	drafts, err := p.drafts(rec)
	if err != nil {
		return nil, err
	}
	evs := make([]event.Event, 0, len(drafts))
	for _, d := range drafts {
		ev, err := p.encode(d, now)
		if err != nil {
			return nil, err
		}
		evs = append(evs, ev)
	}
	return evs, nil
}

type envelope struct {
	ID         string          `json:"id"`
	Type       event.Type      `json:"type"`
	OccurredAt string          `json:"occurred_at"`
	Data       json.RawMessage `json:"data"`
}

func (p *plan) encode(d draft, now time.Time) (event.Event, error) {
	data, err := json.Marshal(d.data)
	if err != nil {
		return event.Event{}, fmt.Errorf("%s: encode: %w", d.typ, err)
	}
	raw, err := json.Marshal(envelope{
		ID:         eventID(p.name, d.typ, d.at, data),
		Type:       d.typ,
		OccurredAt: d.at.UTC().Format(time.RFC3339Nano),
		Data:       data,
	})
	if err != nil {
		return event.Event{}, fmt.Errorf("%s: encode: %w", d.typ, err)
	}
	ev, err := event.Decode(raw, now)
	if err != nil {
		return event.Event{}, explain(d, err)
	}
	return ev, nil
}

// explain names the column behind a field event.Decode refused.
func explain(d draft, err error) error {
	var fe *event.FieldError
	if errors.As(err, &fe) {
		if col := d.cols[fe.Field]; col != "" {
			return fmt.Errorf("column %q (%s %s): %s", col, d.typ, fe.Field, fe.Msg)
		}
	}
	return fmt.Errorf("%s: %w", d.typ, err)
}
