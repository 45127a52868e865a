package event

import (
	"strings"
	"testing"
	"time"
)

func TestDecodeRefusesNUL(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name, raw, field string
	}{
		{"in id", `{"id":"a\u0000b","type":"lead.upserted","occurred_at":"2026-01-01T00:00:00Z","data":{"lead_id":"L1"}}`, "id"},
		{"in data", `{"id":"a","type":"lead.upserted","occurred_at":"2026-01-01T00:00:00Z","data":{"lead_id":"L\u00001"}}`, "data"},
		{"in an attribute", `{"id":"a","type":"lead.upserted","occurred_at":"2026-01-01T00:00:00Z","data":{"lead_id":"L1","attributes":{"x":"\u0000"}}}`, "data"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.raw), now)
			fe, ok := err.(*FieldError)
			if !ok || fe.Field != tt.field || !strings.Contains(fe.Msg, "NUL") {
				t.Fatalf("got %v, want a NUL error on %s", err, tt.field)
			}
		})
	}
	// A literal backslash followed by "u0000" is text, not NUL.
	raw := `{"id":"a","type":"lead.upserted","occurred_at":"2026-01-01T00:00:00Z","data":{"lead_id":"L1","notes_ignored":null,"name":"x\\u0000"}}`
	raw = strings.Replace(raw, `"notes_ignored":null,`, "", 1)
	if _, err := Decode([]byte(raw), now); err != nil {
		t.Fatalf("escaped backslash refused: %v", err)
	}
}
