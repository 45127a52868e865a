package agreement

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/lead"
)

func mustParseFile(t *testing.T, path string) *Agreement {
	t.Helper()
	a, err := ParseFile(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return a
}

func TestExampleDescribesItself(t *testing.T) {
	t.Parallel()
	a := mustParseFile(t, "../../examples/agreement/acme.yaml")
	got := a.Describe()
	for _, want := range []string{
		"Tier A MQLs (not emea): first touch within 5 business minutes, US office hours (Mon–Fri 09:00–17:00, US holidays), America/New_York; warning 2 minutes before; after 15 minutes the manager is told and the lead is reassigned round-robin within the team.",
		"Tier A and B MQLs (emea): first touch within 30 business minutes, London SDR hours (Mon–Fri 08:30–12:30, 13:30–17:30, GB holidays), Europe/London; warning 10 minutes before; after 2 hours the manager and #emea-sdr are told.",
		"Tier B MQLs (not emea): first touch within 4 business hours and at least 6 touches within 10 business days before the lead is disqualified",
		"the clocks pause while waiting on prospect",
		"Tier C leads: routed to nurture, with no sales deadlines.",
		"SDR → AE: the AE accepts or rejects within 1 business day, US office hours (Mon–Fri 09:00–17:00, US holidays), America/New_York; requires budget, authority, need, timeline; a rejection sends the lead back to marketing",
		"US office hours (us-office): Mon–Fri 09:00–17:00, US holidays, 2 company days off, America/New_York; a business day is 8 hours",
		"a disposition (accepted, rejected with a reason, disqualified, recycled or converted) within 3 business days",
		"Marketing promises that every lead it hands over has email, company and country.",
		"review the numbers together every Monday; a reviewed week locks 2 days after the review",
		"In force once signed by Dana Whitfield (VP Marketing, dana@acme.example), Marcus Obi (VP Sales, marcus@acme.example) and Priya Raman",
		"30 customers, which at the agreed conversion rates takes 120 opportunities, 200 SQLs, 400 MQLs and 2,000 leads a month",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("description lacks\n  %s\n--- description:\n%s", want, got)
		}
	}
}

// The illustration in the design document is itself a valid agreement.
func TestDesignIllustrationParses(t *testing.T) {
	t.Parallel()
	a := mustParseFile(t, "testdata/design.yaml")
	want := "Tier A MQLs: first touch within 5 business minutes, US office hours (Mon–Fri 09:00–17:00, US holidays), America/New_York; warning 2 minutes before; after 15 minutes the manager is told and the lead is reassigned round-robin within the team."
	if !strings.Contains(a.Describe(), want) {
		t.Fatalf("description lacks %q:\n%s", want, a.Describe())
	}
}

// head is the start of a valid agreement that the cases below extend.
const head = `name: test
timezone: America/New_York
calendars:
  office: {hours: "Mon-Fri 09:00-17:00", holidays: US}
definitions:
  mql: score >= 50
tiers:
  A: score >= 80
  B: score >= 50
  C: true
`

