package cli

import (
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/accordhq/accord/internal/auth"
)

// withStdin runs the CLI with in as its standard input.
func withStdin(t *testing.T, in string, args ...string) (int, string, string) {
	t.Helper()
	old := stdin
	stdin = strings.NewReader(in)
	defer func() { stdin = old }()
	return run(t, args...)
}

func TestUserCreateListAndPasswordRules(t *testing.T) {
	auth.PasswordCost = bcrypt.MinCost
	t.Setenv("ACCORD_PASSWORD", "")
	db := "sqlite:" + t.TempDir() + "/a.db"
	if code, _, stderr := run(t, "migrate", "--db", db); code != 0 {
		t.Fatalf("migrate: %s", stderr)
	}
	create := func(in, email string, extra ...string) (int, string, string) {
		args := append([]string{"user", "create", "--email", email, "--name", "Ann Lee", "--role", "marketing", "--db", db}, extra...)
		return withStdin(t, in, args...)
	}

	code, out, stderr := create("correct horse battery\n", " Ann@Acme.example ", "--password-stdin")
	if code != 0 || !strings.Contains(out, "created user usr_") || !strings.Contains(out, "ann@acme.example") {
		t.Fatalf("user create exited %d: %q %q", code, out, stderr)
	}
	code, list, stderr := run(t, "user", "list", "--db", db)
	if code != 0 || !strings.Contains(list, "ann@acme.example") || !strings.Contains(list, "Ann Lee") ||
		!strings.Contains(list, "marketing") || !strings.Contains(list, "active") || strings.Contains(list, "$2a$") {
		t.Fatalf("user list (exit %d): %q %q", code, list, stderr)
	}

	for _, tc := range []struct {
		name, in, email string
		flags           []string
		want            string
	}{
		{"too short", "short\n", "bo@acme.example", []string{"--password-stdin"}, "at least 10 characters"},
		{"too long", strings.Repeat("x", 73), "bo@acme.example", []string{"--password-stdin"}, "at most 72 bytes"},
		{"no terminal", "correct horse battery\n", "bo@acme.example", nil, "--password-stdin"},
		{"email taken", "correct horse battery\n", "ANN@acme.example", []string{"--password-stdin"}, "already has an account"},
		{"display role", "correct horse battery\n", "bo@acme.example", []string{"--password-stdin", "--role", "display"}, "not a user's role"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := create(tc.in, tc.email, tc.flags...)
			if code == 0 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want a refusal saying %q", code, stderr, tc.want)
			}
		})
	}
	if _, list, _ := run(t, "user", "list", "--db", db); strings.Contains(list, "bo@acme.example") {
		t.Errorf("a refused user was stored: %q", list)
	}

	// ACCORD_PASSWORD serves scripts that cannot pipe.
	t.Setenv("ACCORD_PASSWORD", "another good password")
	if code, _, stderr := create("", "bo@acme.example"); code != 0 {
		t.Fatalf("user create with ACCORD_PASSWORD: %s", stderr)
	}
	t.Setenv("ACCORD_PASSWORD", "")

	if code, _, stderr := withStdin(t, "a brand new password\n", "user", "set-password", "--email", "ann@acme.example", "--password-stdin", "--db", db); code != 0 {
		t.Fatalf("set-password: %s", stderr)
	}
	if code, _, stderr := withStdin(t, "tiny\n", "user", "set-password", "--email", "ann@acme.example", "--password-stdin", "--db", db); code == 0 || !strings.Contains(stderr, "at least 10 characters") {
		t.Errorf("set-password with a short password: exit %d %q", code, stderr)
	}
	if code, _, stderr := run(t, "user", "disable", "--email", "bo@acme.example", "--db", db); code != 0 {
		t.Fatalf("disable: %s", stderr)
	}
	if _, list, _ := run(t, "user", "list", "--db", db); !strings.Contains(list, "disabled") {
		t.Errorf("a disabled user is not shown as disabled: %q", list)
	}
	if code, _, stderr := run(t, "user", "enable", "--email", "bo@acme.example", "--db", db); code != 0 {
		t.Fatalf("enable: %s", stderr)
	}
	if _, list, _ := run(t, "user", "list", "--db", db); strings.Contains(list, "disabled") {
		t.Errorf("an enabled user is still shown as disabled: %q", list)
	}
	if code, _, stderr := run(t, "user", "disable", "--email", "nobody@acme.example", "--db", db); code == 0 || !strings.Contains(stderr, "no user nobody@acme.example") {
		t.Errorf("disable an unknown user: exit %d %q", code, stderr)
	}
}
