package client

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// EventType names what an event says happened.
type EventType string

// The event types the API takes.
const (
	LeadUpserted        EventType = "lead.upserted"
	LeadStageChanged    EventType = "lead.stage_changed"
	LeadAssigned        EventType = "lead.assigned"
	ActivityLogged      EventType = "activity.logged"
	LeadDisposition     EventType = "lead.disposition"
	OpportunityUpserted EventType = "opportunity.upserted"
	OpportunityClosed   EventType = "opportunity.closed"
	PersonUpserted      EventType = "person.upserted"
)

// Event is one fact to send. ID is your idempotency key: sending the same
// event twice is harmless, but reusing an ID for a different event is
// rejected. Data is the payload for Type: one of the *Data structs of this
// package, or anything that encodes to the same JSON (a map, a
// json.RawMessage).
type Event struct {
	ID         string    `json:"id"`
	Type       EventType `json:"type"`
	OccurredAt time.Time `json:"occurred_at"`
	Data       any       `json:"data"`
}

// LeadData is the payload of lead.upserted. Empty fields leave the stored
// value as it was, so partial updates are fine.
type LeadData struct {
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
	// Inquiry marks a new hand-raise (a form fill, a demo request).
	Inquiry bool `json:"inquiry,omitempty"`
}

// StageChangeData is the payload of lead.stage_changed. Stage is one of
// inquiry, lead, mql, sql, opportunity, customer, nurture, disqualified.
type StageChangeData struct {
	LeadID string `json:"lead_id"`
	Stage  string `json:"stage"`
	Reason string `json:"reason,omitempty"`
	Actor  string `json:"actor,omitempty"`
}

// AssignmentData is the payload of lead.assigned.
type AssignmentData struct {
	LeadID string `json:"lead_id"`
	Owner  string `json:"owner"`
	Team   string `json:"team,omitempty"`
}

// ActivityData is the payload of activity.logged. Kind is one of call,
// voicemail, email, meeting, sms, social, chat.
type ActivityData struct {
	LeadID  string `json:"lead_id"`
	Kind    string `json:"kind"`
	Actor   string `json:"actor,omitempty"`
	Outcome string `json:"outcome,omitempty"`
	Notes   string `json:"notes,omitempty"`
}

// DispositionData is the payload of lead.disposition. Disposition is one of
// accepted, rejected, disqualified, recycled, converted.
type DispositionData struct {
	LeadID      string `json:"lead_id"`
	Disposition string `json:"disposition"`
	Reason      string `json:"reason,omitempty"`
	Actor       string `json:"actor,omitempty"`
}

