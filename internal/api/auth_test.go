package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/accordhq/accord/internal/api"
)

func TestAuth(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		ts := newTestServer(t, b, api.DefaultLimits)
		one := array(ev("auth-1", "lead.upserted", "2026-03-01T09:00:00Z", `{"lead_id":"A-1"}`))
		wantAuthenticate := func(want string) func(t *testing.T, r response) {
			return func(t *testing.T, r response) {
				if got := r.Header.Get("WWW-Authenticate"); got != want {
					t.Errorf("WWW-Authenticate = %q, want %q", got, want)
				}
			}
		}
		runScenarios(t, ts, []scenario{
			{
				Name:     "no header",
				request:  request{Method: "GET", Path: "/api/v1/leads"},
				Status:   http.StatusUnauthorized,
				Contains: []string{`"status":401`, `"error":"missing Authorization header: send`, "Bearer"},
				Check:    wantAuthenticate(`Bearer realm="accord"`),
			},
			{
				Name:     "no header on a write",
				request:  request{Method: "POST", Path: "/api/v1/events", Body: one},
				Status:   http.StatusUnauthorized,
				Contains: []string{`"status":401`, "missing Authorization header"},
			},
			{
				Name:     "unknown token",
				request:  request{Method: "GET", Path: "/api/v1/leads", Header: map[string]string{"Authorization": "Bearer acc_not-a-real-token"}},
				Status:   http.StatusUnauthorized,
				Contains: []string{`"status":401`, `"error":"unknown or revoked token"`},
				Check:    wantAuthenticate(`Bearer realm="accord", error="invalid_token"`),
			},
			{
				Name:     "basic auth",
				request:  request{Method: "GET", Path: "/api/v1/leads", Header: map[string]string{"Authorization": "Basic YWRtaW46YWRtaW4="}},
				Status:   http.StatusUnauthorized,
				Contains: []string{"must be `Bearer <token>`"},
			},
			{
				Name:     "bearer without a token",
				request:  request{Method: "GET", Path: "/api/v1/leads", Header: map[string]string{"Authorization": "Bearer  "}},
				Status:   http.StatusUnauthorized,
				Contains: []string{`"status":401`},
			},
			{
				Name:     "scheme is case-insensitive",
				request:  request{Method: "GET", Path: "/api/v1/leads", Header: map[string]string{"Authorization": "bearer " + ts.tokens["viewer"]}},
				Status:   http.StatusOK,
				Contains: []string{`"leads":[]`},
			},
			{
				Name:     "viewer cannot write",
				request:  request{Method: "POST", Path: "/api/v1/events", Token: "viewer", Body: one},
				Status:   http.StatusForbidden,
				Contains: []string{`"status":403`, `has role viewer, which may read but not write`},
			},
			{Name: "viewer reads leads", request: request{Method: "GET", Path: "/api/v1/leads", Token: "viewer"}, Status: http.StatusOK, Contains: []string{`"leads":[]`}},
			{Name: "viewer reads events", request: request{Method: "GET", Path: "/api/v1/events", Token: "viewer"}, Status: http.StatusOK, Contains: []string{`"events":[]`}},
			{Name: "viewer reads people", request: request{Method: "GET", Path: "/api/v1/people", Token: "viewer"}, Status: http.StatusOK, Contains: []string{`"people":[]`}},
			{Name: "viewer reads teams", request: request{Method: "GET", Path: "/api/v1/teams", Token: "viewer"}, Status: http.StatusOK, Contains: []string{`"teams":[]`}},
			{Name: "viewer reads the API description", request: request{Method: "GET", Path: "/api/v1/openapi.json", Token: "viewer"}, Status: http.StatusOK, Contains: []string{`"openapi": "3.1.0"`}},
			{Name: "viewer cannot list tokens", request: request{Method: "GET", Path: "/api/v1/tokens", Token: "viewer"}, Status: http.StatusForbidden, Contains: []string{"this needs admin"}},
			{Name: "sales writes", request: request{Method: "POST", Path: "/api/v1/events", Token: "sales", Body: one}, Status: http.StatusOK, Contains: []string{`"accepted":1`}},
			{Name: "marketing writes", request: request{Method: "POST", Path: "/api/v1/events", Token: "marketing", Body: one}, Status: http.StatusOK, Contains: []string{`"duplicates":1`}},
			{Name: "marketing cannot list tokens", request: request{Method: "GET", Path: "/api/v1/tokens", Token: "marketing"}, Status: http.StatusForbidden, Contains: []string{`token \"marketing-test\" has role marketing; this needs admin`}},
			{
				Name:     "marketing cannot create tokens",
				request:  request{Method: "POST", Path: "/api/v1/tokens", Token: "marketing", Body: `{"name":"zap","role":"admin"}`},
				Status:   http.StatusForbidden,
				Contains: []string{`"status":403`, "this needs admin"},
			},
			{
				Name:        "admin lists tokens without secrets",
				request:     request{Method: "GET", Path: "/api/v1/tokens", Token: "admin"},
				Status:      http.StatusOK,
				Contains:    []string{`"name":"viewer-test","role":"viewer"`, `"name":"admin-test","role":"admin"`},
				NotContains: []string{ts.tokens["admin"], "hash"},
			},
			{
				Name:     "token without a name",
				request:  request{Method: "POST", Path: "/api/v1/tokens", Token: "admin", Body: `{"role":"viewer"}`},
				Status:   http.StatusBadRequest,
				Contains: []string{`"field":"name"`},
			},
			{
				Name:     "token with an unknown role",
				request:  request{Method: "POST", Path: "/api/v1/tokens", Token: "admin", Body: `{"name":"x","role":"owner"}`},
				Status:   http.StatusBadRequest,
				Contains: []string{`"field":"role"`, `unknown role \"owner\"`},
			},
			{
				Name:     "token request with an unknown field",
				request:  request{Method: "POST", Path: "/api/v1/tokens", Token: "admin", Body: `{"name":"x","role":"viewer","ttl":3}`},
				Status:   http.StatusBadRequest,
				Contains: []string{`unknown field \"ttl\"`},
			},
			{
				Name:     "no such route",
				request:  request{Method: "GET", Path: "/api/v1/nope", Token: "viewer"},
				Status:   http.StatusNotFound,
				Contains: []string{`"status":404`, `no such API route: GET /api/v1/nope`},
			},
			{
				Name:     "wrong method on a known route",
				request:  request{Method: "DELETE", Path: "/api/v1/events", Token: "admin"},
				Status:   http.StatusMethodNotAllowed,
				Contains: []string{`"status":405`, `DELETE is not allowed on /api/v1/events (allowed: GET, POST)`},
			},
			{
				Name:    "unknown route needs a token too",
				request: request{Method: "GET", Path: "/api/v1/nope"},
				Status:  http.StatusUnauthorized,
			},
			{
				Name:     "health needs no token",
				request:  request{Method: "GET", Path: "/healthz"},
				Status:   http.StatusOK,
				Contains: []string{`"status":"ok"`, `"backend":"` + b.name + `"`, `"schema_version":`},
			},
		})

		t.Run("admin creates a token that works", func(t *testing.T) {
			r := scenario{
				request:  request{Method: "POST", Path: "/api/v1/tokens", Token: "admin", Body: `{"name":"hubspot sync","role":"Marketing"}`},
				Status:   http.StatusCreated,
				Contains: []string{`"name":"hubspot sync"`, `"role":"marketing"`, `"token":"acc_`, `"id":"tok_`},
			}.run(t, ts)
			secret := decode[struct{ Token string }](t, r).Token
			if !strings.HasPrefix(secret, "acc_") {
				t.Fatalf("no secret in %s", r.Body)
			}
			ts.tokens["new"] = secret
			scenario{
				request:  request{Method: "POST", Path: "/api/v1/events", Token: "new", Body: array(ev("auth-2", "lead.upserted", "2026-03-01T09:00:00Z", `{"lead_id":"A-2"}`))},
				Status:   http.StatusOK,
				Contains: []string{`"accepted":1`},
			}.run(t, ts)
			scenario{
				request:     request{Method: "GET", Path: "/api/v1/tokens", Token: "admin"},
				Status:      http.StatusOK,
				Contains:    []string{`"name":"hubspot sync"`},
				NotContains: []string{secret},
			}.run(t, ts)
		})

		t.Run("request id", func(t *testing.T) {
			r := ts.do(t, request{Method: "GET", Path: "/healthz", Header: map[string]string{"X-Request-Id": "trace-42"}})
			if got := r.Header.Get("X-Request-Id"); got != "trace-42" {
				t.Errorf("X-Request-Id = %q, want the client's trace-42", got)
			}
			r = ts.do(t, request{Method: "GET", Path: "/healthz"})
			if got := r.Header.Get("X-Request-Id"); len(got) != 16 {
				t.Errorf("X-Request-Id = %q, want a generated id", got)
			}
		})
	})
}
