package event

import (
	"fmt"
	"strings"
	"time"
)

// Stages are the default lifecycle stages (the agreement may extend them later).
var Stages = []string{"inquiry", "lead", "mql", "sql", "opportunity", "customer", "nurture", "disqualified"}

// ActivityKinds are the kinds of touch a person can log on a lead.
var ActivityKinds = []string{"call", "voicemail", "email", "meeting", "sms", "social", "chat"}

// Dispositions are sales' feedback on a lead.
var Dispositions = []string{"accepted", "rejected", "disqualified", "recycled", "converted"}

// Outcomes close an opportunity.
var Outcomes = []string{"won", "lost"}

// Lead is the payload of lead.upserted. Empty fields leave the stored value
// as it was, so CRMs can send partial updates.
type Lead struct {
	LeadID     string         `json:"lead_id"`
	Email      string         `json:"email,omitempty"`
	Name       string         `json:"name,omitempty"`
	Company    string         `json:"company,omitempty"`
	Title      string         `json:"title,omitempty"`
	Seniority  string         `json:"seniority,omitempty"`
	Phone      string         `json:"phone,omitempty"`
	Country    string         `json:"country,omitempty"`
	Source     string         `json:"source,omitempty"`
	Campaign   string         `json:"campaign,omitempty"`
	Offer      string         `json:"offer,omitempty"`
	Segment    string         `json:"segment,omitempty"`
	Score      *float64       `json:"score,omitempty"`
	Attributes map[string]any `json:"attributes,omitempty"`
	// Inquiry marks the upsert as a new hand-raise (a form fill, a demo
	// request) so a known person's second inquiry counts as a re-engagement.
	Inquiry bool `json:"inquiry,omitempty"`
}

// StageChange is the payload of lead.stage_changed.
type StageChange struct {
	LeadID string `json:"lead_id"`
	Stage  string `json:"stage"`
	Reason string `json:"reason,omitempty"`
	Actor  string `json:"actor,omitempty"`
}

// Assignment is the payload of lead.assigned.
type Assignment struct {
	LeadID string `json:"lead_id"`
	Owner  string `json:"owner"`
	Team   string `json:"team,omitempty"`
}

// Activity is the payload of activity.logged: one touch.
type Activity struct {
	LeadID  string `json:"lead_id"`
	Kind    string `json:"kind"`
	Actor   string `json:"actor,omitempty"`
	Outcome string `json:"outcome,omitempty"`
	Notes   string `json:"notes,omitempty"`
}

// Disposition is the payload of lead.disposition.
type Disposition struct {
	LeadID      string `json:"lead_id"`
	Disposition string `json:"disposition"`
	Reason      string `json:"reason,omitempty"`
	Actor       string `json:"actor,omitempty"`
}

// Opportunity is the payload of opportunity.upserted.
type Opportunity struct {
	OpportunityID string   `json:"opportunity_id"`
	LeadID        string   `json:"lead_id,omitempty"`
	Account       string   `json:"account,omitempty"`
	Name          string   `json:"name,omitempty"`
	Stage         string   `json:"stage,omitempty"`
	Amount        *float64 `json:"amount,omitempty"`
	Currency      string   `json:"currency,omitempty"`
	Owner         string   `json:"owner,omitempty"`
	Product       string   `json:"product,omitempty"`
}

// Close is the payload of opportunity.closed.
type Close struct {
	OpportunityID string   `json:"opportunity_id"`
	Outcome       string   `json:"outcome"`
	Amount        *float64 `json:"amount,omitempty"`
	Reason        string   `json:"reason,omitempty"`
}

// Person is the payload of person.upserted: a rep, a manager, an SDR, with
// the team and time zone their clocks run in.
type Person struct {
	PersonID string `json:"person_id"`
	Name     string `json:"name,omitempty"`
	Email    string `json:"email,omitempty"`
	Team     string `json:"team,omitempty"`
	Role     string `json:"role,omitempty"`
	Manager  string `json:"manager,omitempty"`
	Timezone string `json:"timezone,omitempty"`
	Active   *bool  `json:"active,omitempty"`
}

func newPayload(t Type) any {
	switch t {
	case LeadUpserted:
		return &Lead{}
	case LeadStageChanged:
		return &StageChange{}
	case LeadAssigned:
		return &Assignment{}
	case ActivityLogged:
		return &Activity{}
	case LeadDisposition:
		return &Disposition{}
	case OpportunityUpserted:
		return &Opportunity{}
	case OpportunityClosed:
		return &Close{}
	case PersonUpserted:
		return &Person{}
	}
	return nil
}