// OpportunityData is the payload of opportunity.upserted.
type OpportunityData struct {
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

// CloseData is the payload of opportunity.closed. Outcome is won or lost.
type CloseData struct {
	OpportunityID string   `json:"opportunity_id"`
	Outcome       string   `json:"outcome"`
	Amount        *float64 `json:"amount,omitempty"`
	Reason        string   `json:"reason,omitempty"`
}

// PersonData is the payload of person.upserted.
type PersonData struct {
	PersonID string `json:"person_id"`
	Name     string `json:"name,omitempty"`
	Email    string `json:"email,omitempty"`
	Team     string `json:"team,omitempty"`
	Role     string `json:"role,omitempty"`
	Manager  string `json:"manager,omitempty"`
	Timezone string `json:"timezone,omitempty"`
	Active   *bool  `json:"active,omitempty"`
}

// Status is what happened to one event of a batch.
type Status string

// The statuses of Result.
const (
	Accepted  Status = "accepted"
	Duplicate Status = "duplicate" // already stored with the same body
	Rejected  Status = "rejected"
)

// Result reports one event of a batch.
type Result struct {
	Index  int    `json:"index"`
	ID     string `json:"id"`
	Status Status `json:"status"`
	Field  string `json:"field,omitempty"`
	Error  string `json:"error,omitempty"`
}

// Report answers a batch: a Result per event, in batch order.
type Report struct {
	Results    []Result `json:"results"`
	Accepted   int      `json:"accepted"`
	Duplicates int      `json:"duplicates"`
	Rejected   int      `json:"rejected"`
}

// firstRejection describes a report with rejected events as an *Error.
func (r *Report) firstRejection() error {
	for _, res := range r.Results {
		if res.Status != Rejected {
			continue
		}
		idx := res.Index
		return &Error{
			StatusCode: http.StatusUnprocessableEntity,
			Message:    fmt.Sprintf("%d of %d events rejected, the first: %s", r.Rejected, len(r.Results), res.Error),
			Field:      res.Field,
			Index:      &idx,
		}
	}
	return &Error{StatusCode: http.StatusUnprocessableEntity, Message: fmt.Sprintf("%d events rejected", r.Rejected)}
}

// StoredEvent is an event as the log holds it.
type StoredEvent struct {
	Seq        int64     `json:"seq"`
	ID         string    `json:"id"`
	Type       EventType `json:"type"`
	OccurredAt time.Time `json:"occurred_at"`
	ReceivedAt time.Time `json:"received_at"`
	// Data is the payload in canonical form (trimmed, vocabularies in
	// lower case).
	Data json.RawMessage `json:"data"`
	// LeadID is the lead the event is filed under, if any.
	LeadID string `json:"lead_id,omitempty"`
}

// EventPage is a page of the event log.
type EventPage struct {
	Events []StoredEvent `json:"events"`
	// NextCursor is the after to ask for next.
	NextCursor string `json:"next_cursor"`
	// HasMore is true when the page is full, so there may be more.
	HasMore bool `json:"has_more"`
}

// LeadFilter selects leads. Zero fields do not filter; time ranges include
// their From and exclude their To.
type LeadFilter struct {
	Stage, Owner, Team, Source, Segment string
	CreatedFrom, CreatedTo              time.Time
	UpdatedFrom, UpdatedTo              time.Time
	// Limit is the page size (1 to 1000; 0 takes the server's 100).
	Limit int
	// Cursor is the previous page's NextCursor.
	Cursor string
}

// LeadPage is a page of leads, newest first.
type LeadPage struct {
	Leads []Lead `json:"leads"`
	// NextCursor is set when the page is full; pass it as LeadFilter.Cursor.
	NextCursor string `json:"next_cursor,omitempty"`
}

// Lead is a lead's current state, as its history implies.
type Lead struct {
	LeadID string `json:"lead_id"`
	// Aliases are the other ids the lead came in under.
	Aliases   []string `json:"aliases,omitempty"`
	Email     string   `json:"email,omitempty"`
	Name      string   `json:"name,omitempty"`
	Company   string   `json:"company,omitempty"`
	Title     string   `json:"title,omitempty"`
	Seniority string   `json:"seniority,omitempty"`
	Phone     string   `json:"phone,omitempty"`
	Country   string   `json:"country,omitempty"`

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
	Doors         []string   `json:"doors,omitempty"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Events    int       `json:"events"`
	LastSeq   int64     `json:"last_seq"`
}

// LeadDetail is a lead with its ordered history and its opportunities.
type LeadDetail struct {
	Lead          Lead          `json:"lead"`
	History       History       `json:"history"`
	Opportunities []Opportunity `json:"opportunities"`
	Obligations   []Obligation  `json:"obligations"`
}

// History is a lead's past in the order things happened.
type History struct {
	Events       []HistoryEntry `json:"events"`
	Stages       []StageSpan    `json:"stages"`
	Assignments  []HistoryEntry `json:"assignments"`
	Touches      []HistoryEntry `json:"touches"`
	Dispositions []HistoryEntry `json:"dispositions"`
}

// HistoryEntry is one event in a lead's history.
type HistoryEntry struct {
	Seq        int64           `json:"seq"`
	EventID    string          `json:"event_id"`
	Type       EventType       `json:"type"`
	OccurredAt time.Time       `json:"occurred_at"`
	ReceivedAt time.Time       `json:"received_at"`
	Data       json.RawMessage `json:"data"`
	// ReEngagement marks an upsert that brought a known person back.
	ReEngagement bool `json:"re_engagement,omitempty"`
}

// StageSpan is one stay in a stage; LeftAt is nil for the current one.
type StageSpan struct {
	Stage     string     `json:"stage"`
	EnteredAt time.Time  `json:"entered_at"`
	LeftAt    *time.Time `json:"left_at,omitempty"`
	EventID   string     `json:"event_id"`
}

// Opportunity is a deal's current state.
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
	// Status is open, won or lost.
	Status      string     `json:"status"`
	CloseReason string     `json:"close_reason,omitempty"`
	ClosedAt    *time.Time `json:"closed_at,omitempty"`
	ProposalAt  *time.Time `json:"proposal_at,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	Events      int        `json:"events"`
	LastSeq     int64      `json:"last_seq"`
}

// Person is a rep, SDR or manager.
type Person struct {
	PersonID  string    `json:"person_id"`
	Name      string    `json:"name,omitempty"`
	Email     string    `json:"email,omitempty"`
	Team      string    `json:"team,omitempty"`
	Role      string    `json:"role,omitempty"`
	Manager   string    `json:"manager,omitempty"`
	Timezone  string    `json:"timezone,omitempty"`
	Active    bool      `json:"active"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Team is the people of one team: managers (role manager) and members.
type Team struct {
	Name     string   `json:"name"`
	Managers []string `json:"managers,omitempty"`
	Members  []string `json:"members"`
}

// Token is an API token, without its secret.
type Token struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	CreatedAt time.Time `json:"created_at"`
}

// NewToken is a token just created, with its secret: the only time the
// server shows it.
type NewToken struct {
	Token
	Secret string `json:"token"`
}

// Health is the server's state.
type Health struct {
	Status        string `json:"status"`
	Backend       string `json:"backend"`
	SchemaVersion int    `json:"schema_version"`
	SchemaLatest  int    `json:"schema_latest"`
}
