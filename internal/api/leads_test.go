package api_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/api"
)

// leadDetail is GET /api/v1/leads/{lead_id} as a client reads it.
type leadDetail struct {
	Lead struct {
		LeadID        string   `json:"lead_id"`
		Aliases       []string `json:"aliases"`
		Stage         string   `json:"stage"`
		Owner         string   `json:"owner"`
		Touches       int      `json:"touches"`
		ReEngagements int      `json:"re_engagements"`
		Campaign      string   `json:"campaign"`
		Events        int      `json:"events"`
	} `json:"lead"`
	History struct {
		Events []struct {
			EventID    string    `json:"event_id"`
			Type       string    `json:"type"`
			OccurredAt time.Time `json:"occurred_at"`
			ReEngage   bool      `json:"re_engagement"`
		} `json:"events"`
		Stages []struct {
			Stage     string     `json:"stage"`
			EnteredAt time.Time  `json:"entered_at"`
			LeftAt    *time.Time `json:"left_at"`
		} `json:"stages"`
		Assignments []struct {
			EventID string `json:"event_id"`
		} `json:"assignments"`
		Touches []struct {
			EventID string `json:"event_id"`
		} `json:"touches"`
		Dispositions []struct {
			EventID string `json:"event_id"`
		} `json:"dispositions"`
	} `json:"history"`
	Opportunities []struct {
		OpportunityID string   `json:"opportunity_id"`
		Status        string   `json:"status"`
		Amount        *float64 `json:"amount"`
	} `json:"opportunities"`
}

func TestLeadDetail(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		ts := newTestServer(t, b, api.DefaultLimits)
		ts.seed(t)
		// The same lead by its id, by the alias it came back under, and by
		// an id that needs escaping.
		for _, ref := range []string{"L-1", "L-1b"} {
			t.Run(ref, func(t *testing.T) {
				r := scenario{request: request{Method: "GET", Path: "/api/v1/leads/" + ref, Token: "viewer"}, Status: http.StatusOK}.run(t, ts)
				d := decode[leadDetail](t, r)
				l := d.Lead
				if l.LeadID != "L-1" || !slices.Equal(l.Aliases, []string{"L-1b"}) || l.Stage != "mql" || l.Owner != "ann" ||
					l.Touches != 2 || l.ReEngagements != 1 || l.Campaign != "spring" || l.Events != 9 {
					t.Errorf("lead = %+v", l)
				}
				var ids []string
				for i, e := range d.History.Events {
					ids = append(ids, e.EventID)
					if i > 0 && e.OccurredAt.Before(d.History.Events[i-1].OccurredAt) {
						t.Errorf("history out of order at %s", e.EventID)
					}
					if e.ReEngage != (e.EventID == "l1b-new") {
						t.Errorf("event %s: re_engagement = %v", e.EventID, e.ReEngage)
					}
				}
				// l1-email arrived last but happened before the call.
				want := []string{"l1-new", "l1-mql", "l1-own", "l1-email", "l1-call", "l1-ok", "o1-new", "o1-won", "l1b-new"}
				if !slices.Equal(ids, want) {
					t.Errorf("history = %v\nwant      %v", ids, want)
				}
				h := d.History
				if len(h.Stages) != 2 || h.Stages[0].Stage != "inquiry" || h.Stages[1].Stage != "mql" ||
					h.Stages[0].LeftAt == nil || !h.Stages[0].LeftAt.Equal(h.Stages[1].EnteredAt) || h.Stages[1].LeftAt != nil {
					t.Errorf("stages = %+v", h.Stages)
				}
				if len(h.Assignments) != 1 || h.Assignments[0].EventID != "l1-own" {
					t.Errorf("assignments = %+v", h.Assignments)
				}
				if len(h.Touches) != 2 || h.Touches[0].EventID != "l1-email" || h.Touches[1].EventID != "l1-call" {
					t.Errorf("touches = %+v", h.Touches)
				}
				if len(h.Dispositions) != 1 || h.Dispositions[0].EventID != "l1-ok" {
					t.Errorf("dispositions = %+v", h.Dispositions)
				}
				if len(d.Opportunities) != 1 || d.Opportunities[0].OpportunityID != "O-1" || d.Opportunities[0].Status != "won" ||
					d.Opportunities[0].Amount == nil || *d.Opportunities[0].Amount != 5000 {
					t.Errorf("opportunities = %+v", d.Opportunities)
				}
			})
		}
		ts.post(t, http.StatusOK, "application/json", array(ev("odd-1", "lead.upserted", "2026-03-05T09:00:00Z", `{"lead_id":"crm/42 ü?#"}`)))
		runScenarios(t, ts, []scenario{
			{Name: "escaped id", request: request{Method: "GET", Path: "/api/v1/leads/" + url.PathEscape("crm/42 ü?#"), Token: "viewer"}, Status: http.StatusOK,
				Contains: []string{`"lead_id":"crm/42 ü?#"`, `"stage":"inquiry"`, `"opportunities":[]`, `"assignments":[]`}},
			{Name: "unknown lead", request: request{Method: "GET", Path: "/api/v1/leads/L-404", Token: "viewer"}, Status: http.StatusNotFound,
				Contains: []string{`"status":404`, `"error":"no lead with id or alias \"L-404\""`}},
		})
	})
}