func TestRejectsBadInput(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, src string
		at        string // LINE:COLUMN
		msg       string
	}{
		{"syntax", "name: x\ntimezone: \"UTC\nsales: []\n", "2:11", "YAML syntax"},
		{"syntax: bad indentation", "name: x\n  timezone: UTC\n", "1:7", "YAML syntax"},
		{"empty file", "", "1:1", "the file is empty"},
		{"not a mapping", "- a\n- b\n", "1:1", "must be a mapping"},
		{"unknown top-level field", head + "salse: []\n", "11:1", `unknown field "salse" in the agreement (did you mean "sales"?)`},
		{"unknown rule field", head + "sales:\n  - rule: r\n    frist_touch_within: 5m\n", "13:5", `unknown field "frist_touch_within" in a sales rule (did you mean "first_touch_within"?)`},
		{"unknown nested field", head + "sales:\n  - rule: r\n    first_touch_within: 5m\n    escalate: {after: 10m, notfy: manager}\n", "14:28", `unknown field "notfy" in escalate`},
		{"missing name", "timezone: UTC\n", "1:1", "needs a name"},
		{"condition does not compile", head + "sales:\n  - rule: r\n    when: stage == \"mql\" and tierr == \"A\"\n    first_touch_within: 5m\n", "13:30", `unknown name tierr (did you mean "tier"?)`},
		{"condition with a type error", head + "sales:\n  - rule: r\n    when: score >= \"high\"\n    first_touch_within: 5m\n", "13:17", "mismatched types float64 and string"},
		{"condition not boolean", head + "sales:\n  - rule: r\n    when: score + 1\n    first_touch_within: 5m\n", "13:11", "gives a float64, not true or false"},
		{"quoted condition", head + "sales:\n  - rule: r\n    when: \"stage == 'mql' and\"\n    first_touch_within: 5m\n", "13:29", "unexpected token EOF"},
		{"definition error", "name: x\ntimezone: UTC\ndefinitions:\n  mql: score >= \"50\"\n", "4:14", `definition "mql": invalid operation`},
		{"definition used before it is defined", "name: x\ntimezone: UTC\ndefinitions:\n  hot: mql and score > 90\n  mql: score >= 50\n", "4:8", "mql is defined later"},
		{"definition hides a field", "name: x\ntimezone: UTC\ndefinitions:\n  score: true\n", "4:3", "would hide the lead field score"},
		{"tier uses tier", "name: x\ntimezone: UTC\ntiers:\n  A: tier == \"B\"\n", "4:6", "cannot use tier"},
		{"unknown calendar", head + "sales:\n  - rule: r\n    calendar: ofice\n    first_touch_within: 5m\n", "13:15", `unknown calendar "ofice" (did you mean "office"?)`},
		{"unknown time zone", "name: x\ntimezone: America/New_Yrok\n", "2:11", `unknown time zone "America/New_Yrok"`},
		{"unknown calendar time zone", "name: x\ntimezone: UTC\ncalendars:\n  london: {hours: \"Mon-Fri 09:00-17:00\", timezone: Europe/Londn}\n", "4:52", `unknown time zone "Europe/Londn"`},
		{"unknown holiday country", "name: x\ntimezone: UTC\ncalendars:\n  c: {hours: \"Mon-Fri 09:00-17:00\", holidays: [US, XX]}\n", "4:52", `unknown holiday country "XX"`},
		{"bad hours", "name: x\ntimezone: UTC\ncalendars:\n  c: {hours: \"Mon-Fry 09:00-17:00\"}\n", "4:14", `"fry" is not a day`},
		{"bad closed date", "name: x\ntimezone: UTC\ncalendars:\n  c:\n    hours: \"24/7\"\n    closed: [2026-02-30]\n", "6:14", `closed date "2026-02-30"`},
		{"bad duration", head + "sales:\n  - rule: r\n    first_touch_within: 5 minutes\n", "13:25", `"5 minutes" is not a duration`},
		{"duration without unit", head + "sales:\n  - rule: r\n    first_touch_within: 5\n", "13:25", "has no unit"},
		{"warn_before not before the deadline", head + "sales:\n  - rule: r\n    calendar: office\n    first_touch_within: 1h\n    warn_before: 60m\n", "15:18", "warn_before (60m) must be shorter than the deadline"},
		{"warn_before after a business day", head + "handoffs:\n  - {from: sdr, to: ae, accept_within: 1d, calendar: office, warn_before: 9h}\n", "12:75", "warn_before (9h) must be shorter"},
		{"escalation before the breach", head + "sales:\n  - rule: r\n    first_touch_within: 1h\n    escalate: {after: 30m, notify: manager}\n", "14:23", "must be later than the deadline"},
		{"bad recipient", head + "sales:\n  - rule: r\n    first_touch_within: 1h\n    escalate: {after: 2h, notify: [manager, boss]}\n", "14:45", `"boss" is not owner, manager, team, channel:#name or an email`},
		{"rule promises nothing", head + "sales:\n  - rule: r\n    when: stage == \"mql\"\n", "12:5", "promises nothing"},
		{"rule without a name", head + "sales:\n  - when: stage == \"mql\"\n    first_touch_within: 5m\n", "12:5", "needs a name"},
		{"route and deadlines", head + "sales:\n  - rule: r\n    first_touch_within: 5m\n    route: nurture\n", "14:12", "both routes leads away"},
		{"unknown route", head + "sales:\n  - rule: r\n    route: nuture\n", "13:12", `route "nuture" is not a stage (did you mean "nurture"?)`},
		{"unknown tier", head + "sales:\n  - rule: r\n    when: tier == \"Z\"\n    first_touch_within: 5m\n", "13:19", `"Z" is not a tier (tiers: A, B, C)`},
		{"misspelt stage", head + "sales:\n  - rule: r\n    when: stage == \"mqll\"\n    first_touch_within: 5m\n", "13:20", `"mqll" is not a stage (did you mean "mql"?)`},
		{"misspelt stage in a list", head + "sales:\n  - rule: r\n    when: stage in [\"mql\", \"sqll\"]\n    first_touch_within: 5m\n", "13:28", `"sqll" is not a stage`},
		{"misspelt disposition", head + "sales:\n  - rule: r\n    when: disposition == \"acepted\"\n    first_touch_within: 5m\n", "13:26", `did you mean "accepted"?`},
		{"never fires: two stages at once", head + "sales:\n  - rule: r\n    when: stage == \"mql\" and stage == \"sql\"\n    first_touch_within: 5m\n", "13:11", `rule "r" can never fire`},
		{"never fires: tier contradicts score", head + "sales:\n  - rule: r\n    when: tier == \"B\" and score > 90\n    first_touch_within: 5m\n", "13:11", `rule "r" can never fire`},
		{"never fires: through a definition", head + "sales:\n  - rule: r\n    when: not mql and tier == \"A\"\n    first_touch_within: 5m\n", "13:11", `rule "r" can never fire`},
		{"never fires: touches", head + "sales:\n  - rule: r\n    when: touches < 0\n    first_touch_within: 5m\n", "13:11", `can never fire`},
		{"never fires: attributes", head + "sales:\n  - rule: r\n    when: attributes.budget > 100 and attributes.budget < 50\n    first_touch_within: 5m\n", "13:11", `can never fire`},
		{"never fires: false", head + "sales:\n  - rule: r\n    when: false\n    first_touch_within: 5m\n", "13:11", `can never fire`},
		{"pause never holds", head + "sales:\n  - rule: r\n    first_touch_within: 5m\n    pause_when: score > 1 and score < 1\n", "14:17", "pause_when can never hold"},
		{"tier never assigned", "name: x\ntimezone: UTC\ntiers:\n  A: true\n  B: score > 50\n", "5:6", `tier "B" is never assigned`},
		{"touches without at_least", head + "sales:\n  - rule: r\n    touches: {within: 10d}\n", "13:14", "touches needs at_least"},
		{"handoff without accept_within", head + "handoffs:\n  - {from: sdr, to: ae}\n", "12:5", "needs accept_within"},
		{"lead_must_have unknown field", head + "marketing: {lead_must_have: [email, compnay]}\n", "11:37", `"compnay" is not a lead field (did you mean "company"?)`},
		{"review day", head + "review: {weekly: {on: funday}}\n", "11:23", `"funday" is not a day of the week`},
		{"marketing share", head + "goals: {marketing_share: 60}\n", "11:26", "a share between 0 and 1"},
		{"second document", head + "---\nname: y\n", "12:1", "one agreement per file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tc.src))
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("want Errors, got %v", err)
			}
			for _, e := range errs {
				if fmt.Sprintf("%d:%d", e.Line, e.Column) == tc.at && strings.Contains(e.Message, tc.msg) {
					return
				}
			}
			t.Fatalf("no error at %s containing %q; got:\n%s", tc.at, tc.msg, errs.Format("agreement.yaml"))
		})
	}
}

