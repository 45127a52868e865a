package clock

import (
	"slices"
	"strings"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/br"
	"github.com/rickar/cal/v2/ca"
	"github.com/rickar/cal/v2/de"
	"github.com/rickar/cal/v2/es"
	"github.com/rickar/cal/v2/fr"
	"github.com/rickar/cal/v2/gb"
	"github.com/rickar/cal/v2/ie"
	"github.com/rickar/cal/v2/it"
	"github.com/rickar/cal/v2/nl"
	"github.com/rickar/cal/v2/nz"
	"github.com/rickar/cal/v2/us"
)

// countries maps ISO 3166 codes to the public holidays the rickar/cal
// library maintains for them. A country that is not here can still list
// its days off as custom closed dates.
var countries = map[string][]*cal.Holiday{
	"US": us.Holidays, "CA": ca.Holidays, "GB": gb.Holidays, "UK": gb.Holidays,
	"IE": ie.Holidays, "DE": de.Holidays, "FR": fr.Holidays, "ES": es.Holidays,
	"IT": it.Holidays, "NL": nl.Holidays, "NZ": nz.Holidays, "BR": br.Holidays,
}

// CountryHolidays returns a country's public holidays by ISO code.
func CountryHolidays(code string) ([]*cal.Holiday, bool) {
	h, ok := countries[strings.ToUpper(strings.TrimSpace(code))]
	return h, ok
}

// Countries lists the codes CountryHolidays knows.
func Countries() []string {
	out := make([]string, 0, len(countries))
	for c := range countries {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}
