package notify

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

// Text words a notification the same way for every channel: subject is a
// short line (the email subject, the Slack header's companion), body one
// paragraph saying which lead, which obligation, when it was due and how
// late it is (or how long is left), which rule of which agreement, who owns
// it, who is told, and the link. Times are shown in n.Location.
//
//	SLA breached: first touch for Ana Ruiz (Acme) is 12m late
//	BREACH — first touch for Ana Ruiz (Acme): due 14:05 EST, now 12 minutes
//	late. Rule “speed to lead, tier A” (agreement v3). Owner: sdr.kim; told:
//	manager mgr.diaz, #sdr-alerts. https://accord.example/leads/hs-1001
//
// Every field is reduced to one line, so neither can smuggle a header into
// an email.
func Text(n Notification) (subject, body string) {
	what := clean(n.Obligation)
	if what == "" {
		what = "SLA"
	}
	what += " for " + leadLabel(n)

	switch n.Kind {
	case Warning:
		subject = fmt.Sprintf("SLA warning: %s is due in %s", what, short(n.TimeLeft))
	case Escalation:
		subject = fmt.Sprintf("SLA escalated: %s is %s late", what, short(n.Late))
	default:
		subject = fmt.Sprintf("SLA breached: %s is %s late", what, short(n.Late))
	}

	var b strings.Builder
	fmt.Fprintf(&b, "%s — %s:", strings.ToUpper(kindLabel(n.Kind)), what)
	if !n.DueAt.IsZero() {
		fmt.Fprintf(&b, " due %s,", dueLabel(n.DueAt, n.FiredAt, n.Location))
	}
	if n.Kind == Warning {
		fmt.Fprintf(&b, " %s left.", long(n.TimeLeft))
	} else {
		fmt.Fprintf(&b, " now %s late.", long(n.Late))
	}
	if rule := clean(n.Rule); rule != "" {
		fmt.Fprintf(&b, " Rule “%s”", rule)
		if v := clean(n.AgreementVersion); v != "" {
			if !strings.HasPrefix(v, "v") {
				v = "v" + v
			}
			fmt.Fprintf(&b, " (agreement %s)", v)
		}
		b.WriteString(".")
	}
	owner := clean(n.Owner)
	if owner == "" {
		owner = "unassigned"
	}
	fmt.Fprintf(&b, " Owner: %s", owner)
	if team := clean(n.Team); team != "" {
		fmt.Fprintf(&b, " (team %s)", team)
	}
	var told []string
	for _, r := range n.Recipients {
		if r = clean(r); r != "" {
			told = append(told, r)
		}
	}
	if len(told) > 0 {
		fmt.Fprintf(&b, "; told: %s", strings.Join(told, ", "))
	}
	b.WriteString(".")
	if u := clean(n.LeadURL); u != "" {
		b.WriteString(" " + u)
	}
	return subject, b.String()
}

func kindLabel(k Kind) string {
	switch k {
	case Warning:
		return "warning"
	case Escalation:
		return "escalation"
	default:
		return "breach"
	}
}

// leadLabel names the lead: "Ana Ruiz (Acme)", or its id when it has no name.
func leadLabel(n Notification) string {
	name := clean(n.LeadName)
	if name == "" {
		name = clean(n.LeadID)
	}
	if name == "" {
		name = "a lead"
	}
	if c := clean(n.Company); c != "" {
		name += " (" + c + ")"
	}
	return name
}

// dueLabel shows the due time in loc, with the date only when the alert
// fired on another day: "14:05 EST", "Fri 7 Mar 17:00 EST".
func dueLabel(due, fired time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	due = due.In(loc)
	f := fired.In(loc)
	switch {
	case fired.IsZero() || sameDay(due, f):
		return due.Format("15:04 MST")
	case due.Year() == f.Year():
		return due.Format("Mon 2 Jan 15:04 MST")
	default:
		return due.Format("Mon 2 Jan 2006 15:04 MST")
	}
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// long spells a duration to the minute: "12 minutes", "1 hour 5 minutes",
// "2 days 3 hours".
func long(d time.Duration) string {
	days, hours, mins := split(d)
	unit := func(n int64, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %ss", n, one)
	}
	switch {
	case days > 0 && hours > 0:
		return unit(days, "day") + " " + unit(hours, "hour")
	case days > 0:
		return unit(days, "day")
	case hours > 0 && mins > 0:
		return unit(hours, "hour") + " " + unit(mins, "minute")
	case hours > 0:
		return unit(hours, "hour")
	case mins > 0:
		return unit(mins, "minute")
	default:
		return "less than a minute"
	}
}

// short is long for a subject line: "12m", "1h5m", "2d3h", "<1m".
func short(d time.Duration) string {
	days, hours, mins := split(d)
	switch {
	case days > 0 && hours > 0:
		return fmt.Sprintf("%dd%dh", days, hours)
	case days > 0:
		return fmt.Sprintf("%dd", days)
	case hours > 0 && mins > 0:
		return fmt.Sprintf("%dh%dm", hours, mins)
	case hours > 0:
		return fmt.Sprintf("%dh", hours)
	case mins > 0:
		return fmt.Sprintf("%dm", mins)
	default:
		return "<1m"
	}
}

// split truncates d to whole minutes (never rounding a lateness up).
func split(d time.Duration) (days, hours, mins int64) {
	if d < 0 {
		d = 0
	}
	m := int64(d / time.Minute)
	return m / (24 * 60), m / 60 % 24, m % 60
}

// clean reduces s to one trimmed line: control characters (CR and LF above
// all) become spaces.
func clean(s string) string {
	if strings.IndexFunc(s, unicode.IsControl) < 0 {
		return strings.TrimSpace(s)
	}
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s))
}
