package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/store"
)

func testOpportunities(t *testing.T, open Opener) {
	h := newHarness(t, open, ingest.Options{})
	ctx := t.Context()
	// The CRM reports the win before it says which lead the deal came from.
	wantStatuses(t, h.send(E{"o1", event.OpportunityClosed, 30, d("opportunity_id", "O1", "outcome", "Won", "amount", 5000)}), acc)
	if c := h.counts(); c.Opportunities != 1 || c.Leads != 0 {
		t.Fatalf("after a close of an unknown deal: %+v; want 1 opportunity, 0 leads", c)
	}
	h.send(E{"o2", event.LeadUpserted, 0, d("lead_id", "L1", "email", "ann@acme.com")})
	h.send(E{"o3", event.OpportunityUpserted, 20, d("opportunity_id", "O1", "lead_id", "L1", "name", "Acme pilot", "amount", 4000, "currency", "usd")})
	h.send(
		E{"o4", event.OpportunityUpserted, 40, d("opportunity_id", "O2", "lead_id", "L1", "amount", 900)},
		E{"o5", event.OpportunityClosed, 50, d("opportunity_id", "O2", "outcome", "lost", "reason", "budget")},
		// A deal for a lead never seen starts that lead.
		E{"o6", event.OpportunityUpserted, 60, d("opportunity_id", "O3", "lead_id", "L9")},
	)
	opps, err := h.st.LeadOpportunities(ctx, "L1")
	if err != nil {
		t.Fatal(err)
	}
	if len(opps) != 2 {
		t.Fatalf("LeadOpportunities(L1) = %s, want O1 and O2", mustJSON(t, opps))
	}
	o1, o2 := opps[0], opps[1]
	if o1.OpportunityID != "O1" || o1.LeadID != "L1" || o1.Status != "won" || o1.Amount == nil || *o1.Amount != 5000 ||
		o1.Name != "Acme pilot" || o1.Currency != "USD" || o1.ClosedAt == nil || !o1.ClosedAt.Equal(minute(30)) ||
		!o1.CreatedAt.Equal(minute(20)) || o1.Events != 2 {
		t.Errorf("O1 = %s", mustJSON(t, o1))
	}
	if o2.OpportunityID != "O2" || o2.Status != "lost" || o2.CloseReason != "budget" || o2.Amount == nil || *o2.Amount != 900 {
		t.Errorf("O2 = %s", mustJSON(t, o2))
	}
	// The close that came first is now part of the lead's history, in place.
	if got, want := h.eventIDs("L1"), []string{"o2", "o3", "o1", "o4", "o5"}; !slices.Equal(got, want) {
		t.Errorf("LeadEvents(L1) = %v, want %v", got, want)
	}
	if l := h.lead("L1"); l.Events != 5 {
		t.Errorf("L1 counts %d events, want 5", l.Events)
	}
	if l := h.lead("L9"); l.Events != 1 {
		t.Errorf("L9 counts %d events, want 1", l.Events)
	}
	if c := h.counts(); c != (store.Counts{Events: 6, Leads: 2, Opportunities: 3}) {
		t.Errorf("counts = %+v, want 6 events, 2 leads, 3 opportunities", c)
	}
}

func testPeople(t *testing.T, open Opener) {
	h := newHarness(t, open, ingest.Options{})
	h.send(
		E{"p1", event.PersonUpserted, 0, d("person_id", "sam", "name", "Sam Ode", "team", "east", "role", "sdr", "timezone", "America/New_York")},
		E{"p2", event.PersonUpserted, 0, d("person_id", "kim", "name", "Kim Lo", "team", "east", "role", "manager")},
	)
	h.send(E{"p3", event.PersonUpserted, 10, d("person_id", "sam", "team", "west", "manager", "kim")})
	// An older update arriving late does not undo a newer one.
	h.send(E{"p4", event.PersonUpserted, 5, d("person_id", "sam", "team", "north")})
	h.send(E{"p5", event.PersonUpserted, 20, d("person_id", "kim", "active", false)})
	ps, err := h.st.People(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].PersonID != "kim" || ps[1].PersonID != "sam" {
		t.Fatalf("People() = %s, want kim and sam, by id", mustJSON(t, ps))
	}
	kim, sam := ps[0], ps[1]
	if sam.Team != "west" || sam.Manager != "kim" || sam.Name != "Sam Ode" || sam.Timezone != "America/New_York" ||
		!sam.Active || !sam.UpdatedAt.Equal(minute(10)) {
		t.Errorf("sam = %s", mustJSON(t, sam))
	}
	if kim.Active || kim.Role != "manager" {
		t.Errorf("kim = %s", mustJSON(t, kim))
	}
	if c := h.counts(); c.People != 2 || c.Leads != 0 {
		t.Errorf("counts = %+v, want 2 people and no leads", c)
	}
}

