package storetest

import (
	"testing"

	"github.com/accordhq/accord/internal/daily"
	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/store"
)

// atoms reads the atoms of one dimension as "metric value day" → cell.
func atoms(t *testing.T, st store.Store, dim string) map[[3]string]daily.Cell {
	t.Helper()
	rows, err := st.Daily(t.Context(), store.DailyFilter{Dim: dim})
	if err != nil {
		t.Fatal(err)
	}
	out := map[[3]string]daily.Cell{}
	for _, r := range rows {
		out[[3]string{r.Metric, r.Value, r.Day}] = r.Cell
	}
	return out
}

// testDailyAtoms: the atoms follow what users would count by hand as
// leads move through stages, change hands, merge, and win deals.
func testDailyAtoms(t *testing.T, open Opener) {
	h := newHarness(t, open, ingest.Options{})
	d0, d1 := T0.Format("2006-01-02"), day(1).Format("2006-01-02")
	h.send(
		E{ID: "u1", Type: event.LeadUpserted, At: 0, Data: d("lead_id", "A", "email", "a@x.com", "source", "webinar")},
		E{ID: "s1", Type: event.LeadStageChanged, At: 10, Data: d("lead_id", "A", "stage", "mql")},
		E{ID: "o1", Type: event.LeadAssigned, At: 11, Data: d("lead_id", "A", "owner", "sam", "team", "sdr")},
		E{ID: "u2", Type: event.LeadUpserted, At: 0, Data: d("lead_id", "B", "email", "b@x.com", "source", "ads")},
		E{ID: "t1", Type: event.ActivityLogged, At: 20, Data: d("lead_id", "A", "kind", "call", "actor", "sam")},
		E{ID: "t2", Type: event.ActivityLogged, At: 24*60 + 5, Data: d("lead_id", "B", "kind", "email", "actor", "kim")},
	)
	all := atoms(t, h.st, daily.All)
	if all[[3]string{"inquiry", "", d0}].N != 2 || all[[3]string{"mql", "", d0}].N != 1 ||
		all[[3]string{"activity.call", "", d0}].N != 1 || all[[3]string{"activity.email", "", d1}].N != 1 {
		t.Fatalf("totals after the first batch: %v", all)
	}
	if by := atoms(t, h.st, daily.Owner); by[[3]string{"mql", "sam", d0}].N != 1 || by[[3]string{"activity.email", "kim", d1}].N != 1 {
		t.Errorf("by owner: %v", by)
	}
	// Reassigned: sam's MQL becomes kim's; the day stays the day it happened.
	h.send(E{ID: "o2", Type: event.LeadAssigned, At: 60, Data: d("lead_id", "A", "owner", "kim", "team", "sdr")})
	if by := atoms(t, h.st, daily.Owner); by[[3]string{"mql", "sam", d0}].N != 0 || by[[3]string{"mql", "kim", d0}].N != 1 {
		t.Errorf("after the reassignment, by owner: %v", by)
	}
	// A deal won the next day, 1,234.56 of bookings credited to the webinar.
	h.send(
		E{ID: "p1", Type: event.OpportunityUpserted, At: 100, Data: d("opportunity_id", "O1", "lead_id", "A", "amount", 1234.56, "owner", "ava", "product", "pro", "stage", "Proposal")},
		E{ID: "c1", Type: event.OpportunityClosed, At: 24*60 + 30, Data: d("opportunity_id", "O1", "outcome", "won")},
	)
	src := atoms(t, h.st, daily.Source)
	if c := src[[3]string{"bookings", "webinar", d1}]; c.N != 1 || c.Cents != 123456 {
		t.Errorf("bookings by source on day 1: %+v", c)
	}
	if src[[3]string{"opportunities_opened", "webinar", d0}].N != 1 || src[[3]string{"proposals", "webinar", d0}].N != 1 {
		t.Errorf("opportunities by source: %v", src)
	}
	if p := atoms(t, h.st, daily.Product); p[[3]string{"won", "pro", d1}].N != 1 {
		t.Errorf("by product: %v", p)
	}
	// B turns out to be A (same person, email changed onto A's): B merges
	// into A or A into B; either way one person is counted once, and the
	// deal stays credited once.
	h.send(E{ID: "u3", Type: event.LeadUpserted, At: 200, Data: d("lead_id", "B", "email", "a@x.com")})
	all = atoms(t, h.st, daily.All)
	if all[[3]string{"inquiry", "", d0}].N != 1 {
		t.Errorf("after the merge, inquiries on day 0 = %d, want 1", all[[3]string{"inquiry", "", d0}].N)
	}
	if c := all[[3]string{"bookings", "", d1}]; c.N != 1 || c.Cents != 123456 {
		t.Errorf("after the merge, bookings on day 1 = %+v", c)
	}
	if all[[3]string{"activity.email", "", d1}].N != 1 || all[[3]string{"activity.call", "", d0}].N != 1 {
		t.Errorf("after the merge activities changed: %v", all)
	}
	// A stage change that happened before the MQL arrives late: the lead
	// entered "lead" on day 0 too.
	h.send(E{ID: "s0", Type: event.LeadStageChanged, At: 5, Data: d("lead_id", "A", "stage", "lead")})
	if all = atoms(t, h.st, daily.All); all[[3]string{"lead", "", d0}].N != 1 || all[[3]string{"mql", "", d0}].N != 1 {
		t.Errorf("after a late stage: %v", all)
	}
	checkDaily(t, h.st, h.allEvents())
}

