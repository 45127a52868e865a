// Package store is Accord's storage interface. Each database has its own
// implementation in its own SQL (store/sqlite, store/postgres); one
// conformance suite (store/storetest) runs against both.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/lead"
	"github.com/accordhq/accord/internal/people"
)

// ErrNotFound is returned when a looked-up record does not exist.
var ErrNotFound = errors.New("not found")

// ErrSchemaBehind is returned when the database needs `accord migrate`.
var ErrSchemaBehind = errors.New("database schema is behind this version of accord")

// Store is what the rest of Accord needs from a database.
type Store interface {
	// Backend names the database kind: "sqlite" or "postgres".
	Backend() string
	// Migrate applies every pending migration and returns how many ran.
	Migrate(ctx context.Context) (int, error)
	// SchemaVersion returns the applied and the latest known versions.
	SchemaVersion(ctx context.Context) (current, latest int, err error)
	Close() error

	// Write runs fn in one write transaction. Writers are serialised (one
	// writer connection on SQLite, an advisory lock on PostgreSQL), so event
	// sequence numbers are assigned, and become visible, in order.
	Write(ctx context.Context, fn func(Tx) error) error

	// EventsAfter pages through the log in arrival order.
	EventsAfter(ctx context.Context, after int64, limit int) ([]event.Event, error)
	// Lead returns a lead by its id or any alias.
	Lead(ctx context.Context, ref string) (*lead.Lead, error)
	// Leads lists leads matching f, newest first, one page at a time.
	Leads(ctx context.Context, f LeadFilter) ([]*lead.Lead, error)
	// LeadEvents returns every event filed under a lead, in any order.
	LeadEvents(ctx context.Context, key string) ([]event.Event, error)
	// LeadAliases returns the other ids a lead has come in under.
	LeadAliases(ctx context.Context, key string) ([]string, error)
	// LeadOpportunities returns the opportunities attributed to a lead.
	LeadOpportunities(ctx context.Context, key string) ([]*lead.Opportunity, error)
	// People returns every known person, by id.
	People(ctx context.Context) ([]*people.Person, error)
	// Counts returns how many events, leads, opportunities and people exist.
	Counts(ctx context.Context) (Counts, error)

	// CreateToken stores a token and records in the audit log that actor
	// (the token or user who asked) created it.
	CreateToken(ctx context.Context, t Token, actor string) error
	// TokenByHash finds an unrevoked token by the hash of its secret.
	TokenByHash(ctx context.Context, hash string) (Token, error)
	Tokens(ctx context.Context) ([]Token, error)
	// RevokeToken stops a token working and records that actor revoked it;
	// ErrNotFound if no active token has id.
	RevokeToken(ctx context.Context, id string, at time.Time, actor string) error

	// The agreement's versions and sign-offs. Every write appends its audit
	// entries in its own transaction, and the audit log is numbered in
	// commit order.

	// CreateAgreementVersion stores the next version (numbered 1, 2, 3…).
	CreateAgreementVersion(ctx context.Context, v NewAgreementVersion) (AgreementVersion, error)
	// AgreementVersions lists every version, oldest first, with its
	// signatures but without its body.
	AgreementVersions(ctx context.Context) ([]AgreementVersion, error)
	// AgreementVersion returns one version with its body; ErrNotFound if
	// there is no such number.
	AgreementVersion(ctx context.Context, number int) (AgreementVersion, error)
	// SignAgreementVersion records a signature and returns the version as
	// it now stands: ErrNotFound for an unknown version, ErrNotSigner for a
	// name the version does not list, ErrAlreadySigned the second time.
	SignAgreementVersion(ctx context.Context, s Signature) (AgreementVersion, error)
	// InForce returns the version in force at at (see InForceAt);
	// ErrNotFound when none is.
	InForce(ctx context.Context, at time.Time) (AgreementVersion, error)
	// AuditAfter pages through the audit log, oldest first.
	AuditAfter(ctx context.Context, after int64, limit int) ([]AuditEntry, error)

	// Obligations, alerts and their deliveries (see obligations.go).
	ObligationStore
	// The reporting atoms (see daily.go).
	DailyStore
	// The weekly review (see review.go).
	ReviewStore
	// What the leads of a window have booked (see leadvalue.go).
	LeadValueStore
	// The web app's users and sessions (see users.go).
	UserStore

	// ResetProjections empties everything derived from the log, ready for
	// a rebuild: leads, obligations and the unfired alerts. The log itself,
	// and the alerts already fired, are untouched; its events keep the lead
	// they were filed under until the replay files them again (rewriting
	// millions of rows twice cost more than the rest of the reset).
	ResetProjections(ctx context.Context) error
}

