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
	"github.com/accordhq/accord/internal/plan"
	"github.com/accordhq/accord/internal/store"
	"github.com/accordhq/accord/internal/store/sqlite"
)

// planAgreement has acme's goals.
const planAgreement = `name: plan
timezone: UTC
goals:
  bookings_per_month: 1200000
  marketing_share: 0.6
  average_deal_size: 24000
  currency: USD
  rates: {lead_to_mql: 0.2, mql_to_sql: 0.5, sql_to_opportunity: 0.6, opportunity_to_customer: 0.25}
`

// planDB is a migrated SQLite database, with planAgreement in force when
// agreed, and January 2026's history: 10 enterprise leads, 4 MQLs, 2 SQLs,
// 2 opportunities, 1 won for 40,000; 20 smb leads, 10 MQLs, 5 SQLs, 4
// opportunities, 2 won for 10,000 each.
func planDB(t *testing.T, agreed bool) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "p.db")
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
	if agreed {
		long := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		if _, err := st.CreateAgreementVersion(ctx, store.NewAgreementVersion{Body: []byte(planAgreement), EffectiveFrom: long, UploadedBy: "test", UploadedAt: long}); err != nil {
			t.Fatal(err)
		}
	}
	var evs []string
	add := func(id, typ string, at time.Time, data string) {
		evs = append(evs, fmt.Sprintf(`{"id":%q,"type":%q,"occurred_at":%q,"data":%s}`, id, typ, at.Format(time.RFC3339), data))
	}
	for _, g := range []struct {
		seg                          string
		leads, mqls, sqls, opps, won int
		amount                       int
	}{{"enterprise", 10, 4, 2, 2, 1, 40_000}, {"smb", 20, 10, 5, 4, 2, 10_000}} {
		for i := range g.leads {
			l := fmt.Sprintf("%s%d", g.seg, i)
			at := time.Date(2026, 1, 5+i, 9, 0, 0, 0, time.UTC)
			add("u"+l, "lead.upserted", at, fmt.Sprintf(`{"lead_id":%q,"email":"%s@x.com","segment":%q}`, l, l, g.seg))
			add("l"+l, "lead.stage_changed", at, fmt.Sprintf(`{"lead_id":%q,"stage":"lead"}`, l))
			if i < g.mqls {
				add("m"+l, "lead.stage_changed", at.Add(time.Hour), fmt.Sprintf(`{"lead_id":%q,"stage":"mql"}`, l))
			}
			if i < g.sqls {
				add("s"+l, "lead.stage_changed", at.Add(2*time.Hour), fmt.Sprintf(`{"lead_id":%q,"stage":"sql"}`, l))
			}
			if i < g.opps {
				add("o"+l, "opportunity.upserted", at.Add(3*time.Hour), fmt.Sprintf(`{"opportunity_id":"O%s","lead_id":%q,"amount":%d}`, l, l, g.amount))
			}
			if i < g.won {
				add("w"+l, "opportunity.closed", at.Add(4*time.Hour), fmt.Sprintf(`{"opportunity_id":"O%s","outcome":"won"}`, l))
			}
		}
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

func TestPlan(t *testing.T) {
	db := planDB(t, true)
	asOf := []string{"--as-of", "2026-04-15", "--db", db}

	code, stdout, stderr := run(t, append([]string{"plan"}, asOf...)...)
	if code != 0 {
		t.Fatalf("plan: exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"Reverse-funnel plan as of 2026-04-15 (agreement version 1)",
		"Goal: bookings of 1,200,000 USD a month, given by the agreement;",
		"  leads                       2,000\n",
		"  lead → MQL                20.0%   given by the agreement   46.7% = 14 ÷ 30 leads\n",
		"Value-based: marketing's leads must be worth 720,000 USD a month; at 2,000 USD per lead (60,000 of bookings ÷ 30 leads over 2025-10 to 2026-03)",
		"  opportunity → customer   -5 pts",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("plan lacks %q:\n%s", want, stdout)
		}
	}

	// JSON, with the agreement overridden: 600,000 ÷ 12,000 = 50 customers,
	// ÷ 0.25 = 200 opportunities, ÷ 0.6 = 333.3 → 334 SQLs, ÷ 0.5 = 666.7 →
	// 667 MQLs, ÷ 0.2 = 3,333.3 → 3,334 leads.
	code, stdout, stderr = run(t, append([]string{"plan", "--bookings", "600000", "--marketing-share", "1", "--deal-size", "12000", "--sensitivity", "0", "--format", "json"}, asOf...)...)
	if code != 0 {
		t.Fatalf("plan --format json: exit %d: %s", code, stderr)
	}
	var p plan.Plan
	if err := json.Unmarshal([]byte(stdout), &p); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	if m := p.Marketing; *m.Customers != 50 || *m.Opportunities != 200 || *m.SQLs != 334 || *m.MQLs != 667 || *m.Leads != 3334 ||
		p.Inputs.Bookings.Source != plan.FromOverride || p.Inputs.LeadToMQL.Source != plan.FromAgreement || p.Sensitivity != nil || p.AgreementVersion != 1 {
		t.Errorf("overridden plan: %s", stdout)
	}

	// Measured, by segment: 60,000 booked over 3 deals, 20,000 each; the
	// whole month's 720,000 of marketing bookings is 36 deals, at 3/6 won, 72
	// opportunities; 6/7 of SQLs opened one, 84; 7/14 of MQLs became SQLs,
	// 168; 14/30 of leads became MQLs, 360.
	code, stdout, stderr = run(t, append([]string{"plan", "--rates", "measured", "--by", "segment", "--format", "json"}, asOf...)...)
	if code != 0 {
		t.Fatalf("plan --rates measured: exit %d: %s", code, stderr)
	}
	p = plan.Plan{}
	if err := json.Unmarshal([]byte(stdout), &p); err != nil {
		t.Fatal(err)
	}
	if m := p.Marketing; *m.Customers != 36 || *m.Opportunities != 72 || *m.SQLs != 84 || *m.MQLs != 168 || *m.Leads != 360 ||
		p.Inputs.DealSize.Source != plan.FromHistory || len(p.Segments) != 2 || p.Segments[0].Segment != "enterprise" || p.By != "segment" {
		t.Errorf("measured plan by segment: %s", stdout)
	}

	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"plan", "--marketing-share", "60"}, 1, "--marketing-share: is a share between 0 and 1 (0.6 for 60%), not 60"},
		{[]string{"plan", "--by", "source"}, 1, `--by: "source": the plan breaks down by segment only`},
		{[]string{"plan", "--rates", "hopeful"}, 1, `--rates: "hopeful": use agreement or measured`},
		{[]string{"plan", "--as-of", "March"}, 1, `--as-of: must be a day such as 2026-03-15, got "March"`},
		{[]string{"plan", "--lookback-months", "0"}, 1, "--lookback-months: must be 1 to 36 months, got 0"},
		{[]string{"plan", "--format", "xml"}, 1, `--format: "xml" is not text or json`},
		{[]string{"plan", "soon"}, 2, `unexpected argument "soon"`},
	} {
		if code, _, stderr := run(t, append(c.args, "--db", db)...); code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("accord %s: exit %d, want %d with %q:\n%s", strings.Join(c.args, " "), code, c.code, c.want, stderr)
		}
	}

	// Without an agreement there is no goal unless one is given.
	bare := planDB(t, false)
	if code, _, stderr := run(t, "plan", "--db", bare); code != 1 || !strings.Contains(stderr, "--bookings: no bookings goal: no agreement is in force, so give one") {
		t.Errorf("plan without a goal: exit %d: %s", code, stderr)
	}
	code, stdout, stderr = run(t, "plan", "--bookings", "60000", "--as-of", "2026-02-10", "--lookback-months", "1", "--db", bare)
	if code != 0 || !strings.Contains(stdout, "No agreement is in force: every figure not given here is measured over 2026-01.") ||
		!strings.Contains(stdout, "  leads                          30\n") {
		t.Errorf("plan --bookings without an agreement: exit %d: %s%s", code, stdout, stderr)
	}
}
