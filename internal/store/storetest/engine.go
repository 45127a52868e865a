package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/obligation"
	"github.com/accordhq/accord/internal/store"
)

// mixedAgreement judges the Mixed workload: every MQL is touched within an
// hour and worked six times in two days unless disqualified first; leads
// handed from east to west are answered within four hours; sales give
// feedback within a day. Times run around the clock.
const mixedAgreement = `name: storetest
timezone: UTC
signers: [Dana]
tiers:
  hot: score >= 60
  warm: true
sales:
  - rule: speed to lead
    when: stage == "mql"
    first_touch_within: 1h
    touches: {at_least: 6, within: 2d, before: disqualified}
    warn_before: 10m
    escalate: {after: 3h, notify: manager}
    pause_when: segment == "enterprise" and tier == "warm"
handoffs:
  - {from: east, to: west, accept_within: 4h}
feedback:
  disposition_within: 1d
`

// signedAgreement uploads body in force from long before T0 and signs it.
func signedAgreement(t *testing.T, st store.Store, body string) {
	t.Helper()
	v := upload(t, st, body, T0.Add(-365*24*time.Hour), "Dana")
	sign(t, st, v.Number, "Dana", T0.Add(-364*24*time.Hour))
}

// obligationsOf returns a lead's obligations in a fixed order: by start,
// then first touch, touches, feedback, accept.
func obligationsOf(t *testing.T, st store.Store, ref string) []*obligation.Obligation {
	t.Helper()
	obs, err := st.LeadObligations(t.Context(), ref)
	if err != nil {
		t.Fatal(err)
	}
	rank := map[obligation.Kind]int{obligation.FirstTouch: 0, obligation.Touches: 1, obligation.Feedback: 2, obligation.Accept: 3}
	slices.SortStableFunc(obs, func(a, b *obligation.Obligation) int {
		if c := a.StartedAt.Compare(b.StartedAt); c != 0 {
			return c
		}
		return rank[a.Kind] - rank[b.Kind]
	})
	return obs
}

// testObligationsFromEvents: events create, meet, move and cancel a lead's
// obligations under the agreement in force; a late event re-judges the
// lead; a merge carries obligations to the surviving lead.
func testObligationsFromEvents(t *testing.T, open Opener) {
	h := newHarness(t, open, ingest.Options{Now: func() time.Time { return T0 }})
	signedAgreement(t, h.st, mixedAgreement)
	up := func(id, lid string, at int, extra ...any) E {
		return E{ID: id, Type: event.LeadUpserted, At: at, Data: d(append([]any{"lead_id", lid, "email", lid + "@acme.com", "score", 80.0}, extra...)...)}
	}
	h.send(
		up("u1", "L1", 0),
		E{ID: "a1", Type: event.LeadAssigned, At: 0, Data: d("lead_id", "L1", "owner", "sam", "team", "east")},
		E{ID: "m1", Type: event.LeadStageChanged, At: 1, Data: d("lead_id", "L1", "stage", "mql")},
	)
	obs := obligationsOf(t, h.st, "L1")
	if len(obs) != 3 {
		t.Fatalf("an MQL with an owner has %d obligations, want 3 (first touch, touches, feedback): %+v", len(obs), obs)
	}
	for _, o := range obs {
		if o.Version != 1 || o.Status != obligation.Open || o.Owner != "sam" || o.Tier != "hot" || !o.StartedAt.Equal(minute(1)) {
			t.Errorf("new obligation %+v", o)
		}
	}
	ft := obs[0]
	if ft.Kind != obligation.FirstTouch || !ft.DueAt.Equal(minute(61)) || !ft.WarnAt.Equal(minute(51)) || !ft.EscalateAt.Equal(minute(181)) {
		t.Errorf("first touch %+v: want due at +61m, warning +51m, escalation +181m", ft)
	}
	pending := false
	if as, _ := h.st.Alerts(t.Context(), store.AlertFilter{LeadKey: "L1", Fired: &pending}); len(as) != 7 {
		t.Errorf("L1 has %d pending alerts, want 7 (first touch 3, touches 3, feedback 1)", len(as))
	}
	// A touch meets the first touch; the cadence counts it.
	h.send(E{ID: "t1", Type: event.ActivityLogged, At: 20, Data: d("lead_id", "L1", "kind", "call")})
	obs = obligationsOf(t, h.st, "L1")
	if obs[0].Status != obligation.Met || obs[0].Business != 19*time.Minute || obs[1].Done != 1 {
		t.Errorf("after a touch: first touch %s in %v, cadence %d done", obs[0].Status, obs[0].Business, obs[1].Done)
	}
	// A touch that happened earlier arrives late: the lead is re-judged
	// from its whole history, and the first touch was at minute 5.
	h.send(E{ID: "t0", Type: event.ActivityLogged, At: 5, Data: d("lead_id", "L1", "kind", "email")})
	obs = obligationsOf(t, h.st, "L1")
	if obs[0].Business != 4*time.Minute || obs[0].CloseBy != "t0" || obs[1].Done != 2 {
		t.Errorf("after a late touch: first touch closed by %s in %v, cadence %d done", obs[0].CloseBy, obs[0].Business, obs[1].Done)
	}
	// Handed from east to west: an acceptance obligation for the new owner,
	// and the open ones move to her.
	h.send(E{ID: "a2", Type: event.LeadAssigned, At: 30, Data: d("lead_id", "L1", "owner", "kim", "team", "west")})
	obs = obligationsOf(t, h.st, "L1")
	if len(obs) != 4 || obs[3].Kind != obligation.Accept || obs[3].Owner != "kim" || obs[1].Owner != "kim" || obs[1].Moves != 1 {
		t.Fatalf("after a handoff: %+v", obs)
	}
	// Disqualified after two touches: the cadence is breached, feedback met,
	// and the acceptance is answered.
	h.send(E{ID: "x1", Type: event.LeadDisposition, At: 40, Data: d("lead_id", "L1", "disposition", "disqualified")})
	obs = obligationsOf(t, h.st, "L1")
	if obs[1].Status != obligation.Breached || obs[2].Status != obligation.Met || obs[3].Status != obligation.Open {
		t.Errorf("after disqualification: cadence %s, feedback %s, accept %s", obs[1].Status, obs[2].Status, obs[3].Status)
	}
	if as, _ := h.st.Alerts(t.Context(), store.AlertFilter{LeadKey: "L1", Fired: &pending}); len(as) != 1 {
		t.Errorf("L1 has %d pending alerts, want 1 (the acceptance's breach)", len(as))
	}
	// Another door of the same person, with an MQL of its own, merges: the
	// obligations are judged again on the joined history under L1.
	h.send(up("u2", "L2", 50), E{ID: "m2", Type: event.LeadStageChanged, At: 51, Data: d("lead_id", "L2", "stage", "mql")})
	h.send(up("u3", "L2", 52, "email", "L1@acme.com"))
	if obs := obligationsOf(t, h.st, "L2"); len(obs) == 0 || obs[0].LeadKey != "L1" {
		t.Errorf("after the merge L2's obligations are %+v; want L1's", obs)
	}
	// Stage moves on: the open rule obligations are cancelled.
	h.send(E{ID: "s1", Type: event.LeadStageChanged, At: 60, Data: d("lead_id", "L1", "stage", "sql")})
	for _, o := range obligationsOf(t, h.st, "L1") {
		if o.Status == obligation.Open && o.Kind != obligation.Accept {
			t.Errorf("still open after the stage moved on: %+v", o)
		}
	}
}
