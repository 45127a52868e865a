package alerting_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/alerting"
	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/notify"
	"github.com/accordhq/accord/internal/store"
	"github.com/accordhq/accord/internal/store/sqlite"
	"github.com/accordhq/accord/internal/versions"
)

const agreementYAML = `name: alerting test
timezone: America/New_York
signers: [Dana]
tiers:
  A: offer == "demo_request"
sales:
  - rule: speed to lead
    when: stage == "mql" and tier == "A"
    first_touch_within: 5m
    warn_before: 2m
    escalate: {after: 15m, notify: [manager, "channel:#leadership"], reassign: round_robin}
`

// receiver is a real HTTP endpoint that records what it is sent and
// answers with the statuses queued (200 when none are left).
type receiver struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []*http.Request
	bod [][]byte
	ans []int
}

func newReceiver(t *testing.T, answers ...int) *receiver {
	r := &receiver{ans: answers}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.got, r.bod = append(r.got, req), append(r.bod, b)
		status := 200
		if len(r.ans) > 0 {
			status, r.ans = r.ans[0], r.ans[1:]
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) count() int { r.mu.Lock(); defer r.mu.Unlock(); return len(r.got) }

type world struct {
	t     *testing.T
	st    store.Store
	in    *ingest.Service
	now   time.Time
	sched *alerting.Scheduler
	disp  *alerting.Dispatcher
}

var t0 = time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC) // a Monday, 10:00 in New York

