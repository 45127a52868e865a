package importer

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseMappingFieldForms(t *testing.T) {
	t.Parallel()
	m, err := ParseMapping([]byte(`
name: test
occurred_at: {value: "2020-01-01T00:00:00Z"}
lead:
  lead_id: id
  email: [Email, E-mail]
  score: {column: Score, type: number}
  attributes:
    plan: {column: Plan, values: {p: pro, "*": ""}}
stages:
  - value: mql
  - column: Status
    values: {Won: customer}
    occurred_at: Closed
opportunity:
  opportunity_id: id
  close:
    outcome: {column: Status, values: {won: won, lost: lost, "*": ""}}
`))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name string
		got  Field
		want Field
	}{
		{"scalar", m.Lead.LeadID, Col("id")},
		{"list", m.Lead.Email, Col("Email", "E-mail")},
		{"long form", m.Lead.Score, Field{Columns: []string{"Score"}, Type: "number"}},
		{"attribute", m.Lead.Attributes["plan"], Field{Columns: []string{"Plan"}, Values: map[string]string{"p": "pro", "*": ""}}},
		{"constant", m.OccurredAt, Const("2020-01-01T00:00:00Z")},
		{"stage constant", m.Stages[0].Stage, Const("mql")},
		{"stage map", m.Stages[1].Stage, Field{Columns: []string{"Status"}, Values: map[string]string{"Won": "customer"}}},
		{"stage date", m.Stages[1].OccurredAt, Col("Closed")},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %+v, want %+v", c.name, c.got, c.want)
		}
	}
	if err := m.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
}

func TestParseMappingOverPreset(t *testing.T) {
	t.Parallel()
	m, err := ParseMapping([]byte(`
preset: hubspot-contacts
name: hubspot-emea
timezone: Europe/Berlin
lead:
  segment: {value: emea}
stages:
  - column: Lifecycle Stage
    values: {partner: customer, "*": ""}
`))
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "hubspot-emea" || m.Timezone != "Europe/Berlin" {
		t.Errorf("name/timezone not replaced: %q %q", m.Name, m.Timezone)
	}
	if !reflect.DeepEqual(m.Lead.Segment, Const("emea")) {
		t.Errorf("segment = %+v", m.Lead.Segment)
	}
	if !reflect.DeepEqual(m.Lead.Email, Col("Email")) {
		t.Errorf("the preset's email was lost: %+v", m.Lead.Email)
	}
	if len(m.Stages) != 1 || m.Stages[0].Stage.Values["partner"] != "customer" || len(m.Stages[0].Stage.Values) != 2 {
		t.Errorf("stages should be replaced, got %+v", m.Stages)
	}
	fresh, _ := Preset("hubspot-contacts")
	if fresh.Lead.Segment.IsSet() || fresh.Stages[0].Stage.Values["partner"] != "" {
		t.Error("overriding a preset changed the built-in preset")
	}
}

func TestMappingValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml, wantErr string
	}{
		{"no name", "lead: {lead_id: id}", "name is required"},
		{"bad name", "name: a b\nlead: {lead_id: id}", "must be 1-64"},
		{"no section", "name: x", "lead or an opportunity section"},
		{"stages without lead", "name: x\nopportunity: {opportunity_id: id}\nstages: [{value: mql}]", "need a lead section"},
		{"no lead id", "name: x\nlead: {email: Email}", "lead.lead_id is required"},
		{"bad type", "name: x\nlead: {lead_id: id, score: {column: s, type: money}}", `type "money"`},
		{"values without column", "name: x\nlead: {lead_id: id, source: {values: {a: b}}}", "no column to translate"},
		{"bad constant date", "name: x\noccurred_at: {value: yesterday}\nlead: {lead_id: id}", "occurred_at"},
		{"bad timezone", "name: x\ntimezone: Nowhere/Land\nlead: {lead_id: id}", "Nowhere/Land"},
		{"close without outcome", "name: x\nopportunity: {opportunity_id: id, close: {amount: a}}", "close.outcome is required"},
		{"unknown key", "name: x\nlead: {lead_id: id, emial: e}", "emial"},
		{"ok", "name: x\nlead: {lead_id: id}", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseMapping([]byte(tt.yaml))
			if err == nil {
				err = m.Validate()
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestMappingSet(t *testing.T) {
	t.Parallel()
	m := &Mapping{Name: "flags"}
	for _, arg := range []string{"lead_id=Record ID", "email=Email", "lead.company=Company", "attr.tier=Tier",
		"stage=Status", "owner=Owner", "occurred_at=Created", "opportunity_id=Deal", "amount=Amount", "outcome=Result"} {
		k, v, err := ParseSetFlag(arg)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Set(k, v); err != nil {
			t.Fatalf("Set(%q): %v", arg, err)
		}
	}
	if err := m.SetConst("source", "trade show"); err != nil {
		t.Fatal(err)
	}
	want := &Mapping{
		Name:       "flags",
		OccurredAt: Col("Created"),
		Lead: &LeadMap{LeadID: Col("Record ID"), Email: Col("Email"), Company: Col("Company"),
			Source: Const("trade show"), Attributes: map[string]Field{"tier": Col("Tier")}},
		Stages:      []StageRule{{Stage: Col("Status")}},
		Assign:      &AssignMap{Owner: Col("Owner")},
		Opportunity: &OpportunityMap{OpportunityID: Col("Deal"), Amount: Col("Amount"), Close: &CloseMap{Outcome: Col("Result")}},
	}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("got  %+v\nwant %+v", m, want)
	}
	if err := m.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	for _, bad := range []string{"nope=x", "=x", "email"} {
		k, v, err := ParseSetFlag(bad)
		if err == nil {
			err = m.Set(k, v)
		}
		if err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestDefaultName(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"examples/import/olist-mqls.yaml", "olist-mqls"},
		{"/tmp/My Export (2).csv", "my-export-2"},
		{"Leads.csv", "leads"},
		{"???.yaml", "csv"},
	}
	for _, tt := range tests {
		if got := DefaultName(tt.in); got != tt.want {
			t.Errorf("DefaultName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
