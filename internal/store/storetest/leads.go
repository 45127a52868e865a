package storetest

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/lead"
	"github.com/accordhq/accord/internal/store"
)

const (
	acc = ingest.Accepted
	dup = ingest.Duplicate
	rej = ingest.Rejected
)

func testIdempotency(t *testing.T, open Opener) {
	first := []E{
		{"e1", event.LeadUpserted, 0, d("lead_id", "L1", "email", "ann@acme.com", "source", "webinar")},
		{"e2", event.ActivityLogged, 5, d("lead_id", "L1", "kind", "call")},
	}
	t.Run("resent batch is all duplicates and changes nothing", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, open, ingest.Options{})
		wantStatuses(t, h.send(first...), acc, acc)
		before, counts := h.leadJSON("L1"), h.counts()
		rep := h.send(first...)
		wantStatuses(t, rep, dup, dup)
		if rep.Accepted != 0 || rep.Duplicates != 2 {
			t.Errorf("report counts = %d accepted, %d duplicates; want 0, 2", rep.Accepted, rep.Duplicates)
		}
		// The same event with its keys in another order and extra space is
		// the same body.
		wantStatuses(t, h.sendBody(`[{"data": {"source":"webinar",  "email":"ann@acme.com","lead_id":"L1"},
			"occurred_at":"2026-03-02T09:00:00Z", "type":"lead.upserted", "id":"e1"}]`), dup)
		if got := h.leadJSON("L1"); got != before {
			t.Errorf("lead changed by duplicates:\n got %s\nwant %s", got, before)
		}
		if got := h.counts(); got != counts {
			t.Errorf("counts changed by duplicates: %+v, want %+v", got, counts)
		}
	})
	t.Run("same id with another body is a conflict", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, open, ingest.Options{})
		h.send(first...)
		before, counts := h.leadJSON("L1"), h.counts()
		for _, e := range []E{
			{"e1", event.LeadUpserted, 0, d("lead_id", "L1", "email", "bob@acme.com")},
			{"e2", event.ActivityLogged, 6, d("lead_id", "L1", "kind", "call")},
			{"e2", event.ActivityLogged, 5, d("lead_id", "L2", "kind", "call")},
		} {
			rep := h.send(e)
			wantStatuses(t, rep, rej)
			if r := rep.Results[0]; r.Field != "id" || r.ID != e.ID {
				t.Errorf("conflict on %s reported as %+v; want field id", e.ID, r)
			}
		}
		if got := h.leadJSON("L1"); got != before {
			t.Errorf("lead changed by conflicts:\n got %s\nwant %s", got, before)
		}
		if got := h.counts(); got != counts {
			t.Errorf("counts changed by conflicts: %+v, want %+v", got, counts)
		}
		h.noLead("L2")
	})
	t.Run("duplicates within one batch", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, open, ingest.Options{})
		x := E{"x", event.LeadUpserted, 0, d("lead_id", "L1", "email", "ann@acme.com")}
		y := E{"y", event.ActivityLogged, 1, d("lead_id", "L1", "kind", "call")}
		y2 := E{"y", event.ActivityLogged, 1, d("lead_id", "L1", "kind", "email")}
		wantStatuses(t, h.send(x, x, y, y2, x), acc, dup, acc, rej, dup)
		if c := h.counts(); c.Events != 2 || c.Leads != 1 {
			t.Errorf("counts = %+v, want 2 events and 1 lead", c)
		}
		if l := h.lead("L1"); l.Touches != 1 || l.Events != 2 {
			t.Errorf("lead has %d touches and %d events, want 1 and 2", l.Touches, l.Events)
		}
	})
	t.Run("bad events are refused alone", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, open, ingest.Options{})
		rep := h.sendBody(`[
			{"id":"good1","type":"lead.upserted","occurred_at":"2026-03-02T09:00:00Z","data":{"lead_id":"L1","email":"ann@acme.com"}},
			{"id":"bad1","type":"lead.stage_changed","occurred_at":"2026-03-02T09:01:00Z","data":{"lead_id":"L1","stage":"famous"}},
			{"id":"bad2","type":"activity.logged","data":{"lead_id":"L2","kind":"call"}},
			{"id":"bad3","type":"lead.teleported","occurred_at":"2026-03-02T09:01:00Z","data":{"lead_id":"L3"}},
			{"id":"bad4","type":"lead.upserted","occurred_at":"2026-03-02T09:01:00Z","data":{"lead_id":"L4","email":42}},
			{"id":"good2","type":"activity.logged","occurred_at":"2026-03-02T09:02:00Z","data":{"lead_id":"L1","kind":"call"}}
		]`)
		wantStatuses(t, rep, acc, rej, rej, rej, rej, acc)
		for i, field := range map[int]string{1: "data.stage", 2: "occurred_at", 3: "type", 4: "data.email"} {
			if got := rep.Results[i].Field; got != field {
				t.Errorf("event %d refused on field %q, want %q", i, got, field)
			}
		}
		var ids []string
		for _, e := range h.allEvents() {
			ids = append(ids, e.ID)
		}
		if want := []string{"good1", "good2"}; !slices.Equal(ids, want) {
			t.Errorf("log holds %v, want %v", ids, want)
		}
		if l := h.lead("L1"); l.Stage != "inquiry" || l.Touches != 1 {
			t.Errorf("lead stage %q with %d touches, want inquiry with 1", l.Stage, l.Touches)
		}
		for _, ref := range []string{"L2", "L3", "L4"} {
			h.noLead(ref)
		}
		if c := h.counts(); c.Events != 2 || c.Leads != 1 {
			t.Errorf("counts = %+v, want 2 events and 1 lead", c)
		}
	})
}

