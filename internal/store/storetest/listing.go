package storetest

import (
	"bytes"
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

// listed is what the listing test expects of one lead.
type listed struct {
	id                                  string
	stage, owner, team, source, segment string
	created, updated                    time.Time
}

func testListing(t *testing.T, open Opener) {
	h := newHarness(t, open, ingest.Options{})
	stages := []string{"inquiry", "mql", "sql"}
	owners := []string{"", "sam", "kim"}
	teams := map[string]string{"sam": "east", "kim": "west"}
	sources := []string{"webinar", "ads", "events", "partner"}
	segments := []string{"smb", "enterprise"}

	var evs []E
	var model []listed
	for i := range 25 {
		// Pairs of leads share a creation time, so the lead id has to break
		// ties; ids are not in creation order.
		id := fmt.Sprintf("L%02d", (i*7)%25)
		created := (i / 2) * 10
		l := listed{id: id, stage: stages[i%3], owner: owners[i%3], source: sources[i%4], segment: segments[i%2],
			created: minute(created), updated: minute(created)}
		evs = append(evs, E{id + "-up", event.LeadUpserted, created, d("lead_id", id, "email", id+"@acme.com",
			"source", l.source, "segment", l.segment)})
		if l.stage != "inquiry" {
			l.updated = minute(created + 1)
			evs = append(evs, E{id + "-st", event.LeadStageChanged, created + 1, d("lead_id", id, "stage", l.stage)})
		}
		if l.owner != "" {
			l.team = teams[l.owner]
			l.updated = minute(created + 2)
			evs = append(evs, E{id + "-as", event.LeadAssigned, created + 2, d("lead_id", id, "owner", l.owner, "team", l.team)})
		}
		if i%5 == 0 {
			l.updated = minute(1000 + i)
			evs = append(evs, E{id + "-act", event.ActivityLogged, 1000 + i, d("lead_id", id, "kind", "call")})
		}
		model = append(model, l)
	}
	// Two batches, the second holding the older half, so arrival order is
	// not creation order either.
	h.send(evs[len(evs)/2:]...)
	h.send(evs[:len(evs)/2]...)

	for _, tc := range []struct {
		name string
		f    store.LeadFilter
		keep func(listed) bool
	}{
		{"all", store.LeadFilter{}, func(listed) bool { return true }},
		{"stage", store.LeadFilter{Stage: "mql"}, func(l listed) bool { return l.stage == "mql" }},
		{"owner", store.LeadFilter{Owner: "sam"}, func(l listed) bool { return l.owner == "sam" }},
		{"team", store.LeadFilter{Team: "west"}, func(l listed) bool { return l.team == "west" }},
		{"source", store.LeadFilter{Source: "ads"}, func(l listed) bool { return l.source == "ads" }},
		{"segment", store.LeadFilter{Segment: "enterprise"}, func(l listed) bool { return l.segment == "enterprise" }},
		{"created range", store.LeadFilter{CreatedFrom: minute(30), CreatedTo: minute(80)},
			func(l listed) bool { return !l.created.Before(minute(30)) && l.created.Before(minute(80)) }},
		{"updated since", store.LeadFilter{UpdatedFrom: minute(1000)}, func(l listed) bool { return !l.updated.Before(minute(1000)) }},
		{"updated before", store.LeadFilter{UpdatedTo: minute(61)}, func(l listed) bool { return l.updated.Before(minute(61)) }},
		{"stage and owner", store.LeadFilter{Stage: "sql", Owner: "kim"}, func(l listed) bool { return l.stage == "sql" && l.owner == "kim" }},
		{"nothing matches", store.LeadFilter{Source: "radio"}, func(listed) bool { return false }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want []string
			for _, l := range model {
				if tc.keep(l) {
					want = append(want, l.id)
				}
			}
			byCreated := map[string]time.Time{}
			for _, l := range model {
				byCreated[l.id] = l.created
			}
			slices.SortFunc(want, func(a, b string) int {
				if c := byCreated[b].Compare(byCreated[a]); c != 0 {
					return c
				}
				return strings.Compare(b, a)
			})
			for _, limit := range []int{3, 4, 100} {
				got, pages := pageLeads(t, h, tc.f, limit)
				if !slices.Equal(got, want) {
					t.Errorf("limit %d: listed %v, want %v", limit, got, want)
				}
				if limit == 3 && tc.name == "all" && pages <= 2 {
					t.Errorf("only %d pages: the test must page more than twice", pages)
				}
			}
		})
	}
}

