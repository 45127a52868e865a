package event

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var testNow = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		raw   string
		field string
		msg   string // fragment of the message
	}{
		{"not an object", `[1]`, "", "must be a JSON object, got array"},
		{"not JSON", `{"id":`, "", "unexpected EOF"},
		{"trailing data", `{"id":"a"} {"id":"b"}`, "", "unexpected data after the event object"},
		{"trailing brace", `{"id":"a","type":"lead.upserted","occurred_at":"2026-03-01T10:00:00Z","data":{"lead_id":"L1"}}}`, "", "unexpected data after the event object"},
		{"missing id", `{"type":"lead.upserted"}`, "id", "is required"},
		{"blank id", `{"id":"  "}`, "id", "must not be empty"},
		{"long id", `{"id":"` + strings.Repeat("x", 201) + `"}`, "id", "at most 200 bytes"},
		{"id not a string", `{"id":7}`, "id", "must be a string, got number"},
		{"unknown envelope field", `{"id":"a","kind":"x"}`, "kind", "unknown field"},
		{"missing type", `{"id":"a","occurred_at":"2026-03-01T10:00:00Z"}`, "type", "is required"},
		{"unknown type", `{"id":"a","type":"lead.exploded"}`, "type", `unknown event type "lead.exploded" (known: lead.upserted,`},
		{"missing occurred_at", `{"id":"a","type":"lead.upserted"}`, "occurred_at", "is required (RFC 3339"},
		{"bad occurred_at", `{"id":"a","type":"lead.upserted","occurred_at":"yesterday"}`, "occurred_at", `"yesterday" is not an RFC 3339 time`},
		{"occurred_at without zone", `{"id":"a","type":"lead.upserted","occurred_at":"2026-03-01T10:00:00"}`, "occurred_at", "not an RFC 3339 time with a zone"},
		{"occurred_at a number", `{"id":"a","type":"lead.upserted","occurred_at":1772359200}`, "occurred_at", "must be a string, got number"},
		{"occurred_at before 1970", `{"id":"a","type":"lead.upserted","occurred_at":"1969-12-31T23:59:59Z"}`, "occurred_at", "before 1970"},
		{"occurred_at before 1970 in UTC", `{"id":"a","type":"lead.upserted","occurred_at":"1970-01-01T00:30:00+01:00"}`, "occurred_at", "before 1970"},
		{"occurred_at in the future", `{"id":"a","type":"lead.upserted","occurred_at":"2026-03-04T12:00:00Z"}`, "occurred_at", "more than a day after"},
		{"missing data", `{"id":"a","type":"lead.upserted","occurred_at":"2026-03-01T10:00:00Z"}`, "data", "is required (an object)"},
		{"null data", `{"id":"a","type":"lead.upserted","occurred_at":"2026-03-01T10:00:00Z","data":null}`, "data", "is required (an object)"},
		{"data not an object", `{"id":"a","type":"lead.upserted","occurred_at":"2026-03-01T10:00:00Z","data":[]}`, "data", "must be a JSON object, got array"},
		{"missing lead_id", `{"id":"a","type":"lead.upserted","occurred_at":"2026-03-01T10:00:00Z","data":{"email":"a@b.c"}}`, "data.lead_id", "is required"},
		{"blank lead_id", `{"id":"a","type":"lead.upserted","occurred_at":"2026-03-01T10:00:00Z","data":{"lead_id":"  "}}`, "data.lead_id", "is required"},
		{"unknown data field", `{"id":"a","type":"lead.upserted","occurred_at":"2026-03-01T10:00:00Z","data":{"lead_id":"L1","colour":"red"}}`, "data.colour", "unknown field"},
		{"bad email", `{"id":"a","type":"lead.upserted","occurred_at":"2026-03-01T10:00:00Z","data":{"lead_id":"L1","email":"nobody"}}`, "data.email", `"nobody" is not an email address`},
		{"score a string", `{"id":"a","type":"lead.upserted","occurred_at":"2026-03-01T10:00:00Z","data":{"lead_id":"L1","score":"high"}}`, "data.score", "must be a number, got string"},
		{"inquiry a string", `{"id":"a","type":"lead.upserted","occurred_at":"2026-03-01T10:00:00Z","data":{"lead_id":"L1","inquiry":"yes"}}`, "data.inquiry", "must be a boolean, got string"},
		{"attributes an array", `{"id":"a","type":"lead.upserted","occurred_at":"2026-03-01T10:00:00Z","data":{"lead_id":"L1","attributes":[1]}}`, "data.attributes", "got array"},
		{"unknown stage", `{"id":"a","type":"lead.stage_changed","occurred_at":"2026-03-01T10:00:00Z","data":{"lead_id":"L1","stage":"hot"}}`, "data.stage", `"hot" is not one of inquiry, lead, mql`},
		{"missing stage", `{"id":"a","type":"lead.stage_changed","occurred_at":"2026-03-01T10:00:00Z","data":{"lead_id":"L1"}}`, "data.stage", "is required (one of"},
		{"missing owner", `{"id":"a","type":"lead.assigned","occurred_at":"2026-03-01T10:00:00Z","data":{"lead_id":"L1"}}`, "data.owner", "is required"},
		{"unknown kind", `{"id":"a","type":"activity.logged","occurred_at":"2026-03-01T10:00:00Z","data":{"lead_id":"L1","kind":"telegram"}}`, "data.kind", `"telegram" is not one of call`},
		{"unknown disposition", `{"id":"a","type":"lead.disposition","occurred_at":"2026-03-01T10:00:00Z","data":{"lead_id":"L1","disposition":"meh"}}`, "data.disposition", `"meh" is not one of accepted`},
		{"missing opportunity_id", `{"id":"a","type":"opportunity.upserted","occurred_at":"2026-03-01T10:00:00Z","data":{"lead_id":"L1"}}`, "data.opportunity_id", "is required"},
		{"amount a string", `{"id":"a","type":"opportunity.upserted","occurred_at":"2026-03-01T10:00:00Z","data":{"opportunity_id":"O1","amount":"lots"}}`, "data.amount", "must be a number, got string"},
		{"negative amount", `{"id":"a","type":"opportunity.upserted","occurred_at":"2026-03-01T10:00:00Z","data":{"opportunity_id":"O1","amount":-5}}`, "data.amount", "must not be negative"},
		{"bad currency", `{"id":"a","type":"opportunity.upserted","occurred_at":"2026-03-01T10:00:00Z","data":{"opportunity_id":"O1","currency":"euro"}}`, "data.currency", "three-letter currency code"},
		{"unknown outcome", `{"id":"a","type":"opportunity.closed","occurred_at":"2026-03-01T10:00:00Z","data":{"opportunity_id":"O1","outcome":"tied"}}`, "data.outcome", `"tied" is not one of won, lost`},
		{"close amount negative", `{"id":"a","type":"opportunity.closed","occurred_at":"2026-03-01T10:00:00Z","data":{"opportunity_id":"O1","outcome":"won","amount":-1}}`, "data.amount", "must not be negative"},
		{"missing person_id", `{"id":"a","type":"person.upserted","occurred_at":"2026-03-01T10:00:00Z","data":{"name":"Ann"}}`, "data.person_id", "is required"},
		{"bad timezone", `{"id":"a","type":"person.upserted","occurred_at":"2026-03-01T10:00:00Z","data":{"person_id":"P1","timezone":"Mars/Olympus"}}`, "data.timezone", "not an IANA time zone"},
		{"active a string", `{"id":"a","type":"person.upserted","occurred_at":"2026-03-01T10:00:00Z","data":{"person_id":"P1","active":"no"}}`, "data.active", "must be a boolean, got string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Decode([]byte(tt.raw), testNow)
			if err == nil {
				t.Fatalf("Decode(%s) succeeded; want an error on %q", tt.raw, tt.field)
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is a %T, want *FieldError", err, err)
			}
			if fe.Field != tt.field {
				t.Errorf("field = %q, want %q (error %q)", fe.Field, tt.field, err)
			}
			if !strings.Contains(fe.Msg, tt.msg) {
				t.Errorf("message = %q, want it to contain %q", fe.Msg, tt.msg)
			}
		})
	}
}

