package api_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/accordhq/accord/internal/api"
	"github.com/accordhq/accord/internal/ingest"
)

// oneOfEach is a valid event of every type, in the order event.Types lists them.
var oneOfEach = []string{
	ev("t-lead", "lead.upserted", "2026-03-01T09:00:00Z", `{"lead_id":"T-1","email":"t@example.com","name":"Tess","company":"Acme","title":"CTO","seniority":"c-level","phone":"+1 555 0100","country":"US","source":"webinar","campaign":"spring","offer":"ebook","segment":"smb","score":55.5,"attributes":{"employees":40},"inquiry":true}`),
	ev("t-stage", "lead.stage_changed", "2026-03-01T09:01:00Z", `{"lead_id":"T-1","stage":"MQL","reason":"score","actor":"ann"}`),
	ev("t-assign", "lead.assigned", "2026-03-01T09:02:00Z", `{"lead_id":"T-1","owner":"ann","team":"sdr"}`),
	ev("t-touch", "activity.logged", "2026-03-01T09:03:00Z", `{"lead_id":"T-1","kind":"meeting","actor":"ann","outcome":"booked","notes":"demo Tuesday"}`),
	ev("t-disp", "lead.disposition", "2026-03-01T09:04:00Z", `{"lead_id":"T-1","disposition":"converted","reason":"demo booked","actor":"ann"}`),
	ev("t-opp", "opportunity.upserted", "2026-03-01T09:05:00Z", `{"opportunity_id":"TO-1","lead_id":"T-1","account":"Acme","name":"Acme pilot","stage":"discovery","amount":12000,"currency":"eur","owner":"cy","product":"core"}`),
	ev("t-close", "opportunity.closed", "2026-03-01T09:06:00Z", `{"opportunity_id":"TO-1","outcome":"lost","amount":0,"reason":"budget"}`),
	ev("t-person", "person.upserted", "2026-03-01T09:07:00Z", `{"person_id":"ann","name":"Ann Lee","email":"ann@seller.example","team":"sdr","role":"sdr","manager":"bob","timezone":"Europe/Berlin","active":true}`),
}

func TestPostEveryEventType(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		ts := newTestServer(t, b, api.DefaultLimits)
		for i, e := range oneOfEach {
			r := ts.post(t, http.StatusOK, "application/json", array(e))
			rep := decode[ingest.Report](t, r)
			if rep.Accepted != 1 || rep.Results[0].Status != ingest.Accepted {
				t.Errorf("event %d not accepted: %s", i, r.Body)
			}
		}
		c := ts.counts(t)
		if c.Events != int64(len(oneOfEach)) || c.Leads != 1 || c.Opportunities != 1 || c.People != 1 {
			t.Errorf("counts = %+v, want %d events, 1 lead, 1 opportunity, 1 person", c, len(oneOfEach))
		}
		runScenarios(t, ts, []scenario{
			{
				Name:    "the lead shows every lead event",
				request: request{Method: "GET", Path: "/api/v1/leads/T-1", Token: "viewer"},
				Status:  http.StatusOK,
				Contains: []string{`"stage":"mql"`, `"owner":"ann"`, `"disposition":"converted"`, `"touches":1`, `"score":55.5`,
					`"status":"lost"`, `"currency":"EUR"`, `"close_reason":"budget"`, `"attributes":{"employees":40}`},
			},
			{
				Name:     "the person",
				request:  request{Method: "GET", Path: "/api/v1/people", Token: "viewer"},
				Status:   http.StatusOK,
				Contains: []string{`"person_id":"ann"`, `"timezone":"Europe/Berlin"`, `"manager":"bob"`, `"active":true`},
			},
			{
				Name:     "every event in the log",
				request:  request{Method: "GET", Path: "/api/v1/events", Token: "viewer"},
				Status:   http.StatusOK,
				Contains: []string{`"type":"lead.upserted"`, `"type":"person.upserted"`, `"type":"opportunity.closed"`, `"next_cursor":"8"`, `"has_more":false`},
			},
		})
	})
}

