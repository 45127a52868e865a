package api_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/accordhq/accord/internal/api"
	"github.com/accordhq/accord/internal/plan"
)

// planGoals are acme's goals.
const planGoals = `name: plan
timezone: UTC
goals:
  bookings_per_month: 1200000
  marketing_share: 0.6
  average_deal_size: 24000
  currency: USD
  rates: {lead_to_mql: 0.2, mql_to_sql: 0.5, sql_to_opportunity: 0.6, opportunity_to_customer: 0.25}
`

// TestPlanRoute: the plan from the agreement's goals, overridden, measured
// and by segment, over a real socket; bad parameters name their field.
func TestPlanRoute(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		ts := newTestServer(t, b, api.Limits{})
		runScenarios(t, ts, []scenario{
			{Name: "no agreement, no goal", request: request{Method: "GET", Path: "/api/v1/plan?as_of=2026-04-15", Token: "viewer"}, Status: 400,
				Contains: []string{`"field":"bookings"`, "no agreement is in force"}},
			{Name: "upload the goals", request: request{Method: "POST", Path: "/api/v1/agreement/versions?effective_from=2020-01-01", Token: "admin",
				ContentType: "application/yaml", Body: planGoals}, Status: 201, Contains: []string{`"status":"in_force"`}},
		})
		// January 2026: 10 enterprise leads (4 MQLs, 2 SQLs, 2 opportunities,
		// 1 won for 40,000) and 20 smb leads (10, 5, 4, 2 won for 10,000).
		var evs []string
		for _, g := range []struct {
			seg                          string
			leads, mqls, sqls, opps, won int
			amount                       int
		}{{"enterprise", 10, 4, 2, 2, 1, 40_000}, {"smb", 20, 10, 5, 4, 2, 10_000}} {
			for i := range g.leads {
				l := fmt.Sprintf("%s%d", g.seg, i)
				at := func(h int) string { return fmt.Sprintf("2026-01-%02dT%02d:00:00Z", 5+i, 9+h) }
				evs = append(evs, ev("u"+l, "lead.upserted", at(0), fmt.Sprintf(`{"lead_id":%q,"email":"%s@x.com","segment":%q}`, l, l, g.seg)),
					ev("l"+l, "lead.stage_changed", at(0), fmt.Sprintf(`{"lead_id":%q,"stage":"lead"}`, l)))
				if i < g.mqls {
					evs = append(evs, ev("m"+l, "lead.stage_changed", at(1), fmt.Sprintf(`{"lead_id":%q,"stage":"mql"}`, l)))
				}
				if i < g.sqls {
					evs = append(evs, ev("s"+l, "lead.stage_changed", at(2), fmt.Sprintf(`{"lead_id":%q,"stage":"sql"}`, l)))
				}
				if i < g.opps {
					evs = append(evs, ev("o"+l, "opportunity.upserted", at(3), fmt.Sprintf(`{"opportunity_id":"O%s","lead_id":%q,"amount":%d}`, l, l, g.amount)))
				}
				if i < g.won {
					evs = append(evs, ev("w"+l, "opportunity.closed", at(4), fmt.Sprintf(`{"opportunity_id":"O%s","outcome":"won"}`, l)))
				}
			}
		}
		ts.post(t, 200, "", array(evs...))

		runScenarios(t, ts, []scenario{
			// 1,200,000 × 0.6 ÷ 24,000 = 30 customers → 120 → 200 → 400 → 2,000.
			{Name: "the agreement's plan", request: request{Method: "GET", Path: "/api/v1/plan?as_of=2026-04-15", Token: "viewer"}, Status: 200,
				Contains: []string{`"agreement_version":1`, `"currency":"USD"`, `"rates":"agreement"`,
					`"lookback":{"name":"2025-10 to 2026-03","from":"2025-10-01","to":"2026-04-01","months":6}`,
					`"marketing":{"bookings":720000,"customers":30,"opportunities":120,"sqls":200,"mqls":400,"leads":2000}`,
					`"sales":{"bookings":480000,"customers":20,"opportunities":80}`, `"total":{"bookings":1200000,"customers":50,"opportunities":200}`,
					`"lead_to_mql":{"value":0.2,"basis":"given","source":"agreement","measured":{"from":"2025-10-01","to":"2026-04-01","of":"mql ÷ lead","numerator":14,"denominator":30,`,
					`"deal_size":{"value":24000,"basis":"given","source":"agreement","measured":{"from":"2025-10-01","to":"2026-04-01","of":"bookings ÷ won","numerator":60000,"denominator":3,"value":20000,"small_sample":true}}`,
					`"value":{"lead_value_goal":720000,"value_per_lead":{"value":2000,"basis":"measured","source":"history"`, `"leads":360}`,
					`{"rate":"opportunity_to_customer","points":-5,"from":0.25,"to":0.2,"needs":{"bookings":720000,"customers":30,"opportunities":150,"sqls":250,"mqls":500,"leads":2500},"mqls_delta":100,"leads_delta":500}`},
				NotContains: []string{`"segments"`}},
			// 600,000 ÷ 12,000 = 50 → 200 → 333.3 → 334 → 666.7 → 667 → 3,333.3 → 3,334.
			{Name: "overridden", request: request{Method: "GET", Path: "/api/v1/plan?as_of=2026-04-15&bookings=600000&marketing_share=1&deal_size=12000&sensitivity=0", Token: "sales"}, Status: 200,
				Contains:    []string{`"marketing":{"bookings":600000,"customers":50,"opportunities":200,"sqls":334,"mqls":667,"leads":3334}`, `"bookings":{"value":600000,"basis":"given","source":"override"}`},
				NotContains: []string{`"sensitivity"`}},
			// Measured: 20,000 a deal; 36 customers; 3/6, 6/7, 7/14, 14/30.
			{Name: "measured, by segment", request: request{Method: "GET", Path: "/api/v1/plan?as_of=2026-04-15&rates=measured&by=segment&lookback_months=3", Token: "viewer"}, Status: 200,
				Contains: []string{`"rates":"measured"`, `"marketing":{"bookings":720000,"customers":36,"opportunities":72,"sqls":84,"mqls":168,"leads":360}`,
					`"by":"segment"`, `"segments":[{"segment":"enterprise","share":{"from":"2026-01-01","to":"2026-04-01","of":"segment bookings ÷ all bookings","numerator":40000,"denominator":60000,`,
					`"segment":"smb"`, `"segments_total":{`, `rests on only 3 deals won`}},
		})
		for _, c := range []struct{ query, field string }{
			{"bookings=0", "bookings"}, {"bookings=lots", "bookings"}, {"marketing_share=1.5", "marketing_share"}, {"deal_size=-3", "deal_size"},
			{"rates=hopeful", "rates"}, {"lookback_months=99", "lookback_months"}, {"as_of=March", "as_of"}, {"by=owner", "by"}, {"sensitivity=-1", "sensitivity"},
		} {
			sc := scenario{Name: "bad " + c.query, request: request{Method: "GET", Path: "/api/v1/plan?" + c.query, Token: "viewer"}, Status: 400,
				Contains: []string{`"field":"` + c.field + `"`, `"error":"` + c.field + `: `}}
			t.Run(sc.Name, func(t *testing.T) { sc.run(t, ts) })
		}
	})
}