// lifecycle is one lead's history, in the order it happened.
var lifecycle = []E{
	{"h1", event.LeadUpserted, 0, d("lead_id", "L1", "email", "ann@acme.com", "source", "webinar", "campaign", "spring")},
	{"h2", event.LeadAssigned, 10, d("lead_id", "L1", "owner", "sam", "team", "east")},
	{"h3", event.LeadStageChanged, 15, d("lead_id", "L1", "stage", "lead")},
	{"h4", event.LeadStageChanged, 20, d("lead_id", "L1", "stage", "MQL")},
	{"h5", event.ActivityLogged, 30, d("lead_id", "L1", "kind", "call", "actor", "sam")},
	{"h6", event.LeadStageChanged, 40, d("lead_id", "L1", "stage", "sql")},
	{"h7", event.LeadUpserted, 50, d("lead_id", "L1", "source", "ads", "score", 61.5, "attributes", d("size", "50-200"))},
	{"h8", event.ActivityLogged, 60, d("lead_id", "L1", "kind", "email")},
	{"h9", event.LeadAssigned, 65, d("lead_id", "L1", "owner", "kim", "team", "west")},
	{"h10", event.LeadDisposition, 70, d("lead_id", "L1", "disposition", "accepted")},
	{"h11", event.LeadStageChanged, 70, d("lead_id", "L1", "stage", "opportunity")},
}

