package client

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/api"
	"github.com/accordhq/accord/internal/auth"
	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/store/sqlite"
)

// newServer serves the real API on a temp SQLite file and returns its URL
// and a token for each role.
func newServer(t *testing.T, limits api.Limits) (string, map[auth.Role]string) {
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
	tokens := map[auth.Role]string{}
	for _, r := range auth.Roles {
		secret, tok, err := auth.New(string(r), r, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := st.CreateToken(ctx, tok, "test setup"); err != nil {
			t.Fatal(err)
		}
		tokens[r] = secret
	}
	srv := httptest.NewServer(api.New(st, ingest.New(st, ingest.Options{}), slog.New(slog.DiscardHandler), limits).Handler())
	t.Cleanup(srv.Close)
	return srv.URL, tokens
}

// strictClient fails on any field of an answer the client's types lack, so
// a field added to the API shows up here.
func strictClient(url, token string) *Client {
	c := New(url, token)
	c.strict = true
	return c
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr[T any](v T) *T { return &v }

func TestClientAgainstServer(t *testing.T) {
	t.Parallel()
	url, tokens := newServer(t, api.DefaultLimits)
	ctx := context.Background()
	c := strictClient(url, tokens[auth.Marketing])

	rep, err := c.SendEvents(ctx, []Event{
		{ID: "p1", Type: PersonUpserted, OccurredAt: ts("2026-03-01T08:00:00Z"), Data: PersonData{PersonID: "ann", Name: "Ann", Team: "sdr", Role: "sdr", Manager: "bob", Timezone: "Europe/Berlin", Email: "ann@x.example", Active: ptr(true)}},
		{ID: "p2", Type: PersonUpserted, OccurredAt: ts("2026-03-01T08:00:00Z"), Data: PersonData{PersonID: "bob", Team: "sdr", Role: "manager"}},
		{ID: "e1", Type: LeadUpserted, OccurredAt: ts("2026-03-01T09:00:00Z"), Data: LeadData{LeadID: "crm/1", Email: "kim@example.com", Name: "Kim", Company: "Acme", Title: "CTO",
			Seniority: "c", Phone: "1", Country: "DE", Source: "webinar", Campaign: "spring", Offer: "ebook", Segment: "smb", Score: ptr(80.0), Attributes: map[string]any{"size": 40}, Inquiry: true}},
		{ID: "e2", Type: LeadStageChanged, OccurredAt: ts("2026-03-01T09:01:00Z"), Data: StageChangeData{LeadID: "crm/1", Stage: "mql", Reason: "score", Actor: "ann"}},
		{ID: "e3", Type: LeadAssigned, OccurredAt: ts("2026-03-01T09:02:00Z"), Data: AssignmentData{LeadID: "crm/1", Owner: "ann", Team: "sdr"}},
		{ID: "e4", Type: ActivityLogged, OccurredAt: ts("2026-03-01T09:03:00Z"), Data: ActivityData{LeadID: "crm/1", Kind: "call", Actor: "ann", Outcome: "ok", Notes: "n"}},
		{ID: "e5", Type: LeadDisposition, OccurredAt: ts("2026-03-01T09:04:00Z"), Data: DispositionData{LeadID: "crm/1", Disposition: "accepted", Reason: "fit", Actor: "ann"}},
		{ID: "e6", Type: OpportunityUpserted, OccurredAt: ts("2026-03-02T09:00:00Z"), Data: OpportunityData{OpportunityID: "O1", LeadID: "crm/1", Account: "Acme", Name: "pilot",
			Stage: "demo", Amount: ptr(900.0), Currency: "EUR", Owner: "cy", Product: "core"}},
		{ID: "e7", Type: OpportunityClosed, OccurredAt: ts("2026-03-03T09:00:00Z"), Data: CloseData{OpportunityID: "O1", Outcome: "won", Amount: ptr(1000.0), Reason: "price"}},
		{ID: "e8", Type: LeadUpserted, OccurredAt: ts("2026-03-04T09:00:00Z"), Data: LeadData{LeadID: "web-9", Email: "Kim@Example.com"}},
	})
	if err != nil || rep.Accepted != 10 || len(rep.Results) != 10 {
		t.Fatalf("SendEvents = %+v, %v", rep, err)
	}

	d, err := c.Lead(ctx, "web-9") // an alias, with the lead's id needing escapes too
	if err != nil {
		t.Fatal(err)
	}
	l := d.Lead
	if l.LeadID != "crm/1" || !slices.Equal(l.Aliases, []string{"web-9"}) || l.Stage != "mql" || l.Owner != "ann" || l.Touches != 1 ||
		l.ReEngagements != 1 || l.Disposition != "accepted" || *l.Score != 80 || l.StagesEntered["mql"].IsZero() || l.LastTouchAt == nil {
		t.Errorf("lead = %+v", l)
	}
	if len(d.History.Events) != 8 || len(d.History.Stages) != 2 || d.History.Stages[0].LeftAt == nil ||
		len(d.History.Touches) != 1 || len(d.History.Assignments) != 1 || len(d.History.Dispositions) != 1 || !d.History.Events[7].ReEngagement {
		t.Errorf("history = %+v", d.History)
	}
	if len(d.Opportunities) != 1 || d.Opportunities[0].Status != "won" || *d.Opportunities[0].Amount != 1000 || d.Opportunities[0].ClosedAt == nil {
		t.Errorf("opportunities = %+v", d.Opportunities)
	}

	page, err := c.ListLeads(ctx, LeadFilter{Stage: "mql", Owner: "ann", Team: "sdr", Source: "webinar", Segment: "smb",
		CreatedFrom: ts("2026-03-01T00:00:00+01:00"), CreatedTo: ts("2026-03-02T00:00:00Z"),
		UpdatedFrom: ts("2026-03-04T00:00:00Z"), UpdatedTo: ts("2026-03-05T00:00:00Z"), Limit: 5})
	if err != nil || len(page.Leads) != 1 || page.Leads[0].LeadID != "crm/1" || page.NextCursor != "" {
		t.Errorf("ListLeads = %+v, %v", page, err)
	}
	page, err = c.ListLeads(ctx, LeadFilter{Limit: 1})
	if err != nil || len(page.Leads) != 1 || page.NextCursor == "" {
		t.Fatalf("ListLeads limit 1 = %+v, %v", page, err)
	}
	page, err = c.ListLeads(ctx, LeadFilter{Limit: 1, Cursor: page.NextCursor})
	if err != nil || len(page.Leads) != 0 || page.NextCursor != "" {
		t.Errorf("second page = %+v, %v", page, err)
	}

	evs, err := c.Events(ctx, "7", 2)
	if err != nil || len(evs.Events) != 2 || evs.Events[0].ID != "e6" || evs.Events[0].LeadID != "crm/1" || !evs.HasMore || evs.NextCursor != "9" {
		t.Errorf("Events(7, 2) = %+v, %v", evs, err)
	}
	evs, err = c.Events(ctx, evs.NextCursor, 0)
	if err != nil || len(evs.Events) != 1 || evs.HasMore || evs.NextCursor != "10" {
		t.Errorf("Events(9, 0) = %+v, %v", evs, err)
	}

	people, err := c.People(ctx)
	if err != nil || len(people) != 2 || people[0].PersonID != "ann" || !people[0].Active || people[0].Timezone != "Europe/Berlin" {
		t.Errorf("People = %+v, %v", people, err)
	}
	teams, err := c.Teams(ctx)
	if err != nil || len(teams) != 1 || !slices.Equal(teams[0].Managers, []string{"bob"}) || !slices.Equal(teams[0].Members, []string{"ann"}) {
		t.Errorf("Teams = %+v, %v", teams, err)
	}

	h, err := New(url, "").Health(ctx)
	if err != nil || h.Status != "ok" || h.Backend != "sqlite" || h.SchemaVersion == 0 || h.SchemaVersion != h.SchemaLatest {
		t.Errorf("Health = %+v, %v", h, err)
	}

	admin := strictClient(url, tokens[auth.Admin])
	nt, err := admin.CreateToken(ctx, "sync", "sales")
	if err != nil || nt.Role != "sales" || nt.Name != "sync" || !strings.HasPrefix(nt.Secret, "acc_") || nt.ID == "" {
		t.Fatalf("CreateToken = %+v, %v", nt, err)
	}
	toks, err := admin.Tokens(ctx)
	if err != nil || len(toks) != len(auth.Roles)+1 {
		t.Errorf("Tokens = %+v, %v", toks, err)
	}
	if _, err := strictClient(url, nt.Secret).People(ctx); err != nil {
		t.Errorf("the new token does not work: %v", err)
	}
}

func TestClientErrors(t *testing.T) {
	t.Parallel()
	url, tokens := newServer(t, api.Limits{MaxBodyBytes: 1000, MaxBatchEvents: 3})
	ctx := context.Background()
	c := strictClient(url, tokens[auth.Sales])
	lead := func(id string) Event {
		return Event{ID: id, Type: LeadUpserted, OccurredAt: ts("2026-03-01T09:00:00Z"), Data: LeadData{LeadID: "L"}}
	}

	tests := []struct {
		name   string
		call   func() error
		status int
		field  string
		msg    string
		index  *int
		line   int
	}{
		{"no token", func() error { _, err := New(url, "").People(ctx); return err }, 401, "", "missing Authorization header", nil, 0},
		{"bad token", func() error { _, err := New(url, "acc_nope").People(ctx); return err }, 401, "", "unknown or revoked token", nil, 0},
		{"viewer writes", func() error { _, err := New(url, tokens[auth.Viewer]).SendEvents(ctx, []Event{lead("a")}); return err }, 403, "", "may read but not write", nil, 0},
		{"sales creates a token", func() error { _, err := c.CreateToken(ctx, "x", "admin"); return err }, 403, "", "this needs admin", nil, 0},
		{"bad role", func() error { _, err := New(url, tokens[auth.Admin]).CreateToken(ctx, "x", "boss"); return err }, 400, "role", `unknown role "boss"`, nil, 0},
		{"unknown lead", func() error { _, err := c.Lead(ctx, "nobody"); return err }, 404, "", `no lead with id or alias "nobody"`, nil, 0},
		{"bad stage filter", func() error { _, err := c.ListLeads(ctx, LeadFilter{Stage: "warm"}); return err }, 400, "stage", `unknown stage "warm"`, nil, 0},
		{"bad cursor", func() error { _, err := c.ListLeads(ctx, LeadFilter{Cursor: "zzz"}); return err }, 400, "cursor", "not one this server returned", nil, 0},
		{"bad after", func() error { _, err := c.Events(ctx, "x", 0); return err }, 400, "after", "next_cursor", nil, 0},
		{"empty batch", func() error { _, err := c.SendEvents(ctx, nil); return err }, 400, "", "the batch holds no events", nil, 0},
		{"too many events", func() error {
			_, err := c.SendEvents(ctx, []Event{lead("1"), lead("2"), lead("3"), lead("4")})
			return err
		}, 413, "", "at most 3 events", nil, 0},
		{"body too large", func() error {
			_, err := c.SendEvents(ctx, []Event{{ID: "big", Type: LeadUpserted, OccurredAt: ts("2026-03-01T09:00:00Z"), Data: LeadData{LeadID: strings.Repeat("x", 2000)}}})
			return err
		}, 413, "", "the limit is 1000", nil, 0},
		{"malformed NDJSON stream", func() error { _, err := c.SendNDJSON(ctx, strings.NewReader("")); return err }, 400, "", "the batch holds no events", nil, 0},
		{"rejected event", func() error {
			rep, err := c.SendEvents(ctx, []Event{lead("ok"), {ID: "bad", Type: "lead.vanished", OccurredAt: ts("2026-03-01T09:00:00Z"), Data: map[string]any{}}})
			if rep == nil || rep.Accepted != 1 || rep.Rejected != 1 {
				t.Errorf("report = %+v", rep)
			}
			return err
		}, 422, "type", `1 of 2 events rejected, the first: type: unknown event type "lead.vanished"`, ptr(1), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not a *client.Error", err, err)
			}
			if e.StatusCode != tt.status || e.Field != tt.field || !strings.Contains(e.Message, tt.msg) || StatusCode(err) != tt.status {
				t.Errorf("got %d field %q message %q; want %d field %q message with %q", e.StatusCode, e.Field, e.Message, tt.status, tt.field, tt.msg)
			}
			if (e.Index == nil) != (tt.index == nil) || (e.Index != nil && *e.Index != *tt.index) {
				t.Errorf("index = %v, want %v", e.Index, tt.index)
			}
			if e.StatusCode != http.StatusUnprocessableEntity && e.RequestID == "" {
				t.Errorf("no request id")
			}
			if !strings.HasPrefix(err.Error(), "accord: ") {
				t.Errorf("Error() = %q", err)
			}
		})
	}

	t.Run("malformed JSON has a line and column", func(t *testing.T) {
		_, err := c.SendNDJSON(ctx, strings.NewReader("\n"))
		if StatusCode(err) != 400 {
			t.Fatalf("err = %v", err)
		}
		// A JSON body that breaks, sent raw through the NDJSON-free path.
		err = c.do(ctx, http.MethodPost, "/api/v1/events", "application/json", strings.NewReader("[\n  {\"id\": }\n]"), new(Report))
		var e *Error
		if !errors.As(err, &e) || e.StatusCode != 400 || e.Line != 2 || e.Column != 10 {
			t.Errorf("err = %#v", err)
		}
		if want := "accord: 400 Bad Request: invalid JSON at line 2, column 10: invalid character '}' looking for beginning of value"; err.Error() != want {
			t.Errorf("Error() = %q\nwant      %q", err, want)
		}
	})
}

func TestClientNonJSONError(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != "Bearer tok" {
			t.Errorf("Authorization = %q", got)
		}
		if got := r.Header.Get("User-Agent"); got != "sync/2" {
			t.Errorf("User-Agent = %q", got)
		}
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "<html>upstream down</html>\n")
	}))
	defer srv.Close()
	_, err := New(srv.URL+"/", "tok", WithUserAgent("sync/2"), WithHTTPClient(srv.Client())).People(context.Background())
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 502 || e.Message != "<html>upstream down</html>" {
		t.Fatalf("err = %#v", err)
	}
	if got, want := err.Error(), "accord: 502 Bad Gateway: <html>upstream down</html>"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestClientContext(t *testing.T) {
	t.Parallel()
	url, tokens := newServer(t, api.DefaultLimits)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := New(url, tokens[auth.Viewer]).People(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if StatusCode(err) != 0 {
		t.Errorf("StatusCode = %d for a transport error", StatusCode(err))
	}
}