// refs returns the lead, opportunity and person ids a payload is about.
func refs(p any) (lead, opp, person string) {
	switch v := p.(type) {
	case *Lead:
		return v.LeadID, "", ""
	case *StageChange:
		return v.LeadID, "", ""
	case *Assignment:
		return v.LeadID, "", ""
	case *Activity:
		return v.LeadID, "", ""
	case *Disposition:
		return v.LeadID, "", ""
	case *Opportunity:
		return v.LeadID, v.OpportunityID, ""
	case *Close:
		return "", v.OpportunityID, ""
	case *Person:
		return "", "", v.PersonID
	}
	return "", "", ""
}

// validate checks what the JSON types alone cannot: required fields, closed
// vocabularies, sane numbers. It trims surrounding space as it goes.
func validate(p any) error {
	switch v := p.(type) {
	case *Lead:
		trim(&v.LeadID, &v.Email, &v.Name, &v.Company, &v.Title, &v.Seniority, &v.Phone,
			&v.Country, &v.Source, &v.Campaign, &v.Offer, &v.Segment)
		if err := required("lead_id", v.LeadID); err != nil {
			return err
		}
		if v.Email != "" && !strings.Contains(v.Email, "@") {
			return &FieldError{Field: "data.email", Msg: fmt.Sprintf("%q is not an email address", v.Email)}
		}
	case *StageChange:
		trim(&v.LeadID, &v.Stage)
		if err := required("lead_id", v.LeadID); err != nil {
			return err
		}
		return oneOf("stage", v.Stage, Stages)
	case *Assignment:
		trim(&v.LeadID, &v.Owner, &v.Team)
		if err := required("lead_id", v.LeadID); err != nil {
			return err
		}
		return required("owner", v.Owner)
	case *Activity:
		trim(&v.LeadID, &v.Kind, &v.Actor)
		if err := required("lead_id", v.LeadID); err != nil {
			return err
		}
		return oneOf("kind", v.Kind, ActivityKinds)
	case *Disposition:
		trim(&v.LeadID, &v.Disposition, &v.Actor)
		if err := required("lead_id", v.LeadID); err != nil {
			return err
		}
		return oneOf("disposition", v.Disposition, Dispositions)
	case *Opportunity:
		trim(&v.OpportunityID, &v.LeadID, &v.Account, &v.Stage, &v.Currency, &v.Owner)
		if err := required("opportunity_id", v.OpportunityID); err != nil {
			return err
		}
		v.Currency = strings.ToUpper(v.Currency)
		if v.Currency != "" && len(v.Currency) != 3 {
			return &FieldError{Field: "data.currency", Msg: fmt.Sprintf("%q is not a three-letter currency code", v.Currency)}
		}
		return nonNegative("amount", v.Amount)
	case *Close:
		trim(&v.OpportunityID, &v.Outcome)
		if err := required("opportunity_id", v.OpportunityID); err != nil {
			return err
		}
		if err := oneOf("outcome", v.Outcome, Outcomes); err != nil {
			return err
		}
		return nonNegative("amount", v.Amount)
	case *Person:
		trim(&v.PersonID, &v.Name, &v.Email, &v.Team, &v.Role, &v.Manager, &v.Timezone)
		if err := required("person_id", v.PersonID); err != nil {
			return err
		}
		if v.Timezone != "" {
			if _, err := time.LoadLocation(v.Timezone); err != nil {
				return &FieldError{Field: "data.timezone", Msg: fmt.Sprintf("%q is not an IANA time zone (e.g. America/New_York)", v.Timezone)}
			}
		}
	}
	return nil
}

func trim(ss ...*string) {
	for _, s := range ss {
		*s = strings.TrimSpace(*s)
	}
}

func required(field, v string) error {
	if v == "" {
		return &FieldError{Field: "data." + field, Msg: "is required"}
	}
	return nil
}

func oneOf(field, v string, allowed []string) error {
	if v == "" {
		return &FieldError{Field: "data." + field, Msg: "is required (one of " + strings.Join(allowed, ", ") + ")"}
	}
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return &FieldError{Field: "data." + field, Msg: fmt.Sprintf("%q is not one of %s", v, strings.Join(allowed, ", "))}
}

func nonNegative(field string, v *float64) error {
	if v != nil && *v < 0 {
		return &FieldError{Field: "data." + field, Msg: "must not be negative"}
	}
	return nil
}
