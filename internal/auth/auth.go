// Package auth issues and checks API tokens. A token is shown once, at
// creation; only its SHA-256 is stored (tokens are long random strings, so a
// fast hash is enough — there is nothing to brute-force).
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/accordhq/accord/internal/store"
)

// Role names what a token may do.
type Role string

const (
	Admin     Role = "admin"
	Marketing Role = "marketing"
	Sales     Role = "sales"
	Viewer    Role = "viewer"
	// Display is a wall display's token: it opens the wall display and
	// nothing else, not even the API's reads.
	Display Role = "display"
)

// Roles lists every role, most powerful first.
var Roles = []Role{Admin, Marketing, Sales, Viewer, Display}

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if slices.Contains(Roles, r) {
		return r, nil
	}
	return "", fmt.Errorf("unknown role %q (one of admin, marketing, sales, viewer, display)", s)
}

// CanWrite reports whether the role may send events.
func (r Role) CanWrite() bool { return r == Admin || r == Marketing || r == Sales }

// CanRead reports whether the role may read through the API and the pages.
func (r Role) CanRead() bool { return r.CanWrite() || r == Viewer }

// CanAdmin reports whether the role may manage tokens.
func (r Role) CanAdmin() bool { return r == Admin }

// prefix makes Accord tokens recognisable in logs and secret scanners.
const prefix = "acc_"

// New makes a token; the secret is returned once and never stored.
func New(name string, role Role, now time.Time) (secret string, tok store.Token, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", tok, fmt.Errorf("generate token: %w", err)
	}
	secret = prefix + base64.RawURLEncoding.EncodeToString(b)
	id := make([]byte, 6)
	if _, err := rand.Read(id); err != nil {
		return "", tok, fmt.Errorf("generate token id: %w", err)
	}
	tok = store.Token{ID: "tok_" + hex.EncodeToString(id), Name: name, Role: string(role), Hash: Hash(secret), CreatedAt: now.UTC()}
	return secret, tok, nil
}

// Hash is what is stored and looked up for a secret.
func Hash(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// NewUserID makes the id of a web user.
func NewUserID() (string, error) {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate user id: %w", err)
	}
	return "usr_" + hex.EncodeToString(b), nil
}
