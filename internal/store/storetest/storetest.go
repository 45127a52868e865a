// Package storetest is the conformance suite every store.Store must pass.
// It drives a store the way the API does (event.DecodeBatch, then
// ingest.Service) and checks what a user would check through the store's
// read methods, so SQLite and PostgreSQL are held to the same behaviour.
package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/lead"
	"github.com/accordhq/accord/internal/store"
)

// Opener returns a fresh, migrated, empty store that is closed and removed
// when t ends. A test may call it more than once to compare stores.
type Opener func(t *testing.T) store.Store

// Run runs the whole suite against the stores open makes. Subtests run in
// parallel: each has stores of its own.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, Opener)
	}{
		{"Migrations", testMigrations},
		{"Idempotency", testIdempotency},
		{"LateEvents", testLateEvents},
		{"Identity", testIdentity},
		{"StubLeads", testStubLeads},
		{"Opportunities", testOpportunities},
		{"OpportunityMoves", testOpportunityMoves},
		{"People", testPeople},
		{"Listing", testListing},
		{"EventsPaging", testEventsPaging},
		{"Rebuild", testRebuild},
		{"Tokens", testTokens},
		{"ConcurrentWriters", testConcurrentWriters},
		{"AgreementVersions", testAgreementVersions},
		{"AgreementSignatures", testAgreementSignatures},
		{"AgreementInForce", testAgreementInForce},
		{"Audit", testAudit},
		{"Obligations", testObligations},
		{"ObligationsByDue", testObligationsByDue},
		{"AlertsFireOnce", testAlertsFireOnce},
		{"FireAlertsConcurrently", testFireAlertsConcurrently},
		{"Deliveries", testDeliveries},
		{"ObligationsFromEvents", testObligationsFromEvents},
		{"DailyAtoms", testDailyAtoms},
		{"DailySummed", testDailySummed},
		{"Reviews", testReviews},
		{"LeadValues", testLeadValues},
		{"Users", testUsers},
		{"Sessions", testSessions},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open)
		})
	}
}

// T0 is the start of every scenario's timeline.
var T0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// Now is when every batch arrives: after all the scenarios' events, so no
// event is refused as being in the future, and received_at is the same on
// every run and every backend.
var Now = T0.Add(60 * 24 * time.Hour)

// minute is a point on the timeline, in minutes after T0.
func minute(m int) time.Time { return T0.Add(time.Duration(m) * time.Minute) }

// E is one event as a client sends it.
type E struct {
	ID   string
	Type event.Type
	At   int // minutes after T0; negative is fine
	Data map[string]any
}

// MarshalJSON renders the envelope the API accepts.
func (e E) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{
		"id": e.ID, "type": e.Type, "occurred_at": minute(e.At).Format(time.RFC3339Nano), "data": e.Data,
	})
}

