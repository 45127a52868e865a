package cli

import (
	"os"
	"path/filepath"
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
