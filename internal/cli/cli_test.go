package cli

import (
	"bytes"
	"strings"
	"testing"
)

// run calls the CLI in-process and returns its exit code and output.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestHelpHasExampleForEveryCommand(t *testing.T) {
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := run(t, c.name, "--help")
			if code != 0 {
				t.Fatalf("accord %s --help exited %d: %s", c.name, code, stderr)
			}
			for _, want := range []string{"Usage: accord " + c.name, "Example:", "accord " + c.name} {
				if !strings.Contains(stderr, want) {
					t.Errorf("accord %s --help lacks %q:\n%s", c.name, want, stderr)
				}
			}
		})
	}
}

func TestUnknownCommand(t *testing.T) {
	code, _, stderr := run(t, "frobnicate")
	if code != 2 || !strings.Contains(stderr, `unknown command "frobnicate"`) {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func TestTokenCreatePrintsTokenAloneOnLastLine(t *testing.T) {
	db := "sqlite:" + t.TempDir() + "/a.db"
	if code, _, stderr := run(t, "migrate", "--db", db); code != 0 {
		t.Fatalf("migrate: %s", stderr)
	}
	code, stdout, stderr := run(t, "token", "create", "--role", "viewer", "--name", "wall", "--db", db)
	if code != 0 {
		t.Fatalf("token create exited %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "acc_") || strings.ContainsAny(last, " \t") {
		t.Fatalf("last line should be the token alone, got %q", last)
	}
}

func TestTokenCreateRejectsUnknownRole(t *testing.T) {
	db := "sqlite:" + t.TempDir() + "/a.db"
	run(t, "migrate", "--db", db)
	code, _, stderr := run(t, "token", "create", "--role", "boss", "--name", "x", "--db", db)
	if code == 0 || !strings.Contains(stderr, `unknown role "boss"`) {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func TestServeRefusesSchemaBehind(t *testing.T) {
	db := "sqlite:" + t.TempDir() + "/new.db"
	code, _, stderr := run(t, "serve", "--db", db, "--addr", "127.0.0.1:0")
	if code == 0 {
		t.Fatal("serve on an unmigrated database should fail")
	}
	if !strings.Contains(stderr, "accord migrate") {
		t.Fatalf("the error should tell the user to run accord migrate, got %q", stderr)
	}
}

func TestTokenListAndRevoke(t *testing.T) {
	db := "sqlite:" + t.TempDir() + "/a.db"
	run(t, "migrate", "--db", db)
	_, out, _ := run(t, "token", "create", "--role", "admin", "--name", "ops", "--db", db)
	id := strings.Fields(out)[2] // "created token tok_… (ops, …"
	code, list, stderr := run(t, "token", "list", "--db", db)
	if code != 0 || !strings.Contains(list, id) || !strings.Contains(list, "ops") || strings.Contains(list, "acc_") {
		t.Fatalf("token list (exit %d): %q %q", code, list, stderr)
	}
	if code, _, stderr := run(t, "token", "revoke", id, "--db", db); code != 0 {
		t.Fatalf("revoke: %s", stderr)
	}
	if _, list, _ := run(t, "token", "list", "--db", db); strings.Contains(list, id) {
		t.Fatalf("revoked token still listed: %q", list)
	}
	if code, _, stderr := run(t, "token", "revoke", id, "--db", db); code == 0 || !strings.Contains(stderr, "no active token") {
		t.Fatalf("second revoke: exit %d %q", code, stderr)
	}
}
