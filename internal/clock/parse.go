package clock

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// ParseHours reads working hours written the way people write them:
//
//	Mon-Fri 09:00-17:00
//	Mon-Fri 09:00-12:30,13:30-17:00; Sat 10:00-14:00
//	Sun-Thu 22:00-06:00          (overnight: ends the next morning)
//	24/7
//
// Groups are separated by ";", days are a name or a range of names (ranges
// may wrap: Fri-Mon), spans are HH:MM-HH:MM separated by ",", and 24:00
// means midnight at the end of the day.
func ParseHours(s string) (Hours, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("working hours are empty (write e.g. \"Mon-Fri 09:00-17:00\" or \"24/7\")")
	}
	h := Hours{}
	if strings.EqualFold(s, "24/7") {
		for d := time.Sunday; d <= time.Saturday; d++ {
			h[d] = []Span{{0, 1440}}
		}
		return h, nil
	}
	for _, group := range strings.Split(s, ";") {
		group = strings.TrimSpace(group)
		if group == "" {
			continue
		}
		days, spans, ok := strings.Cut(group, " ")
		if !ok {
			return nil, fmt.Errorf("%q: expected days then hours, e.g. \"Mon-Fri 09:00-17:00\"", group)
		}
		ds, err := parseDays(days)
		if err != nil {
			return nil, err
		}
		for _, sp := range strings.Split(spans, ",") {
			span, err := parseSpan(strings.TrimSpace(sp))
			if err != nil {
				return nil, err
			}
			for _, d := range ds {
				h[d] = append(h[d], span)
			}
		}
	}
	return h, nil
}

func parseDays(s string) ([]time.Weekday, error) {
	var out []time.Weekday
	for _, part := range strings.Split(s, ",") {
		from, to, isRange := strings.Cut(strings.ToLower(strings.TrimSpace(part)), "-")
		a, ok := dayNames[trimDay(from)]
		if !ok {
			return nil, fmt.Errorf("%q is not a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun)", from)
		}
		if !isRange {
			out = append(out, a)
			continue
		}
		b, ok := dayNames[trimDay(to)]
		if !ok {
			return nil, fmt.Errorf("%q is not a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun)", to)
		}
		for d := a; ; d = (d + 1) % 7 {
			out = append(out, d)
			if d == b {
				break
			}
		}
	}
	return out, nil
}

// trimDay accepts "monday" as well as "mon".
func trimDay(s string) string {
	if len(s) > 3 {
		return s[:3]
	}
	return s
}

func parseSpan(s string) (Span, error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return Span{}, fmt.Errorf("%q is not a span of hours like 09:00-17:00", s)
	}
	start, err := parseClock(a)
	if err != nil {
		return Span{}, err
	}
	end, err := parseClock(b)
	if err != nil {
		return Span{}, err
	}
	if start == end || start == 1440 {
		return Span{}, fmt.Errorf("%q is an empty span of hours", s)
	}
	return Span{start, end}, nil
}

func parseClock(s string) (int, error) {
	hh, mm, ok := strings.Cut(strings.TrimSpace(s), ":")
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if !ok || err1 != nil || err2 != nil || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("%q is not a time of day like 09:00 (24:00 for midnight at the end)", s)
	}
	return h*60 + m, nil
}
