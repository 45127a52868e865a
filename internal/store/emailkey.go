package store

// EmailKey is the number a lead's normalised email is indexed under
// (leads.email_key): a hash of the address, so the index holds a small
// integer per lead rather than the address itself. Every new lead adds an
// entry at a random place in that index, so each one dirties a page of it
// that the transaction's commit must write; an index a third the size has
// a third as many pages to hit. Different emails can share a key: lookups
// compare the emails of the rows found.
//
// It is the code points of norm (up to a NUL, where SQLite's length()
// stops), folded as h = (h·31 + c) mod 2³¹−1, plus one, so every key is
// in 1…2³¹−1 (an int4 on PostgreSQL) and 0 means "no email". Migration
// 0006 computes the same function in SQL for the rows it finds; the two
// must never differ.
func EmailKey(norm string) int64 {
	if norm == "" {
		return 0
	}
	var h int64
	for _, r := range norm {
		if r == 0 {
			break
		}
		h = (h*31 + int64(r)) % emailKeyPrime
	}
	return h + 1
}

const emailKeyPrime = 2147483647 // 2³¹−1
