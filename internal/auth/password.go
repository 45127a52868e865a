package auth

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// PasswordCost is bcrypt's work factor for new password hashes: about a
// quarter of a second here, slow for a guesser and quick enough for a
// person signing in. Tests lower it.
var PasswordCost = 12

// Password rules: long enough to resist guessing, and within what bcrypt
// reads (it ignores bytes after the 72nd, which would silently weaken a
// long passphrase).
const (
	MinPasswordChars = 10
	MaxPasswordBytes = 72
)

// ErrWeakPassword is a password the rules refuse.
var ErrWeakPassword = errors.New("password refused")

// HashPassword checks a new password against the rules and hashes it.
func HashPassword(pw string) (string, error) {
	switch {
	case utf8.RuneCountInString(pw) < MinPasswordChars:
		return "", fmt.Errorf("%w: it must have at least %d characters", ErrWeakPassword, MinPasswordChars)
	case len(pw) > MaxPasswordBytes:
		return "", fmt.Errorf("%w: it may have at most %d bytes", ErrWeakPassword, MaxPasswordBytes)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), PasswordCost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// CheckPassword reports, as nil, that pw is the password hash was made from.
func CheckPassword(hash, pw string) error {
	if len(pw) > MaxPasswordBytes {
		return bcrypt.ErrMismatchedHashAndPassword
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw))
}

// NewSessionSecret makes a browser session's cookie value and the hash
// that is stored for it.
func NewSessionSecret() (secret, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("generate session: %w", err)
	}
	secret = "acc_s_" + base64.RawURLEncoding.EncodeToString(b)
	return secret, Hash(secret), nil
}

// NewCSRFToken makes the token a session's forms must carry.
func NewCSRFToken() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate CSRF token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
