package importer

import (
	"fmt"
	"strings"
)

// SetKeys are the keys Set and SetConst accept. A lead key may also be
// written with a "lead." prefix; "attr.NAME" keeps a column as an attribute.
var SetKeys = []string{
	"lead_id", "email", "name", "first_name", "last_name", "company", "title",
	"seniority", "phone", "country", "source", "campaign", "offer", "segment",
	"score", "attr.NAME", "occurred_at", "stage", "owner", "team",
	"opportunity_id", "account", "amount", "currency", "product", "outcome",
	"close_amount", "closed_at",
}

// ParseSetFlag splits a "key=value" command-line argument.
func ParseSetFlag(arg string) (key, value string, err error) {
	key, value, ok := strings.Cut(arg, "=")
	key = strings.TrimSpace(key)
	if !ok || key == "" {
		return "", "", fmt.Errorf("%q: expected key=value (keys: %s)", arg, strings.Join(SetKeys, ", "))
	}
	return key, strings.TrimSpace(value), nil
}

// Set maps a key to a column, as `accord import --map email=Email` does. It
// replaces what a preset or mapping file said for that key; "stage"
// replaces every stage rule with one that reads the column as is.
func (m *Mapping) Set(key, column string) error {
	if strings.TrimSpace(column) == "" {
		return fmt.Errorf("--map %s: the column name is empty", key)
	}
	return m.set(key, Col(column))
}

// SetConst gives a key a constant value, as `--const stage=mql` or
// `--const occurred_at=2020-01-01` does.
func (m *Mapping) SetConst(key, value string) error {
	if value == "" {
		return fmt.Errorf("--const %s: the value is empty", key)
	}
	return m.set(key, Const(value))
}

func (m *Mapping) set(key string, f Field) error {
	lead := func() *LeadMap {
		if m.Lead == nil {
			m.Lead = &LeadMap{}
		}
		return m.Lead
	}
	opp := func() *OpportunityMap {
		if m.Opportunity == nil {
			m.Opportunity = &OpportunityMap{}
		}
		return m.Opportunity
	}
	closing := func() *CloseMap {
		o := opp()
		if o.Close == nil {
			o.Close = &CloseMap{}
		}
		return o.Close
	}
	k := strings.TrimPrefix(key, "lead.")
	if name, ok := strings.CutPrefix(k, "attr."); ok && name != "" {
		l := lead()
		if l.Attributes == nil {
			l.Attributes = map[string]Field{}
		}
		l.Attributes[name] = f
		return nil
	}
	if _, known := leadKeys[k]; known {
		*leadField(lead(), k) = f
		return nil
	}
	switch k {
	case "occurred_at":
		m.OccurredAt = f
	case "stage":
		m.Stages = []StageRule{{Stage: f}}
	case "owner", "team":
		if m.Assign == nil {
			m.Assign = &AssignMap{}
		}
		if k == "owner" {
			m.Assign.Owner = f
		} else {
			m.Assign.Team = f
		}
	case "opportunity_id":
		opp().OpportunityID = f
	case "account":
		opp().Account = f
	case "amount":
		opp().Amount = f
	case "currency":
		opp().Currency = f
	case "product":
		opp().Product = f
	case "outcome":
		closing().Outcome = f
	case "close_amount":
		closing().Amount = f
	case "closed_at":
		closing().OccurredAt = f
	default:
		return fmt.Errorf("unknown key %q (keys: %s)", key, strings.Join(SetKeys, ", "))
	}
	return nil
}

// leadKeys are the Set keys that name a lead field.
var leadKeys = map[string]bool{
	"lead_id": true, "email": true, "name": true, "first_name": true, "last_name": true,
	"company": true, "title": true, "seniority": true, "phone": true, "country": true,
	"source": true, "campaign": true, "offer": true, "segment": true, "score": true,
}

// leadField returns the field of l a lead key names.
func leadField(l *LeadMap, k string) *Field {
	switch k {
	case "lead_id":
		return &l.LeadID
	case "email":
		return &l.Email
	case "name":
		return &l.Name
	case "first_name":
		return &l.FirstName
	case "last_name":
		return &l.LastName
	case "company":
		return &l.Company
	case "title":
		return &l.Title
	case "seniority":
		return &l.Seniority
	case "phone":
		return &l.Phone
	case "country":
		return &l.Country
	case "source":
		return &l.Source
	case "campaign":
		return &l.Campaign
	case "offer":
		return &l.Offer
	case "segment":
		return &l.Segment
	}
	return &l.Score
}