// d builds a payload from key, value pairs.
func d(kv ...any) map[string]any {
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// harness is one store with the ingest service the API would put in front.
type harness struct {
	t   *testing.T
	st  store.Store
	svc *ingest.Service
}

func newHarness(t *testing.T, open Opener, opts ingest.Options) *harness {
	t.Helper()
	st := open(t)
	return &harness{t: t, st: st, svc: ingest.New(st, opts)}
}

// send ingests one batch and fails the test on a store error.
func (h *harness) send(evs ...E) ingest.Report {
	h.t.Helper()
	body, err := json.Marshal(evs)
	if err != nil {
		h.t.Fatalf("encode batch: %v", err)
	}
	return h.sendBody(string(body))
}

// sendBody ingests a raw JSON array, as the API receives it.
func (h *harness) sendBody(body string) ingest.Report {
	h.t.Helper()
	rep, err := Ingest(h.t, h.svc, []byte(body))
	if err != nil {
		h.t.Fatal(err)
	}
	return rep
}

// Ingest decodes a JSON array body and ingests it, as the API does.
func Ingest(t *testing.T, svc *ingest.Service, body []byte) (ingest.Report, error) {
	t.Helper()
	items, err := event.DecodeBatch(body, false, 0, Now)
	if err != nil {
		return ingest.Report{}, fmt.Errorf("decode batch: %w", err)
	}
	return svc.Ingest(t.Context(), items)
}

func (h *harness) lead(ref string) *lead.Lead {
	h.t.Helper()
	l, err := h.st.Lead(h.t.Context(), ref)
	if err != nil {
		h.t.Fatalf("Lead(%q): %v", ref, err)
	}
	return l
}

func (h *harness) noLead(ref string) {
	h.t.Helper()
	if l, err := h.st.Lead(h.t.Context(), ref); !errors.Is(err, store.ErrNotFound) {
		h.t.Fatalf("Lead(%q) = %+v, %v; want ErrNotFound", ref, l, err)
	}
}

func (h *harness) leadJSON(ref string) string { h.t.Helper(); return mustJSON(h.t, h.lead(ref)) }

func (h *harness) counts() store.Counts {
	h.t.Helper()
	c, err := h.st.Counts(h.t.Context())
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

// eventIDs lists the ids of a lead's events in the order the store gives.
func (h *harness) eventIDs(key string) []string {
	h.t.Helper()
	evs, err := h.st.LeadEvents(h.t.Context(), key)
	if err != nil {
		h.t.Fatal(err)
	}
	ids := make([]string, len(evs))
	for i, e := range evs {
		ids[i] = e.ID
	}
	return ids
}

func (h *harness) aliases(key string) []string {
	h.t.Helper()
	as, err := h.st.LeadAliases(h.t.Context(), key)
	if err != nil {
		h.t.Fatal(err)
	}
	return as
}

func (h *harness) allEvents() []event.Event {
	h.t.Helper()
	var out []event.Event
	var after int64
	for {
		evs, err := h.st.EventsAfter(h.t.Context(), after, 100)
		if err != nil {
			h.t.Fatal(err)
		}
		if len(evs) == 0 {
			return out
		}
		out = append(out, evs...)
		after = evs[len(evs)-1].Seq
	}
}

// wantStatuses checks each event's status in a report.
func wantStatuses(t *testing.T, rep ingest.Report, want ...ingest.Status) {
	t.Helper()
	got := make([]ingest.Status, len(rep.Results))
	for i, r := range rep.Results {
		got[i] = r.Status
	}
	if !slices.Equal(got, want) {
		t.Fatalf("statuses = %v, want %v\nreport: %s", got, want, mustJSON(t, rep))
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encode %T: %v", v, err)
	}
	return string(b)
}

// sameText fails with the first differing line of two long texts.
func sameText(t *testing.T, what, got, want string) {
	t.Helper()
	if d := Diff(got, want); d != "" {
		t.Fatalf("%s differ: %s", what, d)
	}
}

// Diff describes the first line where two texts (such as two Snapshots)
// differ, with the lines before it, or returns "" when they are equal.
func Diff(got, want string) string {
	if got == want {
		return ""
	}
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("at line %d:\n got: %s\nwant: %s\nafter:\n%s", i+1, gl, wl,
				strings.Join(w[max(0, i-3):i], "\n"))
		}
	}
	return ""
}

func testMigrations(t *testing.T, open Opener) {
	st := open(t)
	ctx := t.Context()
	if b := st.Backend(); b != "sqlite" && b != "postgres" {
		t.Errorf("Backend() = %q, want sqlite or postgres", b)
	}
	cur, latest, err := st.SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if latest < 1 || cur != latest {
		t.Fatalf("SchemaVersion after migrate = %d, %d; want current == latest >= 1", cur, latest)
	}
	n, err := st.Migrate(ctx)
	if err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	if n != 0 {
		t.Fatalf("second Migrate applied %d migrations, want 0", n)
	}
	if cur2, _, err := st.SchemaVersion(ctx); err != nil || cur2 != cur {
		t.Fatalf("SchemaVersion after second migrate = %d, %v; want %d", cur2, err, cur)
	}
}
