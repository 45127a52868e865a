package notify

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Standard Webhooks (https://www.standardwebhooks.com) header names.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// secretPrefix marks a symmetric signing secret; the rest is base64.
const secretPrefix = "whsec_"

// The specification asks for random secrets of 24 to 64 bytes.
const (
	minSecretBytes = 24
	maxSecretBytes = 64
)

// DefaultTolerance is how far a webhook-timestamp may be from the
// receiver's clock before Verify calls it a replay.
const DefaultTolerance = 5 * time.Minute

// Webhook posts notifications as JSON to one endpoint, signed with that
// endpoint's own secret as the Standard Webhooks specification says.
type Webhook struct {
	URL    string
	Secret string // whsec_…, unique to this endpoint
	// PreviousSecret, while a secret is being rotated, signs each message a
	// second time so receivers still holding the old secret keep verifying.
	PreviousSecret string
	Client         *http.Client     // nil: 30 s timeout, redirects not followed
	Now            func() time.Time // nil: time.Now
}

// Payload is the JSON body a Webhook posts.
type Payload struct {
	Type      string      `json:"type"`      // accord.sla.warning, accord.sla.breach, accord.sla.escalation
	Timestamp time.Time   `json:"timestamp"` // when the alert fired, the same on every retry
	Data      PayloadData `json:"data"`
}

// PayloadData describes the alert: which lead, which rule, how late, a link.
type PayloadData struct {
	AlertID          string    `json:"alert_id"`
	Kind             Kind      `json:"kind"`
	Lead             LeadRef   `json:"lead"`
	Obligation       string    `json:"obligation"`
	Rule             string    `json:"rule"`
	AgreementVersion string    `json:"agreement_version,omitempty"`
	Owner            string    `json:"owner,omitempty"`
	Team             string    `json:"team,omitempty"`
	DueAt            time.Time `json:"due_at"`
	FiredAt          time.Time `json:"fired_at"`
	LateSeconds      int64     `json:"late_seconds"`
	TimeLeftSeconds  int64     `json:"time_left_seconds"`
	Recipients       []string  `json:"recipients"`
	Summary          string    `json:"summary"` // Text's subject
	Text             string    `json:"text"`    // Text's body
}

// LeadRef identifies the lead an alert is about.
type LeadRef struct {
	ID      string `json:"id"`
	Name    string `json:"name,omitempty"`
	Company string `json:"company,omitempty"`
	URL     string `json:"url,omitempty"`
}

// EventType is the Standard Webhooks event type for a kind of alert.
func EventType(k Kind) string { return "accord.sla." + string(k) }

// NewPayload is the body a Webhook sends for n.
func NewPayload(n Notification) Payload {
	subject, body := Text(n)
	recipients := n.Recipients
	if recipients == nil {
		recipients = []string{}
	}
	return Payload{
		Type:      EventType(n.Kind),
		Timestamp: n.FiredAt.UTC(),
		Data: PayloadData{
			AlertID:          n.ID,
			Kind:             n.Kind,
			Lead:             LeadRef{ID: n.LeadID, Name: n.LeadName, Company: n.Company, URL: n.LeadURL},
			Obligation:       n.Obligation,
			Rule:             n.Rule,
			AgreementVersion: n.AgreementVersion,
			Owner:            n.Owner,
			Team:             n.Team,
			DueAt:            n.DueAt.UTC(),
			FiredAt:          n.FiredAt.UTC(),
			LateSeconds:      int64(n.Late / time.Second),
			TimeLeftSeconds:  int64(n.TimeLeft / time.Second),
			Recipients:       recipients,
			Summary:          subject,
			Text:             body,
		},
	}
}

// Send makes one signed POST. The webhook-id is the notification's ID, so it
// is the same on every retry; webhook-timestamp is the time of this attempt.
func (w *Webhook) Send(ctx context.Context, n Notification) error {
	if err := n.check(); err != nil {
		return err
	}
	body, err := json.Marshal(NewPayload(n))
	if err != nil {
		return Permanent(fmt.Errorf("webhook %s: encode: %w", n.ID, err))
	}
	now := nowFunc(w.Now)
	ts := now()
	sig, err := Sign(w.Secret, n.ID, ts, body)
	if err != nil {
		return Permanent(fmt.Errorf("webhook %s: %w", n.ID, err))
	}
	if w.PreviousSecret != "" {
		old, err := Sign(w.PreviousSecret, n.ID, ts, body)
		if err != nil {
			return Permanent(fmt.Errorf("webhook %s: previous secret: %w", n.ID, err))
		}
		sig += " " + old
	}
	h := http.Header{}
	// Set directly: the specification spells the names in lower case, and
	// some receivers compare them verbatim.
	h[HeaderID] = []string{n.ID}
	h[HeaderTimestamp] = []string{strconv.FormatInt(ts.Unix(), 10)}
	h[HeaderSignature] = []string{sig}
	if err := post(ctx, w.Client, w.URL, h, body, now); err != nil {
		return fmt.Errorf("webhook %s: %w", n.ID, err)
	}
	return nil
}

// NewSecret returns a fresh random signing secret, whsec_ and 32 random
// bytes in base64, to be given to one endpoint.
func NewSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand, Go ≥ 1.24)
	return secretPrefix + base64.StdEncoding.EncodeToString(b)
}