// TestOpenAPIPlanSchemas checks the plan's schemas against its Go types,
// both ways: every field is documented, every documented property a field.
func TestOpenAPIPlanSchemas(t *testing.T) {
	t.Parallel()
	doc, _ := loadOpenAPI(t)
	schemas := doc.Components.Schemas
	for name, v := range map[string]any{
		"Plan": plan.Plan{}, "PlanWindow": plan.Window{}, "PlanInputs": plan.Inputs{}, "PlanFigure": plan.Figure{}, "PlanMeasure": plan.Measure{},
		"PlanNeeds": plan.Needs{}, "PlanDeals": plan.Deals{}, "PlanValue": plan.ValuePlan{}, "PlanSensitivity": plan.Sensitivity{},
		"PlanShift": plan.Shift{}, "PlanSegment": plan.Segment{},
	} {
		s := schemas[name]
		if s == nil {
			t.Errorf("no schema %s", name)
			continue
		}
		var props, required []string
		typ := reflect.TypeOf(v)
		for i := range typ.NumField() {
			f := typ.Field(i)
			jsonName, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || jsonName == "-" {
				continue
			}
			props = append(props, jsonName)
			if !strings.Contains(opts, "omitempty") {
				required = append(required, jsonName)
			}
		}
		documented := slices.Sorted(func(yield func(string) bool) {
			for p := range s.Properties {
				if !yield(p) {
					return
				}
			}
		})
		slices.Sort(props)
		slices.Sort(required)
		if !slices.Equal(props, documented) {
			t.Errorf("schema %s has properties %v; %T has %v", name, documented, v, props)
		}
		if req := slices.Sorted(slices.Values(s.Required)); !slices.Equal(required, req) {
			t.Errorf("schema %s requires %v; %T always has %v", name, req, v, required)
		}
	}
	for _, e := range []struct {
		schema, prop string
		want         []string
	}{
		{"PlanFigure", "basis", []string{plan.Given, plan.Measured, plan.None}},
		{"PlanFigure", "source", []string{plan.FromOverride, plan.FromAgreement, plan.FromHistory, plan.FromDefault, plan.FromPlan}},
		{"PlanShift", "rate", []string{plan.LeadToMQL, plan.MQLToSQL, plan.SQLToOpportunity, plan.OpportunityToCustomer}},
		{"Plan", "rates", []string{plan.RatesAgreement, plan.RatesMeasured}},
	} {
		if p := schemas[e.schema]; p == nil || p.Properties[e.prop] == nil || !slices.Equal(p.Properties[e.prop].Enum, e.want) {
			t.Errorf("%s.%s enum is not %v", e.schema, e.prop, e.want)
		}
	}
}
