package importer

import (
	"fmt"
	"strings"
	"time"
)

// DefaultDateFormats are tried when a mapping lists none: ISO dates with or
// without a time, and RFC 3339.
var DefaultDateFormats = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02T15:04:05",
	"2006-01-02",
}

// friendlyTokens turns the spreadsheet-style notation many users know
// (YYYY-MM-DD HH:mm) into Go's reference-time layout. Longer tokens come
// first so that "YYYY" is not read as two "YY".
var friendlyTokens = []struct{ token, layout string }{
	{"YYYY", "2006"}, {"YY", "06"},
	{"MM", "01"}, {"DD", "02"},
	{"HH", "15"}, {"hh", "03"}, {"mm", "04"}, {"ss", "05"},
	{"M", "1"}, {"D", "2"},
}

// Layout returns the Go layout for a date format given either as a Go
// layout ("02-01-2006"), as "rfc3339", or in friendly notation
// ("DD-MM-YYYY HH:mm"). A format containing "YYYY" or "YY" is taken as
// friendly notation.
func Layout(format string) string {
	if strings.EqualFold(format, "rfc3339") {
		return time.RFC3339Nano
	}
	if !strings.Contains(format, "YY") {
		return format
	}
	var b strings.Builder
	for rest := format; rest != ""; {
		matched := false
		for _, t := range friendlyTokens {
			if strings.HasPrefix(rest, t.token) {
				b.WriteString(t.layout)
				rest = rest[len(t.token):]
				matched = true
				break
			}
		}
		if !matched {
			b.WriteByte(rest[0])
			rest = rest[1:]
		}
	}
	return b.String()
}

// dateParser reads cell values as times, trying each layout in order. Cells
// without a zone are read in loc.
type dateParser struct {
	layouts []string
	loc     *time.Location
}

func newDateParser(formats []string, tz string) (dateParser, error) {
	loc := time.UTC
	if tz != "" {
		l, err := time.LoadLocation(tz)
		if err != nil {
			return dateParser{}, fmt.Errorf("timezone %q: %w", tz, err)
		}
		loc = l
	}
	if len(formats) == 0 {
		formats = DefaultDateFormats
	}
	p := dateParser{loc: loc}
	for _, f := range formats {
		if strings.TrimSpace(f) == "" {
			return dateParser{}, fmt.Errorf("date_formats: an entry is empty")
		}
		p.layouts = append(p.layouts, Layout(f))
	}
	return p, nil
}

// parse returns the time a cell names, or an error listing what was tried.
func (p dateParser) parse(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range p.layouts {
		if t, err := time.ParseInLocation(l, s, p.loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q matches none of the date formats (%s)", s, strings.Join(p.layouts, " | "))
}
