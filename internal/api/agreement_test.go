package api_test

import (
	"encoding/json"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/accordhq/accord/internal/api"
)

// The worked example and two edits of it: v2 gives tier A ten minutes
// instead of five; the broken one names a calendar that does not exist.
func agreementFixtures(t *testing.T) (v1, v2, broken string, brokenLine int) {
	t.Helper()
	b, err := os.ReadFile("../../examples/agreement/acme.yaml")
	if err != nil {
		t.Fatal(err)
	}
	v1 = string(b)
	v2 = strings.Replace(v1, "first_touch_within: 5m", "first_touch_within: 10m", 1)
	const bad = "    calendar: us-offices\n"
	broken = strings.Replace(v1, "    calendar: us-office\n", bad, 1)
	if v2 == v1 || broken == v1 {
		t.Fatal("examples/agreement/acme.yaml changed; update agreementFixtures")
	}
	brokenLine = strings.Count(broken[:strings.Index(broken, bad)], "\n") + 1
	return v1, v2, broken, brokenLine
}

func jsonBody(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type versionJSON struct {
	Number        int      `json:"number"`
	Status        string   `json:"status"`
	Missing       []string `json:"missing"`
	YAML          *string  `json:"yaml"`
	Description   string   `json:"description"`
	EffectiveFrom string   `json:"effective_from"`
}

func TestAgreementVersions(t *testing.T) {
	t.Parallel()
	v1, v2, broken, brokenLine := agreementFixtures(t)
	eachBackend(t, func(t *testing.T, b backend) {
		ts := newTestServer(t, b, api.Limits{})
		yamlUpload := func(token, query, body string) request {
			return request{Method: "POST", Path: "/api/v1/agreement/versions?" + query, Token: token, ContentType: "application/yaml", Body: body}
		}
		sign := func(token string, n, signer string) request {
			return request{Method: "POST", Path: "/api/v1/agreement/versions/" + n + "/signatures", Token: token, Body: `{"signer":"` + signer + `"}`}
		}
		inForce := func(n int) func(t *testing.T, r response) {
			return func(t *testing.T, r response) {
				if v := decode[versionJSON](t, r); v.Number != n || v.Status != "in_force" {
					t.Errorf("in force: v%d (%s), want v%d", v.Number, v.Status, n)
				}
			}
		}
		brokenJSON := jsonBody(t, map[string]string{"yaml": broken, "effective_from": "2026-02-01"})
		runScenarios(t, ts, []scenario{
			{Name: "nothing in force yet", request: request{Method: "GET", Path: "/api/v1/agreement", Token: "viewer"},
				Status: 404, Contains: []string{"no agreement is in force"}},
			{Name: "viewer cannot upload", request: yamlUpload("viewer", "", v1), Status: 403},
			{Name: "sales cannot upload", request: yamlUpload("sales", "", v1), Status: 403, Contains: []string{"this needs admin"}},
			{Name: "upload v1 as YAML", request: yamlUpload("admin", "effective_from=2026-01-01&note="+url.QueryEscape("signed for FY26"), v1),
				Status: 201, Contains: []string{`"number":1`, `"status":"draft"`, `"uploaded_by":"admin-test"`, `"note":"signed for FY26"`,
					// A date is midnight in the agreement's zone (America/New_York).
					`"effective_from":"2026-01-01T05:00:00Z"`,
					`"missing":["Dana Whitfield","Marcus Obi","Priya Raman"]`, `"description":"Acme sales & marketing agreement\n`},
				Check: func(t *testing.T, r response) {
					if loc := r.Header.Get("Location"); loc != "/api/v1/agreement/versions/1" {
						t.Errorf("Location = %q", loc)
					}
				}},
			{Name: "an invalid version is refused with line:column", request: request{Method: "POST", Path: "/api/v1/agreement/versions", Token: "admin", Body: brokenJSON},
				Status: 422, Contains: []string{`"errors":[{"line":` + itoa(brokenLine) + `,"column":`, `us-offices`, "nothing was stored"}},
			{Name: "not YAML or JSON", request: request{Method: "POST", Path: "/api/v1/agreement/versions", Token: "admin", ContentType: "text/plain", Body: v1}, Status: 415},
			{Name: "bad effective_from", request: yamlUpload("admin", "effective_from=soon", v1), Status: 400, Contains: []string{`"field":"effective_from"`}},
			{Name: "empty", request: request{Method: "POST", Path: "/api/v1/agreement/versions", Token: "admin", Body: `{"yaml":""}`}, Status: 400, Contains: []string{`"field":"yaml"`}},
			{Name: "only v1 was stored", request: request{Method: "GET", Path: "/api/v1/agreement/versions", Token: "viewer"},
				Status: 200, Contains: []string{`"in_force":null`, `"number":1`}, NotContains: []string{`"number":2`, `"yaml"`}},
			{Name: "v1 reads back byte for byte", request: request{Method: "GET", Path: "/api/v1/agreement/versions/1", Token: "viewer"}, Status: 200,
				Check: func(t *testing.T, r response) {
					if v := decode[versionJSON](t, r); v.YAML == nil || *v.YAML != v1 || !strings.Contains(v.Description, "Tier A") {
						t.Errorf("version 1 does not read back as uploaded: %s", r.Body)
					}
				}},
			{Name: "no such version", request: request{Method: "GET", Path: "/api/v1/agreement/versions/7", Token: "viewer"}, Status: 404},
			{Name: "not a version number", request: request{Method: "GET", Path: "/api/v1/agreement/versions/one", Token: "viewer"}, Status: 400, Contains: []string{`"field":"n"`}},

			{Name: "viewer cannot sign", request: sign("viewer", "1", "Dana Whitfield"), Status: 403},
			{Name: "someone the version does not name", request: sign("sales", "1", "Pat Nobody"), Status: 422,
				Contains: []string{`"field":"signer"`, "Pat Nobody is not a signer of version 1; its signers are Dana Whitfield, Marcus Obi, Priya Raman"}},
			{Name: "no signer", request: sign("sales", "1", " "), Status: 400},
			{Name: "sign a version that does not exist", request: sign("sales", "9", "Dana Whitfield"), Status: 404},
			{Name: "Dana signs (name in any case)", request: sign("marketing", "1", "dana whitfield"), Status: 201,
				Contains:    []string{`"signer":"Dana Whitfield"`, `"token_name":"marketing-test"`, `"status":"awaiting_signatures"`, `"missing":["Marcus Obi","Priya Raman"]`},
				NotContains: []string{`"yaml"`}},
			{Name: "Dana signs twice", request: sign("admin", "1", "Dana Whitfield"), Status: 409,
				Contains: []string{"Dana Whitfield already signed version 1 on", "marketing-test"}},
			{Name: "Marcus signs", request: sign("sales", "1", "Marcus Obi"), Status: 201, Contains: []string{`"status":"awaiting_signatures"`}},
			{Name: "still nothing in force", request: request{Method: "GET", Path: "/api/v1/agreement", Token: "viewer"}, Status: 404},
			{Name: "Priya signs last", request: sign("admin", "1", "Priya Raman"), Status: 201,
				Contains: []string{`"status":"in_force"`, `"missing":[]`, `"in_force_from":`}},
			{Name: "v1 is in force", request: request{Method: "GET", Path: "/api/v1/agreement", Token: "sales"}, Status: 200,
				Contains: []string{`"yaml":"# Acme Analytics`}, Check: inForce(1)},

			{Name: "upload v2 for the future as JSON", request: request{Method: "POST", Path: "/api/v1/agreement/versions", Token: "admin",
				Body: jsonBody(t, map[string]string{"yaml": v2, "effective_from": "2099-01-01T00:00:00Z", "note": "tier A gets 10 minutes"})},
				Status: 201, Contains: []string{`"number":2`, `"status":"draft"`, `"effective_from":"2099-01-01T00:00:00Z"`}},
			{Name: "an invalid upload leaves v1 in force", request: yamlUpload("admin", "", broken), Status: 422},
			{Name: "v1 still in force", request: request{Method: "GET", Path: "/api/v1/agreement", Token: "viewer"}, Status: 200, Check: inForce(1)},
			{Name: "v2: Dana", request: sign("marketing", "2", "Dana Whitfield"), Status: 201},
			{Name: "v2: Marcus", request: sign("sales", "2", "Marcus Obi"), Status: 201},
			{Name: "v2: Priya", request: sign("admin", "2", "Priya Raman"), Status: 201,
				Contains: []string{`"status":"scheduled"`, `"in_force_from":"2099-01-01T00:00:00Z"`}},
			{Name: "signed but not yet effective: v1 stays", request: request{Method: "GET", Path: "/api/v1/agreement", Token: "viewer"}, Status: 200, Check: inForce(1)},
			{Name: "list", request: request{Method: "GET", Path: "/api/v1/agreement/versions", Token: "viewer"}, Status: 200,
				Contains: []string{`"in_force":1`}, Check: func(t *testing.T, r response) {
					l := decode[struct{ Versions []versionJSON }](t, r)
					var got []string
					for _, v := range l.Versions {
						got = append(got, itoa(v.Number)+" "+v.Status)
					}
					if want := []string{"1 in_force", "2 scheduled"}; !slices.Equal(got, want) {
						t.Errorf("versions = %v, want %v", got, want)
					}
				}},

			{Name: "diff v2 against the one before", request: request{Method: "GET", Path: "/api/v1/agreement/versions/2/diff", Token: "viewer"}, Status: 200,
				Contains: []string{`"from":1`, `"to":2`, `"same":false`, `"diff":"--- version 1\n+++ version 2\n@@ -`,
					`\n-    first_touch_within: 5m\n+    first_touch_within: 10m\n`}},
			{Name: "diff with itself", request: request{Method: "GET", Path: "/api/v1/agreement/versions/2/diff?against=2", Token: "viewer"}, Status: 200,
				Contains: []string{`"same":true`, `"diff":""`}},
			{Name: "diff v1 with nothing named", request: request{Method: "GET", Path: "/api/v1/agreement/versions/1/diff", Token: "viewer"}, Status: 400,
				Contains: []string{`"field":"against"`}},
			{Name: "diff against a missing version", request: request{Method: "GET", Path: "/api/v1/agreement/versions/2/diff?against=5", Token: "viewer"}, Status: 404},

			{Name: "an admin creates a token", request: request{Method: "POST", Path: "/api/v1/tokens", Token: "admin", Body: `{"name":"CRM sync","role":"marketing"}`}, Status: 201},
			{Name: "the audit log says who did what", request: request{Method: "GET", Path: "/api/v1/audit?limit=1000", Token: "viewer"}, Status: 200,
				Contains: []string{`"has_more":false`},
				Check: func(t *testing.T, r response) {
					page := decode[struct {
						Entries []struct {
							Seq                    int64
							Actor, Action, Subject string
							Detail                 json.RawMessage
						}
					}](t, r)
					var got []string
					for i, e := range page.Entries {
						if e.Seq != int64(i+1) {
							t.Errorf("entry %d has seq %d", i, e.Seq)
						}
						if e.Actor == "test setup" {
							continue // the test's own tokens
						}
						got = append(got, e.Actor+" "+e.Action+" "+e.Subject)
					}
					want := []string{
						"admin-test agreement.uploaded agreement/1",
						"marketing-test agreement.signed agreement/1",
						"sales-test agreement.signed agreement/1",
						"admin-test agreement.signed agreement/1",
						"admin-test agreement.in_force agreement/1",
						"admin-test agreement.uploaded agreement/2",
						"marketing-test agreement.signed agreement/2",
						"sales-test agreement.signed agreement/2",
						"admin-test agreement.signed agreement/2",
						"admin-test agreement.in_force agreement/2",
						"admin-test token.created " + page.Entries[len(page.Entries)-1].Subject,
					}
					if !slices.Equal(got, want) {
						t.Errorf("audit log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
					}
					if last := page.Entries[len(page.Entries)-1]; !strings.Contains(string(last.Detail), `"name":"CRM sync","role":"marketing"`) {
						t.Errorf("token.created detail = %s", last.Detail)
					}
				}},
			{Name: "audit pages", request: request{Method: "GET", Path: "/api/v1/audit?after=2&limit=3", Token: "viewer"}, Status: 200,
				Contains: []string{`"seq":3,`, `"seq":5,`, `"next_cursor":"5"`, `"has_more":true`}, NotContains: []string{`"seq":2,`, `"seq":6,`}},
			{Name: "bad audit cursor", request: request{Method: "GET", Path: "/api/v1/audit?after=x", Token: "viewer"}, Status: 400},
		})
	})
}

func itoa(n int) string { return strconv.Itoa(n) }
