package store

import (
	"context"
	"errors"
	"strings"
	"time"
)

// User is a person who signs in to the web app.
type User struct {
	ID           string     `json:"id"`    // "usr_" + 12 hex
	Email        string     `json:"email"` // normalised: trimmed, lower case; unique
	Name         string     `json:"name"`
	Role         string     `json:"role"` // admin, marketing, sales, viewer
	PasswordHash string     `json:"-"`
	CreatedAt    time.Time  `json:"created_at"`
	DisabledAt   *time.Time `json:"disabled_at,omitempty"`
}

// Session is a signed-in browser. Only the hash of the cookie's secret is
// stored, so a copy of the database opens no browser's session.
type Session struct {
	Hash       string
	UserID     string
	CSRF       string // the token every form of this session must carry
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastSeenAt time.Time
}

// ErrEmailTaken is returned when a user's email is in use.
var ErrEmailTaken = errors.New("a user with this email exists")

// NormalizeEmail is how users' emails are compared.
func NormalizeEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// UserStore keeps the web app's users and their sessions.
type UserStore interface {
	// CreateUser stores a user (ErrEmailTaken if the email is in use) and
	// audits it as actor.
	CreateUser(ctx context.Context, u User, actor string) error
	// UpdateUser saves the name, role, password hash and disabled time of
	// an existing user (ErrNotFound otherwise), audited. Disabling or a
	// new password also ends the user's sessions, in the same transaction.
	UpdateUser(ctx context.Context, u User, actor string) error
	// UserByEmail finds a user by email, normalised; ErrNotFound if none.
	UserByEmail(ctx context.Context, email string) (User, error)
	UserByID(ctx context.Context, id string) (User, error)
	// Users lists every user by email.
	Users(ctx context.Context) ([]User, error)
	CountUsers(ctx context.Context) (int, error)

	CreateSession(ctx context.Context, s Session) error
	// SessionByHash returns a live session and its user: ErrNotFound when
	// there is none, it has expired by now, or its user is disabled.
	SessionByHash(ctx context.Context, hash string, now time.Time) (Session, User, error)
	// TouchSession moves a session's last-seen time and expiry on.
	TouchSession(ctx context.Context, hash string, lastSeen, expires time.Time) error
	DeleteSession(ctx context.Context, hash string) error
	// DeleteExpiredSessions removes the sessions expired by now and says
	// how many.
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error)
}

// UserCreatedEntry records a new user (never the password's hash).
func UserCreatedEntry(u User, actor string) AuditEntry {
	return entry(u.CreatedAt, actor, AuditUserCreated, "user/"+u.ID, struct {
		ID    string `json:"id"`
		Email string `json:"email"`
		Name  string `json:"name"`
		Role  string `json:"role"`
	}{u.ID, u.Email, u.Name, u.Role})
}

// UserUpdatedEntry records what changed from was to now.
func UserUpdatedEntry(was, now User, actor string, at time.Time) AuditEntry {
	type change struct {
		From string `json:"from"`
		To   string `json:"to"`
	}
	d := struct {
		ID              string  `json:"id"`
		Email           string  `json:"email"`
		Name            *change `json:"name,omitempty"`
		Role            *change `json:"role,omitempty"`
		Disabled        *bool   `json:"disabled,omitempty"`
		PasswordChanged bool    `json:"password_changed"`
	}{ID: now.ID, Email: now.Email, PasswordChanged: was.PasswordHash != now.PasswordHash}
	if was.Name != now.Name {
		d.Name = &change{was.Name, now.Name}
	}
	if was.Role != now.Role {
		d.Role = &change{was.Role, now.Role}
	}
	if (was.DisabledAt == nil) != (now.DisabledAt == nil) {
		off := now.DisabledAt != nil
		d.Disabled = &off
	}
	return entry(at, actor, AuditUserUpdated, "user/"+now.ID, d)
}

// EndsSessions reports whether an update from was to now must end the
// user's sessions: a new password, or the account disabled.
func EndsSessions(was, now User) bool {
	return was.PasswordHash != now.PasswordHash || was.DisabledAt == nil && now.DisabledAt != nil
}
