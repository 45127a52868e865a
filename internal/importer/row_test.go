package importer

import (
	"strings"
	"testing"

	"github.com/accordhq/accord/internal/event"
)

// mustMapping parses a YAML mapping or fails the test.
func mustMapping(t testing.TB, y string) *Mapping {
	t.Helper()
	m, err := ParseMapping([]byte(y))
	if err != nil {
		t.Fatalf("mapping: %v", err)
	}
	return m
}

// brief renders events as "type occurred_at data" lines for comparison.
func brief(evs []event.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = string(e.Type) + " " + e.OccurredAt.Format("2006-01-02T15:04Z07:00") + " " + string(e.Data)
	}
	return out
}

func TestRowEvents(t *testing.T) {
	t.Parallel()
	const base = `
name: t
date_formats: [YYYY-MM-DD, DD-MM-YYYY HH:mm]
null_values: [Select]
occurred_at: created
`
	tests := []struct {
		name    string
		mapping string
		header  string
		row     []string
		want    []string // brief() lines
		wantErr string
	}{
		{
			name:    "lead with joined name, nulls and attributes",
			mapping: base + "lead: {lead_id: id, first_name: first, last_name: last, source: src, attributes: {city: city, visits: {column: visits, type: number}}}",
			header:  "id,created,first,last,src,city,visits",
			row:     []string{"L1", "2024-01-02", "Ann", " Lee ", "Select", "select", "3.5"},
			want:    []string{`lead.upserted 2024-01-02T00:00Z {"lead_id":"L1","name":"Ann Lee","attributes":{"visits":3.5}}`},
		},
		{
			name:    "mapped name wins over first and last",
			mapping: base + "lead: {lead_id: id, name: full, first_name: first}",
			header:  "id,created,full,first",
			row:     []string{"L1", "2024-01-02", "Ann Lee", "Ann"},
			want:    []string{`lead.upserted 2024-01-02T00:00Z {"lead_id":"L1","name":"Ann Lee"}`},
		},
		{
			name: "stage map is case-insensitive, catch-all and constant",
			mapping: base + `lead: {lead_id: id}
stages:
  - value: mql
  - {column: status, values: {"Closed - Converted": opportunity, "*": ""}}`,
			header: "id,created,status",
			row:    []string{"L1", "2024-01-02", "  closed - CONVERTED "},
			want: []string{
				`lead.upserted 2024-01-02T00:00Z {"lead_id":"L1"}`,
				`lead.stage_changed 2024-01-02T00:00Z {"lead_id":"L1","stage":"mql"}`,
				`lead.stage_changed 2024-01-02T00:00Z {"lead_id":"L1","stage":"opportunity"}`,
			},
		},
		{
			name:    "catch-all to missing emits no stage",
			mapping: base + `lead: {lead_id: id}` + "\nstages: [{column: status, values: {won: customer, '*': ''}}]",
			header:  "id,created,status",
			row:     []string{"L1", "2024-01-02", "Engaging"},
			want:    []string{`lead.upserted 2024-01-02T00:00Z {"lead_id":"L1"}`},
		},
		{
			name:    "star translation passes the cell through",
			mapping: base + `lead: {lead_id: id, attributes: {stock: {column: stock, values: {May-20: 5-20, "*": "*"}}}}`,
			header:  "id,created,stock",
			row:     []string{"L1", "2024-01-02", "may-20"},
			want:    []string{`lead.upserted 2024-01-02T00:00Z {"lead_id":"L1","attributes":{"stock":"5-20"}}`},
		},
		{
			name:    "star translation keeps other values",
			mapping: base + `lead: {lead_id: id, attributes: {stock: {column: stock, values: {May-20: 5-20, "*": "*"}}}}`,
			header:  "id,created,stock",
			row:     []string{"L1", "2024-01-02", "50-100"},
			want:    []string{`lead.upserted 2024-01-02T00:00Z {"lead_id":"L1","attributes":{"stock":"50-100"}}`},
		},
		{
			name:    "value not in map rejects",
			mapping: base + `lead: {lead_id: id}` + "\nstages: [{column: status, values: {won: customer}}]",
			header:  "id,created,status",
			row:     []string{"L1", "2024-01-02", "Partner"},
			wantErr: `column "status": "Partner" is not in the values of stages[0] (known: won)`,
		},
		{
			name:    "stage not in Accord's vocabulary names the column",
			mapping: base + `lead: {lead_id: id}` + "\nstages: [status]",
			header:  "id,created,status",
			row:     []string{"L1", "2024-01-02", "Partner"},
			wantErr: `column "status" (lead.stage_changed data.stage): "partner" is not one of`,
		},
		{
			name:    "bad email names the column",
			mapping: base + "lead: {lead_id: id, email: Email}",
			header:  "id,created,Email",
			row:     []string{"L1", "2024-01-02", "not-an-email"},
			wantErr: `column "Email" (lead.upserted data.email): "not-an-email" is not an email address`,
		},
		{
			name:    "empty id",
			mapping: base + "lead: {lead_id: id}",
			header:  "id,created",
			row:     []string{" ", "2024-01-02"},
			wantErr: `lead_id: column "id" is empty`,
		},
		{
			name:    "missing date",
			mapping: base + "lead: {lead_id: id}",
			header:  "id,created",
			row:     []string{"L1", ""},
			wantErr: `occurred_at: column "created" is empty (every event needs the time it happened)`,
		},
		{
			name:    "unparsable date",
			mapping: base + "lead: {lead_id: id}",
			header:  "id,created",
			row:     []string{"L1", "2024/01/02"},
			wantErr: `column "created": "2024/01/02" matches none of the date formats`,
		},
		{
			name:    "date in the future",
			mapping: base + "lead: {lead_id: id}",
			header:  "id,created",
			row:     []string{"L1", "2030-01-01"},
			wantErr: `column "created" (lead.upserted occurred_at)`,
		},
		{
			name:    "not a number",
			mapping: base + "lead: {lead_id: id, score: score}",
			header:  "id,created,score",
			row:     []string{"L1", "2024-01-02", "high"},
			wantErr: `column "score": "high" is not a number`,
		},
		{
			name:    "NaN is not a number",
			mapping: base + "lead: {lead_id: id, score: score}",
			header:  "id,created,score",
			row:     []string{"L1", "2024-01-02", "NaN"},
			wantErr: `is not a number`,
		},
		{
			name:    "short row: missing cells are missing",
			mapping: base + "lead: {lead_id: id, company: co}",
			header:  "id,created,co",
			row:     []string{"L1", "2024-01-02"},
			want:    []string{`lead.upserted 2024-01-02T00:00Z {"lead_id":"L1"}`},
		},
		{
			name:    "fallback column",
			mapping: base + "lead: {lead_id: id, occurred_at: [engaged, created]}",
			header:  "id,created,engaged",
			row:     []string{"L1", "2024-01-02", ""},
			want:    []string{`lead.upserted 2024-01-02T00:00Z {"lead_id":"L1"}`},
		},
		{
			name: "deal won: lead, owner, opportunity and close with own dates",
			mapping: base + `lead: {lead_id: id, company: account}
assign: {owner: agent, team: {value: field}}
opportunity:
  opportunity_id: id
  amount: value
  product: product
  close:
    outcome: {column: stage, values: {Won: won, Lost: lost, "*": ""}}
    amount: value
    occurred_at: closed`,
			header: "id,created,account,agent,stage,value,product,closed",
			row:    []string{"D1", "2024-01-02", "Acme", "Moses", "Won", "1054", "GTX", "05-03-2024 10:30"},
			want: []string{
				`lead.upserted 2024-01-02T00:00Z {"lead_id":"D1","company":"Acme"}`,
				`lead.assigned 2024-01-02T00:00Z {"lead_id":"D1","owner":"Moses","team":"field"}`,
				`opportunity.upserted 2024-01-02T00:00Z {"opportunity_id":"D1","lead_id":"D1","amount":1054,"product":"GTX"}`,
				`opportunity.closed 2024-03-05T10:30Z {"opportunity_id":"D1","outcome":"won","amount":1054}`,
			},
		},
		{
			name:    "open deal: no close, close date not needed",
			mapping: base + "opportunity: {opportunity_id: id, close: {outcome: {column: stage, values: {won: won, '*': ''}}, occurred_at: closed}}",
			header:  "id,created,stage,closed",
			row:     []string{"D1", "2024-01-02", "Engaging", ""},
			want:    []string{`opportunity.upserted 2024-01-02T00:00Z {"opportunity_id":"D1"}`},
		},
		{
			name:    "negative amount names the column",
			mapping: base + "opportunity: {opportunity_id: id, amount: value}",
			header:  "id,created,value",
			row:     []string{"D1", "2024-01-02", "-5"},
			wantErr: `column "value" (opportunity.upserted data.amount): must not be negative`,
		},
		{
			name:    "constant stand-in date",
			mapping: "name: t\noccurred_at: {value: '2020-01-01T00:00:00Z'}\nlead: {lead_id: id}",
			header:  "id",
			row:     []string{"L1"},
			want:    []string{`lead.upserted 2020-01-01T00:00Z {"lead_id":"L1"}`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := compile(mustMapping(t, tt.mapping), strings.Split(tt.header, ","))
			if err != nil {
				t.Fatal(err)
			}
			evs, err := p.rowEvents(tt.row, testNow)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v\nwant   %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := brief(evs)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestCompileHeaderProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, mapping, header string
		wantErr, wantWarning  string
	}{
		{"missing id column stops", "name: t\noccurred_at: c\nlead: {lead_id: Id}", "ID2,c", `lead.lead_id: the file has no column "Id"`, ""},
		{"missing date column stops", "name: t\noccurred_at: created\nlead: {lead_id: id}", "id", `occurred_at: the file has no column "created"`, ""},
		{"no date at all stops", "name: t\nlead: {lead_id: id}", "id", "lead.occurred_at: no date", ""},
		{"missing optional column warns", "name: t\noccurred_at: c\nlead: {lead_id: id, email: Emial}", "id,c,Email", "", `lead.email: the file has no column "Emial"; the field stays empty`},
		{"header match ignores case and space", "name: t\noccurred_at: c\nlead: {lead_id: record id}", " Record ID ,c", "", ""},
		{"repeated header warns", "name: t\noccurred_at: c\nlead: {lead_id: id}", "id,c,id", "", `repeats column "id"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := compile(mustMapping(t, tt.mapping), strings.Split(tt.header, ","))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(p.warnings, "\n")
			if tt.wantWarning == "" && got != "" || !strings.Contains(got, tt.wantWarning) {
				t.Fatalf("warnings = %q, want %q", got, tt.wantWarning)
			}
		})
	}
}

// TestEventIDs checks ids are stable for equal content and differ otherwise.
func TestEventIDs(t *testing.T) {
	t.Parallel()
	p, err := compile(mustMapping(t, "name: t\noccurred_at: c\nlead: {lead_id: id, company: co}"), []string{"id", "c", "co"})
	if err != nil {
		t.Fatal(err)
	}
	id := func(row ...string) string {
		evs, err := p.rowEvents(row, testNow)
		if err != nil {
			t.Fatal(err)
		}
		return evs[0].ID
	}
	a := id("L1", "2024-01-02", "Acme")
	if !strings.HasPrefix(a, "import:t:lead.upserted:") || len(a) > 200 {
		t.Errorf("id %q has the wrong shape", a)
	}
	for _, tt := range []struct {
		name string
		row  []string
		same bool
	}{
		{"same row", []string{"L1", "2024-01-02", "Acme"}, true},
		{"space is trimmed", []string{" L1", "2024-01-02 ", "Acme "}, true},
		{"changed cell", []string{"L1", "2024-01-02", "Acme Inc"}, false},
		{"changed date", []string{"L1", "2024-01-03", "Acme"}, false},
		{"other lead", []string{"L2", "2024-01-02", "Acme"}, false},
	} {
		if got := id(tt.row...) == a; got != tt.same {
			t.Errorf("%s: same id = %v, want %v", tt.name, got, tt.same)
		}
	}
}
