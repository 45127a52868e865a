package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Obligation is one promise about one lead: which rule of which agreement
// version made it, when it is due in business time, and how it went.
type Obligation struct {
	ID               string    `json:"id"`
	LeadID           string    `json:"lead_id"`
	AgreementVersion int       `json:"agreement_version"`
	Rule             string    `json:"rule"`
	Kind             string    `json:"kind"` // first_touch, touches, disposition, accept, feedback
	Tier             string    `json:"tier,omitempty"`
	Owner            string    `json:"owner,omitempty"`
	Team             string    `json:"team,omitempty"`
	FirstOwner       string    `json:"first_owner,omitempty"`
	Moves            int       `json:"moves"`
	Calendar         string    `json:"calendar"`
	WithinSeconds    float64   `json:"within_seconds"`
	Need             int       `json:"need,omitempty"`
	Done             int       `json:"done,omitempty"`
	Before           string    `json:"before,omitempty"`
	Missing          []string  `json:"missing,omitempty"`
	StartedAt        time.Time `json:"started_at"`
	StartEvent       string    `json:"start_event"`
	Paused           bool      `json:"paused"`
	Pauses           int       `json:"pauses"`
	DueAt            time.Time `json:"due_at,omitzero"`
	WarnAt           time.Time `json:"warn_at,omitzero"`
	EscalateAt       time.Time `json:"escalate_at,omitzero"`
	Status           string    `json:"status"`  // as stored: open, met, breached, cancelled
	Outcome          string    `json:"outcome"` // as of the request: open past due is breached
	ClosedAt         time.Time `json:"closed_at,omitzero"`
	ClosedBy         string    `json:"closed_by,omitempty"`
	Reason           string    `json:"reason,omitempty"`
	BusinessSeconds  float64   `json:"business_seconds"`
	WallSeconds      float64   `json:"wall_seconds"`
	LeftSeconds      *float64  `json:"left_seconds,omitempty"`
}

// Alert is a warning, breach or escalation of an obligation.
type Alert struct {
	ID           string    `json:"id"`
	ObligationID string    `json:"obligation_id"`
	LeadID       string    `json:"lead_id"`
	Kind         string    `json:"kind"`
	FireAt       time.Time `json:"fire_at"`
	FiredAt      time.Time `json:"fired_at,omitzero"`
	Outcome      string    `json:"outcome,omitempty"`
}

// Delivery is an alert on its way to one channel.
type Delivery struct {
	AlertID   string    `json:"alert_id"`
	Channel   string    `json:"channel"`
	Status    string    `json:"status"` // pending, delivered, dead
	Attempts  int       `json:"attempts"`
	NextAt    time.Time `json:"next_at,omitzero"`
	CreatedAt time.Time `json:"created_at"`
	DoneAt    time.Time `json:"done_at,omitzero"`
	LastError string    `json:"last_error,omitempty"`
}

// LeadObligations returns a lead's obligations.
func (c *Client) LeadObligations(ctx context.Context, id string) ([]Obligation, error) {
	var out struct {
		Obligations []Obligation `json:"obligations"`
	}
	err := c.get(ctx, "/api/v1/leads/"+url.PathEscape(id)+"/obligations", nil, &out)
	return out.Obligations, err
}

// Alerts lists alerts, newest first; lead "" is every lead.
func (c *Client) Alerts(ctx context.Context, lead string, limit int) ([]Alert, error) {
	q := url.Values{}
	if lead != "" {
		q.Set("lead", lead)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out struct {
		Alerts []Alert `json:"alerts"`
	}
	err := c.get(ctx, "/api/v1/alerts", q, &out)
	return out.Alerts, err
}

// DeadLetters lists the deliveries that gave up.
func (c *Client) DeadLetters(ctx context.Context) ([]Delivery, error) {
	var out struct {
		Deliveries []Delivery `json:"deliveries"`
	}
	err := c.get(ctx, "/api/v1/deliveries", url.Values{"status": {"dead"}}, &out)
	return out.Deliveries, err
}

// RetryDelivery sends a dead-lettered delivery again (admin).
func (c *Client) RetryDelivery(ctx context.Context, alertID, channel string) error {
	return c.do(ctx, http.MethodPost, "/api/v1/deliveries/"+url.PathEscape(alertID)+"/"+url.PathEscape(channel)+"/retry", "", nil, nil, http.StatusAccepted)
}