func TestPostEventsIdempotency(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		ts := newTestServer(t, b, api.DefaultLimits)
		first := ev("dup-1", "lead.upserted", "2026-03-01T09:00:00Z", `{"lead_id":"D-1","email":"d@example.com"}`)
		// The same event as a CRM would resend it: other spacing, other key
		// order, other case in a vocabulary, same meaning.
		resent := `{ "data": {"email": "d@example.com", "lead_id": " D-1 "}, "occurred_at": "2026-03-01T10:00:00+01:00", "type": "lead.upserted", "id": "dup-1" }`
		other := ev("dup-1", "lead.upserted", "2026-03-01T09:00:00Z", `{"lead_id":"D-1","email":"other@example.com"}`)

		runScenarios(t, ts, []scenario{
			{Name: "first", request: request{Method: "POST", Path: "/api/v1/events", Token: "sales", Body: array(first)}, Status: http.StatusOK,
				Contains: []string{`"results":[{"index":0,"id":"dup-1","status":"accepted"}]`, `"accepted":1,"duplicates":0,"rejected":0`}},
			{Name: "same id, same body", request: request{Method: "POST", Path: "/api/v1/events", Token: "sales", Body: array(resent)}, Status: http.StatusOK,
				Contains: []string{`"status":"duplicate"`, `"accepted":0,"duplicates":1,"rejected":0`}},
			{Name: "same id, different body", request: request{Method: "POST", Path: "/api/v1/events", Token: "sales", Body: array(other)}, Status: http.StatusUnprocessableEntity,
				Contains: []string{`"status":"rejected","field":"id","error":"id \"dup-1\" was already used for a different event (idempotency conflict)"`, `"rejected":1`}},
			{Name: "twice in one batch", request: request{Method: "POST", Path: "/api/v1/events", Token: "sales",
				Body: array(ev("dup-2", "lead.assigned", "2026-03-01T09:05:00Z", `{"lead_id":"D-1","owner":"ann"}`), ev("dup-2", "lead.assigned", "2026-03-01T09:05:00Z", `{"lead_id":"D-1","owner":"ann"}`),
					ev("dup-2", "lead.assigned", "2026-03-01T09:05:00Z", `{"lead_id":"D-1","owner":"bob"}`))},
				Status: http.StatusUnprocessableEntity,
				Contains: []string{`{"index":0,"id":"dup-2","status":"accepted"}`, `{"index":1,"id":"dup-2","status":"duplicate"}`,
					`{"index":2,"id":"dup-2","status":"rejected","field":"id"`, `"accepted":1,"duplicates":1,"rejected":1`}},
			{Name: "the lead kept the first body", request: request{Method: "GET", Path: "/api/v1/leads/D-1", Token: "viewer"}, Status: http.StatusOK,
				Contains: []string{`"email":"d@example.com"`, `"owner":"ann"`, `"events":2,`}, NotContains: []string{"other@example.com", `"owner":"bob"`}},
		})
		if c := ts.counts(t); c.Events != 2 || c.Leads != 1 {
			t.Errorf("counts = %+v, want 2 events and 1 lead", c)
		}
	})
}

