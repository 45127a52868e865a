package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/slareport"
	"github.com/accordhq/accord/internal/store"
	"github.com/accordhq/accord/internal/store/sqlite"
)

const reportAgreement = `name: report
timezone: UTC
signers: [Dana]
sales:
  - rule: speed to lead
    when: stage == "mql"
    first_touch_within: %s
marketing:
  lead_must_have: [email, company]
`

// reportDB is a migrated SQLite database with an agreement (first touch
// within an hour) in force and two MQLs on 2 March 2026: L1 owned by sam
// and touched in 5 minutes, L2 owned by kim and touched in 30.
func reportDB(t *testing.T) string {
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
	v, err := st.CreateAgreementVersion(ctx, store.NewAgreementVersion{Body: []byte(strings.Replace(reportAgreement, "%s", "1h", 1)),
		EffectiveFrom: long, UploadedBy: "test", UploadedAt: long, Signers: []string{"Dana"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SignAgreementVersion(ctx, store.Signature{Version: v.Number, Signer: "Dana", SignedAt: long, TokenID: "t", TokenName: "t"}); err != nil {
		t.Fatal(err)
	}
	body := `[
	{"id":"u1","type":"lead.upserted","occurred_at":"2026-03-02T09:00:00Z","data":{"lead_id":"L1","email":"l1@acme.com","company":"One"}},
	{"id":"a1","type":"lead.assigned","occurred_at":"2026-03-02T09:00:00Z","data":{"lead_id":"L1","owner":"sam"}},
	{"id":"m1","type":"lead.stage_changed","occurred_at":"2026-03-02T09:01:00Z","data":{"lead_id":"L1","stage":"mql"}},
	{"id":"t1","type":"activity.logged","occurred_at":"2026-03-02T09:06:00Z","data":{"lead_id":"L1","kind":"call"}},
	{"id":"u2","type":"lead.upserted","occurred_at":"2026-03-02T09:00:00Z","data":{"lead_id":"L2","email":"l2@acme.com"}},
	{"id":"a2","type":"lead.assigned","occurred_at":"2026-03-02T09:00:00Z","data":{"lead_id":"L2","owner":"kim"}},
	{"id":"m2","type":"lead.stage_changed","occurred_at":"2026-03-02T09:01:00Z","data":{"lead_id":"L2","stage":"mql"}},
	{"id":"t2","type":"activity.logged","occurred_at":"2026-03-02T09:31:00Z","data":{"lead_id":"L2","kind":"email"}}
	]`
	items, err := event.DecodeBatch([]byte(body), false, 0, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := ingest.New(st, ingest.Options{}).Ingest(ctx, items); err != nil || rep.Accepted != len(items) {
		t.Fatalf("ingest: %+v %v", rep, err)
	}
	return db
}

func TestReportSLA(t *testing.T) {
	db := reportDB(t)
	period := []string{"--from", "2026-03-02", "--to", "2026-03-03", "--db", db}

	code, stdout, stderr := run(t, append([]string{"report", "sla", "--by", "owner", "--format", "json"}, period...)...)
	if code != 0 {
		t.Fatalf("report sla --format json: exit %d: %s", code, stderr)
	}
	var r slareport.Report
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	if g := r.Overall; g.Obligations.Total != 2 || g.Met.Numerator != 2 || g.Met.Denominator != 2 || g.MustHave.Numerator != 1 ||
		len(r.Groups) != 2 || r.Groups[0].Key != "kim" || !r.From.Equal(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("report: %s", stdout)
	}

	code, stdout, stderr = run(t, append([]string{"report", "sla"}, period...)...)
	if code != 0 || !strings.Contains(stdout, "SLA report: obligations started from 2026-03-02 00:00 UTC to 2026-03-03 00:00 UTC") ||
		!strings.Contains(stdout, "5m / 30m") || !strings.Contains(stdout, "Marketing: 50% of leads (1/2)") {
		t.Errorf("report sla: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = run(t, append([]string{"report", "sla", "--format", "csv", "--by", "owner"}, period...)...)
	if lines := strings.Split(strings.TrimSpace(stdout), "\n"); code != 0 || len(lines) != 4 || !strings.HasPrefix(lines[3], "(all),2,2,0") {
		t.Errorf("report sla --format csv: exit %d\n%s", code, stdout)
	}
	// The default period, the last 30 days, holds none of March's obligations.
	code, stdout, _ = run(t, "report", "sla", "--format", "json", "--db", db)
	if code != 0 || !strings.Contains(stdout, `"total": 0`) {
		t.Errorf("report sla for the last 30 days: exit %d\n%s", code, stdout)
	}

	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"report"}, 2, "Usage: accord report"},
		{[]string{"report", "slas"}, 2, `unknown report "slas"`},
		{[]string{"report", "sla", "--by", "region", "--db", db}, 1, `--by: cannot group by "region"`},
		{[]string{"report", "sla", "--format", "xml", "--db", db}, 1, `--format: "xml" is not text, json or csv`},
		{[]string{"report", "sla", "--from", "March", "--db", db}, 1, `--from: "March" is neither`},
		{[]string{"report", "sla", "--from", "2026-03-03", "--to", "2026-03-02", "--db", db}, 1, "is not before --to"},
	} {
		if code, _, stderr := run(t, c.args...); code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("accord %s: exit %d, want %d with %q:\n%s", strings.Join(c.args, " "), code, c.code, c.want, stderr)
		}
	}
}

func TestAgreementBacktest(t *testing.T) {
	db := reportDB(t)
	dir := t.TempDir()
	strict := filepath.Join(dir, "strict.yaml")
	if err := os.WriteFile(strict, []byte(strings.Replace(reportAgreement, "%s", "10m", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	period := []string{"--from", "2026-03-02", "--to", "2026-03-03", "--db", db}

	code, stdout, stderr := run(t, append([]string{"agreement", "backtest", strict, "--format", "json", "--by", "owner"}, period...)...)
	if code != 0 {
		t.Fatalf("backtest: exit %d: %s", code, stderr)
	}
	var c struct {
		Period   slareport.Period  `json:"period"`
		Current  *slareport.Report `json:"current"`
		Proposed *slareport.Report `json:"proposed"`
	}
	if err := json.Unmarshal([]byte(stdout), &c); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	if c.Period.By != "owner" || !c.Period.From.Equal(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)) ||
		c.Current.Overall.Obligations.Breached != 0 || c.Proposed.Overall.Obligations.Breached != 1 || c.Proposed.Overall.Obligations.Met != 1 {
		t.Errorf("backtest: %s", stdout)
	}

	code, stdout, stderr = run(t, append([]string{"agreement", "backtest", strict}, period...)...)
	if code != 0 || !strings.Contains(stdout, "IN FORCE") || !strings.Contains(stdout, "100% 34–100%") || !strings.Contains(stdout, "50% 9–91%") ||
		!strings.Contains(stdout, "-50.0 pts") || !strings.Contains(stdout, "nothing was stored") {
		t.Errorf("backtest text: exit %d\n%s%s", code, stdout, stderr)
	}
	// Nothing live changed: the report of the period is as before.
	_, after, _ := run(t, append([]string{"report", "sla", "--format", "csv"}, period...)...)
	if !strings.Contains(after, "(all),2,2,0") {
		t.Errorf("after the backtest the live report is\n%s", after)
	}

	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("name: x\ntimezone: Mars/Base\n"), 0o644)
	if code, _, stderr := run(t, append([]string{"agreement", "backtest", bad}, period...)...); code != 1 ||
		!strings.Contains(stderr, bad+`:2:11: unknown time zone "Mars/Base"`) {
		t.Errorf("broken file: exit %d\n%s", code, stderr)
	}
	// The example proposal is valid, and its dates are midnight in its zone.
	const proposal = "../../examples/agreement/acme-proposal.yaml"
	code, stdout, stderr = run(t, append([]string{"agreement", "backtest", proposal, "--format", "json"}, period...)...)
	if code != 0 || !strings.Contains(stdout, `"from": "2026-03-02T00:00:00-05:00"`) || !strings.Contains(stdout, `"phone"`) {
		t.Errorf("backtest of %s: exit %d\n%s%s", proposal, code, stdout, stderr)
	}
	if code, _, _ := run(t, "agreement", "backtest", "--db", db); code != 2 {
		t.Errorf("no file: exit %d, want 2", code)
	}
	if code, _, stderr := run(t, "agreement", "backtest", "--help"); code != 0 || !strings.Contains(stderr, "-by") {
		t.Errorf("backtest --help: exit %d\n%s", code, stderr)
	}
}
