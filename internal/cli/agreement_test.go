package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestAgreementCheckExample(t *testing.T) {
	code, stdout, stderr := run(t, "agreement", "check", "../../examples/agreement/acme.yaml")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "Tier A MQLs (not emea): first touch within 5 business minutes") {
		t.Fatalf("the description is missing:\n%s", stdout)
	}
	if code, stdout, _ := run(t, "agreement", "check", "--quiet", "../../examples/agreement/acme.yaml"); code != 0 || stdout != "" {
		t.Fatalf("--quiet: exit %d, stdout %q", code, stdout)
	}
}

func TestAgreementCheckPrintsEveryError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yaml")
	src := "name: x\ntimezone: Mars/Base\nsales:\n  - rule: r\n    when: stage == \"mqll\"\n    first_touch_within: 5m\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, "agreement", "check", path)
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr %s", code, stderr)
	}
	for _, want := range []string{
		path + `:2:11: unknown time zone "Mars/Base"`,
		path + `:5:20: rule "r" when: "mqll" is not a stage (did you mean "mql"?)`,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if stdout != "" {
		t.Errorf("nothing should be described when the file is invalid, got %q", stdout)
	}
}

func TestAgreementUsage(t *testing.T) {
	if code, _, _ := run(t, "agreement"); code != 2 {
		t.Errorf("no subcommand: exit %d, want 2", code)
	}
	if code, _, _ := run(t, "agreement", "check"); code != 2 {
		t.Errorf("no file: exit %d, want 2", code)
	}
	if code, _, stderr := run(t, "agreement", "check", "/nonexistent.yaml"); code != 1 || !strings.Contains(stderr, "no such file") {
		t.Errorf("missing file: exit %d, stderr %q", code, stderr)
	}
}

// TestAgreementUploadSignList walks a version from upload to in force on
// the database, and refuses a broken file without storing it.
func TestAgreementUploadSignList(t *testing.T) {
	db := "sqlite:" + t.TempDir() + "/a.db"
	if code, _, stderr := run(t, "migrate", "--db", db); code != 0 {
		t.Fatalf("migrate: %s", stderr)
	}
	const example = "../../examples/agreement/acme.yaml"
	code, stdout, stderr := run(t, "agreement", "upload", example, "--effective-from", "2026-01-01", "--note", "FY26", "--db", db)
	if code != 0 || !strings.Contains(stdout, "as version 1, effective from 2026-01-01T05:00:00Z") ||
		!strings.Contains(stdout, "once signed by Dana Whitfield, Marcus Obi, Priya Raman") {
		t.Fatalf("upload: exit %d\n%s%s", code, stdout, stderr)
	}

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	src, _ := os.ReadFile(example)
	os.WriteFile(bad, []byte(strings.Replace(string(src), "timezone: America/New_York", "timezone: Mars/Base", 1)), 0o644)
	if code, _, stderr := run(t, "agreement", "upload", bad, "--db", db); code != 1 ||
		!strings.Contains(stderr, bad+`:8:11: unknown time zone "Mars/Base"`) || !strings.Contains(stderr, "nothing was stored") {
		t.Errorf("broken upload: exit %d, stderr %s", code, stderr)
	}

	for _, c := range []struct {
		as, want string
		code     int
	}{
		{"dana whitfield", "Dana Whitfield signed version 1\nstill to sign: Marcus Obi, Priya Raman\n", 0},
		{"Dana Whitfield", "already signed version 1", 1},
		{"Pat", "Pat is not a signer of version 1", 1},
		{"Marcus Obi", "still to sign: Priya Raman", 0},
		{"Priya Raman", "Priya Raman signed version 1\nversion 1 is now in force\n", 0},
	} {
		code, stdout, stderr := run(t, "agreement", "sign", "1", "--as", c.as, "--db", db)
		if code != c.code || !strings.Contains(stdout+stderr, c.want) {
			t.Errorf("sign --as %q: exit %d, want %d with %q\n%s%s", c.as, code, c.code, c.want, stdout, stderr)
		}
	}
	if code, _, stderr := run(t, "agreement", "sign", "2", "--as", "Pat", "--db", db); code != 1 || !strings.Contains(stderr, "no agreement version 2") {
		t.Errorf("sign version 2: exit %d, %s", code, stderr)
	}
	if code, _, _ := run(t, "agreement", "sign", "1", "--db", db); code != 2 {
		t.Errorf("sign without --as: exit %d, want 2", code)
	}

	code, stdout, stderr = run(t, "agreement", "list", "--db", db)
	if code != 0 || !regexp.MustCompile(`(?m)^1\s+in_force\s+2026-01-01T05:00:00Z\s+cli\S*\s+FY26$`).MatchString(stdout) || strings.Contains(stdout, "\n2 ") {
		t.Errorf("list: exit %d\n%s%s", code, stdout, stderr)
	}
}
