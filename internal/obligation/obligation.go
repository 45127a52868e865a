// Package obligation turns the agreement in force into each lead's running
// obligations — first touch, a cadence of touches, a disposition, a handoff's
// acceptance, sales' feedback — and keeps them as the lead's events arrive:
// created when a rule starts to apply, met by the event that fulfils them,
// paused and resumed, moved to a new owner, cancelled when the rule stops
// applying. Deadlines run in business time on the rule's calendar.
//
// The engine is a pure function of a lead's ordered history and the
// agreement's versions: the same Step serves live ingest (one event at a
// time) and Derive (a lead's whole history, for late events and rebuilds),
// so both always agree. Nothing here reads a clock; whether an open
// obligation is late is asked with a time (Outcome).
package obligation

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// Kind is what an obligation promises.
type Kind string

const (
	FirstTouch  Kind = "first_touch" // touch the lead at least once
	Touches     Kind = "touches"     // a cadence: N touches before the lead may be dropped
	Disposition Kind = "disposition" // give the lead a disposition
	Accept      Kind = "accept"      // the receiving team accepts or rejects a handoff
	Feedback    Kind = "feedback"    // sales tells marketing what became of the lead
)

// Words names a kind for people.
func (k Kind) Words() string {
	switch k {
	case FirstTouch:
		return "first touch"
	case Touches:
		return "touches"
	case Disposition:
		return "disposition"
	case Accept:
		return "accept or reject the handoff"
	case Feedback:
		return "feedback (a disposition)"
	}
	return string(k)
}

// Status is where an obligation stands. An open obligation past its due time
// is still open (it can be met late); Outcome says it is breached.
type Status string

const (
	Open      Status = "open"
	Met       Status = "met"
	Breached  Status = "breached" // closed late, or broken (dropped too early)
	Cancelled Status = "cancelled"
)

// Obligation is one promise about one lead, with everything needed to say
// which rule of which agreement version judged it and how it went.
type Obligation struct {
	ID      string `json:"id"`
	LeadKey string `json:"lead_id"`
	// Version is the agreement version whose rule created it.
	Version int `json:"agreement_version"`
	// Rule is the sales rule's name, "handoff sdr → ae" or "feedback".
	Rule string `json:"rule"`
	Kind Kind   `json:"kind"`
	Tier string `json:"tier,omitempty"`

	Owner string `json:"owner,omitempty"`
	Team  string `json:"team,omitempty"`
	// Moves counts reassignments while open; FirstOwner is who had it first.
	Moves      int    `json:"moves,omitempty"`
	FirstOwner string `json:"first_owner,omitempty"`

	Calendar      string        `json:"calendar"`
	Within        time.Duration `json:"within"` // business time allowed
	WarnBefore    time.Duration `json:"warn_before,omitempty"`
	EscalateAfter time.Duration `json:"escalate_after,omitempty"`
	// Need and Done count touches for a Touches obligation; Before is the
	// disposition (or stage) it guards.
	Need   int    `json:"need,omitempty"`
	Done   int    `json:"done,omitempty"`
	Before string `json:"before,omitempty"`
	// Missing lists qualification fields a handoff required but the lead
	// lacked when it was handed over.
	Missing []string `json:"missing,omitempty"`

	StartedAt  time.Time `json:"started_at"`
	StartEvent string    `json:"start_event"`
	// Used is the business time spent before ResumedAt; while paused,
	// PausedAt is set and ResumedAt is zero.
	Used      time.Duration `json:"used"`
	ResumedAt time.Time     `json:"resumed_at,omitzero"`
	PausedAt  time.Time     `json:"paused_at,omitzero"`
	Pauses    int           `json:"pauses,omitempty"`

	// DueAt, WarnAt and EscalateAt are zero while paused (and WarnAt,
	// EscalateAt when the rule has none).
	DueAt      time.Time `json:"due_at,omitzero"`
	WarnAt     time.Time `json:"warn_at,omitzero"`
	EscalateAt time.Time `json:"escalate_at,omitzero"`

	Status   Status    `json:"status"`
	ClosedAt time.Time `json:"closed_at,omitzero"`
	CloseBy  string    `json:"closed_by,omitempty"` // the event that closed it
	Reason   string    `json:"reason,omitempty"`
	// Business and Wall are the elapsed durations from start to close.
	Business time.Duration `json:"business,omitempty"`
	Wall     time.Duration `json:"wall,omitempty"`

	changed bool
}

// newID is stable for the same lead, version, rule, kind and starting
// event, so a rebuild gives every obligation the id it had live.
func newID(key string, version int, rule string, kind Kind, startEvent string) string {
	h := sha256.New()
	for _, s := range []string{key, strconv.Itoa(version), rule, string(kind), startEvent} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return "ob_" + hex.EncodeToString(h.Sum(nil)[:12])
}

// Paused reports whether the obligation's clock stands still.
func (o *Obligation) Paused() bool { return !o.PausedAt.IsZero() }

// Outcome is the obligation's result as seen at now: met, breached,
// cancelled, or open — open and past due is breached.
func (o *Obligation) Outcome(now time.Time) Status {
	if o.Status == Open && !o.DueAt.IsZero() && !now.Before(o.DueAt) {
		return Breached
	}
	return o.Status
}

// Changed reports whether the last Step (or Derive) created or changed it.
func (o *Obligation) Changed() bool { return o.changed }

// ClearChanged forgets that it changed, once it has been saved.
func (o *Obligation) ClearChanged() { o.changed = false }

// Alert is a moment the scheduler must act at for an open obligation.
type Alert struct {
	Kind string // warning, breach or escalation
	At   time.Time
}

// Alerts are the obligation's pending moments; none when it is closed or
// paused.
func (o *Obligation) Alerts() []Alert {
	if o.Status != Open || o.Paused() {
		return nil
	}
	var out []Alert
	if !o.WarnAt.IsZero() {
		out = append(out, Alert{"warning", o.WarnAt})
	}
	out = append(out, Alert{"breach", o.DueAt})
	if !o.EscalateAt.IsZero() {
		out = append(out, Alert{"escalation", o.EscalateAt})
	}
	return out
}
