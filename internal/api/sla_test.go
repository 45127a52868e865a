package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/api"
)

const slaAgreement = `name: api test
timezone: UTC
sales:
  - rule: speed to lead
    when: stage == "mql"
    first_touch_within: 1h
    warn_before: 15m
`

// TestObligationRoutes: an agreement uploaded through the API judges the
// events posted after it; obligations, alerts and deliveries are readable.
func TestObligationRoutes(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		ts := newTestServer(t, b, api.Limits{})
		// A version is in force from its upload at the earliest: the events come after.
		mql := time.Now().UTC().Add(2 * time.Second).Truncate(time.Second)
		at := mql.Format(time.RFC3339)
		runScenarios(t, ts, []scenario{
			{Name: "upload an agreement without signers: in force at once",
				request: request{Method: "POST", Path: "/api/v1/agreement/versions?effective_from=2020-01-01", Token: "admin", ContentType: "application/yaml", Body: slaAgreement},
				Status:  201, Contains: []string{`"status":"in_force"`}},
		})
		ts.post(t, 200, "", "["+ev("u1", "lead.upserted", at, `{"lead_id":"L1","email":"a@x.com"}`)+","+
			ev("a1", "lead.assigned", at, `{"lead_id":"L1","owner":"sam","team":"sdr"}`)+","+
			ev("m1", "lead.stage_changed", at, `{"lead_id":"L1","stage":"mql"}`)+"]")
		due := mql.Add(time.Hour).Format(time.RFC3339)
		runScenarios(t, ts, []scenario{
			{Name: "the lead's obligations", request: request{Method: "GET", Path: "/api/v1/leads/L1/obligations", Token: "viewer"}, Status: 200,
				Contains: []string{`"rule":"speed to lead"`, `"agreement_version":1`, `"kind":"first_touch"`, `"owner":"sam"`,
					`"status":"open"`, `"outcome":"open"`, `"due_at":"` + due + `"`, `"within_seconds":3600`, `"left_seconds":`}},
			{Name: "in the lead's detail too", request: request{Method: "GET", Path: "/api/v1/leads/L1", Token: "viewer"}, Status: 200,
				Contains: []string{`"obligations":[{`, `"rule":"speed to lead"`}},
			{Name: "unknown lead", request: request{Method: "GET", Path: "/api/v1/leads/nobody/obligations", Token: "viewer"}, Status: 404},
			{Name: "listed by start", request: request{Method: "GET", Path: "/api/v1/obligations?status=open&from=2020-01-01", Token: "sales"}, Status: 200,
				Contains: []string{`"lead_id":"L1"`}},
			{Name: "bad status", request: request{Method: "GET", Path: "/api/v1/obligations?status=late", Token: "sales"}, Status: 400, Contains: []string{`"field":"status"`}},
			{Name: "its alerts are pending", request: request{Method: "GET", Path: "/api/v1/alerts?lead=L1&fired=false", Token: "viewer"}, Status: 200,
				Contains: []string{`"kind":"warning"`, `"kind":"breach"`}, NotContains: []string{`"fired_at"`}},
			{Name: "no dead letters", request: request{Method: "GET", Path: "/api/v1/deliveries?status=dead", Token: "viewer"}, Status: 200,
				Contains: []string{`{"deliveries":[]}`}},
			{Name: "retry needs admin", request: request{Method: "POST", Path: "/api/v1/deliveries/x:breach/ops/retry", Token: "sales"}, Status: 403},
			{Name: "retry of nothing dead", request: request{Method: "POST", Path: "/api/v1/deliveries/x:breach/ops/retry", Token: "admin"}, Status: 409},
			{Name: "attempts of no delivery", request: request{Method: "GET", Path: "/api/v1/deliveries/x:breach/ops/attempts", Token: "viewer"}, Status: 404},
		})
		// A touch meets it.
		ts.post(t, 200, "", "["+ev("t1", "activity.logged", mql.Add(10*time.Minute).Format(time.RFC3339), `{"lead_id":"L1","kind":"call"}`)+"]")
		runScenarios(t, ts, []scenario{
			{Name: "met by the touch", request: request{Method: "GET", Path: "/api/v1/leads/L1/obligations", Token: "viewer"}, Status: 200,
				Contains: []string{`"status":"met"`, `"closed_by":"t1"`, `"business_seconds":600`}, NotContains: []string{`"left_seconds"`}},
			{Name: "the SLA report", request: request{Method: "GET", Path: "/api/v1/reports/sla?from=2020-01-01&to=2030-01-01&by=owner", Token: "viewer"}, Status: 200,
				Contains: []string{`"overall":{"key":""`, `"met":{"numerator":1,"denominator":1,"value":1`, `"key":"sam"`, `"small_sample":true`}},
			{Name: "a bad grouping", request: request{Method: "GET", Path: "/api/v1/reports/sla?by=weekday", Token: "viewer"}, Status: 400, Contains: []string{`"field":"by"`}},
			{Name: "backtest a stricter agreement", request: request{Method: "POST", Path: "/api/v1/agreement/backtest?from=2020-01-01&to=2030-01-01", Token: "viewer",
				ContentType: "application/yaml", Body: strings.Replace(slaAgreement, "first_touch_within: 1h\n    warn_before: 15m", "first_touch_within: 5m", 1)}, Status: 200,
				Check: func(t *testing.T, r response) {
					bt := decode[struct {
						Current, Proposed struct {
							Overall struct {
								Obligations struct{ Met, Breached int }
							}
						}
					}](t, r)
					if bt.Current.Overall.Obligations.Met != 1 || bt.Proposed.Overall.Obligations.Breached != 1 {
						t.Errorf("backtest: current %+v, proposed %+v", bt.Current.Overall, bt.Proposed.Overall)
					}
				}},
			{Name: "backtest a broken agreement", request: request{Method: "POST", Path: "/api/v1/agreement/backtest", Token: "viewer",
				ContentType: "application/yaml", Body: "name: x\nsales:\n  - rule: r\n    when: stage ==\n"}, Status: 422, Contains: []string{`"line":4`, "nothing was replayed"}},
		})
		if r := ts.do(t, request{Method: "GET", Path: "/api/v1/reports/sla?from=2020-01-01&to=2030-01-01&format=csv", Token: "viewer"}); r.Status != 200 ||
			!strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") || !strings.Contains(r.Body, "\n(all),1,1,0,") {
			t.Errorf("CSV report: %d %s\n%s", r.Status, r.Header.Get("Content-Type"), r.Body)
		}
		// The funnel counts the lead in today's month (UTC by default).
		runScenarios(t, ts, []scenario{
			{Name: "funnel this month", request: request{Method: "GET", Path: "/api/v1/reports/funnel?by=owner", Token: "viewer"}, Status: 200,
				Contains: []string{`"kind":"month"`, `{"metric":"mql","count":1`, `{"from":"lead","to":"mql","numerator":1,"denominator":0,"rate":null,"kind":"period"}`,
					`"groups":[{"value":"sam"`}},
			{Name: "activity this month vs last", request: request{Method: "GET", Path: "/api/v1/reports/activity", Token: "viewer"}, Status: 200,
				Contains: []string{`"kinds":[{"key":"call","now":1,"previous":0,"change":1}]`}},
			{Name: "today vs last week", request: request{Method: "GET", Path: "/api/v1/reports/day", Token: "viewer"}, Status: 200,
				Contains: []string{`{"key":"mql","now":1,"previous":0,"change":1}`}},
			{Name: "funnel, a bad period", request: request{Method: "GET", Path: "/api/v1/reports/funnel?period=decade", Token: "viewer"}, Status: 400,
				Contains: []string{`"field":"period"`}},
			{Name: "funnel, a bad date", request: request{Method: "GET", Path: "/api/v1/reports/funnel?date=March", Token: "viewer"}, Status: 400},
			{Name: "funnel, a bad dimension", request: request{Method: "GET", Path: "/api/v1/reports/funnel?by=weather", Token: "viewer"}, Status: 400,
				Contains: []string{`"field":"by"`}},
		})
		// The backtest wrote nothing.
		if obs, _ := ts.Store.LeadObligations(t.Context(), "L1"); len(obs) != 1 || obs[0].Version != 1 {
			t.Errorf("after the backtest the live obligations are %+v", obs)
		}
	})
}
