package lead

import (
	"fmt"
	"strings"
	"time"

	"github.com/accordhq/accord/internal/event"
)

// Opportunity is a deal's current state, folded from its events like a lead.
type Opportunity struct {
	OpportunityID string     `json:"opportunity_id"`
	LeadID        string     `json:"lead_id,omitempty"`
	Account       string     `json:"account,omitempty"`
	Name          string     `json:"name,omitempty"`
	Stage         string     `json:"stage,omitempty"`
	Amount        *float64   `json:"amount,omitempty"`
	Currency      string     `json:"currency,omitempty"`
	Owner         string     `json:"owner,omitempty"`
	Product       string     `json:"product,omitempty"`
	Status        string     `json:"status"` // open, won or lost
	CloseReason   string     `json:"close_reason,omitempty"`
	ClosedAt      *time.Time `json:"closed_at,omitempty"`
	// ProposalAt is when the deal first reached a proposal stage (a stage
	// whose name says "proposal" or "quote").
	ProposalAt *time.Time `json:"proposal_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	Events     int        `json:"events"`
	LastSeq    int64      `json:"last_seq"`
}

// Extends reports whether e sorts after every event folded in so far.
func (o *Opportunity) Extends(e event.Event) bool {
	if o.Events == 0 {
		return true
	}
	if e.OccurredAt.Equal(o.UpdatedAt) {
		return e.Seq > o.LastSeq
	}
	return e.OccurredAt.After(o.UpdatedAt)
}

// FoldOpportunity builds an opportunity from its whole history.
func FoldOpportunity(id string, events []event.Event) (*Opportunity, error) {
	o := &Opportunity{OpportunityID: id, Status: "open"}
	for _, e := range SortHistory(events) {
		if err := o.Apply(e); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// Apply folds one event that extends the opportunity's history.
func (o *Opportunity) Apply(e event.Event) error {
	p, err := e.Payload()
	if err != nil {
		return fmt.Errorf("event %s: %w", e.ID, err)
	}
	if o.Events == 0 {
		o.CreatedAt = e.OccurredAt
		o.Status = "open"
	}
	o.Events++
	o.UpdatedAt = e.OccurredAt
	o.LastSeq = e.Seq
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	switch v := p.(type) {
	case *event.Opportunity:
		set(&o.Account, v.Account)
		set(&o.Name, v.Name)
		set(&o.Stage, v.Stage)
		if o.ProposalAt == nil && isProposal(v.Stage) {
			at := e.OccurredAt
			o.ProposalAt = &at
		}
		set(&o.Currency, v.Currency)
		set(&o.Owner, v.Owner)
		set(&o.Product, v.Product)
		if v.Amount != nil {
			a := *v.Amount
			o.Amount = &a
		}
	case *event.Close:
		o.Status = v.Outcome
		o.CloseReason = v.Reason
		at := e.OccurredAt
		o.ClosedAt = &at
		if v.Amount != nil {
			a := *v.Amount
			o.Amount = &a
		}
	}
	return nil
}

// isProposal reports whether a deal stage is a proposal stage, as CRMs name
// them: "proposal", "Proposal/Price Quote", "quote sent".
func isProposal(stage string) bool {
	s := strings.ToLower(stage)
	return strings.Contains(s, "proposal") || strings.Contains(s, "quote")
}
