package store

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrNotSigner is returned when a signature names someone the version does
// not list among its signers.
var ErrNotSigner = errors.New("not a signer of this version")

// ErrAlreadySigned is returned when a signer signs a version a second time.
var ErrAlreadySigned = errors.New("already signed")

// NewAgreementVersion is an agreement upload; the store numbers it.
type NewAgreementVersion struct {
	// Body is the YAML as uploaded, kept byte for byte.
	Body          []byte
	EffectiveFrom time.Time
	UploadedBy    string
	UploadedAt    time.Time
	// Signers are the names the agreement lists, in file order; every one
	// must sign before the version can come into force.
	Signers []string
	Note    string
}

// AgreementVersion is one stored version of the agreement.
type AgreementVersion struct {
	Number        int         `json:"number"`
	EffectiveFrom time.Time   `json:"effective_from"`
	UploadedBy    string      `json:"uploaded_by"`
	UploadedAt    time.Time   `json:"uploaded_at"`
	Note          string      `json:"note"`
	Signers       []string    `json:"signers"`
	Signatures    []Signature `json:"signatures"`
	// Body is the YAML as uploaded. Listings leave it nil.
	Body []byte `json:"-"`
}

// Signature is one signer's sign-off on a version, and the API token it
// was given through.
type Signature struct {
	Version   int       `json:"version"`
	Signer    string    `json:"signer"`
	SignedAt  time.Time `json:"signed_at"`
	TokenID   string    `json:"token_id"`
	TokenName string    `json:"token_name"`
}

// AuditEntry is one line of the append-only audit log: who did what, when.
type AuditEntry struct {
	Seq     int64           `json:"seq"`
	At      time.Time       `json:"at"`
	Actor   string          `json:"actor"`
	Action  string          `json:"action"`
	Subject string          `json:"subject"`
	Detail  json.RawMessage `json:"detail"`
}

// Audit actions.
const (
	AuditAgreementUploaded = "agreement.uploaded"
	AuditAgreementSigned   = "agreement.signed"
	AuditAgreementInForce  = "agreement.in_force"
	AuditTokenCreated      = "token.created"
	AuditTokenRevoked      = "token.revoked"
	AuditUserCreated       = "user.created"
	AuditUserUpdated       = "user.updated"
)

// Version statuses, from upload to retirement.
const (
	StatusDraft              = "draft"               // nobody has signed yet
	StatusAwaitingSignatures = "awaiting_signatures" // some, not all, have signed
	StatusScheduled          = "scheduled"           // signed; effective_from is still ahead
	StatusInForce            = "in_force"
	StatusSuperseded         = "superseded" // was, or would have been, in force; a later version is
)

// Missing lists the signers who have not signed, in the version's order.
func (v AgreementVersion) Missing() []string {
	out := []string{}
	for _, name := range v.Signers {
		if !slices.ContainsFunc(v.Signatures, func(s Signature) bool { return s.Signer == name }) {
			out = append(out, name)
		}
	}
	return out
}

// Signer finds name among the version's signers, regardless of case, and
// returns it as the version spells it.
func (v AgreementVersion) Signer(name string) (string, bool) {
	for _, s := range v.Signers {
		if strings.EqualFold(s, strings.TrimSpace(name)) {
			return s, true
		}
	}
	return "", false
}

// InForceFrom is when the version comes into force: the latest of its
// effective_from, its upload and its last signature (a version uploaded
// with a past date is not in force before it existed, so what was in
// force at a past moment never changes). ok is false while a signature is
// missing.
func (v AgreementVersion) InForceFrom() (at time.Time, ok bool) {
	if len(v.Missing()) > 0 {
		return time.Time{}, false
	}
	at = v.EffectiveFrom
	if v.UploadedAt.After(at) {
		at = v.UploadedAt
	}
	for _, s := range v.Signatures {
		if s.SignedAt.After(at) {
			at = s.SignedAt
		}
	}
	return at, true
}

