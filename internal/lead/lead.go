// Package lead holds a lead's current state as the fold of its events in the
// order they happened. The same Apply step serves live ingest (one event at a
// time, at the end of the history) and rebuilds (every event from the start),
// so both always agree.
package lead

import (
	"fmt"
	"time"

	"github.com/accordhq/accord/internal/event"
)

// Lead is one person's current state, as their history implies.
type Lead struct {
	LeadID    string   `json:"lead_id"`
	Aliases   []string `json:"aliases,omitempty"`
	Email     string   `json:"email,omitempty"`
	EmailNorm string   `json:"-"`
	Name      string   `json:"name,omitempty"`
	Company   string   `json:"company,omitempty"`
	Title     string   `json:"title,omitempty"`
	Seniority string   `json:"seniority,omitempty"`
	Phone     string   `json:"phone,omitempty"`
	Country   string   `json:"country,omitempty"`

	// Source, Campaign and Offer are the latest touchpoint; Original* keep
	// the first one, which is what marketing is credited with.
	Source           string `json:"source,omitempty"`
	Campaign         string `json:"campaign,omitempty"`
	Offer            string `json:"offer,omitempty"`
	OriginalSource   string `json:"original_source,omitempty"`
	OriginalCampaign string `json:"original_campaign,omitempty"`
	OriginalOffer    string `json:"original_offer,omitempty"`

	Segment    string         `json:"segment,omitempty"`
	Score      *float64       `json:"score,omitempty"`
	Attributes map[string]any `json:"attributes,omitempty"`

	Stage          string               `json:"stage,omitempty"`
	StageEnteredAt *time.Time           `json:"stage_entered_at,omitempty"`
	StagesEntered  map[string]time.Time `json:"stages_entered,omitempty"`

	Owner      string     `json:"owner,omitempty"`
	Team       string     `json:"team,omitempty"`
	AssignedAt *time.Time `json:"assigned_at,omitempty"`

	Disposition       string     `json:"disposition,omitempty"`
	DispositionReason string     `json:"disposition_reason,omitempty"`
	DispositionAt     *time.Time `json:"disposition_at,omitempty"`

	Touches      int        `json:"touches"`
	FirstTouchAt *time.Time `json:"first_touch_at,omitempty"`
	LastTouchAt  *time.Time `json:"last_touch_at,omitempty"`

	Inquiries     int        `json:"inquiries"`
	ReEngagements int        `json:"re_engagements"`
	LastInquiryAt *time.Time `json:"last_inquiry_at,omitempty"`
	// Doors are the client lead_ids this person has come through.
	Doors []string `json:"doors,omitempty"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Events    int       `json:"events"`
	// LastSeq is the arrival number of the latest event in history order,
	// used with UpdatedAt to tell whether a new event extends the history.
	LastSeq int64 `json:"last_seq"`
}

// New starts an empty lead under its canonical id.
func New(id string) *Lead { return &Lead{LeadID: id} }

// Extends reports whether e sorts after every event already folded in, so it
// can be applied directly; otherwise the lead must be refolded.
func (l *Lead) Extends(e event.Event) bool {
	if l.Events == 0 {
		return true
	}
	if e.OccurredAt.Equal(l.UpdatedAt) {
		return e.Seq > l.LastSeq
	}
	return e.OccurredAt.After(l.UpdatedAt)
}

// Fold builds a lead from its whole history (in any order).
func Fold(id string, events []event.Event, emailNorm func(string) string) (*Lead, error) {
	sorted := SortHistory(events)
	l := New(id)
	for _, e := range sorted {
		if err := l.Apply(e, emailNorm); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// Apply folds one event that extends the history.
func (l *Lead) Apply(e event.Event, emailNorm func(string) string) error {
	p, err := e.Payload()
	if err != nil {
		return fmt.Errorf("event %s: %w", e.ID, err)
	}
	l.ApplyPayload(e, p, emailNorm)
	return nil
}

// ApplyPayload is Apply with e's payload already decoded (as e.Payload
// returns it), for a caller that needed it before and kept it.
func (l *Lead) ApplyPayload(e event.Event, p any, emailNorm func(string) string) {
	at := e.OccurredAt
	if l.Events == 0 {
		l.CreatedAt = at
	}
	l.Events++
	l.UpdatedAt = at
	l.LastSeq = e.Seq

	switch v := p.(type) {
	case *event.Lead:
		l.applyUpsert(v, at, emailNorm)
	case *event.StageChange:
		if v.Stage != l.Stage {
			l.Stage = v.Stage
			l.StageEnteredAt = &at
			if l.StagesEntered == nil {
				l.StagesEntered = map[string]time.Time{}
			}
			if _, seen := l.StagesEntered[v.Stage]; !seen {
				l.StagesEntered[v.Stage] = at
			}
		}
	case *event.Assignment:
		l.Owner, l.Team = v.Owner, v.Team
		l.AssignedAt = &at
	case *event.Activity:
		l.Touches++
		if l.FirstTouchAt == nil {
			l.FirstTouchAt = &at
		}
		l.LastTouchAt = &at
	case *event.Disposition:
		l.Disposition, l.DispositionReason = v.Disposition, v.Reason
		l.DispositionAt = &at
	case *event.Opportunity, *event.Close:
		// Opportunities have their own state; they are part of the lead's
		// history but change none of its fields.
	}
}

func (l *Lead) applyUpsert(v *event.Lead, at time.Time, emailNorm func(string) string) {
	newDoor := true
	for _, d := range l.Doors {
		if d == v.LeadID {
			newDoor = false
			break
		}
	}
	// A known person coming back through another door, or raising a hand
	// again, is a re-engagement, never a second lead.
	if l.Inquiries > 0 && (newDoor || v.Inquiry) {
		l.ReEngagements++
		l.LastInquiryAt = &at
		l.Inquiries++
	} else if l.Inquiries == 0 {
		l.Inquiries = 1
		l.LastInquiryAt = &at
	}
	if newDoor {
		l.Doors = append(l.Doors, v.LeadID)
	}
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	if v.Email != "" {
		l.Email = v.Email
		l.EmailNorm = emailNorm(v.Email)
	}
	set(&l.Name, v.Name)
	set(&l.Company, v.Company)
	set(&l.Title, v.Title)
	set(&l.Seniority, v.Seniority)
	set(&l.Phone, v.Phone)
	set(&l.Country, v.Country)
	set(&l.Segment, v.Segment)
	set(&l.Source, v.Source)
	set(&l.Campaign, v.Campaign)
	set(&l.Offer, v.Offer)
	if l.OriginalSource == "" {
		l.OriginalSource = v.Source
	}
	if l.OriginalCampaign == "" {
		l.OriginalCampaign = v.Campaign
	}
	if l.OriginalOffer == "" {
		l.OriginalOffer = v.Offer
	}
	if v.Score != nil {
		s := *v.Score
		l.Score = &s
	}
	if len(v.Attributes) > 0 {
		if l.Attributes == nil {
			l.Attributes = map[string]any{}
		}
		for k, val := range v.Attributes {
			l.Attributes[k] = val
		}
	}
	if l.Stage == "" {
		// A person who raised a hand is at least an inquiry until told otherwise.
		l.Stage = "inquiry"
		l.StageEnteredAt = &at
		l.StagesEntered = map[string]time.Time{"inquiry": at}
	}
}