func TestListLeads(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		ts := newTestServer(t, b, api.DefaultLimits)
		ts.seed(t)
		type page struct {
			Leads []struct {
				LeadID string `json:"lead_id"`
			} `json:"leads"`
			NextCursor *string `json:"next_cursor"`
		}
		list := func(t *testing.T, query string) page {
			t.Helper()
			return decode[page](t, scenario{request: request{Method: "GET", Path: "/api/v1/leads?" + query, Token: "viewer"}, Status: http.StatusOK}.run(t, ts))
		}
		ids := func(p page) []string {
			out := []string{}
			for _, l := range p.Leads {
				out = append(out, l.LeadID)
			}
			return out
		}
		for _, tt := range []struct {
			query string
			want  []string
		}{
			{"", []string{"L-3", "L-2", "L-1"}},
			{"stage=mql", []string{"L-1"}},
			{"stage=sql", []string{"L-2"}},
			{"stage=inquiry", []string{"L-3"}},
			{"stage=customer", []string{}},
			{"owner=ann", []string{"L-1"}},
			{"owner=nobody", []string{}},
			{"team=ae", []string{"L-2"}},
			{"source=webinar", []string{"L-3", "L-1"}},
			{"segment=enterprise", []string{"L-3", "L-2"}},
			{"source=webinar&segment=smb", []string{"L-1"}},
			{"created_from=2026-03-02", []string{"L-3", "L-2"}},
			{"created_to=2026-03-01", []string{"L-1"}}, // a date as upper bound includes that day
			{"created_to=2026-03-02", []string{"L-2", "L-1"}},
			{"created_from=2026-03-02T00:00:00Z&created_to=2026-03-03T00:00:00Z", []string{"L-2"}},
			{"created_from=" + url.QueryEscape("2026-03-02T10:00:00+01:00"), []string{"L-3", "L-2"}},
			{"updated_from=2026-03-04", []string{"L-1"}},
			{"updated_to=2026-03-03T12:00:00Z", []string{"L-3", "L-2"}},
			{"limit=2", []string{"L-3", "L-2"}},
		} {
			t.Run(tt.query, func(t *testing.T) {
				if got := ids(list(t, tt.query)); !slices.Equal(got, tt.want) {
					t.Errorf("GET /api/v1/leads?%s = %v, want %v", tt.query, got, tt.want)
				}
			})
		}

		for _, filter := range []string{"", "source=webinar&"} {
			t.Run("cursor "+filter, func(t *testing.T) {
				var got []string
				cursor := ""
				for pages := 0; ; pages++ {
					q := filter + "limit=1"
					if cursor != "" {
						q += "&cursor=" + url.QueryEscape(cursor)
					}
					p := list(t, q)
					got = append(got, ids(p)...)
					if p.NextCursor == nil {
						if len(p.Leads) == 1 {
							t.Errorf("a full page without next_cursor")
						}
						break
					}
					cursor = *p.NextCursor
					if pages > 5 {
						t.Fatalf("paging does not end: %v", got)
					}
				}
				want := ids(list(t, filter))
				if !slices.Equal(got, want) {
					t.Errorf("paged %v, want %v", got, want)
				}
			})
		}

		runScenarios(t, ts, []scenario{
			{Name: "unknown stage", request: request{Method: "GET", Path: "/api/v1/leads?stage=hot", Token: "viewer"}, Status: http.StatusBadRequest,
				Contains: []string{`"field":"stage"`, `unknown stage \"hot\"`}},
			{Name: "bad date", request: request{Method: "GET", Path: "/api/v1/leads?created_from=March", Token: "viewer"}, Status: http.StatusBadRequest,
				Contains: []string{`"field":"created_from"`, `an RFC 3339 time or a date (2026-03-01), got \"March\"`}},
			{Name: "bad updated_to", request: request{Method: "GET", Path: "/api/v1/leads?updated_to=2026-13-01", Token: "viewer"}, Status: http.StatusBadRequest,
				Contains: []string{`"field":"updated_to"`}},
			{Name: "bad limit", request: request{Method: "GET", Path: "/api/v1/leads?limit=1001", Token: "viewer"}, Status: http.StatusBadRequest,
				Contains: []string{`"field":"limit"`, "from 1 to 1000"}},
			{Name: "bad cursor", request: request{Method: "GET", Path: "/api/v1/leads?cursor=%21%21", Token: "viewer"}, Status: http.StatusBadRequest,
				Contains: []string{`"field":"cursor"`, "not one this server returned"}},
		})
	})
}

func TestPeopleAndTeams(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		ts := newTestServer(t, b, api.DefaultLimits)
		ts.seed(t)
		// Bob leaves; a later-dated update wins, an older one does not.
		ts.post(t, http.StatusOK, "application/json", array(
			ev("p-bob-2", "person.upserted", "2026-03-05T08:00:00Z", `{"person_id":"bob","active":false}`),
			ev("p-cy-old", "person.upserted", "2026-02-01T08:00:00Z", `{"person_id":"cy","team":"sdr"}`),
		))
		runScenarios(t, ts, []scenario{
			{Name: "people", request: request{Method: "GET", Path: "/api/v1/people", Token: "viewer"}, Status: http.StatusOK,
				Contains: []string{
					`{"person_id":"ann","name":"Ann Lee","team":"sdr","role":"sdr","timezone":"America/New_York","active":true,"updated_at":"2026-03-01T08:00:00Z"}`,
					`"person_id":"bob","name":"Bob Ito","team":"sdr","role":"manager","active":false`,
					`"person_id":"cy","name":"Cy Park","email":"cy@seller.example","team":"ae"`,
				}},
			{Name: "teams", request: request{Method: "GET", Path: "/api/v1/teams", Token: "viewer"}, Status: http.StatusOK,
				Contains: []string{`{"teams":[{"name":"ae","members":["cy"]},{"name":"sdr","managers":["bob"],"members":["ann"]}]}`}},
		})
	})
}
