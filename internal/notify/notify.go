// Package notify delivers Accord's alerts — warnings, breaches and
// escalations of a lead's obligations — to the places people read them:
// generic webhooks signed as the Standard Webhooks specification says,
// Slack-compatible incoming webhooks and SMTP email.
//
// Delivery is a pipeline of small steps. The scheduler decides that an alert
// is due and builds a Notification; a Deliverer makes one attempt on one
// Channel, records it, and says what to do next (done, retry at T, or
// dead-letter). Every channel classifies its failures as retryable or
// permanent, and every channel words the alert with the same Text.
package notify

import (
	"context"
	"fmt"
	"time"
)

// Kind is what happened to an obligation.
type Kind string

const (
	Warning    Kind = "warning"    // the deadline is near
	Breach     Kind = "breach"     // the deadline has passed
	Escalation Kind = "escalation" // the obligation is late enough to tell more people
)

// Valid reports whether k is one of the kinds above.
func (k Kind) Valid() bool {
	return k == Warning || k == Breach || k == Escalation
}

// Notification is one alert about one lead's obligation, as every channel
// sends it. It is built by the scheduler once and sent unchanged on every
// attempt, so its ID can serve receivers as a dedupe key.
type Notification struct {
	// ID is the alert's stable id: the same on every retry and on every
	// channel. It becomes the webhook-id and the email's Message-ID, so it
	// may hold only letters, digits, '_', '-' and ':' (at most 200).
	ID   string
	Kind Kind

	LeadID, LeadName, Company string
	Rule, AgreementVersion    string
	Obligation                string // what is owed, e.g. "first touch"
	Owner, Team               string

	DueAt, FiredAt time.Time
	Late           time.Duration // how late, for breaches and escalations
	TimeLeft       time.Duration // how long until due, for warnings

	LeadURL    string   // link to the lead in Accord
	Recipients []string // who is told ("manager mgr.diaz", "#sdr-alerts"), for the text

	// Location is the time zone the text shows times in: the owner's, or
	// else the organisation's. Nil means UTC.
	Location *time.Location
}

// Channel sends a notification to one destination. Send makes one attempt
// and returns nil when the destination accepted it, or an error that
// IsPermanent and RetryAt classify. A Channel must be safe for concurrent use.
type Channel interface {
	Send(ctx context.Context, n Notification) error
}

// maxIDLen bounds Notification.ID; headers and Message-IDs stay short.
const maxIDLen = 200

// check refuses a notification no channel could send correctly; the error is
// permanent because retrying the same notification cannot fix it.
func (n Notification) check() error {
	if n.ID == "" {
		return Permanent(fmt.Errorf("notification has no id"))
	}
	if len(n.ID) > maxIDLen {
		return Permanent(fmt.Errorf("notification id is longer than %d bytes", maxIDLen))
	}
	for _, r := range n.ID {
		if !idChar(r) {
			// The Standard Webhooks signature joins id, timestamp and body
			// with '.', so an id must never carry one (nor header syntax).
			return Permanent(fmt.Errorf("notification id %q: %q is not allowed (letters, digits, '_', '-', ':')", n.ID, r))
		}
	}
	if !n.Kind.Valid() {
		return Permanent(fmt.Errorf("notification %s: unknown kind %q", n.ID, n.Kind))
	}
	return nil
}

func idChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == ':'
}