// TestPostEventsBadInput sends what clients get wrong. Each answer must say
// what is wrong and where, and nothing of a refused event may be stored.
func TestPostEventsBadInput(t *testing.T) {
	t.Parallel()
	good := ev("ok-1", "lead.assigned", "2026-03-05T09:00:00Z", `{"lead_id":"L-1","owner":"cy","team":"ae"}`)
	eachBackend(t, func(t *testing.T, b backend) {
		ts := newTestServer(t, b, api.Limits{MaxBodyBytes: 4096, MaxBatchEvents: 20})
		ts.seed(t)
		leadBefore := ts.do(t, request{Method: "GET", Path: "/api/v1/leads/L-1", Token: "viewer"}).Body
		countsBefore := ts.counts(t)

		post := func(ct, body string) request {
			return request{Method: "POST", Path: "/api/v1/events", Token: "marketing", ContentType: ct, Body: body}
		}
		onL1 := func(id, typ, data string) string { return ev(id, typ, "2026-03-05T09:00:00Z", data) }
		scs := []scenario{
			{Name: "malformed JSON", request: post("application/json", "[\n"+good+",\n  {\"id\": \"x\" \"type\": 1}\n]"), Status: http.StatusBadRequest,
				Contains: []string{`"status":400`, `"error":"invalid JSON at line 3, column 14: invalid character '\"' after object key:value pair"`, `"line":3,"column":14`}},
			{Name: "truncated JSON", request: post("application/json", "[\n"+good), Status: http.StatusBadRequest,
				Contains: []string{`"line":2,"column":` + strconv.Itoa(len(good)+1), "the body ends before the JSON does"}},
			{Name: "not an array", request: post("application/json", `"events"`), Status: http.StatusBadRequest,
				Contains: []string{"must be a JSON array of events", `"line":1,"column":1`}},
			{Name: "empty body", request: post("application/json", " "), Status: http.StatusBadRequest,
				Contains: []string{"empty body"}},
			{Name: "empty batch", request: post("application/json", "[]"), Status: http.StatusBadRequest,
				Contains: []string{`"error":"the batch holds no events"`}},
			{Name: "empty NDJSON", request: post("application/x-ndjson", "\n\n"), Status: http.StatusBadRequest,
				Contains: []string{`"error":"the batch holds no events"`}},
			{Name: "unsupported content type", request: post("text/csv", "id,type\n"), Status: http.StatusUnsupportedMediaType,
				Contains: []string{`"status":415`, "Content-Type text/csv is not supported"}},
			{Name: "unparsable content type", request: post("application/json; =", array(good)), Status: http.StatusUnsupportedMediaType,
				Contains: []string{`"status":415`, "bad Content-Type"}},
			{Name: "oversized body", request: post("application/json", array(good, `{"pad":"`+strings.Repeat("x", 5000)+`"}`)), Status: http.StatusRequestEntityTooLarge,
				Contains: []string{`"status":413`, "the limit is 4096"}},
			{Name: "oversized body without a length", request: request{Method: "POST", Path: "/api/v1/events", Token: "marketing", Chunked: true,
				Body: array(good, `{"pad":"`+strings.Repeat("x", 5000)+`"}`)}, Status: http.StatusRequestEntityTooLarge,
				Contains: []string{`"status":413`, "larger than 4096 bytes"}},
			{Name: "oversized batch", request: post("application/json", "["+strings.Repeat("{},", 20)+"{}]"), Status: http.StatusRequestEntityTooLarge,
				Contains: []string{`"status":413`, "at most 20 events"}},
			{Name: "oversized NDJSON batch", request: post("application/x-ndjson", strings.Repeat("{}\n", 21)), Status: http.StatusRequestEntityTooLarge,
				Contains: []string{"at most 20 events"}},
		}
		// Events wrong on their own: 422, the report names the index, the
		// field and the problem.
		for _, c := range []struct{ name, event, field, msg string }{
			{"unknown type", onL1("bad-type", "lead.deleted", `{"lead_id":"L-1"}`), "type", `unknown event type \"lead.deleted\"`},
			{"missing id", `{"type":"lead.assigned","occurred_at":"2026-03-05T09:00:00Z","data":{"lead_id":"L-1","owner":"cy"}}`, "id", "is required"},
			{"missing field", onL1("bad-owner", "lead.assigned", `{"lead_id":"L-1"}`), "data.owner", "data.owner: is required"},
			{"missing data", `{"id":"bad-data","type":"lead.assigned","occurred_at":"2026-03-05T09:00:00Z"}`, "data", "is required (an object)"},
			{"wrong-typed field", onL1("bad-amount", "opportunity.upserted", `{"opportunity_id":"O-1","amount":"lots"}`), "data.amount", "data.amount: must be a number, got string"},
			{"wrong-typed id", `{"id":12,"type":"lead.assigned","occurred_at":"2026-03-05T09:00:00Z","data":{"lead_id":"L-1","owner":"cy"}}`, "id", "must be a string, got number"},
			{"bad timestamp", ev("bad-time", "lead.assigned", "05/03/2026 09:00", `{"lead_id":"L-1","owner":"cy"}`), "occurred_at", `\"05/03/2026 09:00\" is not an RFC 3339 time`},
			{"timestamp in the future", ev("bad-future", "lead.assigned", "2999-01-01T00:00:00Z", `{"lead_id":"L-1","owner":"cy"}`), "occurred_at", "more than a day after the event arrived"},
			{"unknown field", onL1("bad-field", "lead.assigned", `{"lead_id":"L-1","owner":"cy","region":"emea"}`), "data.region", "unknown field"},
			{"unknown envelope field", `{"id":"bad-env","type":"lead.assigned","occurred_at":"2026-03-05T09:00:00Z","data":{"lead_id":"L-1","owner":"cy"},"source":"crm"}`, "source", "unknown field"},
			{"value outside the vocabulary", onL1("bad-stage", "lead.stage_changed", `{"lead_id":"L-1","stage":"hot"}`), "data.stage", `\"hot\" is not one of`},
			{"negative amount", onL1("bad-neg", "opportunity.closed", `{"opportunity_id":"O-1","outcome":"won","amount":-1}`), "data.amount", "must not be negative"},
			{"not an object", `"lead.assigned"`, "", "must be a JSON object, got string"},
		} {
			scs = append(scs, scenario{
				Name:    c.name,
				request: post("application/json", array(c.event)),
				Status:  http.StatusUnprocessableEntity,
				Contains: []string{`"results":[{"index":0,`, `"status":"rejected"`, fmt.Sprintf(`"field":%q`, c.field), c.msg,
					`"accepted":0,"duplicates":0,"rejected":1`},
			})
			if c.field == "" {
				scs[len(scs)-1].Contains[2] = `"status":"rejected","error":`
			}
		}
		for _, sc := range scs {
			t.Run(sc.Name, func(t *testing.T) {
				sc.run(t, ts)
				if c := ts.counts(t); c != countsBefore {
					t.Errorf("counts changed to %+v from %+v", c, countsBefore)
				}
				if got := ts.do(t, request{Method: "GET", Path: "/api/v1/leads/L-1", Token: "viewer"}).Body; got != leadBefore {
					t.Errorf("lead L-1 changed:\n%s\nwas\n%s", got, leadBefore)
				}
			})
		}

		t.Run("the good events of a batch are kept", func(t *testing.T) {
			scenario{
				request: post("application/json", array(good,
					onL1("bad-amount-2", "opportunity.upserted", `{"opportunity_id":"O-1","amount":"lots"}`),
					onL1("ok-2", "activity.logged", `{"lead_id":"L-1","kind":"sms","actor":"cy"}`))),
				Status: http.StatusUnprocessableEntity,
				Contains: []string{`{"index":0,"id":"ok-1","status":"accepted"}`,
					`{"index":1,"id":"bad-amount-2","status":"rejected","field":"data.amount","error":"data.amount: must be a number, got string"}`,
					`{"index":2,"id":"ok-2","status":"accepted"}`, `"accepted":2,"duplicates":0,"rejected":1`},
			}.run(t, ts)
			if c := ts.counts(t); c.Events != countsBefore.Events+2 {
				t.Errorf("events = %d, want %d", c.Events, countsBefore.Events+2)
			}
			scenario{
				request:     request{Method: "GET", Path: "/api/v1/leads/L-1", Token: "viewer"},
				Status:      http.StatusOK,
				Contains:    []string{`"owner":"cy"`, `"touches":3`, `"amount":5000`},
				NotContains: []string{"bad-amount-2"},
			}.run(t, ts)
		})
	})
}