// testDailySummed: a period's totals read summed equal the per-day atoms
// added up by hand, a prefix keeps exactly the metrics named by it, and
// atoms that add up to nothing are left out.
func testDailySummed(t *testing.T, open Opener) {
	h := newHarness(t, open, ingest.Options{})
	var evs []E
	for i, src := range []string{"ads", "ads", "webinar", "ads", "seo"} {
		id := string(rune('A' + i))
		at := i * 24 * 60 // one lead a day
		evs = append(evs,
			E{ID: "u" + id, Type: event.LeadUpserted, At: at, Data: d("lead_id", id, "email", id+"@x.com", "source", src)},
			E{ID: "s" + id, Type: event.LeadStageChanged, At: at + 10, Data: d("lead_id", id, "stage", "mql")},
			E{ID: "c" + id, Type: event.ActivityLogged, At: at + 20, Data: d("lead_id", id, "kind", "call", "actor", "sam")},
		)
		if i%2 == 0 {
			evs = append(evs,
				E{ID: "o" + id, Type: event.OpportunityUpserted, At: at + 30, Data: d("opportunity_id", "O"+id, "lead_id", id, "amount", 100.5, "stage", "Proposal")},
				E{ID: "w" + id, Type: event.OpportunityClosed, At: at + 24*60*(i+1), Data: d("opportunity_id", "O"+id, "outcome", "won")})
		}
	}
	h.send(evs...)
	from, to := day(1).Format("2006-01-02"), day(9).Format("2006-01-02")
	for _, dim := range []string{daily.All, daily.Source} {
		rows, err := h.st.Daily(t.Context(), store.DailyFilter{Dim: dim, From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		want := map[[2]string]daily.Cell{}
		for _, r := range rows {
			c := want[[2]string{r.Metric, r.Value}]
			c.N, c.Cents = c.N+r.N, c.Cents+r.Cents
			want[[2]string{r.Metric, r.Value}] = c
		}
		sums, err := h.st.Daily(t.Context(), store.DailyFilter{Dim: dim, From: from, To: to, Summed: true})
		if err != nil {
			t.Fatal(err)
		}
		got := map[[2]string]daily.Cell{}
		for _, r := range sums {
			if r.Day != "" || r.Dim != dim {
				t.Errorf("summed row %+v: want dim %q and no day", r, dim)
			}
			got[[2]string{r.Metric, r.Value}] = r.Cell
		}
		if len(got) != len(want) || len(got) == 0 {
			t.Fatalf("dim %q: %d summed rows, want %d (and some)", dim, len(got), len(want))
		}
		for k, c := range want {
			if got[k] != c {
				t.Errorf("dim %q %v: summed %+v, by hand %+v", dim, k, got[k], c)
			}
		}
		if dim == daily.Source && got[[2]string{"mql", "ads"}].N != 2 {
			t.Errorf("MQLs from ads on days 1..8 = %d, want 2", got[[2]string{"mql", "ads"}].N)
		}
	}
	// The cycle's atoms by prefix, beside a named metric.
	rows, err := h.st.Daily(t.Context(), store.DailyFilter{Dim: daily.All, Prefix: "cycle.", Metrics: []string{"mql"}, Summed: true})
	if err != nil {
		t.Fatal(err)
	}
	var won, mqls int64
	for _, r := range rows {
		switch {
		case r.Metric == "mql":
			mqls = r.N
		case r.Metric == daily.CycleDays:
			won = r.N
		case len(r.Metric) < 6 || r.Metric[:6] != "cycle.":
			t.Errorf("prefix cycle. read %q", r.Metric)
		}
	}
	if won != 3 || mqls != 5 {
		t.Errorf("by prefix: %d won deals' cycles and %d MQLs, want 3 and 5", won, mqls)
	}
	// A lead handed from sam to kim: sam's atoms add up to zero and go.
	h.send(E{ID: "a1", Type: event.LeadAssigned, At: 9 * 24 * 60, Data: d("lead_id", "B", "owner", "sam")})
	h.send(E{ID: "a2", Type: event.LeadAssigned, At: 9*24*60 + 5, Data: d("lead_id", "B", "owner", "kim")})
	sums, err := h.st.Daily(t.Context(), store.DailyFilter{Dim: daily.Owner, Summed: true, Metrics: []string{"mql"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != 1 || sums[0].Value != "kim" || sums[0].N != 1 {
		t.Errorf("MQLs by owner after the handover: %+v, want kim's one alone", sums)
	}
}
