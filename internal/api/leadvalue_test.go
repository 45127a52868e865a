package api_test

import (
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/accordhq/accord/internal/api"
	"github.com/accordhq/accord/internal/leadvalue"
)

const leadValueAgreement = `name: lead value test
timezone: UTC
goals:
  bookings_per_month: 10000
  marketing_share: 0.5
  currency: USD
marketing:
  lead_value_goal: derived
`

// TestLeadValueReport: the leads of January and February 2026 (ten from
// webinars, two of them won for 1,000 and 500; three from ads, one won
// for 300 and one lost) value March's leads, against the goal derived
// from the agreement: 10,000 of bookings a month, half from marketing.
func TestLeadValueReport(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		ts := newTestServer(t, b, api.Limits{})
		r := ts.do(t, request{Method: "POST", Path: "/api/v1/agreement/versions?effective_from=2020-01-01", Token: "admin",
			ContentType: "application/yaml", Body: leadValueAgreement})
		if r.Status != 201 {
			t.Fatalf("upload: %d %s", r.Status, r.Body)
		}
		var evs []string
		newLead := func(id, day, source string) {
			evs = append(evs, ev("u"+id, "lead.upserted", day+"T10:00:00Z", `{"lead_id":"`+id+`","email":"`+id+`@x.com","source":"`+source+`"}`))
		}
		deal := func(id, lead, day, outcome string, amount float64) {
			evs = append(evs,
				ev("o"+id, "opportunity.upserted", day+"T11:00:00Z", fmt.Sprintf(`{"opportunity_id":"%s","lead_id":"%s","amount":%v}`, id, lead, amount)),
				ev("c"+id, "opportunity.closed", day+"T12:00:00Z", `{"opportunity_id":"`+id+`","outcome":"`+outcome+`"}`))
		}
		for i := range 10 {
			newLead(fmt.Sprintf("W%d", i), "2026-01-05", "webinar")
		}
		for i := range 3 {
			newLead(fmt.Sprintf("A%d", i), "2026-02-03", "ads")
		}
		newLead("OLD", "2025-12-20", "webinar") // before the window: not counted, though it won
		deal("D1", "W0", "2026-02-01", "won", 1000)
		deal("D2", "W1", "2026-05-01", "won", 500) // won after the window: still the lead's
		deal("D3", "A0", "2026-02-20", "won", 300)
		deal("D4", "A1", "2026-02-20", "lost", 700)
		deal("D5", "OLD", "2026-01-10", "won", 9000)
		newLead("M1", "2026-03-02", "webinar")
		newLead("M2", "2026-03-09", "webinar")
		newLead("M3", "2026-03-10", "ads")
		newLead("M4", "2026-03-11", "ads") // after as_of
		ts.post(t, 200, "", array(evs...))

		path := "/api/v1/reports/lead-value?by=source&lookback_months=2&as_of=2026-03-10"
		runScenarios(t, ts, []scenario{
			{Name: "the report", request: request{Method: "GET", Path: path, Token: "viewer"}, Status: 200,
				Contains: []string{`"lookback":{"months":2,"name":"2026-01 to 2026-02","from":"2026-01-01","to":"2026-03-01"`,
					`"overall":{"n":13,"won":3,"bookings":1800,"value_per_lead":138.46`, `"by":["source"]`, `"currency":"USD"`,
					`"key":{"source":"ads"},"n":3,"won":1,"bookings":300,"value_per_lead":100,"shrunk_value":138.46,"weight":0,`,
					`"small_sample":true,"fallback":true,"parent":{"key":{},"n":13,"shrunk_value":138.46}`,
					`"key":{"source":"webinar"},"n":10,"won":2,"bookings":1500,"value_per_lead":150,`,
					`"kind":"derived","monthly":5000,"per_lead":null`, `"leads":3`, `"days_elapsed":10,"days":31`}},
			{Name: "source × offer", request: request{Method: "GET", Path: "/api/v1/reports/lead-value?by=source,offer&lookback_months=2&as_of=2026-03-10", Token: "viewer"},
				Status: 200, Contains: []string{`"by":["source","offer"]`, `"key":{"offer":"","source":"webinar"}`, `"parents":[{"key":{"source":"ads"}`}},
			{Name: "defaults", request: request{Method: "GET", Path: "/api/v1/reports/lead-value", Token: "viewer"}, Status: 200,
				Contains: []string{`"months":12`, `"by":["source"]`}},
			{Name: "an unknown dimension", request: request{Method: "GET", Path: "/api/v1/reports/lead-value?by=region", Token: "viewer"}, Status: 400,
				Contains: []string{`"field":"by"`}},
			{Name: "a bad lookback", request: request{Method: "GET", Path: "/api/v1/reports/lead-value?lookback_months=0", Token: "viewer"}, Status: 400,
				Contains: []string{`"field":"lookback_months"`}},
			{Name: "a bad day", request: request{Method: "GET", Path: "/api/v1/reports/lead-value?as_of=March", Token: "viewer"}, Status: 400,
				Contains: []string{`"field":"as_of"`}},
			{Name: "no token", request: request{Method: "GET", Path: path}, Status: 401},
		})

		type group struct {
			Key         map[string]string
			N           int64
			ShrunkValue float64 `json:"shrunk_value"`
			Weight      float64
			Interval    *struct{ Low, High float64 }
		}
		v := decode[struct {
			Groups []group
			Month  struct {
				Leads           int64
				ValueDelivered  *float64 `json:"value_delivered"`
				Projected       *float64
				ProjectedOfGoal *float64 `json:"projected_of_goal"`
				BookingsSoFar   float64  `json:"bookings_so_far"`
			}
			Warnings []string
		}](t, ts.do(t, request{Method: "GET", Path: path, Token: "viewer"}))
		if len(v.Groups) != 2 {
			t.Fatalf("groups: %+v", v.Groups)
		}
		ads, web := v.Groups[0], v.Groups[1]
		// Webinar leads are shrunk toward all leads, not past them.
		if web.ShrunkValue > 150 || web.ShrunkValue < 138.46 || web.Interval == nil || web.Interval.Low > web.ShrunkValue {
			t.Errorf("webinar: %+v", web)
		}
		m := v.Month
		want := 2*web.ShrunkValue + ads.ShrunkValue
		if m.Leads != 3 || m.ValueDelivered == nil || math.Abs(*m.ValueDelivered-want) > 0.02 ||
			math.Abs(*m.Projected-*m.ValueDelivered*31/10) > 0.02 || math.Abs(*m.ProjectedOfGoal-*m.Projected/5000) > 0.001 || m.BookingsSoFar != 0 {
			t.Errorf("month: %+v (want delivered %.2f)", m, want)
		}
		if !strings.Contains(strings.Join(v.Warnings, "\n"), "less time to close") {
			t.Errorf("warnings: %v", v.Warnings)
		}
	})
}

