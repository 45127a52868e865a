package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/accordhq/accord/client"
	"github.com/accordhq/accord/internal/api"
	"github.com/accordhq/accord/internal/auth"
	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/store/sqlite"
)

// startServer runs the Accord API on a fresh SQLite file, over a real
// socket, as `accord serve` would, and returns its URL, an admin token and
// a function that stops it. In your code the URL and token are your
// server's.
func startServer() (url, token string, stop func()) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "accord-example-")
	if err != nil {
		log.Fatal(err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "accord.db"))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := st.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	secret, tok, err := auth.New("example", auth.Admin, time.Now())
	if err != nil {
		log.Fatal(err)
	}
	if err := st.CreateToken(ctx, tok, "test setup"); err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(api.New(st, ingest.New(st, ingest.Options{}), slog.New(slog.DiscardHandler), api.DefaultLimits).Handler())
	return srv.URL, secret, func() {
		srv.Close()
		st.Close()
		os.RemoveAll(dir)
	}
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// A CRM integration sends what happened to a lead, then reads the lead back
// with its history.
func Example() {
	url, token, stop := startServer()
	defer stop()
	ctx := context.Background()

	c := client.New(url, token)
	rep, err := c.SendEvents(ctx, []client.Event{
		{ID: "crm-1", Type: client.LeadUpserted, OccurredAt: at("2026-03-02T09:00:00Z"),
			Data: client.LeadData{LeadID: "L-7", Email: "kim@example.com", Source: "webinar"}},
		{ID: "crm-2", Type: client.LeadStageChanged, OccurredAt: at("2026-03-02T09:01:00Z"),
			Data: client.StageChangeData{LeadID: "L-7", Stage: "mql"}},
		{ID: "crm-3", Type: client.LeadAssigned, OccurredAt: at("2026-03-02T09:02:00Z"),
			Data: client.AssignmentData{LeadID: "L-7", Owner: "ann", Team: "sdr"}},
		{ID: "crm-4", Type: client.ActivityLogged, OccurredAt: at("2026-03-02T09:04:00Z"),
			Data: client.ActivityData{LeadID: "L-7", Kind: "call", Actor: "ann"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("accepted %d, duplicates %d, rejected %d\n", rep.Accepted, rep.Duplicates, rep.Rejected)

	d, err := c.Lead(ctx, "L-7")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("stage:", d.Lead.Stage, "owner:", d.Lead.Owner, "touches:", d.Lead.Touches)
	for _, e := range d.History.Events {
		fmt.Println(e.OccurredAt.Format("15:04"), e.Type)
	}
	// Output:
	// accepted 4, duplicates 0, rejected 0
	// stage: mql owner: ann touches: 1
	// 09:00 lead.upserted
	// 09:01 lead.stage_changed
	// 09:02 lead.assigned
	// 09:04 activity.logged
}

// Resending a batch is safe: events already stored come back as duplicates.
// An event the server refuses is reported with its index and field, and the
// rest of the batch is stored anyway.
func ExampleClient_SendEvents() {
	url, token, stop := startServer()
	defer stop()
	ctx := context.Background()
	c := client.New(url, token)

	lead := client.Event{ID: "form-88", Type: client.LeadUpserted, OccurredAt: at("2026-03-02T10:00:00Z"),
		Data: client.LeadData{LeadID: "L-8", Email: "lee@example.com"}}
	if _, err := c.SendEvents(ctx, []client.Event{lead}); err != nil {
		log.Fatal(err)
	}

	rep, err := c.SendEvents(ctx, []client.Event{
		lead, // sent again, by a retrying webhook
		{ID: "deal-1", Type: client.OpportunityUpserted, OccurredAt: at("2026-03-03T10:00:00Z"),
			Data: map[string]any{"opportunity_id": "O-1", "lead_id": "L-8", "amount": "lots"}},
	})
	var apiErr *client.Error
	if errors.As(err, &apiErr) {
		fmt.Println("status:", apiErr.StatusCode)
		fmt.Println("event:", *apiErr.Index, "field:", apiErr.Field)
	}
	for _, r := range rep.Results {
		if r.Status == client.Rejected {
			fmt.Printf("%d %s %s: %s\n", r.Index, r.ID, r.Status, r.Error)
			continue
		}
		fmt.Println(r.Index, r.ID, r.Status)
	}
	// Output:
	// status: 422
	// event: 1 field: data.amount
	// 0 form-88 duplicate
	// 1 deal-1 rejected: data.amount: must be a number, got string
}

// NDJSON streams a file of events, one per line; a broken line rejects only
// itself.
func ExampleClient_SendNDJSON() {
	url, token, stop := startServer()
	defer stop()
	c := client.New(url, token)

	ndjson := strings.NewReader(`{"id":"p-1","type":"person.upserted","occurred_at":"2026-03-01T08:00:00Z","data":{"person_id":"ann","team":"sdr","timezone":"America/New_York"}}
{"id":"p-2","type":"person.upserted","occurred_at":"2026-03-01T08:00:00Z","data":{"person_id":"bob","team":"sdr","role":"manager"}
{"id":"p-3","type":"person.upserted","occurred_at":"2026-03-01T08:00:00Z","data":{"person_id":"cy","team":"ae"}}
`)
	rep, err := c.SendNDJSON(context.Background(), ndjson)
	fmt.Println(client.StatusCode(err), "accepted:", rep.Accepted, "rejected:", rep.Rejected)
	fmt.Println(rep.Results[1].Error)

	teams, err := c.Teams(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range teams {
		fmt.Println(t.Name, t.Members)
	}
	// Output:
	// 422 accepted: 2 rejected: 1
	// line 2: unexpected EOF
	// ae [cy]
	// sdr [ann]
}

// ListLeads reads every lead matching a filter, a page at a time.
func ExampleClient_ListLeads() {
	url, token, stop := startServer()
	defer stop()
	ctx := context.Background()
	c := client.New(url, token)

	var evs []client.Event
	for i, src := range []string{"webinar", "tradeshow", "webinar", "webinar"} {
		id := fmt.Sprintf("L-%d", i+1)
		evs = append(evs, client.Event{ID: "new-" + id, Type: client.LeadUpserted,
			OccurredAt: at("2026-03-01T09:00:00Z").Add(time.Duration(i) * time.Hour),
			Data:       client.LeadData{LeadID: id, Source: src}})
	}
	if _, err := c.SendEvents(ctx, evs); err != nil {
		log.Fatal(err)
	}

	f := client.LeadFilter{Source: "webinar", Limit: 2}
	for {
		page, err := c.ListLeads(ctx, f)
		if err != nil {
			log.Fatal(err)
		}
		for _, l := range page.Leads {
			fmt.Println(l.LeadID, l.CreatedAt.Format(time.Kitchen))
		}
		if page.NextCursor == "" {
			break
		}
		f.Cursor = page.NextCursor
	}
	// Output:
	// L-4 12:00PM
	// L-3 11:00AM
	// L-1 9:00AM
}

// Events follows the log in arrival order, for a job that keeps another
// system in step.
func ExampleClient_Events() {
	url, token, stop := startServer()
	defer stop()
	ctx := context.Background()
	c := client.New(url, token)
	for i := range 3 {
		_, err := c.SendEvents(ctx, []client.Event{{ID: fmt.Sprintf("touch-%d", i), Type: client.ActivityLogged,
			OccurredAt: at("2026-03-02T09:00:00Z"), Data: client.ActivityData{LeadID: "L-1", Kind: "email"}}})
		if err != nil {
			log.Fatal(err)
		}
	}

	after := "" // keep this between runs to read only what is new
	for {
		page, err := c.Events(ctx, after, 2)
		if err != nil {
			log.Fatal(err)
		}
		for _, e := range page.Events {
			fmt.Println(e.Seq, e.ID, e.LeadID)
		}
		after = page.NextCursor
		if !page.HasMore {
			break
		}
	}
	fmt.Println("next time, start after", after)
	// Output:
	// 1 touch-0 L-1
	// 2 touch-1 L-1
	// 3 touch-2 L-1
	// next time, start after 3
}

// Errors carry the HTTP status and the server's message.
func ExampleError() {
	url, _, stop := startServer()
	defer stop()

	c := client.New(url, "acc_wrong")
	_, err := c.Lead(context.Background(), "L-1")
	var apiErr *client.Error
	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusUnauthorized {
		fmt.Println(apiErr.Message)
	}
	// Output:
	// unknown or revoked token
}

// New takes options for the HTTP client and the user agent.
func ExampleNew() {
	c := client.New("https://accord.example.com", os.Getenv("ACCORD_TOKEN"),
		client.WithHTTPClient(&http.Client{Timeout: 10 * time.Second}),
		client.WithUserAgent("hubspot-sync/1.4"))
	_ = c
}

// An admin uploads a version of the agreement; each signer it names signs
// it, and it is in force.
func ExampleClient_SignAgreement() {
	url, token, stop := startServer()
	defer stop()
	ctx := context.Background()
	c := client.New(url, token)

	yaml := []byte(`name: Acme agreement
timezone: America/New_York
signers: [Dana Whitfield, Marcus Obi]
sales:
  - rule: speed to lead
    when: stage == "mql"
    first_touch_within: 15m
`)
	v, err := c.UploadAgreement(ctx, yaml, at("2026-01-01T00:00:00Z"), "first version")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("version %d: %s, waiting for %s\n", v.Number, v.Status, strings.Join(v.Missing, " and "))
	for _, signer := range v.Signers {
		if _, v, err = c.SignAgreement(ctx, v.Number, signer); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Printf("version %d: %s\n", v.Number, v.Status)

	// Signing twice is refused.
	_, _, err = c.SignAgreement(ctx, 1, "Dana Whitfield")
	fmt.Println(client.StatusCode(err))
	// Output:
	// version 1: draft, waiting for Dana Whitfield and Marcus Obi
	// version 1: in_force
	// 409
}
