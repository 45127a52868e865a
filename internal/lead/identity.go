package lead

import "strings"

// EmailNormalizer returns the function that turns an email into the key two
// leads are matched on: trimmed and lower-cased, and with plus-addressing
// ("ann+webinar@acme.com") removed when stripPlus is set.
func EmailNormalizer(stripPlus bool) func(string) string {
	return func(email string) string {
		e := strings.ToLower(strings.TrimSpace(email))
		if !stripPlus {
			return e
		}
		at := strings.LastIndexByte(e, '@')
		if at < 0 {
			return e
		}
		local, domain := e[:at], e[at:]
		if plus := strings.IndexByte(local, '+'); plus > 0 {
			local = local[:plus]
		}
		return local + domain
	}
}