func TestReportsEveryErrorInFileOrder(t *testing.T) {
	t.Parallel()
	src := head + `sales:
  - rule: late
    calendar: nowhere
    first_touch_within: 5x
  - rule: typo
    when: stage == "mqll"
    first_touch_within: 5m
    warn_before: 10m
`
	_, err := Parse([]byte(src))
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("want Errors, got %v", err)
	}
	want := []string{"13:15: unknown calendar", "14:25: first_touch_within", "16:20: rule \"typo\" when: \"mqll\"", "18:18: warn_before (10m)"}
	if len(errs) != len(want) {
		t.Fatalf("want %d errors, got:\n%s", len(want), errs)
	}
	for i, w := range want {
		if !strings.HasPrefix(errs[i].Error(), w) {
			t.Errorf("error %d = %q, want prefix %q", i, errs[i].Error(), w)
		}
	}
	if got := errs.Format("acme.yaml"); !strings.HasPrefix(got, "acme.yaml:13:15: unknown calendar \"nowhere\"") {
		t.Errorf("Format = %q", got)
	}
}

func TestTiersAndRules(t *testing.T) {
	t.Parallel()
	a := mustParseFile(t, "../../examples/agreement/acme.yaml")
	cases := []struct {
		name  string
		f     Fields
		tier  string
		rules []string
	}{
		{"demo request", Fields{Stage: "mql", Offer: "demo_request", Country: "US"}, "A", []string{"speed to lead, tier A"}},
		{"executive MQL by score", Fields{Stage: "mql", Seniority: "vp", Score: 60}, "A", []string{"speed to lead, tier A"}},
		{"executive without interest", Fields{Stage: "mql", Seniority: "vp", Score: 10}, "C", []string{"C leads are nurtured by automation"}},
		{"contact sales (mql by definition)", Fields{Stage: "mql", Offer: "contact_sales"}, "B", []string{"work every B lead"}},
		{"EMEA tier B", Fields{Stage: "mql", Score: 70, Country: "DE"}, "B", []string{"EMEA speed to lead"}},
		{"EMEA tier A", Fields{Stage: "mql", Offer: "demo_request", Country: "GB"}, "A", []string{"EMEA speed to lead"}},
		{"B lead not yet an MQL", Fields{Stage: "lead", Score: 70}, "B", nil},
		{"cold lead", Fields{Stage: "lead", Score: 5}, "C", []string{"C leads are nurtured by automation"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := a.Graded(tc.f)
			if f.Tier != tc.tier {
				t.Fatalf("tier = %q, want %q", f.Tier, tc.tier)
			}
			var got []string
			for _, r := range a.RulesFor(f) {
				got = append(got, r.Name)
			}
			if strings.Join(got, "|") != strings.Join(tc.rules, "|") {
				t.Fatalf("rules = %q, want %q", got, tc.rules)
			}
		})
	}

	b := rule(t, a, "work every B lead")
	waiting := a.Graded(Fields{Stage: "mql", Score: 60, Attributes: map[string]any{"waiting_on": "prospect"}})
	if !b.Applies(waiting) || !b.Paused(waiting) {
		t.Error("a B lead waiting on the prospect should be under the rule, with its clock paused")
	}
	if b.Paused(a.Graded(Fields{Stage: "mql", Score: 60})) {
		t.Error("a lead with no waiting_on attribute should not be paused")
	}
	if h := a.HandoffFor("SDR", "ae", a.Graded(Fields{})); h == nil || h.AcceptWithin.Text != "1d" || h.OnReject != "marketing" {
		t.Errorf("handoff sdr → ae = %+v", h)
	}
}

