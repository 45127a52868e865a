package agreement

import (
	"fmt"
	"strings"
)

// suggest returns the candidate closest to a misspelt word, quoted, or ""
// when none is close.
func suggest(word string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		d := distance(strings.ToLower(word), strings.ToLower(c))
		if d < bestD {
			best, bestD = c, d
		}
	}
	// A one-letter word is one edit from every other: suggest nothing.
	if best == "" || bestD > max(1, len(word)/3) || bestD >= len([]rune(word)) {
		return ""
	}
	return fmt.Sprintf("%q", best)
}

// distance is the edit distance, counting a swap of neighbours as one edit.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	before := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], before[j-2]+1) // a transposition
			}
		}
		before, prev, cur = prev, cur, before
	}
	return prev[len(rb)]
}
