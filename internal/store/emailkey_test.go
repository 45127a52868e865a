package store

import "testing"

// The values are what migration 0006 computes in SQL for the same
// addresses, on SQLite and on PostgreSQL (TestLeadIndexesMigration in each
// store checks the two agree on its rows).
func TestEmailKey(t *testing.T) {
	for norm, want := range map[string]int64{
		"":                        0,
		"x":                       121,
		"ab~@acme.com":            249126085,
		"ac_@acme.com":            249126085, // the same key: lookups must compare emails
		"jürgen.müller@例え.jp":     626518009,
		"😀@a":                     123502114,
		"x\x00anything after NUL": 121, // SQLite's length() stops at a NUL
	} {
		if got := EmailKey(norm); got != want {
			t.Errorf("EmailKey(%q) = %d, want %d", norm, got, want)
		}
	}
	for _, norm := range []string{"a", "ann@acme.com", "\U0010FFFF\U0010FFFF\U0010FFFF\U0010FFFF\U0010FFFF\U0010FFFF\U0010FFFF"} {
		if k := EmailKey(norm); k < 1 || k > 1<<31-1 {
			t.Errorf("EmailKey(%q) = %d, out of 1…2³¹−1", norm, k)
		}
	}
}
