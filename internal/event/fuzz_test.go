package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzDecodeBatch feeds arbitrary bodies to DecodeBatch in both modes. It
// must never panic; every item is either an event that survives being
// encoded and decoded again (same id, type, time and hash) or an error that
// says something; and a batch whose every item is good must decode, when
// re-encoded as a whole, to the same events.
//
// `go test` runs only the seeds below and those in testdata/fuzz; explore
// with `go test -fuzz FuzzDecodeBatch -fuzztime 1m ./internal/event`.
func FuzzDecodeBatch(f *testing.F) {
	for _, seed := range fuzzSeeds {
		f.Add([]byte(seed), false)
		f.Add([]byte(seed), true)
	}
	if b, err := os.ReadFile(filepath.Join("testdata", "batch.ndjson")); err == nil {
		f.Add(b, true)
		f.Add(b, false)
	}
	f.Fuzz(func(t *testing.T, body []byte, ndjson bool) {
		items, err := DecodeBatch(body, ndjson, 50, testNow)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) && !errors.Is(err, ErrTooMany) {
				t.Fatalf("batch error %v is a %T, want *SyntaxError or ErrTooMany", err, err)
			}
			if se != nil && (se.Line < 1 || se.Column < 1) {
				t.Fatalf("syntax error placed at line %d column %d", se.Line, se.Column)
			}
			if err.Error() == "" {
				t.Fatal("empty batch error message")
			}
			return
		}
		good := 0
		for i, it := range items {
			if it.Index != i {
				t.Fatalf("item %d has index %d", i, it.Index)
			}
			if it.Err != nil {
				if it.Err.Error() == "" {
					t.Fatalf("item %d: empty error message", i)
				}
				continue
			}
			good++
			again, err := Decode(encodeEvent(t, it.Event), testNow)
			if err != nil {
				t.Fatalf("item %d: re-encoded event %s does not decode: %v", i, encodeEvent(t, it.Event), err)
			}
			sameEvent(t, it.Event, again)
		}
		if good == 0 || good != len(items) {
			return
		}
		// The whole valid batch round-trips in either framing.
		for _, nd := range []bool{false, true} {
			var buf bytes.Buffer
			if !nd {
				buf.WriteByte('[')
			}
			for i, it := range items {
				if i > 0 && !nd {
					buf.WriteByte(',')
				}
				buf.Write(encodeEvent(t, it.Event))
				if nd {
					buf.WriteByte('\n')
				}
			}
			if !nd {
				buf.WriteByte(']')
			}
			again, err := DecodeBatch(buf.Bytes(), nd, 50, testNow)
			if err != nil {
				t.Fatalf("re-encoded batch (ndjson=%v) fails: %v\n%s", nd, err, buf.Bytes())
			}
			if len(again) != len(items) {
				t.Fatalf("re-encoded batch has %d items, want %d", len(again), len(items))
			}
			for i := range again {
				if again[i].Err != nil {
					t.Fatalf("re-encoded item %d rejected: %v", i, again[i].Err)
				}
				sameEvent(t, items[i].Event, again[i].Event)
			}
		}
	})
}

// encodeEvent writes an event back as the envelope a client would send.
func encodeEvent(t *testing.T, e Event) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"id": e.ID, "type": e.Type, "occurred_at": e.OccurredAt.Format(time.RFC3339Nano), "data": e.Data,
	})
	if err != nil {
		t.Fatalf("encode event %q: %v", e.ID, err)
	}
	return b
}

func sameEvent(t *testing.T, want, got Event) {
	t.Helper()
	if got.ID != want.ID || got.Type != want.Type || !got.OccurredAt.Equal(want.OccurredAt) ||
		got.Hash != want.Hash || !bytes.Equal(got.Data, want.Data) ||
		got.LeadRef != want.LeadRef || got.OpportunityRef != want.OpportunityRef || got.PersonRef != want.PersonRef {
		t.Fatalf("round trip changed the event:\n got %q %s %s %s %s\nwant %q %s %s %s %s",
			got.ID, got.Type, got.OccurredAt, got.Hash, got.Data, want.ID, want.Type, want.OccurredAt, want.Hash, want.Data)
	}
}

var fuzzSeeds = []string{
	``,
	`[]`,
	`[`,
	`{}`,
	`null`,
	`[null, 1, "x", [], {}]`,
	`{"id":"a","type":"lead.upserted","occurred_at":"2026-03-01T10:00:00Z","data":{"lead_id":"L1","email":"Ann@Acme.com","score":87.5,"attributes":{"n":1e3,"tags":["x",{"y":null}]},"inquiry":true}}`,
	`[{"id":"b","type":"lead.stage_changed","occurred_at":"2026-03-01T10:00:00.123456789+02:00","data":{"lead_id":"L1","stage":" MQL ","reason":"score"}}]`,
	`[{"id":"c","type":"lead.assigned","occurred_at":"2026-03-01T10:00:00Z","data":{"lead_id":"L1","owner":"ann","team":"sdr"}},
	  {"id":"d","type":"activity.logged","occurred_at":"2026-03-01T10:05:00Z","data":{"lead_id":"L1","kind":"Call","actor":"ann","outcome":"no answer","notes":"<b>&</b>"}}]`,
	`{"id":"e","type":"lead.disposition","occurred_at":"2026-03-01T10:00:00Z","data":{"lead_id":"L1","disposition":"rejected","reason":"student"}}
{"id":"f","type":"opportunity.upserted","occurred_at":"2026-03-01T10:00:00Z","data":{"opportunity_id":"O1","lead_id":"L1","amount":-0,"currency":"eur"}}
{"id":"g","type":"opportunity.closed","occurred_at":"2026-03-01T10:00:00Z","data":{"opportunity_id":"O1","outcome":"WON","amount":12000}}
{"id":"h","type":"person.upserted","occurred_at":"2026-03-01T10:00:00Z","data":{"person_id":"ann","timezone":"Europe/Berlin","active":false}}`,
	`{"id":"i","type":"lead.upserted","occurred_at":"1970-01-01T00:30:00+01:00","data":{"lead_id":"L1"}}`,
	`{"id":"j","type":"lead.upserted","occurred_at":"2026-03-01T10:00:00Z","data":{"lead_id":"L1"}}}`,
	`{"id":"k","type":"lead.upserted","occurred_at":"2026-03-01T10:00:00Z","data":{"lead_id":"\u00e9\ud800x"}}`,
	`[{"id":"l","type":"opportunity.upserted","occurred_at":"2026-03-01T10:00:00Z","data":{"opportunity_id":"O1","amount":"lots"}}]`,
	`[{"id":"m"} {"id":"n"}]`,
	"\n\n{\"id\": }",
}
