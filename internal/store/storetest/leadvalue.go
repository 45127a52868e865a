package storetest

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/store"
)

// leadValues reads LeadValues and renders each row on a line.
func leadValues(t *testing.T, st store.Store, from, to time.Time) []string {
	t.Helper()
	vs, err := st.LeadValues(t.Context(), from, to)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = leadValueLine(v)
	}
	return out
}

func leadValueLine(v store.LeadValue) string {
	return fmt.Sprintf("%s %s source=%q offer=%q campaign=%q segment=%q seniority=%q won=%d cents=%d",
		v.Key, v.CreatedAt.UTC().Format(time.RFC3339Nano), v.Source, v.Offer, v.Campaign, v.Segment, v.Seniority, v.Won, v.BookingsCents)
}

// testLeadValues: each lead created in the window, with the source, offer
// and campaign it first came in under, its segment and seniority now, and
// the amounts of its won deals (not lost or open ones, and not a deal of
// a lead created outside the window), each rounded to cents; deals that
// move between leads and merged leads follow. Then, on a random history,
// the one query agrees with the lead and opportunity reads, before and
// after a rebuild.
func testLeadValues(t *testing.T, open Opener) {
	t.Run("by hand", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, open, ingest.Options{})
		const dayMin = 24 * 60
		h.send(
			E{ID: "old", Type: event.LeadUpserted, At: -2 * dayMin, Data: d("lead_id", "OLD", "email", "old@x.com", "source", "ads")},
			E{ID: "old-o", Type: event.OpportunityUpserted, At: -dayMin, Data: d("opportunity_id", "OO", "lead_id", "OLD", "amount", 999.0)},
			E{ID: "old-c", Type: event.OpportunityClosed, At: 10, Data: d("opportunity_id", "OO", "outcome", "won")},

			E{ID: "a1", Type: event.LeadUpserted, At: 0, Data: d("lead_id", "A", "email", "a@x.com", "source", "webinar", "offer", "demo",
				"campaign", "spring", "segment", "smb", "seniority", "vp")},
			E{ID: "a2", Type: event.LeadUpserted, At: 60, Data: d("lead_id", "A", "source", "ads", "offer", "trial", "campaign", "fall",
				"segment", "enterprise", "seniority", "c-level")},
			// Two won (one of 0.125: 12.5 cents, rounded away from zero),
			// one lost, one open, and one won without an amount.
			E{ID: "oa1", Type: event.OpportunityUpserted, At: 100, Data: d("opportunity_id", "OA1", "lead_id", "A", "amount", 1234.56)},
			E{ID: "ca1", Type: event.OpportunityClosed, At: 200, Data: d("opportunity_id", "OA1", "outcome", "won")},
			E{ID: "oa2", Type: event.OpportunityUpserted, At: 100, Data: d("opportunity_id", "OA2", "lead_id", "A", "amount", 0.125)},
			E{ID: "ca2", Type: event.OpportunityClosed, At: 300, Data: d("opportunity_id", "OA2", "outcome", "won")},
			E{ID: "oa3", Type: event.OpportunityUpserted, At: 100, Data: d("opportunity_id", "OA3", "lead_id", "A", "amount", 500.0)},
			E{ID: "ca3", Type: event.OpportunityClosed, At: 300, Data: d("opportunity_id", "OA3", "outcome", "lost")},
			E{ID: "oa4", Type: event.OpportunityUpserted, At: 100, Data: d("opportunity_id", "OA4", "lead_id", "A", "amount", 700.0)},
			E{ID: "oa5", Type: event.OpportunityUpserted, At: 100, Data: d("opportunity_id", "OA5", "lead_id", "A")},
			E{ID: "ca5", Type: event.OpportunityClosed, At: 400, Data: d("opportunity_id", "OA5", "outcome", "won")},

			E{ID: "b1", Type: event.LeadUpserted, At: dayMin, Data: d("lead_id", "B", "email", "b@x.com")},
			// A deal won before anyone said whose it was, with its amount
			// on the close; then it is named B's.
			E{ID: "cx", Type: event.OpportunityClosed, At: dayMin + 10, Data: d("opportunity_id", "OX", "outcome", "won", "amount", 40.0)},
			// A stub: only an activity.
			E{ID: "s1", Type: event.ActivityLogged, At: 2 * dayMin, Data: d("lead_id", "S", "kind", "call")},
			E{ID: "m1", Type: event.LeadUpserted, At: 3 * dayMin, Data: d("lead_id", "M", "email", "m@x.com", "source", "events")},
			E{ID: "om", Type: event.OpportunityUpserted, At: 3*dayMin + 5, Data: d("opportunity_id", "OM", "lead_id", "M", "amount", 250.0)},
			E{ID: "cm", Type: event.OpportunityClosed, At: 3*dayMin + 50, Data: d("opportunity_id", "OM", "outcome", "won")},
		)
		h.send(E{ID: "ox", Type: event.OpportunityUpserted, At: dayMin + 20, Data: d("opportunity_id", "OX", "lead_id", "B")})

		at := func(m int) string { return minute(m).Format(time.RFC3339Nano) }
		lineA := `A ` + at(0) + ` source="webinar" offer="demo" campaign="spring" segment="enterprise" seniority="c-level" won=3 cents=123469`
		want := []string{
			lineA,
			`B ` + at(dayMin) + ` source="" offer="" campaign="" segment="" seniority="" won=1 cents=4000`,
			`S ` + at(2*dayMin) + ` source="" offer="" campaign="" segment="" seniority="" won=0 cents=0`,
		}
		// The window is half open: A at its start is in, M at its end out.
		if got := leadValues(t, h.st, T0, day(3)); !slices.Equal(got, want) {
			t.Errorf("LeadValues(T0, T0+3d):\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
		}
		wantM := `M ` + at(3*dayMin) + ` source="events" offer="" campaign="" segment="" seniority="" won=1 cents=25000`
		if got := leadValues(t, h.st, T0, day(30)); !slices.Equal(got, append(want, wantM)) {
			t.Errorf("LeadValues(T0, T0+30d):\n got %s", strings.Join(got, "\n     "))
		}
		if got := leadValues(t, h.st, day(-3), T0); len(got) != 1 || !strings.HasPrefix(got[0], "OLD ") || !strings.HasSuffix(got[0], "won=1 cents=99900") {
			t.Errorf("LeadValues before T0: %v", got)
		}
		if got := leadValues(t, h.st, day(10), day(20)); len(got) != 0 {
			t.Errorf("an empty window: %v", got)
		}

		// M turns out to be A: one lead (whichever survives) with all
		// four won deals.
		h.send(E{ID: "m2", Type: event.LeadUpserted, At: 3*dayMin + 60, Data: d("lead_id", "M", "email", "a@x.com")})
		vs, err := h.st.LeadValues(t.Context(), T0, day(30))
		if err != nil {
			t.Fatal(err)
		}
		var merged *store.LeadValue
		for i, v := range vs {
			if v.Key == "A" || v.Key == "M" {
				if merged != nil {
					t.Fatalf("A and M both still listed after the merge: %v", leadValues(t, h.st, T0, day(30)))
				}
				merged = &vs[i]
			}
		}
		if len(vs) != 3 || merged == nil || merged.Won != 4 || merged.BookingsCents != 123469+25000 {
			t.Errorf("after the merge: %v", leadValues(t, h.st, T0, day(30)))
		}
	})

	t.Run("agrees with the lead reads", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, open, ingest.Options{})
		for _, body := range Mixed(7, 400) {
			h.sendBody(string(body))
		}
		from, to := day(-2), day(5)
		got := leadValues(t, h.st, from, to)
		want := expectedLeadValues(t, h.st, from, to)
		if len(want) < 5 || !slices.ContainsFunc(want, func(s string) bool { return !strings.HasSuffix(s, "cents=0") }) {
			t.Fatalf("scenario too thin: %v", want)
		}
		sameText(t, "LeadValues and the leads with their opportunities", strings.Join(got, "\n"), strings.Join(want, "\n"))
		// A window cutting through the history.
		mid := minute(60)
		sameText(t, "LeadValues of an hour", strings.Join(leadValues(t, h.st, T0, mid), "\n"),
			strings.Join(expectedLeadValues(t, h.st, T0, mid), "\n"))
		if _, err := h.svc.Rebuild(t.Context(), 0, nil); err != nil {
			t.Fatal(err)
		}
		sameText(t, "LeadValues after a rebuild", strings.Join(leadValues(t, h.st, from, to), "\n"), strings.Join(got, "\n"))
	})
}

// expectedLeadValues works LeadValues out from the store's other reads:
// the leads listed as created in the window, and each one's opportunities.
func expectedLeadValues(t *testing.T, st store.Store, from, to time.Time) []string {
	t.Helper()
	ls, err := st.Leads(t.Context(), store.LeadFilter{CreatedFrom: from, CreatedTo: to, Limit: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	first := func(orig, latest string) string {
		if orig != "" {
			return orig
		}
		return latest
	}
	var out []store.LeadValue
	for _, l := range ls {
		v := store.LeadValue{Key: l.LeadID, CreatedAt: l.CreatedAt, Source: first(l.OriginalSource, l.Source),
			Offer: first(l.OriginalOffer, l.Offer), Campaign: first(l.OriginalCampaign, l.Campaign), Segment: l.Segment, Seniority: l.Seniority}
		os, err := st.LeadOpportunities(t.Context(), l.LeadID)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range os {
			if o.Status != "won" {
				continue
			}
			v.Won++
			if o.Amount != nil {
				v.BookingsCents += int64(math.Round(*o.Amount * 100))
			}
		}
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b store.LeadValue) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	lines := make([]string, len(out))
	for i, v := range out {
		lines[i] = leadValueLine(v)
	}
	return lines
}
