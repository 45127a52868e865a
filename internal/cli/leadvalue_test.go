package cli

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/leadvalue"
	"github.com/accordhq/accord/internal/store"
	"github.com/accordhq/accord/internal/store/sqlite"
)

const leadValueAgreement = `name: lead value
timezone: UTC
goals:
  bookings_per_month: 10000
  leads_per_month: 40
marketing:
  lead_value_goal: 120
`

// leadValueDB holds 40 webinar leads of January 2026 (8 won for 500
// each), 6 event leads of February (one won for 3,000), 2 ads leads of
// February, and 5 leads of March so far, under an agreement whose lead
// value goal is 120 a lead and 40 leads a month.
func leadValueDB(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "a.db")
	db := "sqlite:" + path
	if code, _, stderr := run(t, "migrate", "--db", db); code != 0 {
		t.Fatalf("migrate: %s", stderr)
	}
	ctx := t.Context()
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	long := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := st.CreateAgreementVersion(ctx, store.NewAgreementVersion{Body: []byte(leadValueAgreement),
		EffectiveFrom: long, UploadedBy: "test", UploadedAt: long}); err != nil {
		t.Fatal(err)
	}
	var evs []string
	lead := func(id, day, source string) {
		evs = append(evs, fmt.Sprintf(`{"id":"u%s","type":"lead.upserted","occurred_at":"%sT10:00:00Z","data":{"lead_id":"%s","email":"%s@x.com","source":"%s"}}`,
			id, day, id, id, source))
	}
	won := func(lead, day string, amount float64) {
		id := "D" + lead
		evs = append(evs,
			fmt.Sprintf(`{"id":"o%s","type":"opportunity.upserted","occurred_at":"%sT11:00:00Z","data":{"opportunity_id":"%s","lead_id":"%s","amount":%v}}`, id, day, id, lead, amount),
			fmt.Sprintf(`{"id":"c%s","type":"opportunity.closed","occurred_at":"%sT12:00:00Z","data":{"opportunity_id":"%s","outcome":"won"}}`, id, day, id))
	}
	for i := range 40 {
		lead(fmt.Sprintf("W%d", i), "2026-01-10", "webinar")
		if i < 8 {
			won(fmt.Sprintf("W%d", i), "2026-02-15", 500)
		}
	}
	for i := range 6 {
		lead(fmt.Sprintf("E%d", i), "2026-02-10", "events")
	}
	won("E0", "2026-03-01", 3000)
	lead("A0", "2026-02-11", "ads")
	lead("A1", "2026-02-11", "ads")
	for i := range 5 {
		lead(fmt.Sprintf("M%d", i), "2026-03-05", []string{"webinar", "events", "radio"}[i%3])
	}
	items, err := event.DecodeBatch([]byte("["+strings.Join(evs, ",")+"]"), false, 0, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := ingest.New(st, ingest.Options{}).Ingest(ctx, items); err != nil || rep.Accepted != len(items) {
		t.Fatalf("ingest: %+v %v", rep, err)
	}
	return db
}

func TestReportLeadValue(t *testing.T) {
	db := leadValueDB(t)
	args := []string{"report", "lead-value", "--by", "source", "--lookback-months", "2", "--as-of", "2026-03-10", "--db", db}

	code, stdout, stderr := run(t, append(args, "--format", "json")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r leadvalue.Report
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	if r.Overall.N != 48 || r.Overall.Bookings != 7000 || len(r.Groups) != 3 || r.Lookback.Name != "2026-01 to 2026-02" {
		t.Fatalf("report: %s", stdout)
	}
	var ads, events, web leadvalue.Group
	for _, g := range r.Groups {
		switch g.Key["source"] {
		case "ads":
			ads = g
		case "events":
			events = g
		case "webinar":
			web = g
		}
	}
	// Events: 6 leads, raw 500 a lead, pulled toward all leads' 145.83;
	// ads: 2 leads, all leads' value outright; webinar: 40 leads at 100.
	if !ads.Fallback || ads.ShrunkValue != 145.83 || events.N != 6 || events.ValuePerLead != 500 ||
		events.ShrunkValue >= 500 || events.ShrunkValue <= 145.83 || web.N != 40 || web.ValuePerLead != 100 || !events.SmallSample {
		t.Errorf("groups: ads %+v\nevents %+v\nwebinar %+v", ads, events, web)
	}
	m := r.Month
	if m.Leads != 5 || m.Goal == nil || m.Goal.Kind != "amount" || *m.Goal.PerLead != 120 || *m.Goal.Monthly != 4800 || m.ValuePerLeadOfGoal == nil {
		t.Errorf("month: %+v goal %+v", m, m.Goal)
	}

	code, stdout, stderr = run(t, args...)
	for _, want := range []string{
		"Lead value by source, as of 2026-03-10",
		"All leads: 48 leads, 9 won, bookings 7,000.00: 145.83 per lead",
		"fallback: under 5 leads",
		"Lead value delivered, 2026-03 (2026-03-01 to 2026-03-31), day 10 of 31:",
		"5 leads created so far",
		"goal per lead: 120.00",
		"recent months are still maturing",
	} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("text lacks %q: exit %d\n%s%s", want, code, stdout, stderr)
		}
	}

	code, stdout, _ = run(t, "report", "lead-value", "--by", "source,offer", "--lookback-months", "2", "--as-of", "2026-03-10", "--db", db)
	if code != 0 || !strings.Contains(stdout, "By source × offer: 3 groups") || !strings.Contains(stdout, "webinar × –") {
		t.Errorf("source × offer: exit %d\n%s", code, stdout)
	}

	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"report", "lead-value", "--by", "region", "--db", db}, 1, `--by: cannot break lead value down by "region"`},
		{[]string{"report", "lead-value", "--lookback-months", "0", "--db", db}, 1, "--lookback-months: 0 is not from 1 to 120"},
		{[]string{"report", "lead-value", "--as-of", "March", "--db", db}, 1, `--as-of: "March" is not a day`},
		{[]string{"report", "lead-value", "--format", "csv", "--db", db}, 1, `--format: "csv" is not text or json`},
		{[]string{"report", "lead-value", "extra", "--db", db}, 2, `unexpected argument "extra"`},
	} {
		if code, _, stderr := run(t, c.args...); code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("accord %s: exit %d, want %d with %q:\n%s", strings.Join(c.args, " "), code, c.code, c.want, stderr)
		}
	}
	if code, _, stderr := run(t, "report", "lead-value", "--help"); code != 0 || !strings.Contains(stderr, "-lookback-months") {
		t.Errorf("--help: exit %d\n%s", code, stderr)
	}
}
