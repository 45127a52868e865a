package lead

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/accordhq/accord/internal/event"
)

// SortHistory returns events in history order: when they happened, then
// when they arrived. Late events land in their place.
func SortHistory(events []event.Event) []event.Event {
	out := slices.Clone(events)
	slices.SortStableFunc(out, func(a, b event.Event) int {
		if a.Before(b) {
			return -1
		}
		if b.Before(a) {
			return 1
		}
		return 0
	})
	return out
}

// Entry is one line of a lead's history as the API shows it.
type Entry struct {
	Seq        int64           `json:"seq"`
	EventID    string          `json:"event_id"`
	Type       event.Type      `json:"type"`
	OccurredAt time.Time       `json:"occurred_at"`
	ReceivedAt time.Time       `json:"received_at"`
	Data       json.RawMessage `json:"data"`
	// ReEngagement marks an upsert that brought a known person back.
	ReEngagement bool `json:"re_engagement,omitempty"`
}

// StageSpan is one stay in a stage: when it was entered and, unless it is
// the current stage, when it was left.
type StageSpan struct {
	Stage     string     `json:"stage"`
	EnteredAt time.Time  `json:"entered_at"`
	LeftAt    *time.Time `json:"left_at,omitempty"`
	EventID   string     `json:"event_id"`
}

// History is a lead's ordered past, split the way people read it.
type History struct {
	Events       []Entry     `json:"events"`
	Stages       []StageSpan `json:"stages"`
	Assignments  []Entry     `json:"assignments"`
	Touches      []Entry     `json:"touches"`
	Dispositions []Entry     `json:"dispositions"`
}

// BuildHistory orders a lead's events and derives its stage transitions.
func BuildHistory(events []event.Event) History {
	h := History{Events: []Entry{}, Stages: []StageSpan{}, Assignments: []Entry{}, Touches: []Entry{}, Dispositions: []Entry{}}
	doors := map[string]bool{}
	inquiries := 0
	for _, e := range SortHistory(events) {
		en := Entry{Seq: e.Seq, EventID: e.ID, Type: e.Type, OccurredAt: e.OccurredAt, ReceivedAt: e.ReceivedAt, Data: e.Data}
		p, err := e.Payload()
		if err != nil {
			continue
		}
		switch v := p.(type) {
		case *event.Lead:
			newDoor := !doors[v.LeadID]
			doors[v.LeadID] = true
			if inquiries > 0 && (newDoor || v.Inquiry) {
				en.ReEngagement = true
			}
			inquiries++
			if len(h.Stages) == 0 {
				h.Stages = append(h.Stages, StageSpan{Stage: "inquiry", EnteredAt: e.OccurredAt, EventID: e.ID})
			}
		case *event.StageChange:
			if n := len(h.Stages); n == 0 || h.Stages[n-1].Stage != v.Stage {
				if n > 0 {
					at := e.OccurredAt
					h.Stages[n-1].LeftAt = &at
				}
				h.Stages = append(h.Stages, StageSpan{Stage: strings.ToLower(v.Stage), EnteredAt: e.OccurredAt, EventID: e.ID})
			}
		case *event.Assignment:
			h.Assignments = append(h.Assignments, en)
		case *event.Activity:
			h.Touches = append(h.Touches, en)
		case *event.Disposition:
			h.Dispositions = append(h.Dispositions, en)
		}
		h.Events = append(h.Events, en)
	}
	return h
}
