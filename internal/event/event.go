// Package event defines Accord's input: immutable events with a client-chosen
// idempotency key, the time they happened and the time they arrived. The event
// log is the source of truth; everything else is rebuilt from it.
package event

import (
	"bytes"
	"encoding/json"
	"time"
)

// Type names what an event says happened.
type Type string

const (
	LeadUpserted        Type = "lead.upserted"
	LeadStageChanged    Type = "lead.stage_changed"
	LeadAssigned        Type = "lead.assigned"
	ActivityLogged      Type = "activity.logged"
	LeadDisposition     Type = "lead.disposition"
	OpportunityUpserted Type = "opportunity.upserted"
	OpportunityClosed   Type = "opportunity.closed"
	PersonUpserted      Type = "person.upserted"
)

// Types lists every event type in the order the API documents them.
var Types = []Type{
	LeadUpserted, LeadStageChanged, LeadAssigned, ActivityLogged,
	LeadDisposition, OpportunityUpserted, OpportunityClosed, PersonUpserted,
}

// Event is one stored fact. Data holds the payload in canonical JSON (keys
// sorted, no insignificant space), so equal payloads have equal bytes.
type Event struct {
	Seq        int64           `json:"seq"`
	ID         string          `json:"id"`
	Type       Type            `json:"type"`
	OccurredAt time.Time       `json:"occurred_at"`
	ReceivedAt time.Time       `json:"received_at"`
	Data       json.RawMessage `json:"data"`

	// Hash identifies the body (type, occurred_at, data) so that a resent
	// event can be told apart from a different event reusing an id.
	Hash string `json:"-"`
	// LeadRef is the lead_id the client sent (empty for events about no lead).
	LeadRef string `json:"-"`
	// OpportunityRef is the opportunity_id the client sent, if any.
	OpportunityRef string `json:"-"`
	// PersonRef is the person_id of a person.upserted event.
	PersonRef string `json:"-"`
	// LeadKey is the canonical lead the event was filed under; set by ingest.
	LeadKey string `json:"lead_id,omitempty"`

	// payload is Data already decoded by Decode, kept so that ingest's
	// folds do not parse the same JSON a second time.
	payload any
}

// Before reports whether e sorts before o in a lead's history: by the time it
// happened, then by arrival.
func (e Event) Before(o Event) bool {
	if !e.OccurredAt.Equal(o.OccurredAt) {
		return e.OccurredAt.Before(o.OccurredAt)
	}
	return e.Seq < o.Seq
}

// Payload decodes the event's data into the struct of its type. The result
// may be shared with other copies of e: callers must not modify it.
func (e Event) Payload() (any, error) {
	if e.payload != nil {
		return e.payload, nil
	}
	p := newPayload(e.Type)
	if p == nil {
		return nil, &FieldError{Field: "type", Msg: "unknown event type " + string(e.Type)}
	}
	// UseNumber as Decode does, so a payload read back from the log equals
	// the one decoded on arrival (1.50 stays 1.50 in attributes).
	dec := json.NewDecoder(bytes.NewReader(e.Data))
	dec.UseNumber()
	if err := dec.Decode(p); err != nil {
		return nil, err
	}
	return p, nil
}
