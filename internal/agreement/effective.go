package agreement

import (
	"fmt"
	"time"
)

// EffectiveFrom reads when a version takes effect: an RFC 3339 time, or a
// date, which means midnight in the agreement's time zone.
func (a *Agreement) EffectiveFrom(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	loc := a.Location
	if loc == nil {
		loc = time.UTC
	}
	if t, err := time.ParseInLocation(time.DateOnly, v, loc); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time nor a date such as 2026-04-01 (midnight in %s)", v, loc)
}