// Status says where v stands at now, given the version in force then (nil
// if none).
func (v AgreementVersion) Status(inForce *AgreementVersion, now time.Time) string {
	from, signed := v.InForceFrom()
	switch {
	case !signed && len(v.Signatures) == 0:
		return StatusDraft
	case !signed:
		return StatusAwaitingSignatures
	case inForce != nil && inForce.Number == v.Number:
		return StatusInForce
	case inForce != nil && dated(*inForce, v) > 0:
		// A later-dated version is in force; this one can never take over.
		return StatusSuperseded
	case from.After(now):
		return StatusScheduled
	default:
		return StatusSuperseded
	}
}

// InForceAt picks the version in force at t from vs: of the versions fully
// signed by t whose effective_from is not after t, the one with the latest
// effective_from (the higher number on a tie). It is the rule every
// store's InForce implements in its own SQL.
func InForceAt(vs []AgreementVersion, t time.Time) *AgreementVersion {
	var best *AgreementVersion
	for i := range vs {
		v := &vs[i]
		from, ok := v.InForceFrom()
		if !ok || from.After(t) {
			continue
		}
		if best == nil || dated(*v, *best) > 0 {
			best = v
		}
	}
	return best
}

// dated orders versions by effective_from, then number: the later one wins.
func dated(a, b AgreementVersion) int {
	if c := a.EffectiveFrom.Compare(b.EffectiveFrom); c != 0 {
		return c
	}
	return cmp.Compare(a.Number, b.Number)
}

// The audit entries below are built here, not in each backend, so both
// databases record the same words.

// UploadedEntry records the upload of v.
func UploadedEntry(v AgreementVersion) AuditEntry {
	sum := sha256.Sum256(v.Body)
	return entry(v.UploadedAt, v.UploadedBy, AuditAgreementUploaded, versionSubject(v.Number), struct {
		Number        int       `json:"number"`
		EffectiveFrom time.Time `json:"effective_from"`
		Signers       []string  `json:"signers"`
		Note          string    `json:"note"`
		Bytes         int       `json:"bytes"`
		SHA256        string    `json:"sha256"`
	}{v.Number, v.EffectiveFrom, v.Signers, v.Note, len(v.Body), hex.EncodeToString(sum[:])})
}

// SignedEntry records a signature, made by the token that gave it.
func SignedEntry(s Signature) AuditEntry {
	return entry(s.SignedAt, s.TokenName, AuditAgreementSigned, versionSubject(s.Version), struct {
		Number  int    `json:"number"`
		Signer  string `json:"signer"`
		TokenID string `json:"token_id"`
	}{s.Version, s.Signer, s.TokenID})
}

// InForceEntry records that version number has every signature it needs
// and so is in force from from (now, or its effective_from if later). actor
// made the write that completed it.
func InForceEntry(number int, from time.Time, actor string, at time.Time) AuditEntry {
	return entry(at, actor, AuditAgreementInForce, versionSubject(number), struct {
		Number      int       `json:"number"`
		InForceFrom time.Time `json:"in_force_from"`
	}{number, from.UTC()})
}

// TokenCreatedEntry records a new token (never its secret).
func TokenCreatedEntry(t Token, actor string) AuditEntry {
	return entry(t.CreatedAt, actor, AuditTokenCreated, "token/"+t.ID, struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Role string `json:"role"`
	}{t.ID, t.Name, t.Role})
}

// TokenRevokedEntry records a revoked token.
func TokenRevokedEntry(t Token, actor string, at time.Time) AuditEntry {
	return entry(at, actor, AuditTokenRevoked, "token/"+t.ID, struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Role string `json:"role"`
	}{t.ID, t.Name, t.Role})
}

func versionSubject(n int) string { return "agreement/" + strconv.Itoa(n) }

func entry(at time.Time, actor, action, subject string, detail any) AuditEntry {
	b, err := json.Marshal(detail)
	if err != nil {
		panic(fmt.Sprintf("audit detail for %s: %v", action, err)) // plain structs always encode
	}
	return AuditEntry{At: at.UTC().Truncate(time.Microsecond), Actor: actor, Action: action, Subject: subject, Detail: b}
}