// pageLeads lists every lead matching f, limit at a time, following cursors.
func pageLeads(t *testing.T, h *harness, f store.LeadFilter, limit int) ([]string, int) {
	t.Helper()
	var ids []string
	pages := 0
	f.Limit = limit
	for {
		page, err := h.st.Leads(t.Context(), f)
		if err != nil {
			t.Fatalf("Leads(%+v): %v", f, err)
		}
		pages++
		for _, l := range page {
			ids = append(ids, l.LeadID)
		}
		if len(page) < limit {
			return ids, pages
		}
		if pages > 100 {
			t.Fatal("listing does not end")
		}
		last := page[len(page)-1]
		f.After = &store.Cursor{CreatedAt: last.CreatedAt, LeadID: last.LeadID}
	}
}

func testEventsPaging(t *testing.T, open Opener) {
	h := newHarness(t, open, ingest.Options{})
	var sent []string
	for b := range 6 {
		var evs []E
		for i := range 7 {
			n := b*7 + i
			id := fmt.Sprintf("ev-%02d", n)
			// Occurred times run backwards, so seq order is not time order.
			evs = append(evs, E{id, event.ActivityLogged, 500 - n, d("lead_id", fmt.Sprintf("L%d", n%5), "kind", "email")})
			sent = append(sent, id)
		}
		if b > 0 {
			evs = append(evs, E{"ev-00", event.ActivityLogged, 500, d("lead_id", "L0", "kind", "email")}) // a retry
		}
		h.send(evs...)
	}
	// Sub-microsecond digits and a zone offset: stored to the microsecond,
	// read back in UTC.
	rep := h.sendBody(`[{"id":"precise","type":"person.upserted","occurred_at":"2026-03-02T11:00:00.123456789+02:00","data":{"person_id":"sam"}}]`)
	wantStatuses(t, rep, acc)
	sent = append(sent, "precise")

	for _, limit := range []int{1, 5, 7, 1000} {
		var ids []string
		var after int64
		for {
			evs, err := h.st.EventsAfter(t.Context(), after, limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) > limit {
				t.Fatalf("EventsAfter(%d, %d) returned %d events", after, limit, len(evs))
			}
			if len(evs) == 0 {
				break
			}
			for _, e := range evs {
				if e.Seq <= after {
					t.Fatalf("limit %d: seq %d after %d: not in seq order", limit, e.Seq, after)
				}
				after = e.Seq
				ids = append(ids, e.ID)
			}
		}
		if !slices.Equal(ids, sent) {
			t.Errorf("limit %d: paged %v, want %v", limit, ids, sent)
		}
	}
	if c := h.counts(); c.Events != int64(len(sent)) {
		t.Errorf("Counts().Events = %d, want %d", c.Events, len(sent))
	}

	all := h.allEvents()
	last := all[len(all)-1]
	wantAt := time.Date(2026, 3, 2, 9, 0, 0, 123456000, time.UTC)
	if !last.OccurredAt.Equal(wantAt) || last.OccurredAt.Location() != time.UTC || last.OccurredAt.Nanosecond() != 123456000 ||
		last.ReceivedAt.Location() != time.UTC || !last.ReceivedAt.Equal(Now) || last.Type != event.PersonUpserted ||
		!bytes.Equal(last.Data, []byte(`{"person_id":"sam"}`)) || last.LeadKey != "" {
		t.Errorf("stored event = %s, want occurred_at %v (UTC) and data as sent", mustJSON(t, last), wantAt)
	}
	first := all[0]
	if first.ID != "ev-00" || first.LeadKey != "L0" || first.Seq != 1 || !bytes.Equal(first.Data, []byte(`{"lead_id":"L0","kind":"email"}`)) {
		t.Errorf("first stored event = %s", mustJSON(t, first))
	}
	// Events filed under a lead come back in history order.
	evs, err := h.st.LeadEvents(t.Context(), "L1")
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for i, e := range lead.SortHistory(evs) {
		got, want = append(got, evs[i].ID), append(want, e.ID)
	}
	if len(evs) == 0 || !slices.Equal(got, want) {
		t.Errorf("LeadEvents(L1) = %v, want history order %v", got, want)
	}
	if l := h.lead("L1"); l.Touches != len(evs) || !l.CreatedAt.Equal(evs[0].OccurredAt) {
		t.Errorf("L1 = %s", mustJSON(t, l))
	}
}
