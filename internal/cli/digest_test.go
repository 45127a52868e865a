package cli

import (
	"strings"
	"testing"
)

// TestDigestDryRun: the digest of the week of 2 March 2026 counts that
// week's two MQLs against the week before (none), and says where to look.
func TestDigestDryRun(t *testing.T) {
	db := reportDB(t)
	code, stdout, stderr := run(t, "digest", "--week", "2026-03-04", "--dry-run", "--db", db, "--base-url", "https://accord.acme.example")
	if code != 0 {
		t.Fatalf("digest --dry-run: exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"Subject: Week of 2026-03-02: 2 MQLs, 0 won, 0 booked",
		"The week of 2026-03-02 (to 2026-03-08)",
		"mql                               2            0",
		"https://accord.acme.example/api/v1/reviews/weeks/2026-03-02",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("digest lacks %q:\n%s", want, stdout)
		}
	}
	if code, _, stderr := run(t, "digest", "--week", "2026-03-04", "--db", db); code == 0 || !strings.Contains(stderr, "no one to send the digest to") {
		t.Errorf("without recipients: exit %d, %s", code, stderr)
	}
}