func TestPostEventsNDJSON(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		ts := newTestServer(t, b, api.DefaultLimits)
		body := ndjson(
			ev("nd-1", "lead.upserted", "2026-03-01T09:00:00Z", `{"lead_id":"N-1","email":"n@example.com"}`),
			ev("nd-2", "lead.assigned", "2026-03-01T09:01:00Z", `{"lead_id":"N-1","owner":"ann"`), // cut short
		) + "\n" + ndjson(
			ev("nd-3", "activity.logged", "2026-03-01T09:02:00Z", `{"lead_id":"N-1","kind":"call"}`),
			ev("nd-4", "lead.stage_changed", "2026-03-01T09:03:00Z", `{"lead_id":"N-1","stage":"sql","why":"x"}`),
		)
		for _, ct := range []string{"application/x-ndjson", "application/ndjson; charset=utf-8", "application/jsonl"} {
			t.Run(ct, func(t *testing.T) {
				scenario{
					request: request{Method: "POST", Path: "/api/v1/events", Token: "marketing", ContentType: ct, Body: body},
					Status:  http.StatusUnprocessableEntity,
					Contains: []string{
						`{"index":1,"id":"","status":"rejected","error":"line 2: `,
						`{"index":3,"id":"nd-4","status":"rejected","field":"data.why","error":"line 5: data.why: unknown field"}`,
					},
					Check: func(t *testing.T, r response) {
						rep := decode[ingest.Report](t, r)
						if len(rep.Results) != 4 || rep.Rejected != 2 || rep.Accepted+rep.Duplicates != 2 ||
							rep.Results[0].Status == ingest.Rejected || rep.Results[2].Status == ingest.Rejected {
							t.Errorf("report = %+v", rep)
						}
					},
				}.run(t, ts)
			})
		}
		if c := ts.counts(t); c.Events != 2 {
			t.Errorf("events = %d, want the 2 good lines", c.Events)
		}
		scenario{
			request:     request{Method: "GET", Path: "/api/v1/leads/N-1", Token: "viewer"},
			Status:      http.StatusOK,
			Contains:    []string{`"touches":1`, `"stage":"inquiry"`},
			NotContains: []string{`"owner"`},
		}.run(t, ts)
	})
}