// TestLeadValueSchemas: the report's schemas in openapi.json have the
// fields the Go types encode, required unless omitempty.
func TestLeadValueSchemas(t *testing.T) {
	t.Parallel()
	doc, _ := loadOpenAPI(t)
	for name, v := range map[string]any{
		"LeadValueReport": leadvalue.Report{}, "LeadValueOverall": leadvalue.Overall{}, "LeadValueGroup": leadvalue.Group{},
		"LeadValueLevel": leadvalue.Level{}, "LeadValueInterval": leadvalue.Interval{}, "LeadValueCohortMonth": leadvalue.CohortMonth{},
		"LeadValueMonth": leadvalue.Month{}, "LeadValueGoal": leadvalue.Goal{},
	} {
		s := doc.Components.Schemas[name]
		if s == nil {
			t.Errorf("no schema %s", name)
			continue
		}
		props, required := jsonFields(reflect.TypeOf(v))
		documented := slices.Sorted(maps.Keys(s.Properties))
		if slices.Sort(props); !slices.Equal(props, documented) {
			t.Errorf("schema %s has %v; %T encodes %v", name, documented, v, props)
		}
		if slices.Sort(required); !slices.Equal(required, slices.Sorted(slices.Values(s.Required))) {
			t.Errorf("schema %s requires %v; %T always has %v", name, s.Required, v, required)
		}
	}
	if s := doc.Components.Schemas["LeadValueReport"]; s != nil {
		for _, nested := range []struct {
			prop string
			v    any
		}{{"lookback", leadvalue.Window{}}} {
			props, _ := jsonFields(reflect.TypeOf(nested.v))
			documented := slices.Sorted(maps.Keys(s.Properties[nested.prop].Properties))
			if slices.Sort(props); !slices.Equal(props, documented) {
				t.Errorf("LeadValueReport.%s has %v; %T encodes %v", nested.prop, documented, nested.v, props)
			}
		}
	}
}

// jsonFields lists the JSON names a struct encodes (embedded structs
// inlined) and those it always writes.
func jsonFields(typ reflect.Type) (props, required []string) {
	for i := range typ.NumField() {
		f := typ.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			p, r := jsonFields(et)
			props, required = append(props, p...), append(required, r...)
			continue
		}
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		props = append(props, name)
		if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
			required = append(required, name)
		}
	}
	return props, required
}