// Tx is the write side, used by ingest inside Store.Write.
type Tx interface {
	// MaxSeq returns the highest event sequence number stored (0 if none).
	MaxSeq(ctx context.Context) (int64, error)
	// EventHashes returns the body hash of each id already in the log.
	EventHashes(ctx context.Context, ids []string) (map[string]string, error)
	// InsertEvents appends events whose Seq and LeadKey are already set.
	InsertEvents(ctx context.Context, evs []*event.Event) error
	// SetEventLeadKeys files already-stored events under their LeadKey
	// (used by rebuild).
	SetEventLeadKeys(ctx context.Context, evs []*event.Event) error
	// MergeLead moves everything filed under lead from (events, aliases,
	// opportunities) to lead into and deletes from's row.
	MergeLead(ctx context.Context, from, into string) error
	// RekeyOpportunityEvents files an opportunity's events under a lead.
	RekeyOpportunityEvents(ctx context.Context, opportunityID, leadKey string) error
	// LeadEvents returns the stored events filed under a lead up to and
	// including sequence number through. A rebuild replays a log whose
	// later events still carry the lead they were filed under before: the
	// bound keeps them out of the history it refolds.
	LeadEvents(ctx context.Context, key string, through int64) ([]event.Event, error)
	// OpportunityEvents returns the stored events of one opportunity up to
	// and including sequence number through.
	OpportunityEvents(ctx context.Context, id string, through int64) ([]event.Event, error)

	// ResolveAliases maps each known lead ref (id or alias) to its lead key.
	ResolveAliases(ctx context.Context, refs []string) (map[string]string, error)
	// PutAliases records alias -> lead key, replacing earlier mappings.
	PutAliases(ctx context.Context, aliases map[string]string) error
	// LeadKeysByEmail returns, for each normalised email of norms that
	// some lead has, the keys of the leads that have it.
	LeadKeysByEmail(ctx context.Context, norms []string) (map[string][]string, error)
	LoadLeads(ctx context.Context, keys []string) (map[string]*lead.Lead, error)
	SaveLeads(ctx context.Context, leads []*lead.Lead) error

	LoadOpportunities(ctx context.Context, ids []string) (map[string]*lead.Opportunity, error)
	SaveOpportunities(ctx context.Context, opps []*lead.Opportunity) error
	LoadPeople(ctx context.Context, ids []string) (map[string]*people.Person, error)
	SavePeople(ctx context.Context, ps []*people.Person) error

	ObligationTx
	DailyTx
}

// LeadFilter selects leads for listing. Empty fields do not filter.
type LeadFilter struct {
	Stage, Owner, Team, Source, Segment string
	CreatedFrom, CreatedTo              time.Time
	UpdatedFrom, UpdatedTo              time.Time
	// After is the cursor of the last lead of the previous page.
	After *Cursor
	Limit int
}

// Cursor marks a position in the lead listing (newest first).
type Cursor struct {
	CreatedAt time.Time
	LeadID    string
}

// Counts sizes the stored data.
type Counts struct {
	Events        int64 `json:"events"`
	Leads         int64 `json:"leads"`
	Opportunities int64 `json:"opportunities"`
	People        int64 `json:"people"`
}

// Token is an API credential. Only the hash of its secret is stored.
type Token struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Hash      string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
}