func TestListEventsPaging(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		ts := newTestServer(t, b, api.DefaultLimits)
		ts.seed(t)
		type page struct {
			Events []struct {
				Seq    int64  `json:"seq"`
				ID     string `json:"id"`
				LeadID string `json:"lead_id"`
			} `json:"events"`
			NextCursor string `json:"next_cursor"`
			HasMore    bool   `json:"has_more"`
		}
		var ids []string
		after, pages := "", 0
		for {
			path := "/api/v1/events?limit=5"
			if after != "" {
				path += "&after=" + after
			}
			p := decode[page](t, scenario{request: request{Method: "GET", Path: path, Token: "viewer"}, Status: http.StatusOK}.run(t, ts))
			pages++
			for _, e := range p.Events {
				if want := int64(len(ids) + 1); e.Seq != want {
					t.Errorf("event %s has seq %d, want %d", e.ID, e.Seq, want)
				}
				ids = append(ids, e.ID)
			}
			if p.HasMore != (len(p.Events) == 5) {
				t.Errorf("page %d: has_more = %v with %d events", pages, p.HasMore, len(p.Events))
			}
			if !p.HasMore {
				if want := strconv.Itoa(fixtureEvents); p.NextCursor != want {
					t.Errorf("last next_cursor = %q, want %s", p.NextCursor, want)
				}
				break
			}
			after = p.NextCursor
			if pages > 10 {
				t.Fatal("paging does not end")
			}
		}
		if len(ids) != fixtureEvents || ids[0] != "p-ann" || ids[len(ids)-1] != "l1b-new" {
			t.Errorf("paged %d events %v, want %d from p-ann to l1b-new", len(ids), ids, fixtureEvents)
		}
		runScenarios(t, ts, []scenario{
			{Name: "lead key is shown", request: request{Method: "GET", Path: "/api/v1/events?after=14&limit=2", Token: "viewer"}, Status: http.StatusOK,
				Contains: []string{`"id":"l1-email"`, `"lead_id":"L-1"`, `"id":"l1b-new"`, `"next_cursor":"16"`, `"has_more":true`}},
			{Name: "past the end", request: request{Method: "GET", Path: "/api/v1/events?after=99", Token: "viewer"}, Status: http.StatusOK,
				Contains: []string{`"events":[]`, `"next_cursor":"99"`, `"has_more":false`}},
			{Name: "bad after", request: request{Method: "GET", Path: "/api/v1/events?after=abc", Token: "viewer"}, Status: http.StatusBadRequest,
				Contains: []string{`"field":"after"`, `got \"abc\"`}},
			{Name: "negative after", request: request{Method: "GET", Path: "/api/v1/events?after=-1", Token: "viewer"}, Status: http.StatusBadRequest,
				Contains: []string{`"field":"after"`}},
			{Name: "limit zero", request: request{Method: "GET", Path: "/api/v1/events?limit=0", Token: "viewer"}, Status: http.StatusBadRequest,
				Contains: []string{`"field":"limit"`, "from 1 to 10000"}},
			{Name: "limit too big", request: request{Method: "GET", Path: "/api/v1/events?limit=10001", Token: "viewer"}, Status: http.StatusBadRequest,
				Contains: []string{`"field":"limit"`}},
		})
	})
}
