package importer

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/ingest"
)

// memSink stands in for ingest.Service in unit tests: it keeps one body
// hash per id with the same duplicate and conflict rules, and checks that
// every event it is handed would pass event.Decode again.
type memSink struct {
	t      testing.TB
	hashes map[string]string
	events []event.Event
	calls  int
	// refuse, when set, rejects events it returns a reason for.
	refuse func(event.Event) string
}

func newMemSink(t testing.TB) *memSink {
	return &memSink{t: t, hashes: map[string]string{}}
}

func (s *memSink) Ingest(_ context.Context, items []event.Item) (ingest.Report, error) {
	s.calls++
	rep := ingest.Report{Results: make([]ingest.Result, len(items))}
	for i, it := range items {
		r := ingest.Result{Index: it.Index, ID: it.ID}
		if err := redecode(it.Event); it.Err != nil || err != nil {
			s.t.Errorf("importer sent an invalid event %s: item err %v, decode err %v", it.ID, it.Err, err)
		}
		switch h, known := s.hashes[it.Event.ID]; {
		case s.refuse != nil && s.refuse(it.Event) != "":
			r.Status, r.Error = ingest.Rejected, s.refuse(it.Event)
		case known && h == it.Event.Hash:
			r.Status = ingest.Duplicate
		case known:
			r.Status, r.Error = ingest.Rejected, "idempotency conflict"
		default:
			r.Status = ingest.Accepted
			s.hashes[it.Event.ID] = it.Event.Hash
			s.events = append(s.events, it.Event)
		}
		rep.Results[i] = r
		switch r.Status {
		case ingest.Accepted:
			rep.Accepted++
		case ingest.Duplicate:
			rep.Duplicates++
		default:
			rep.Rejected++
		}
	}
	return rep, nil
}

// redecode rebuilds the envelope of a decoded event and decodes it again.
func redecode(e event.Event) error {
	raw, err := json.Marshal(map[string]any{
		"id": e.ID, "type": e.Type, "occurred_at": e.OccurredAt.Format(time.RFC3339Nano), "data": e.Data,
	})
	if err != nil {
		return err
	}
	got, err := event.Decode(raw, e.ReceivedAt)
	if err != nil {
		return err
	}
	if got.Hash != e.Hash {
		return fmt.Errorf("hash changed on a second decode")
	}
	return nil
}

// payloads returns the stored events of one type, decoded.
func (s *memSink) payloads(typ event.Type) []any {
	var out []any
	for _, e := range s.events {
		if e.Type == typ {
			p, err := e.Payload()
			if err != nil {
				s.t.Fatalf("payload of %s: %v", e.ID, err)
			}
			out = append(out, p)
		}
	}
	return out
}

// testNow is the fixed arrival time of every test import.
var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func testOptions() Options {
	return Options{Now: func() time.Time { return testNow }}
}
