package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/api"
	"github.com/accordhq/accord/internal/auth"
	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/store"
	"github.com/accordhq/accord/internal/store/sqlite"
)

// backend opens a fresh, migrated store for one test.
type backend struct {
	name string
	open func(t *testing.T) store.Store
}

// backends lists the databases the API tests run on: SQLite always, and
// PostgreSQL when ACCORD_TEST_POSTGRES_URL is set (see postgres_test.go).
func backends() []backend {
	bs := []backend{{"sqlite", openSQLite}}
	if os.Getenv(postgresURLEnv) != "" {
		bs = append(bs, backend{"postgres", openPostgres})
	}
	return bs
}

func openSQLite(t *testing.T) store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "accord.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

// eachBackend runs fn as a subtest per backend.
func eachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	t.Helper()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			fn(t, b)
		})
	}
	if os.Getenv(postgresURLEnv) == "" {
		t.Log("PostgreSQL skipped: set " + postgresURLEnv + "=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run these tests on it too")
	}
}

// testServer is the API served over a real socket on a fresh store, with a
// token for each role.
type testServer struct {
	URL    string
	Store  store.Store
	tokens map[string]string // role -> secret
}

func newTestServer(t *testing.T, b backend, limits api.Limits) *testServer {
	t.Helper()
	st := b.open(t)
	ts := &testServer{Store: st, tokens: map[string]string{}}
	for _, role := range auth.Roles {
		secret, tok, err := auth.New(string(role)+"-test", role, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := st.CreateToken(context.Background(), tok, "test setup"); err != nil {
			t.Fatal(err)
		}
		ts.tokens[string(role)] = secret
	}
	if limits == (api.Limits{}) {
		limits = api.DefaultLimits
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewServer(api.New(st, ingest.New(st, ingest.Options{}), log, limits).Handler())
	t.Cleanup(srv.Close)
	ts.URL = srv.URL
	return ts
}

// request is one HTTP call. Token is a role name ("admin", "viewer"…), or
// empty for no Authorization header; Header overrides it.
type request struct {
	Method, Path string
	Token        string
	Header       map[string]string
	ContentType  string
	Body         string
	// Chunked sends the body without a Content-Length.
	Chunked bool
}

type response struct {
	Status int
	Header http.Header
	Body   string
}

func (ts *testServer) do(t *testing.T, r request) response {
	t.Helper()
	var body io.Reader
	if r.Body != "" {
		body = strings.NewReader(r.Body)
		if r.Chunked {
			body = io.MultiReader(body)
		}
	}
	req, err := http.NewRequest(r.Method, ts.URL+r.Path, body)
	if err != nil {
		t.Fatal(err)
	}
	if r.Token != "" {
		secret, ok := ts.tokens[r.Token]
		if !ok {
			t.Fatalf("no test token for role %q", r.Token)
		}
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	if r.ContentType != "" {
		req.Header.Set("Content-Type", r.ContentType)
	} else if r.Body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", r.Method, r.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
}

// scenario is a request and what its answer must hold.
type scenario struct {
	Name string
	request
	Status int
	// Contains are fragments the body must hold; JSON keys and values are
	// matched as the server writes them (compact, no spaces).
	Contains    []string
	NotContains []string
	// Check, if set, runs after the generic checks.
	Check func(t *testing.T, r response)
}

func (sc scenario) run(t *testing.T, ts *testServer) response {
	t.Helper()
	r := ts.do(t, sc.request)
	if r.Status != sc.Status {
		t.Errorf("%s %s: status %d, want %d\nbody: %s", sc.Method, sc.Path, r.Status, sc.Status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s %s: Content-Type %q, want JSON", sc.Method, sc.Path, ct)
	}
	if !json.Valid([]byte(r.Body)) {
		t.Errorf("%s %s: body is not JSON: %s", sc.Method, sc.Path, r.Body)
	}
	for _, want := range sc.Contains {
		if !strings.Contains(r.Body, want) {
			t.Errorf("%s %s: body lacks %s\nbody: %s", sc.Method, sc.Path, want, r.Body)
		}
	}
	for _, bad := range sc.NotContains {
		if strings.Contains(r.Body, bad) {
			t.Errorf("%s %s: body holds %s\nbody: %s", sc.Method, sc.Path, bad, r.Body)
		}
	}
	if sc.Check != nil {
		sc.Check(t, r)
	}
	return r
}

// runScenarios runs each scenario in order as a subtest on ts.
func runScenarios(t *testing.T, ts *testServer, scs []scenario) {
	t.Helper()
	for _, sc := range scs {
		t.Run(sc.Name, func(t *testing.T) { sc.run(t, ts) })
	}
}

// decode parses a response body into v.
func decode[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.Body), &v); err != nil {
		t.Fatalf("decode %T: %v\nbody: %s", v, err, r.Body)
	}
	return v
}

// post sends events and requires the status.
func (ts *testServer) post(t *testing.T, status int, contentType, body string) response {
	t.Helper()
	r := ts.do(t, request{Method: "POST", Path: "/api/v1/events", Token: "marketing", ContentType: contentType, Body: body})
	if r.Status != status {
		t.Fatalf("POST /api/v1/events: status %d, want %d\nbody: %s", r.Status, status, r.Body)
	}
	return r
}

func (ts *testServer) counts(t *testing.T) store.Counts {
	t.Helper()
	c, err := ts.Store.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// ev writes one event envelope.
func ev(id, typ, at, data string) string {
	return `{"id":"` + id + `","type":"` + typ + `","occurred_at":"` + at + `","data":` + data + `}`
}

// ndjson joins events one per line.
func ndjson(evs ...string) string { return strings.Join(evs, "\n") + "\n" }

// array joins events into a JSON array.
func array(evs ...string) string { return "[" + strings.Join(evs, ",\n") + "]" }

// The fixture: three people, three leads, one opportunity, then a second
// batch with a touch that arrives late and the first lead coming back
// under another id with the same email.
var (
	fixturePeople = []string{
		ev("p-ann", "person.upserted", "2026-03-01T08:00:00Z", `{"person_id":"ann","name":"Ann Lee","team":"sdr","role":"sdr","timezone":"America/New_York"}`),
		ev("p-bob", "person.upserted", "2026-03-01T08:00:00Z", `{"person_id":"bob","name":"Bob Ito","team":"sdr","role":"manager"}`),
		ev("p-cy", "person.upserted", "2026-03-01T08:00:00Z", `{"person_id":"cy","name":"Cy Park","team":"ae","role":"ae","email":"cy@seller.example"}`),
	}
	fixtureLeads = []string{
		ev("l1-new", "lead.upserted", "2026-03-01T09:00:00Z", `{"lead_id":"L-1","email":"kim@example.com","name":"Kim Ode","source":"webinar","segment":"smb","score":72}`),
		ev("l1-mql", "lead.stage_changed", "2026-03-01T09:01:00Z", `{"lead_id":"L-1","stage":"mql","reason":"score over 70"}`),
		ev("l1-own", "lead.assigned", "2026-03-01T09:02:00Z", `{"lead_id":"L-1","owner":"ann","team":"sdr"}`),
		ev("l1-call", "activity.logged", "2026-03-01T09:10:00Z", `{"lead_id":"L-1","kind":"call","actor":"ann","outcome":"connected"}`),
		ev("l1-ok", "lead.disposition", "2026-03-01T09:30:00Z", `{"lead_id":"L-1","disposition":"accepted","actor":"ann"}`),
		ev("o1-new", "opportunity.upserted", "2026-03-02T10:00:00Z", `{"opportunity_id":"O-1","lead_id":"L-1","name":"Kim's deal","amount":5000,"currency":"usd"}`),
		ev("o1-won", "opportunity.closed", "2026-03-02T11:00:00Z", `{"opportunity_id":"O-1","outcome":"won"}`),
		ev("l2-new", "lead.upserted", "2026-03-02T09:00:00Z", `{"lead_id":"L-2","email":"lee@example.com","source":"tradeshow","segment":"enterprise"}`),
		ev("l2-own", "lead.assigned", "2026-03-02T09:05:00Z", `{"lead_id":"L-2","owner":"cy","team":"ae"}`),
		ev("l2-sql", "lead.stage_changed", "2026-03-02T09:06:00Z", `{"lead_id":"L-2","stage":"sql"}`),
		ev("l3-new", "lead.upserted", "2026-03-03T09:00:00Z", `{"lead_id":"L-3","email":"max@example.com","source":"webinar","segment":"enterprise"}`),
	}
	fixtureLate = []string{
		ev("l1-email", "activity.logged", "2026-03-01T09:05:00Z", `{"lead_id":"L-1","kind":"email","actor":"ann"}`),
		ev("l1b-new", "lead.upserted", "2026-03-04T09:00:00Z", `{"lead_id":"L-1b","email":"KIM@example.com","campaign":"spring"}`),
	}
	fixtureEvents = len(fixturePeople) + len(fixtureLeads) + len(fixtureLate)
)

// seed loads the fixture in two batches, as a CRM would send it.
func (ts *testServer) seed(t *testing.T) {
	t.Helper()
	ts.post(t, http.StatusOK, "application/json", array(append(append([]string{}, fixturePeople...), fixtureLeads...)...))
	ts.post(t, http.StatusOK, "application/x-ndjson", ndjson(fixtureLate...))
}