func testLateEvents(t *testing.T, open Opener) {
	ordered := newHarness(t, open, ingest.Options{})
	ordered.send(lifecycle...)
	want := withoutLastSeq(t, ordered.lead("L1"))

	pick := func(idx ...int) []E {
		out := make([]E, len(idx))
		for i, j := range idx {
			out[i] = lifecycle[j]
		}
		return out
	}
	r := rand.New(rand.NewPCG(7, 11))
	shuffled := slices.Clone(lifecycle)
	r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	var oneByOneReversed [][]E
	for i := len(lifecycle) - 1; i >= 0; i-- {
		oneByOneReversed = append(oneByOneReversed, pick(i))
	}
	for _, tc := range []struct {
		name    string
		batches [][]E
	}{
		{"one batch, shuffled", [][]E{shuffled}},
		{"one event per batch, newest first", oneByOneReversed},
		{"middle of the history arrives last", [][]E{pick(0, 1, 5, 7, 8, 9, 10), pick(2, 3), pick(6, 4)}},
		{"late upsert after activity", [][]E{pick(4, 7), pick(1, 2, 3, 5, 6, 8, 9, 10), pick(0)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, open, ingest.Options{})
			for _, b := range tc.batches {
				wantStatuses(t, h.send(b...), slices.Repeat([]ingest.Status{acc}, len(b))...)
			}
			if got := withoutLastSeq(t, h.lead("L1")); got != want {
				t.Errorf("lead from late events differs from lead sent in order:\n got %s\nwant %s", got, want)
			}
			// History order: by occurred_at, then by arrival (h10 and h11
			// happened at the same minute).
			arrived := slices.Concat(tc.batches...)
			slices.SortStableFunc(arrived, func(a, b E) int { return a.At - b.At })
			var wantIDs []string
			for _, e := range arrived {
				wantIDs = append(wantIDs, e.ID)
			}
			if got := h.eventIDs("L1"); !slices.Equal(got, wantIDs) {
				t.Errorf("LeadEvents order = %v, want %v", got, wantIDs)
			}
		})
	}

	l := ordered.lead("L1")
	wantEntered := map[string]time.Time{"inquiry": minute(0), "lead": minute(15), "mql": minute(20), "sql": minute(40), "opportunity": minute(70)}
	if l.Stage != "opportunity" || !l.StageEnteredAt.Equal(minute(70)) || !maps.EqualFunc(l.StagesEntered, wantEntered, time.Time.Equal) {
		t.Errorf("stage %q entered %v, stages_entered %v; want opportunity at %v, %v", l.Stage, l.StageEnteredAt, l.StagesEntered, minute(70), wantEntered)
	}
	if l.Source != "ads" || l.OriginalSource != "webinar" || l.Owner != "kim" || l.Team != "west" || l.Touches != 2 ||
		!l.FirstTouchAt.Equal(minute(30)) || !l.LastTouchAt.Equal(minute(60)) || l.Disposition != "accepted" ||
		!l.CreatedAt.Equal(minute(0)) || !l.UpdatedAt.Equal(minute(70)) || l.Events != len(lifecycle) {
		t.Errorf("lead folded wrong: %s", mustJSON(t, l))
	}
	evs, err := ordered.st.LeadEvents(t.Context(), "L1")
	if err != nil {
		t.Fatal(err)
	}
	var spans []string
	for _, s := range lead.BuildHistory(evs).Stages {
		spans = append(spans, fmt.Sprintf("%s@%d", s.Stage, int(s.EnteredAt.Sub(T0).Minutes())))
	}
	if want := []string{"inquiry@0", "lead@15", "mql@20", "sql@40", "opportunity@70"}; !slices.Equal(spans, want) {
		t.Errorf("stage transitions = %v, want %v", spans, want)
	}
}

// withoutLastSeq renders a lead without its arrival number, the one field
// that rightly depends on the order events arrived in.
func withoutLastSeq(t *testing.T, l *lead.Lead) string {
	t.Helper()
	c := *l
	c.LastSeq = 0
	return mustJSON(t, &c)
}