func testTokens(t *testing.T, open Opener) {
	st := open(t)
	ctx := t.Context()
	// A creation time with nanoseconds, in a zone: stored to the
	// microsecond and read back in UTC on every backend.
	created := time.Date(2026, 3, 2, 10, 0, 0, 123456789, time.FixedZone("CET", 3600))
	a := store.Token{ID: "tok_a", Name: "CRM sync", Role: "writer", Hash: "hash-a", CreatedAt: created}
	b := store.Token{ID: "tok_b", Name: "Wall display", Role: "viewer", Hash: "hash-b", CreatedAt: created.Add(time.Hour)}
	for _, tok := range []store.Token{b, a} {
		if err := st.CreateToken(ctx, tok, "test setup"); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.CreateToken(ctx, store.Token{ID: "tok_c", Name: "copy", Role: "viewer", Hash: "hash-a", CreatedAt: created}, "test"); err == nil {
		t.Error("a second token with the same secret hash was accepted")
	}
	got, err := st.TokenByHash(ctx, "hash-a")
	if err != nil {
		t.Fatal(err)
	}
	want := a
	want.CreatedAt = created.UTC().Truncate(time.Microsecond)
	if got != want || got.CreatedAt.Location() != time.UTC {
		t.Errorf("TokenByHash = %+v, want %+v", got, want)
	}
	if _, err := st.TokenByHash(ctx, "hash-unknown"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("TokenByHash(unknown) error = %v, want ErrNotFound", err)
	}
	list, err := st.Tokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != "tok_a" || list[1].ID != "tok_b" || list[0].Hash != "" {
		t.Errorf("Tokens() = %+v, want tok_a then tok_b, without hashes", list)
	}
	if err := st.RevokeToken(ctx, "tok_a", created.Add(2*time.Hour), "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.TokenByHash(ctx, "hash-a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a revoked token still authenticates: %v", err)
	}
	if err := st.RevokeToken(ctx, "tok_a", created, "test"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoking twice: %v, want ErrNotFound", err)
	}
	if list, _ := st.Tokens(ctx); len(list) != 1 || list[0].ID != "tok_b" {
		t.Errorf("Tokens() after revoking tok_a = %+v", list)
	}
}

// testOpportunityMoves re-attributes a deal: the lead that only existed
// because of it has nothing left and goes away, and comes back fresh with
// its own next event.
func testOpportunityMoves(t *testing.T, open Opener) {
	h := newHarness(t, open, ingest.Options{})
	h.send(E{"m1", event.OpportunityUpserted, 10, d("opportunity_id", "O7", "lead_id", "X1", "amount", 100)})
	if l := h.lead("X1"); l.Events != 1 {
		t.Fatalf("X1 = %s, want a stub with 1 event", mustJSON(t, l))
	}
	h.send(E{"m2", event.OpportunityUpserted, 20, d("opportunity_id", "O7", "lead_id", "X2")})
	h.noLead("X1")
	if got, want := h.eventIDs("X2"), []string{"m1", "m2"}; !slices.Equal(got, want) {
		t.Errorf("LeadEvents(X2) = %v, want %v", got, want)
	}
	if c := h.counts(); c.Leads != 1 || c.Opportunities != 1 {
		t.Errorf("counts = %+v, want 1 lead and 1 opportunity", c)
	}
	h.send(E{"m3", event.ActivityLogged, 30, d("lead_id", "X1", "kind", "call")})
	if l := h.lead("X1"); l.Events != 1 || l.Touches != 1 || !l.CreatedAt.Equal(minute(30)) {
		t.Errorf("X1 after its own event = %s, want a fresh lead created at minute 30", mustJSON(t, l))
	}
	if got := h.eventIDs("X1"); !slices.Equal(got, []string{"m3"}) {
		t.Errorf("LeadEvents(X1) = %v, want [m3]", got)
	}
}