func TestDecodeNormalizes(t *testing.T) {
	t.Parallel()
	raw := `{"id":" e1 ","type":"opportunity.upserted","occurred_at":"2026-03-01T11:00:00.1234567+01:00",
		"data":{"opportunity_id":" O1 ","lead_id":"L1","currency":"eur","amount":1200.50}}`
	ev, err := Decode([]byte(raw), testNow)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 3, 1, 10, 0, 0, 123456000, time.UTC); !ev.OccurredAt.Equal(want) || ev.OccurredAt.Location() != time.UTC {
		t.Errorf("occurred_at = %v, want %v (UTC, microseconds)", ev.OccurredAt, want)
	}
	if got, want := string(ev.Data), `{"opportunity_id":"O1","lead_id":"L1","amount":1200.5,"currency":"EUR"}`; got != want {
		t.Errorf("data = %s, want %s", got, want)
	}
	if ev.ID != " e1 " || ev.OpportunityRef != "O1" || ev.LeadRef != "L1" {
		t.Errorf("id/refs = %q %q %q", ev.ID, ev.OpportunityRef, ev.LeadRef)
	}
	if !ev.ReceivedAt.Equal(testNow) {
		t.Errorf("received_at = %v, want %v", ev.ReceivedAt, testNow)
	}

	// Vocabularies are case-insensitive; the canonical body is lower case,
	// so the two spellings are the same event.
	a, err := Decode([]byte(`{"id":"s","type":"lead.stage_changed","occurred_at":"2026-03-01T10:00:00Z","data":{"lead_id":"L1","stage":" MQL "}}`), testNow)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Decode([]byte(`{"id":"s","type":"lead.stage_changed","occurred_at":"2026-03-01T10:00:00Z","data":{"lead_id":"L1","stage":"mql"}}`), testNow)
	if err != nil {
		t.Fatal(err)
	}
	if a.Hash != b.Hash {
		t.Errorf("hashes differ for MQL and mql: %s vs %s", a.Data, b.Data)
	}
}

func TestDecodeBatchErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		body         string
		ndjson       bool
		max          int
		line, column int    // for a *SyntaxError
		msg          string // fragment
		tooMany      bool
	}{
		{"empty", "  \n", false, 0, 1, 1, "empty body", false},
		{"not an array", `"hello"`, false, 0, 1, 1, "must be a JSON array", false},
		{"broken element", "[\n  {\"id\": \"a\",}\n]", false, 0, 2, 14, "invalid character", false},
		{"unterminated", "[\n{\"id\":\"a\"}", false, 0, 2, 11, "ends before", false},
		{"after the array", `[] x`, false, 0, 1, 4, "invalid character", false},
		{"lone object broken", "\n\n{\"id\": }", false, 0, 3, 8, "invalid character", false},
		{"too many", `[{},{},{}]`, false, 2, 0, 0, "more than 2", true},
		{"too many ndjson", "{}\n{}\n{}\n", true, 2, 0, 0, "more than 2", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			items, err := DecodeBatch([]byte(tt.body), tt.ndjson, tt.max, testNow)
			if err == nil {
				t.Fatalf("DecodeBatch succeeded with %d items", len(items))
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not contain %q", err, tt.msg)
			}
			if tt.tooMany {
				if !errors.Is(err, ErrTooMany) {
					t.Errorf("error %v is not ErrTooMany", err)
				}
				return
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is a %T, want *SyntaxError", err, err)
			}
			if se.Line != tt.line || se.Column != tt.column {
				t.Errorf("at line %d column %d, want line %d column %d", se.Line, se.Column, tt.line, tt.column)
			}
		})
	}
}

func TestDecodeBatchNDJSONKeepsGoodLines(t *testing.T) {
	t.Parallel()
	body := `{"id":"a","type":"lead.upserted","occurred_at":"2026-03-01T10:00:00Z","data":{"lead_id":"L1"}}

{"id":"b","type":"lead.upserted","occurred_at":"2026-03-01T10:00:00Z","data":{"lead_id":"L2","score":"x"}}
{"id":"c","type":"lead.assigned","occurred_at":"2026-03-01T10:00:00Z","data":{"lead_id":"L1","owner":"ann"}}` + "\r\n"
	items, err := DecodeBatch([]byte(body), true, 0, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 3 {
		t.Fatalf("got %d items, want 3", len(items))
	}
	if items[0].Err != nil || items[2].Err != nil {
		t.Errorf("good lines rejected: %v, %v", items[0].Err, items[2].Err)
	}
	err = items[1].Err
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "data.score" || !strings.HasPrefix(err.Error(), "line 3: ") || items[1].Index != 1 || items[1].ID != "b" {
		t.Errorf("bad line: index %d id %q error %v; want index 1, id b, line 3, field data.score", items[1].Index, items[1].ID, err)
	}
}