func testIdentity(t *testing.T, open Opener) {
	ann1 := E{"i1", event.LeadUpserted, 0, d("lead_id", "L1", "email", "Ann@Acme.com", "source", "webinar")}
	ann2 := E{"i2", event.LeadUpserted, 10, d("lead_id", "L2", "email", "  ann@ACME.com ", "source", "ads")}
	for _, tc := range []struct {
		name    string
		batches [][]E
	}{
		{"separate batches", [][]E{{ann1}, {ann2}}},
		{"one batch", [][]E{{ann1, ann2}}},
		{"second door first", [][]E{{ann2}, {ann1}}},
	} {
		t.Run("email differing in case and space merges, "+tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, open, ingest.Options{})
			for _, b := range tc.batches {
				h.send(b...)
			}
			if c := h.counts(); c.Leads != 1 {
				t.Fatalf("%d leads, want 1", c.Leads)
			}
			canon, alias := "L1", "L2"
			if tc.name == "second door first" {
				canon, alias = "L2", "L1"
			}
			l := h.lead(alias)
			if l.LeadID != canon {
				t.Fatalf("Lead(%s) is %s, want %s", alias, l.LeadID, canon)
			}
			if got := h.aliases(canon); !slices.Equal(got, []string{alias}) {
				t.Errorf("LeadAliases(%s) = %v, want [%s]", canon, got, alias)
			}
			if l.ReEngagements != 1 || l.Inquiries != 2 || l.OriginalSource != "webinar" || l.Source != "ads" {
				t.Errorf("merged lead: %s", mustJSON(t, l))
			}
			// Later events under the alias land on the canonical lead.
			h.send(E{"i3", event.ActivityLogged, 20, d("lead_id", alias, "kind", "call")})
			if got := h.lead(canon); got.Touches != 1 || got.Events != 3 {
				t.Errorf("after a touch under the alias: %d touches, %d events; want 1, 3", got.Touches, got.Events)
			}
			if got, want := h.eventIDs(canon), []string{"i1", "i2", "i3"}; !slices.Equal(got, want) {
				t.Errorf("LeadEvents(%s) = %v, want %v", canon, got, want)
			}
			if got, want := h.leadJSON(alias), h.leadJSON(canon); got != want {
				t.Errorf("Lead(alias) and Lead(id) differ:\n%s\n%s", got, want)
			}
		})
	}

	t.Run("email change merges two existing leads", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, open, ingest.Options{})
		h.send(
			E{"m1", event.LeadUpserted, 0, d("lead_id", "L3", "email", "cy@acme.com")},
			E{"m2", event.LeadUpserted, 1, d("lead_id", "L4", "email", "dee@acme.com")},
			E{"m3", event.ActivityLogged, 5, d("lead_id", "L3", "kind", "call")},
			E{"m4", event.ActivityLogged, 6, d("lead_id", "L4", "kind", "email")},
		)
		if c := h.counts(); c.Leads != 2 {
			t.Fatalf("%d leads before the change, want 2", c.Leads)
		}
		h.send(E{"m5", event.LeadUpserted, 10, d("lead_id", "L4", "email", "CY@acme.com")})
		if c := h.counts(); c.Leads != 1 {
			t.Fatalf("%d leads after the change, want 1", c.Leads)
		}
		l := h.lead("L4")
		if l.LeadID != "L3" || l.Touches != 2 || l.Events != 5 || l.Email != "CY@acme.com" {
			t.Errorf("merged lead: %s", mustJSON(t, l))
		}
		if got := h.aliases("L3"); !slices.Equal(got, []string{"L4"}) {
			t.Errorf("LeadAliases(L3) = %v, want [L4]", got)
		}
		if got, want := h.eventIDs("L3"), []string{"m1", "m2", "m3", "m4", "m5"}; !slices.Equal(got, want) {
			t.Errorf("LeadEvents(L3) = %v, want %v", got, want)
		}
		if got := h.eventIDs("L4"); len(got) != 0 {
			t.Errorf("events still filed under the merged id: %v", got)
		}
	})

	// Stores find leads by a hash of their email (store.EmailKey): two
	// addresses with the same key (these two have) are two people, and a
	// third coming in with one of them joins that one only, in the same
	// batch or a later one.
	t.Run("emails sharing a key stay apart", func(t *testing.T) {
		t.Parallel()
		if store.EmailKey("ab~@acme.com") != store.EmailKey("ac_@acme.com") {
			t.Fatal("the two addresses no longer share a key: pick two that do")
		}
		h := newHarness(t, open, ingest.Options{})
		h.send(E{"k1", event.LeadUpserted, 0, d("lead_id", "K1", "email", "ab~@acme.com")})
		h.send(
			E{"k2", event.LeadUpserted, 1, d("lead_id", "K2", "email", "ac_@acme.com")},
			E{"k3", event.LeadUpserted, 2, d("lead_id", "K3", "email", "AB~@acme.com")},
		)
		h.send(E{"k4", event.LeadUpserted, 3, d("lead_id", "K4", "email", "ac_@ACME.com")})
		if c := h.counts(); c.Leads != 2 {
			t.Fatalf("%d leads, want 2", c.Leads)
		}
		for ref, want := range map[string]string{"K1": "K1", "K3": "K1", "K2": "K2", "K4": "K2"} {
			if got := h.lead(ref).LeadID; got != want {
				t.Errorf("Lead(%s) is %s, want %s", ref, got, want)
			}
		}
	})

	t.Run("a returning person is a re-engagement, not a new lead", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, open, ingest.Options{})
		h.send(E{"r1", event.LeadUpserted, 0, d("lead_id", "L5", "email", "eve@acme.com", "offer", "ebook")})
		h.send(E{"r2", event.LeadUpserted, 100, d("lead_id", "L5", "name", "Eve")})
		h.send(E{"r3", event.LeadUpserted, 200, d("lead_id", "L5", "offer", "demo_request", "inquiry", true)})
		l := h.lead("L5")
		if l.ReEngagements != 1 || l.Inquiries != 2 || !l.LastInquiryAt.Equal(minute(200)) || l.OriginalOffer != "ebook" || l.Offer != "demo_request" {
			t.Errorf("lead after a second hand-raise: %s", mustJSON(t, l))
		}
		if c := h.counts(); c.Leads != 1 {
			t.Errorf("%d leads, want 1", c.Leads)
		}
	})

	for _, tc := range []struct {
		strip     bool
		wantLeads int64
	}{{false, 2}, {true, 1}} {
		t.Run(fmt.Sprintf("plus addressing, strip=%v", tc.strip), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, open, ingest.Options{StripPlusAddressing: tc.strip})
			h.send(
				E{"p1", event.LeadUpserted, 0, d("lead_id", "P1", "email", "ann+webinar@acme.com")},
				E{"p2", event.LeadUpserted, 5, d("lead_id", "P2", "email", "Ann@acme.com")},
			)
			if c := h.counts(); c.Leads != tc.wantLeads {
				t.Errorf("%d leads, want %d", c.Leads, tc.wantLeads)
			}
			wantKey := "P2"
			if tc.strip {
				wantKey = "P1"
			}
			if l := h.lead("P2"); l.LeadID != wantKey {
				t.Errorf("Lead(P2) is %s, want %s", l.LeadID, wantKey)
			}
		})
	}
}

