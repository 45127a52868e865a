package notify

import (
	"testing"
	"time"
	_ "time/tzdata" // the tests name zones; don't depend on the host's database
)

// newYork is the organisation's zone in the tests.
func newYork(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// sample is the breach the package documentation talks about: Ana Ruiz of
// Acme, first touch due 14:05 EST, fired 12 minutes later.
func sample(t testing.TB) Notification {
	t.Helper()
	loc := newYork(t)
	due := time.Date(2026, 3, 2, 14, 5, 0, 0, loc)
	return Notification{
		ID:               "hs-1001:first_touch:breach",
		Kind:             Breach,
		LeadID:           "hs-1001",
		LeadName:         "Ana Ruiz",
		Company:          "Acme",
		Rule:             "speed to lead, tier A",
		AgreementVersion: "3",
		Obligation:       "first touch",
		Owner:            "sdr.kim",
		DueAt:            due,
		FiredAt:          due.Add(12 * time.Minute),
		Late:             12 * time.Minute,
		LeadURL:          "https://accord.example/leads/hs-1001",
		Recipients:       []string{"manager mgr.diaz", "#sdr-alerts"},
		Location:         loc,
	}
}

func TestText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		edit          func(n *Notification)
		subject, body string
	}{
		{
			name:    "breach",
			edit:    func(n *Notification) {},
			subject: "SLA breached: first touch for Ana Ruiz (Acme) is 12m late",
			body:    "BREACH — first touch for Ana Ruiz (Acme): due 14:05 EST, now 12 minutes late. Rule “speed to lead, tier A” (agreement v3). Owner: sdr.kim; told: manager mgr.diaz, #sdr-alerts. https://accord.example/leads/hs-1001",
		},
		{
			name: "warning",
			edit: func(n *Notification) {
				n.Kind, n.Late, n.TimeLeft = Warning, 0, 2*time.Minute
				n.FiredAt = n.DueAt.Add(-2 * time.Minute)
				n.Recipients = []string{"owner sdr.kim"}
			},
			subject: "SLA warning: first touch for Ana Ruiz (Acme) is due in 2m",
			body:    "WARNING — first touch for Ana Ruiz (Acme): due 14:05 EST, 2 minutes left. Rule “speed to lead, tier A” (agreement v3). Owner: sdr.kim; told: owner sdr.kim. https://accord.example/leads/hs-1001",
		},
		{
			name: "escalation after an hour and a quarter, with a team",
			edit: func(n *Notification) {
				n.Kind, n.Late, n.Team = Escalation, 75*time.Minute+40*time.Second, "sdr"
				n.AgreementVersion = "v4"
			},
			subject: "SLA escalated: first touch for Ana Ruiz (Acme) is 1h15m late",
			body:    "ESCALATION — first touch for Ana Ruiz (Acme): due 14:05 EST, now 1 hour 15 minutes late. Rule “speed to lead, tier A” (agreement v4). Owner: sdr.kim (team sdr); told: manager mgr.diaz, #sdr-alerts. https://accord.example/leads/hs-1001",
		},
		{
			name: "due on another day, summer time, days late",
			edit: func(n *Notification) {
				n.DueAt = time.Date(2026, 7, 3, 17, 0, 0, 0, n.Location)
				n.Late = 2*24*time.Hour + 3*time.Hour
				n.FiredAt = n.DueAt.Add(n.Late)
			},
			subject: "SLA breached: first touch for Ana Ruiz (Acme) is 2d3h late",
			body:    "BREACH — first touch for Ana Ruiz (Acme): due Fri 3 Jul 17:00 EDT, now 2 days 3 hours late. Rule “speed to lead, tier A” (agreement v3). Owner: sdr.kim; told: manager mgr.diaz, #sdr-alerts. https://accord.example/leads/hs-1001",
		},
		{
			name: "owner's zone differs from the organisation's",
			edit: func(n *Notification) {
				loc, err := time.LoadLocation("Europe/Madrid")
				if err != nil {
					panic(err)
				}
				n.Location = loc
			},
			subject: "SLA breached: first touch for Ana Ruiz (Acme) is 12m late",
			body:    "BREACH — first touch for Ana Ruiz (Acme): due 20:05 CET, now 12 minutes late. Rule “speed to lead, tier A” (agreement v3). Owner: sdr.kim; told: manager mgr.diaz, #sdr-alerts. https://accord.example/leads/hs-1001",
		},
		{
			name: "bare: no name, company, rule, owner, recipients, link or zone",
			edit: func(n *Notification) {
				*n = Notification{ID: "x", Kind: Breach, LeadID: "L-7", Obligation: "disposition",
					DueAt: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), Late: 30 * time.Second}
			},
			subject: "SLA breached: disposition for L-7 is <1m late",
			body:    "BREACH — disposition for L-7: due 09:00 UTC, now less than a minute late. Owner: unassigned.",
		},
		{
			name: "line breaks in fields cannot start a new header",
			edit: func(n *Notification) {
				n.LeadName = "Ana\r\nBcc: everyone@example.com"
				n.Recipients = nil
				n.LeadURL = ""
			},
			subject: "SLA breached: first touch for Ana  Bcc: everyone@example.com (Acme) is 12m late",
			body:    "BREACH — first touch for Ana  Bcc: everyone@example.com (Acme): due 14:05 EST, now 12 minutes late. Rule “speed to lead, tier A” (agreement v3). Owner: sdr.kim.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n := sample(t)
			tt.edit(&n)
			subject, body := Text(n)
			if subject != tt.subject {
				t.Errorf("subject\n got %q\nwant %q", subject, tt.subject)
			}
			if body != tt.body {
				t.Errorf("body\n got %q\nwant %q", body, tt.body)
			}
		})
	}
}

func TestDurations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d           time.Duration
		long, short string
	}{
		{-time.Minute, "less than a minute", "<1m"},
		{59 * time.Second, "less than a minute", "<1m"},
		{time.Minute, "1 minute", "1m"},
		{119 * time.Second, "1 minute", "1m"}, // never rounded up
		{time.Hour, "1 hour", "1h"},
		{61 * time.Minute, "1 hour 1 minute", "1h1m"},
		{24 * time.Hour, "1 day", "1d"},
		{49*time.Hour + 59*time.Minute, "2 days 1 hour", "2d1h"},
	}
	for _, tt := range tests {
		if got := long(tt.d); got != tt.long {
			t.Errorf("long(%v) = %q, want %q", tt.d, got, tt.long)
		}
		if got := short(tt.d); got != tt.short {
			t.Errorf("short(%v) = %q, want %q", tt.d, got, tt.short)
		}
	}
}