// secretKey decodes a whsec_ secret into the HMAC key.
func secretKey(secret string) ([]byte, error) {
	rest, ok := strings.CutPrefix(secret, secretPrefix)
	if !ok {
		return nil, ErrBadSecret
	}
	key, err := base64.StdEncoding.DecodeString(rest)
	if err != nil || len(key) < minSecretBytes || len(key) > maxSecretBytes {
		return nil, ErrBadSecret
	}
	return key, nil
}

// Sign returns the v1 signature of body sent as message id at ts:
// "v1," and the base64 HMAC-SHA256 of "id.timestamp.body".
func Sign(secret, id string, ts time.Time, body []byte) (string, error) {
	key, err := secretKey(secret)
	if err != nil {
		return "", err
	}
	return "v1," + base64.StdEncoding.EncodeToString(mac(key, id, strconv.FormatInt(ts.Unix(), 10), body)), nil
}

func mac(key []byte, id, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Reasons Verify refuses a message.
var (
	ErrBadSecret           = errors.New("secret is not whsec_ and 24 to 64 bytes of base64")
	ErrMissingHeader       = errors.New("missing webhook-id, webhook-timestamp or webhook-signature header")
	ErrBadTimestamp        = errors.New("webhook-timestamp is not Unix seconds")
	ErrTimestampTolerance  = errors.New("webhook-timestamp is too far from now (replayed or clock skew)")
	ErrNoMatchingSignature = errors.New("no v1 signature matches")
)

// Verify is a receiver's check of a message Webhook sent: the headers are
// present, the timestamp is within tolerance of now (0: DefaultTolerance),
// and one of the signatures is the HMAC of the exact body received with
// secret. Pass the raw body, before any JSON decoding.
func Verify(secret string, headers http.Header, body []byte, tolerance time.Duration) error {
	return VerifyAt(secret, headers, body, tolerance, time.Now())
}

// VerifyAt is Verify with the receiver's clock given.
func VerifyAt(secret string, headers http.Header, body []byte, tolerance time.Duration, now time.Time) error {
	key, err := secretKey(secret)
	if err != nil {
		return err
	}
	id, tsText, sigs := headers.Get(HeaderID), headers.Get(HeaderTimestamp), headers.Get(HeaderSignature)
	if id == "" || tsText == "" || sigs == "" {
		return ErrMissingHeader
	}
	sec, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return ErrBadTimestamp
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return ErrTimestampTolerance
	}
	want := mac(key, id, tsText, body)
	for _, s := range strings.Fields(sigs) {
		version, enc, ok := strings.Cut(s, ",")
		if !ok || version != "v1" {
			continue // another scheme (v1a) or a future version
		}
		got, err := base64.StdEncoding.DecodeString(enc)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return ErrNoMatchingSignature
}
