package auth

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestPasswords(t *testing.T) {
	PasswordCost = bcrypt.MinCost
	for _, tc := range []struct {
		pw   string
		weak bool
	}{
		{"short", true},
		{"nine char", true},
		{"ten chars!", false},
		{"éééééééééé", false}, // ten characters, twenty bytes
		{strings.Repeat("x", 72), false},
		{strings.Repeat("x", 73), true}, // bcrypt would ignore the 73rd byte
	} {
		h, err := HashPassword(tc.pw)
		if tc.weak {
			if !errors.Is(err, ErrWeakPassword) {
				t.Errorf("HashPassword(%q) = %v, want ErrWeakPassword", tc.pw, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("HashPassword(%q): %v", tc.pw, err)
		}
		if CheckPassword(h, tc.pw) != nil {
			t.Errorf("%q does not match its own hash", tc.pw)
		}
		if CheckPassword(h, tc.pw+"!") == nil || CheckPassword(h, "") == nil {
			t.Errorf("another password matches the hash of %q", tc.pw)
		}
	}
}

func TestSessionSecrets(t *testing.T) {
	a, ha, err := NewSessionSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, hb, _ := NewSessionSecret()
	if a == b || ha == hb || Hash(a) != ha || !strings.HasPrefix(a, "acc_s_") {
		t.Errorf("session secrets %q (%s), %q (%s)", a, ha, b, hb)
	}
	c, _ := NewCSRFToken()
	d, _ := NewCSRFToken()
	if c == d || len(c) < 32 {
		t.Errorf("CSRF tokens %q, %q", c, d)
	}
}