func rule(t *testing.T, a *Agreement, name string) *Rule {
	t.Helper()
	for _, r := range a.Sales {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no rule %q", name)
	return nil
}

func TestFieldsOfLead(t *testing.T) {
	t.Parallel()
	a := mustParseFile(t, "../../examples/agreement/acme.yaml")
	score := 85.0
	l := &lead.Lead{Stage: "mql", Score: &score, Seniority: "c_level", Country: "US", Owner: "sam", Touches: 2,
		Attributes: map[string]any{"budget": "yes"}}
	f := a.Graded(FieldsOf(l))
	if f.Tier != "A" || f.Score != 85 || f.Touches != 2 || f.Owner != "sam" || f.Attributes["budget"] != "yes" {
		t.Fatalf("fields = %+v", f)
	}
	if got := a.RulesFor(f); len(got) != 1 || got[0].Name != "speed to lead, tier A" {
		t.Fatalf("rules = %v", got)
	}
	if FieldsOf(&lead.Lead{}).Score != 0 {
		t.Fatal("a lead with no score has score 0")
	}
}

func TestConditionsAtRunTime(t *testing.T) {
	t.Parallel()
	src := head + `sales:
  - rule: big budget
    when: mql and attributes.budget > 10000
    first_touch_within: 1h
`
	a, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	r := a.Sales[0]
	cases := []struct {
		f    Fields
		want bool
	}{
		{Fields{Score: 60, Attributes: map[string]any{"budget": 20000.0}}, true},
		{Fields{Score: 60, Attributes: map[string]any{"budget": 5000.0}}, false},
		{Fields{Score: 10, Attributes: map[string]any{"budget": 20000.0}}, false},
		// A missing or wrongly typed attribute fails at run time: the rule does not apply.
		{Fields{Score: 60}, false},
		{Fields{Score: 60, Attributes: map[string]any{"budget": "lots"}}, false},
	}
	for i, tc := range cases {
		if got := r.Applies(tc.f); got != tc.want {
			t.Errorf("case %d: Applies = %v, want %v", i, got, tc.want)
		}
	}
	if _, err := r.When.Eval(Fields{Score: 60, Attributes: map[string]any{"budget": "lots"}}); err == nil {
		t.Error("Eval should report the run-time error")
	}
}

func TestParseDuration(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in      string
		clock   time.Duration
		days    float64
		weeks   float64
		wantErr string
	}{
		{in: "5m", clock: 5 * time.Minute},
		{in: "4h", clock: 4 * time.Hour},
		{in: "1h30m", clock: 90 * time.Minute},
		{in: "90s", clock: 90 * time.Second},
		{in: "1d", days: 1},
		{in: "1.5d", days: 1.5},
		{in: "2w", weeks: 2},
		{in: "1d4h", days: 1, clock: 4 * time.Hour},
		{in: "", wantErr: "empty"},
		{in: "5", wantErr: "is not a duration"},
		{in: "5 minutes", wantErr: "is not a duration"},
		{in: "-5m", wantErr: "is not a duration"},
		{in: "5y", wantErr: "is not a duration"},
		{in: "0m", wantErr: "zero"},
	}
	for _, tc := range cases {
		d, err := ParseDuration(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseDuration(%q) error = %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || d.Clock != tc.clock || d.Days != tc.days || d.Weeks != tc.weeks {
			t.Errorf("ParseDuration(%q) = %+v, %v", tc.in, d, err)
		}
	}
}

func TestBusinessDays(t *testing.T) {
	t.Parallel()
	src := `name: x
timezone: America/New_York
calendars:
  office: {hours: "Mon-Fri 09:00-17:00", holidays: US}
  split: {hours: "Mon-Fri 09:00-12:00,13:00-17:00"}
  night: {hours: "Sun-Thu 22:00-06:00"}
  retail: {hours: "Mon-Fri 09:00-17:00; Sat 10:00-14:00"}
`
	a, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	dur := func(s string) Duration {
		d, err := ParseDuration(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	cases := []struct {
		cal, d string
		want   time.Duration
	}{
		{"office", "1d", 8 * time.Hour},
		{"office", "1w", 40 * time.Hour},
		{"office", "2w", 80 * time.Hour},
		{"office", "1d4h", 12 * time.Hour},
		{"office", "5m", 5 * time.Minute},
		{"split", "1d", 7 * time.Hour},
		{"night", "1d", 8 * time.Hour},
		{"retail", "1d", 8 * time.Hour}, // the longest working day
		{"retail", "1w", 44 * time.Hour},
		{"", "1d", 24 * time.Hour}, // no calendar: 24/7
		{"", "1w", 7 * 24 * time.Hour},
	}
	for _, tc := range cases {
		if got := dur(tc.d).In(a.Calendar(tc.cal)); got != tc.want {
			t.Errorf("%s on %q = %v, want %v", tc.d, tc.cal, got, tc.want)
		}
	}

	ny, _ := time.LoadLocation("America/New_York")
	office := a.Calendar("office")
	due := []struct {
		start time.Time
		d     string
		want  time.Time
	}{
		// Friday afternoon + one business day = Monday afternoon.
		{time.Date(2026, 3, 6, 16, 0, 0, 0, ny), "1d", time.Date(2026, 3, 9, 16, 0, 0, 0, ny)},
		// Independence Day is observed on Friday 3 July 2026.
		{time.Date(2026, 7, 2, 16, 0, 0, 0, ny), "1d", time.Date(2026, 7, 6, 16, 0, 0, 0, ny)},
		// A lead at night waits for the office to open.
		{time.Date(2026, 3, 10, 22, 0, 0, 0, ny), "5m", time.Date(2026, 3, 11, 9, 5, 0, 0, ny)},
	}
	for _, tc := range due {
		if got := office.Due(tc.start, dur(tc.d)); !got.Equal(tc.want) {
			t.Errorf("Due(%v, %s) = %v, want %v", tc.start, tc.d, got, tc.want)
		}
	}
	// In the owner's time zone the same hours are read on their wall clock.
	london, _ := time.LoadLocation("Europe/London")
	start := time.Date(2026, 3, 10, 16, 0, 0, 0, london)
	if got, want := office.In(london).Due(start, dur("2h")), time.Date(2026, 3, 11, 10, 0, 0, 0, london); !got.Equal(want) {
		t.Errorf("Due in London = %v, want %v", got, want)
	}
	if got := a.Calendar("").Due(start, dur("1d")); !got.Equal(start.Add(24 * time.Hour)) {
		t.Errorf("24/7 Due = %v", got)
	}
}

func TestRuleObligationsShortestFirst(t *testing.T) {
	t.Parallel()
	a := mustParseFile(t, "../../examples/agreement/acme.yaml")
	obs := rule(t, a, "work every B lead").Obligations()
	if len(obs) != 2 || obs[0].Kind != "first_touch" || obs[1].Kind != "touches" || obs[1].Within.In(a.Calendar("us-office")) != 80*time.Hour {
		t.Fatalf("obligations = %+v", obs)
	}
}