func testStubLeads(t *testing.T, open Opener) {
	h := newHarness(t, open, ingest.Options{})
	h.send(E{"s1", event.ActivityLogged, 5, d("lead_id", "S1", "kind", "call")})
	l := h.lead("S1")
	if l.Touches != 1 || l.Events != 1 || l.Email != "" || !l.CreatedAt.Equal(minute(5)) {
		t.Errorf("stub lead: %s", mustJSON(t, l))
	}
	h.send(E{"s2", event.LeadUpserted, 10, d("lead_id", "S1", "email", "sid@acme.com", "name", "Sid", "company", "Acme")})
	l = h.lead("S1")
	if l.Name != "Sid" || l.Company != "Acme" || l.Email != "sid@acme.com" || l.Stage != "inquiry" || l.Touches != 1 || l.Events != 2 || !l.CreatedAt.Equal(minute(5)) {
		t.Errorf("stub after its upsert: %s", mustJSON(t, l))
	}
	// The upsert may also come late, dated before the touch.
	h.send(E{"s3", event.ActivityLogged, 5, d("lead_id", "S2", "kind", "call")})
	h.send(E{"s4", event.LeadUpserted, 0, d("lead_id", "S2", "email", "sue@acme.com")})
	l = h.lead("S2")
	if l.Email != "sue@acme.com" || l.Stage != "inquiry" || !l.CreatedAt.Equal(minute(0)) || !l.FirstTouchAt.Equal(minute(5)) ||
		!l.StageEnteredAt.Equal(minute(0)) || !l.UpdatedAt.Equal(minute(5)) {
		t.Errorf("stub with a late upsert: %s", mustJSON(t, l))
	}
	if c := h.counts(); c.Leads != 2 || c.Events != 4 {
		t.Errorf("counts = %+v, want 2 leads and 4 events", c)
	}
}
