package auth

import (
	"strings"
	"testing"
	"time"
)

func TestRoles(t *testing.T) {
	for _, tt := range []struct {
		role         Role
		write, admin bool
	}{
		{Admin, true, true}, {Marketing, true, false}, {Sales, true, false}, {Viewer, false, false},
	} {
		if tt.role.CanWrite() != tt.write || tt.role.CanAdmin() != tt.admin {
			t.Errorf("%s: write %v admin %v", tt.role, tt.role.CanWrite(), tt.role.CanAdmin())
		}
	}
	if r, err := ParseRole(" Viewer "); err != nil || r != Viewer {
		t.Errorf("ParseRole(Viewer) = %v, %v", r, err)
	}
	if _, err := ParseRole("root"); err == nil {
		t.Error("ParseRole(root) should fail")
	}
}

func TestNewStoresOnlyTheHash(t *testing.T) {
	secret, tok, err := New("ci", Sales, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "acc_") || len(secret) < 40 {
		t.Fatalf("secret %q is too short or unprefixed", secret)
	}
	if tok.Hash != Hash(secret) || strings.Contains(tok.Hash, secret) {
		t.Fatal("the stored hash must be the SHA-256 of the secret, not the secret")
	}
	other, _, _ := New("ci", Sales, time.Now())
	if other == secret {
		t.Fatal("two tokens are equal")
	}
}
