package agreement

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	t.Parallel()
	lines := func(from, to int) string {
		var b strings.Builder
		for i := from; i <= to; i++ {
			b.WriteString("l" + strconv.Itoa(i) + "\n")
		}
		return b.String()
	}
	tests := []struct {
		name, old, new, want string
	}{
		{"same", "a\nb\n", "a\nb\n", ""},
		{"one line changed", "name: x\nwithin: 5m\nwarn: 2m\n", "name: x\nwithin: 10m\nwarn: 2m\n",
			"--- v1\n+++ v2\n@@ -1,3 +1,3 @@\n name: x\n-within: 5m\n+within: 10m\n warn: 2m\n"},
		{"added at the end", "a\n", "a\nb\n", "--- v1\n+++ v2\n@@ -1 +1,2 @@\n a\n+b\n"},
		{"from nothing", "", "a\n", "--- v1\n+++ v2\n@@ -0,0 +1 @@\n+a\n"},
		{"final newline", "a\nb", "a\nb\n", "--- v1\n+++ v2\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n"},
		{"two hunks", lines(1, 20), strings.Replace(strings.Replace(lines(1, 20), "l2\n", "L2\n", 1), "l18\n", "", 1),
			"--- v1\n+++ v2\n@@ -1,5 +1,5 @@\n l1\n-l2\n+L2\n l3\n l4\n l5\n@@ -15,6 +15,5 @@\n l15\n l16\n l17\n-l18\n l19\n l20\n"},
		{"changes six lines apart share a hunk", lines(1, 10), strings.Replace(strings.Replace(lines(1, 10), "l1\n", "", 1), "l8\n", "", 1),
			"--- v1\n+++ v2\n@@ -1,10 +1,8 @@\n-l1\n l2\n l3\n l4\n l5\n l6\n l7\n-l8\n l9\n l10\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Diff("v1", "v2", []byte(tc.old), []byte(tc.new)); got != tc.want {
				t.Errorf("Diff =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// TestDiffApplies checks on random texts that the hunks, applied to the
// old text, give the new one, and that they change no more lines than a
// longest common subsequence leaves.
func TestDiffApplies(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	gen := func() string {
		var b strings.Builder
		for range r.IntN(30) {
			b.WriteString(string(rune('a'+r.IntN(4))) + "\n")
		}
		if r.IntN(4) == 0 {
			b.WriteString("no newline")
		}
		return b.String()
	}
	for range 500 {
		old, new := gen(), gen()
		d := Diff("a", "b", []byte(old), []byte(new))
		if (d == "") != (old == new) {
			t.Fatalf("Diff(%q, %q) = %q", old, new, d)
		}
		if d == "" {
			continue
		}
		got, changed := apply(t, old, d)
		if got != new {
			t.Fatalf("applying\n%s\nto %q gives %q, want %q", d, old, got, new)
		}
		a, b := splitLines(old), splitLines(new)
		if want := len(a) + len(b) - 2*lcsLen(a, b); changed != want {
			t.Fatalf("Diff(%q, %q) changes %d lines, want %d:\n%s", old, new, changed, want, d)
		}
	}
}

// apply patches old with a unified diff, checking each hunk's header.
func apply(t *testing.T, old, d string) (string, int) {
	t.Helper()
	a := splitLines(old)
	var out []string
	next, changed := 0, 0 // next line of a not yet copied, 0-based
	rows := strings.Split(strings.TrimSuffix(d, "\n"), "\n")[2:]
	for i := 0; i < len(rows); i++ {
		row := rows[i]
		if strings.HasPrefix(row, "@@") {
			var aStart, aLen, bStart, bLen int
			hdr := strings.Fields(row)
			parse := func(s string, start, n *int) {
				from, count, ok := strings.Cut(s[1:], ",")
				*start, _ = strconv.Atoi(from)
				*n = 1
				if ok {
					*n, _ = strconv.Atoi(count)
				}
			}
			parse(hdr[1], &aStart, &aLen)
			parse(hdr[2], &bStart, &bLen)
			if aLen > 0 {
				aStart--
			}
			out = append(out, a[next:aStart]...)
			next = aStart
			continue
		}
		line := row[1:] + "\n"
		if i+1 < len(rows) && strings.HasPrefix(rows[i+1], `\`) {
			line = row[1:]
			i++
		}
		switch row[0] {
		case ' ':
			if a[next] != line {
				t.Fatalf("context %q does not match line %d %q", line, next+1, a[next])
			}
			out = append(out, line)
			next++
		case '-':
			if a[next] != line {
				t.Fatalf("removed %q does not match line %d %q", line, next+1, a[next])
			}
			next++
			changed++
		case '+':
			out = append(out, line)
			changed++
		}
	}
	return strings.Join(append(out, a[next:]...), ""), changed
}

func lcsLen(a, b []string) int {
	prev := make([]int, len(b)+1)
	for i := range a {
		cur := make([]int, len(b)+1)
		for j := range b {
			if a[i] == b[j] {
				cur[j+1] = prev[j] + 1
			} else {
				cur[j+1] = max(prev[j+1], cur[j])
			}
		}
		prev = cur
	}
	return prev[len(b)]
}
