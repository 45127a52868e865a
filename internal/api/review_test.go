package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/api"
)

// TestLocksHold: a week is snapshotted, commented, signed off by both
// sides and locked; events that arrive later for its days change the live
// numbers but not the locked ones, and show as a restatement with the
// events that made it.
func TestLocksHold(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		ts := newTestServer(t, b, api.Limits{})
		// Monday 2 March 2026 to Sunday 8 March.
		mql := func(id string, day int) string {
			at := time.Date(2026, 3, day, 15, 0, 0, 0, time.UTC).Format(time.RFC3339)
			return ev("u"+id, "lead.upserted", at, `{"lead_id":"`+id+`","email":"`+id+`@x.com","source":"webinar"}`) + "," +
				ev("m"+id, "lead.stage_changed", at, `{"lead_id":"`+id+`","stage":"mql"}`)
		}
		ts.post(t, 200, "", "["+mql("A", 2)+","+mql("B", 4)+"]")
		week := "/api/v1/reviews/weeks/2026-03-04"
		post := func(path, token, body string) request {
			return request{Method: "POST", Path: week + path, Token: token, Body: body}
		}
		runScenarios(t, ts, []scenario{
			{Name: "an open week shows live numbers", request: request{Method: "GET", Path: week, Token: "viewer"}, Status: 200,
				Contains: []string{`"week":{"name":"week of 2026-03-02","from":"2026-03-02","to":"2026-03-09"}`, `"status":"open"`, `"mql":{"n":2}`}},
			{Name: "no signing before a snapshot", request: post("/signoffs", "marketing", `{"side":"marketing","name":"Dana"}`), Status: 409},
			{Name: "viewers do not snapshot", request: post("/snapshot", "viewer", ""), Status: 403},
			{Name: "snapshot", request: post("/snapshot", "marketing", ""), Status: 200, Contains: []string{`"status":"in_review"`, `"snapshot_by":"marketing-test"`}},
			{Name: "a comment", request: post("/comments", "sales", `{"metric":"mql","body":"two webinar MQLs, both called within the hour"}`), Status: 200,
				Contains: []string{`"comments":[{"metric":"mql","body":"two webinar MQLs`}},
			{Name: "an empty comment", request: post("/comments", "sales", `{"metric":"mql","body":" "}`), Status: 400, Contains: []string{`"field":"body"`}},
			{Name: "no lock with one side missing", request: post("/lock", "admin", ""), Status: 409, Contains: []string{"missing: marketing, sales"}},
			{Name: "marketing signs", request: post("/signoffs", "marketing", `{"side":"marketing","name":"Dana Whitfield"}`), Status: 200},
			{Name: "marketing cannot sign twice", request: post("/signoffs", "admin", `{"side":"marketing","name":"Someone Else"}`), Status: 409},
			{Name: "a side that does not exist", request: post("/signoffs", "sales", `{"side":"finance","name":"X"}`), Status: 400, Contains: []string{`"field":"side"`}},
			{Name: "sales signs", request: post("/signoffs", "sales", `{"side":"sales","name":"Marcus Obi"}`), Status: 200, Contains: []string{`"status":"signed"`}},
			{Name: "only an admin locks", request: post("/lock", "sales", ""), Status: 403},
			{Name: "lock", request: post("/lock", "admin", ""), Status: 200, Contains: []string{`"status":"locked"`, `"locked_by":"admin-test"`}},
			{Name: "a locked week takes no new snapshot", request: post("/snapshot", "admin", ""), Status: 409},
		})
		// A third MQL of that Wednesday arrives a week late.
		ts.post(t, 200, "", "["+mql("C", 4)+"]")
		r := ts.do(t, request{Method: "GET", Path: week, Token: "viewer"})
		type cell struct{ N int }
		v := decode[struct {
			Numbers, Live map[string]cell
			Restatement   []struct {
				Day, Metric, Dim, Value string
				Delta                   cell
			}
			LateEvents []struct {
				EventID string `json:"id"`
			} `json:"late_events"`
		}](t, r)
		if v.Numbers["mql"].N != 2 || v.Live["mql"].N != 3 {
			t.Errorf("locked MQLs %d (want 2, unchanged), live %d (want 3)", v.Numbers["mql"].N, v.Live["mql"].N)
		}
		found := false
		for _, c := range v.Restatement {
			if c.Day == "2026-03-04" && c.Metric == "mql" && c.Dim == "" && c.Delta.N == 1 {
				found = true
			}
		}
		if !found {
			t.Errorf("no restatement of 4 March's MQLs: %+v", v.Restatement)
		}
		var ids []string
		for _, e := range v.LateEvents {
			ids = append(ids, e.EventID)
		}
		if strings.Join(ids, ",") != "uC,mC" {
			t.Errorf("late events %v, want uC,mC", ids)
		}
		if r := ts.do(t, request{Method: "GET", Path: "/api/v1/reports/qbr?date=2026-03-31&format=md", Token: "viewer"}); r.Status != 200 ||
			!strings.Contains(r.Body, "| 2026-03-02 | locked | inquiry +1, mql +1 |") {
			t.Errorf("QBR: %d\n%s", r.Status, r.Body)
		}
		if r := ts.do(t, request{Method: "GET", Path: "/api/v1/reports/qbr?date=2026-03-31&format=html", Token: "viewer"}); r.Status != 200 ||
			!strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") || strings.Count(r.Body, "<svg") != 2 {
			t.Errorf("QBR page: %d %s", r.Status, r.Header.Get("Content-Type"))
		}
		runScenarios(t, ts, []scenario{
			{Name: "the month knows the week is reviewed", request: request{Method: "GET", Path: "/api/v1/reviews?from=2026-03-01&to=2026-04-01", Token: "viewer"}, Status: 200,
				Contains: []string{`"week":"2026-03-02"`, `"status":"locked"`}, NotContains: []string{`"snapshot":[`}},
			{Name: "the month's funnel shows the week locked", request: request{Method: "GET", Path: "/api/v1/reports/funnel?date=2026-03-31", Token: "viewer"}, Status: 200,
				Contains: []string{`"weeks":[{"week":"2026-03-02","status":"locked"},{"week":"2026-03-09","status":"open"}`, `{"metric":"mql","count":3`}},
			{Name: "the audit log has it all", request: request{Method: "GET", Path: "/api/v1/audit?limit=100", Token: "viewer"}, Status: 200,
				Contains: []string{`"action":"review.snapshot"`, `"action":"review.comment"`, `"action":"review.signed"`, `"action":"review.locked"`, `"subject":"review week 2026-03-02"`}},
		})
	})
}