func newWorld(t *testing.T, cfg alerting.Config) *world {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, st: st, now: t0}
	clock := func() time.Time { return w.now }
	v, err := st.CreateAgreementVersion(t.Context(), store.NewAgreementVersion{Body: []byte(agreementYAML),
		EffectiveFrom: t0.Add(-48 * time.Hour), UploadedBy: "admin", UploadedAt: t0.Add(-48 * time.Hour), Signers: []string{"Dana"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SignAgreementVersion(t.Context(), store.Signature{Version: v.Number, Signer: "Dana", SignedAt: t0.Add(-47 * time.Hour), TokenID: "t", TokenName: "t"}); err != nil {
		t.Fatal(err)
	}
	vc := &versions.Cache{Store: st}
	w.in = ingest.New(st, ingest.Options{Versions: vc, Now: clock})
	w.sched = &alerting.Scheduler{Store: st, Versions: vc, Config: cfg, Now: clock}
	w.disp = &alerting.Dispatcher{Store: st, Config: cfg, Ingest: w.in, Now: clock}
	return w
}

func (w *world) send(evs ...string) {
	w.t.Helper()
	items, err := event.DecodeBatch([]byte("["+strings.Join(evs, ",")+"]"), false, 0, w.now.Add(time.Hour))
	if err != nil {
		w.t.Fatal(err)
	}
	rep, err := w.in.Ingest(w.t.Context(), items)
	if err != nil || rep.Rejected > 0 {
		w.t.Fatalf("ingest: %+v, %v", rep, err)
	}
}

func ev(id, typ string, at time.Time, data string) string {
	return fmt.Sprintf(`{"id":%q,"type":%q,"occurred_at":%q,"data":%s}`, id, typ, at.Format(time.RFC3339), data)
}

// at moves the clock and runs one scheduler tick and one dispatcher drain.
func (w *world) at(d time.Duration) (fired, sent int) {
	w.t.Helper()
	w.now = t0.Add(d)
	fired, err := w.sched.Fire(w.t.Context())
	if err != nil {
		w.t.Fatal(err)
	}
	sent, err = w.disp.Drain(w.t.Context())
	if err != nil {
		w.t.Fatal(err)
	}
	return fired, sent
}

func TestWarningBreachEscalationDelivered(t *testing.T) {
	hook := newReceiver(t)
	slackDefault, slackLeaders := newReceiver(t), newReceiver(t)
	secret := notify.NewSecret()
	cfg := alerting.Config{BaseURL: "https://accord.acme.example",
		Webhooks: []alerting.WebhookConf{{Name: "ops", URL: hook.srv.URL, Secret: secret}},
		Slack: []alerting.SlackConf{{Name: "sdr", URL: slackDefault.srv.URL, Channel: "#sdr"},
			{Name: "leaders", URL: slackLeaders.srv.URL, Channel: "#leadership"}}}
	w := newWorld(t, cfg)
	w.send(
		ev("p1", "person.upserted", t0.Add(-time.Hour), `{"person_id":"sam","team":"sdr","manager":"mia","email":"sam@acme.example"}`),
		ev("p2", "person.upserted", t0.Add(-time.Hour), `{"person_id":"kim","team":"sdr"}`),
		ev("p3", "person.upserted", t0.Add(-time.Hour), `{"person_id":"mia","team":"sdr","role":"manager"}`),
		ev("p4", "person.upserted", t0.Add(-time.Hour), `{"person_id":"lee","team":"sdr","active":false}`),
		ev("u1", "lead.upserted", t0, `{"lead_id":"L1","email":"ann@x.com","name":"Ann Lee","company":"Globex","offer":"demo_request"}`),
		ev("a1", "lead.assigned", t0, `{"lead_id":"L1","owner":"sam","team":"sdr"}`),
		ev("m1", "lead.stage_changed", t0, `{"lead_id":"L1","stage":"mql"}`),
	)
	if f, _ := w.at(2*time.Minute + 59*time.Second); f != 0 {
		t.Fatalf("%d alerts fired before the warning time", f)
	}
	if f, s := w.at(3 * time.Minute); f != 1 || s != 2 {
		t.Fatalf("at the warning time: %d fired, %d sent; want 1 alert to 2 channels (webhook, default Slack)", f, s)
	}
	// The webhook is signed as Standard Webhooks says, and says which lead,
	// which rule and how long is left.
	req, body := hook.got[0], hook.bod[0]
	if err := notify.VerifyAt(secret, req.Header, body, 5*time.Minute, w.now); err != nil {
		t.Errorf("webhook signature: %v", err)
	}
	var p notify.Payload
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	if p.Type != "accord.sla.warning" || p.Data.Lead.ID != "L1" || p.Data.Lead.Name != "Ann Lee" || p.Data.Rule != "speed to lead" ||
		p.Data.TimeLeftSeconds != 120 || p.Data.AgreementVersion != "v1" || p.Data.Lead.URL != "https://accord.acme.example/leads/L1" {
		t.Errorf("warning payload %+v", p)
	}
	if f, _ := w.at(5 * time.Minute); f != 1 {
		t.Fatalf("breach: %d fired", f)
	}
	// The escalation: default Slack and #leadership, the webhook, and the
	// lead reassigned round robin to the next active rep (kim).
	if f, s := w.at(15 * time.Minute); f != 1 || s != 4 {
		t.Fatalf("escalation: %d fired, %d sent; want 1 to 4 (webhook, 2 Slack, reassignment)", f, s)
	}
	if slackLeaders.count() != 1 || slackDefault.count() != 3 || hook.count() != 3 {
		t.Errorf("deliveries: #leadership %d, default Slack %d, webhook %d; want 1, 3, 3", slackLeaders.count(), slackDefault.count(), hook.count())
	}
	if !strings.Contains(string(slackLeaders.bod[0]), "manager mia") {
		t.Errorf("the escalation does not say the manager was told: %s", slackLeaders.bod[0])
	}
	l, err := w.st.Lead(t.Context(), "L1")
	if err != nil || l.Owner != "kim" {
		t.Errorf("after the escalation the lead's owner is %q (%v), want kim", l.Owner, err)
	}
	obs, _ := w.st.LeadObligations(t.Context(), "L1")
	if len(obs) != 1 || obs[0].Owner != "kim" || obs[0].Moves != 1 {
		t.Errorf("the obligation did not move with the lead: %+v", obs)
	}
	// Nothing fires twice, however often the scheduler runs.
	if f, s := w.at(time.Hour); f != 0 || s != 0 {
		t.Errorf("an hour later: %d fired, %d sent", f, s)
	}
}

func TestRetriesDeadLettersAndDowntime(t *testing.T) {
	flaky := newReceiver(t, 503, 503) // fails twice, then takes it
	gone := newReceiver(t, 410, 410)  // permanently gone
	cfg := alerting.Config{Webhooks: []alerting.WebhookConf{
		{Name: "flaky", URL: flaky.srv.URL, Secret: notify.NewSecret()},
		{Name: "gone", URL: gone.srv.URL, Secret: notify.NewSecret()}}}
	w := newWorld(t, cfg)
	w.send(
		ev("u1", "lead.upserted", t0, `{"lead_id":"L1","email":"ann@x.com","offer":"demo_request"}`),
		ev("m1", "lead.stage_changed", t0, `{"lead_id":"L1","stage":"mql"}`),
	)
	// Accord was down from before the warning until after the breach: both
	// fire at the first tick after it comes back, each once.
	if f, _ := w.at(6 * time.Minute); f != 2 {
		t.Fatalf("after downtime %d alerts fired, want the warning and the breach", f)
	}
	dead, _ := w.st.Deliveries(t.Context(), store.DeliveryFilter{Status: "dead"})
	if len(dead) != 2 || !strings.Contains(dead[0].LastError, "410") {
		t.Fatalf("dead letters %+v; want the 2 deliveries to the endpoint that said 410", dead)
	}
	// The flaky endpoint is retried with backoff, with the same webhook-id.
	// (Up to minute 11: the escalation is due at 15.)
	for range 5 {
		w.at(w.now.Sub(t0) + time.Minute)
	}
	if flaky.count() != 4 {
		t.Fatalf("the flaky endpoint got %d requests, want 4 (2 alerts, each a failure then a success)", flaky.count())
	}
	ids := map[string]int{}
	for _, r := range flaky.got {
		ids[r.Header.Get("webhook-id")]++
	}
	for id, n := range ids {
		if n != 2 {
			t.Errorf("webhook-id %s sent %d times, want 2 (one failure, one success)", id, n)
		}
	}
	delivered, _ := w.st.Deliveries(t.Context(), store.DeliveryFilter{Status: "delivered"})
	if len(delivered) != 2 || delivered[0].Attempts != 2 {
		t.Errorf("delivered %+v", delivered)
	}
}
