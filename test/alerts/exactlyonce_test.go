// Package alerts proves the SLA alerts' promise end to end, with real
// `accord serve` processes killed by SIGKILL while they fire and send:
// every alert is recorded (fired) exactly once, and delivered at least once
// to a real local HTTP receiver that checks the Standard Webhooks signature
// and dedupes by webhook-id.
//
// On PostgreSQL two processes share one database and 10,000 obligations fall
// due in the same instant; one process is killed midway through firing them,
// then started again. On SQLite one process is killed midway and restarted,
// and the overdue alerts fire at once. The SQLite case always runs; the
// PostgreSQL one when ACCORD_TEST_POSTGRES_URL names a server.
package alerts

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/mattn/go-sqlite3"

	"github.com/accordhq/accord/client"
	"github.com/accordhq/accord/internal/notify"
)

// The servers run with a 5 s attempt timeout (ACCORD_ALERT_TIMEOUT), so a
// dispatcher holds the deliveries it claims for 20 s (the timeout plus
// 15 s): a process killed mid-send leaves them to be claimed again after
// that, and the test waits it out as production would.
const (
	alertTimeout    = "5s"
	dispatcherLease = 20 * time.Second
)

// realLease is on unless ACCORD_TEST_ALERTS_FAST_LEASE is set, which ends
// the killed process's leases with one UPDATE instead of waiting.
var realLease = os.Getenv("ACCORD_TEST_ALERTS_FAST_LEASE") == ""

func TestAlertsFireExactlyOnceAndArriveAtLeastOnce(t *testing.T) {
	bin := buildAccord(t)
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "alerts.db")
		exactlyOnce(t, bin, scenario{
			db:               "sqlite:" + path,
			open:             func(t *testing.T) view { return openSQLite(t, path) },
			obligations:      5_000,
			within:           10 * time.Second,
			processes:        1,
			killAt:           1,
			killWhileSending: true,
		})
	})
	t.Run("postgres", func(t *testing.T) {
		base := os.Getenv("ACCORD_TEST_POSTGRES_URL")
		if base == "" {
			t.Skip("set ACCORD_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run the two-process alert test on PostgreSQL")
		}
		db := freshSchema(t, base)
		exactlyOnce(t, bin, scenario{
			db:          db,
			open:        func(t *testing.T) view { return openPostgres(t, db) },
			obligations: 10_000,
			within:      20 * time.Second,
			processes:   2,
			killAt:      1_000,
			// A's dispatcher is sending too: kill it while it holds
			// deliveries it has claimed.
			killWhileSending: true,
		})
	})
}

// scenario is one run: how many obligations, all due within after the same
// instant, how many processes share the database, and how many alerts must
// have fired when the first process is killed (and whether to wait, then,
// until it logs a delivery, so that it dies with deliveries in hand).
type scenario struct {
	db               string
	open             func(*testing.T) view
	obligations      int
	within           time.Duration
	processes        int
	killAt           int
	killWhileSending bool
}

func exactlyOnce(t *testing.T, bin string, sc scenario) {
	start := time.Now()
	ctx := context.Background()
	n := sc.obligations
	backend := strings.SplitN(sc.db, ":", 2)[0]

	run(t, bin, "migrate", "--db", sc.db)
	out := run(t, bin, "token", "create", "--role", "admin", "--name", "alerts-test", "--db", sc.db)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token := lines[len(lines)-1]
	db := sc.open(t)

	rcv := newReceiver(t)
	notifyFile := filepath.Join(t.TempDir(), "notify.yaml")
	conf := fmt.Sprintf("webhooks:\n  - {name: hook, url: %q, secret: %q}\n", rcv.url, rcv.secret)
	if err := os.WriteFile(notifyFile, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	serve := func(name string) *proc {
		p := &proc{t: t, name: name, bin: bin, args: []string{"serve", "--addr", "127.0.0.1:0", "--db", processDB(sc.db, name),
			"--notify", notifyFile, "--log-level", "debug"}}
		p.start()
		t.Cleanup(p.kill)
		return p
	}

	a := serve("A")
	hc := &http.Client{Timeout: 60 * time.Second}
	api := client.New(a.url(), token, client.WithHTTPClient(hc))

	// The agreement: every MQL is touched within sc.within, around the clock.
	yaml := fmt.Sprintf(`name: exactly once
timezone: UTC
sales:
  - rule: speed to lead
    when: stage == "mql"
    first_touch_within: %ds
`, int(sc.within/time.Second))
	ver, err := api.UploadAgreement(ctx, []byte(yaml), time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), "alerts test")
	if err != nil {
		t.Fatalf("upload the agreement: %v", err)
	}
	if ver.InForceFrom == nil {
		t.Fatalf("agreement v%d is %s, not in force", ver.Number, ver.Status)
	}
	// Every lead becomes an MQL at the same instant T, so every breach is
	// due at T+within: n alerts due in the same instant.
	at := ver.InForceFrom.Add(2 * time.Second).Truncate(time.Millisecond)
	due := at.Add(sc.within)

	var procs []*proc
	procs = append(procs, a)
	for i := 1; i < sc.processes; i++ {
		procs = append(procs, serve(string(rune('A'+i))))
	}

	ingestStart := time.Now()
	sendLeads(t, api, n, at)
	ingestTook := time.Since(ingestStart)
	if time.Now().After(due.Add(-2 * time.Second)) {
		t.Fatalf("sending %d leads took %s: too close to their due time %s after they became MQLs; raise within",
			n, ingestTook.Round(time.Millisecond), sc.within)
	}
	p := db.progress(t)
	if p.alerts != n || p.fired != 0 {
		t.Fatalf("after sending %d MQLs: %d alerts scheduled, %d fired; want %d scheduled, none fired yet", n, p.alerts, p.fired, n)
	}

	// Wait for the firing to start, and kill A in the middle of it.
	deadline := due.Add(30 * time.Second)
	for {
		p = db.progress(t)
		if p.fired >= sc.killAt {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s after the due time only %d of %d alerts fired", time.Since(due).Round(time.Millisecond), p.fired, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Where the database shows it (PostgreSQL), wait until A has a
	// firing transaction open, holding the alerts it claimed; and, if
	// asked, until A's dispatcher is at work too.
	sent, until := a.deliveredLogged(), time.Now().Add(5*time.Second)
	midFiring := false
	for {
		var seen bool
		midFiring, seen = db.firing(t, a.name)
		// A alone on the database: any delivery leased is A's.
		sending := !sc.killWhileSending || a.deliveredLogged() > sent ||
			(len(procs) == 1 && db.leased(t, time.Now().Add(10*time.Second)) > 0)
		if (midFiring || !seen) && sending {
			break
		}
		if time.Now().After(until) {
			t.Fatalf("%s never had a firing transaction open while it was sending, in 5 s", a.name)
		}
		time.Sleep(time.Millisecond)
	}
	a.kill()
	killedAt := time.Now()
	firedByA := a.firedLogged()
	atKill := db.progress(t)
	if atKill.fired >= n {
		t.Fatalf("every alert had fired (%d) before %s was killed: the kill did not land midway", atKill.fired, a.name)
	}
	how := "mid-firing"
	if midFiring {
		how = "with a firing transaction open (alerts claimed, not yet committed)"
	}
	t.Logf("%s killed %s %s after the due time: %d of %d alerts fired (%d of them logged by %s), %d delivered",
		a.name, how, killedAt.Sub(due).Round(time.Millisecond), atKill.fired, n, firedByA, a.name, atKill.delivered)

	// The deliveries the killed process had claimed wait out its lease
	// (or, with ACCORD_TEST_ALERTS_FAST_LEASE, the leases taken before the
	// kill are ended: deliveries due after now+10 s and no later than the
	// kill's time plus a lease; a live process's lease ended too early at
	// worst sends its delivery twice, which the receiver dedupes).
	deadline = time.Now().Add(60 * time.Second)
	now := time.Now()
	if realLease {
		deadline = killedAt.Add(dispatcherLease + 60*time.Second)
		t.Logf("%d deliveries under lease at the kill: waiting the lease out (%s)", db.leased(t, now.Add(10*time.Second)), dispatcherLease)
	} else {
		moved := db.expireLeases(t, now, now.Add(10*time.Second), killedAt.Add(dispatcherLease+time.Second))
		t.Logf("%d deliveries under a lease taken before the kill: made due now instead of in up to %s", moved, dispatcherLease)
	}
	a.start()

	// Wait until every alert has fired and every delivery is delivered.
	for {
		p = db.progress(t)
		if p.dead > 0 {
			t.Fatalf("%d deliveries dead-lettered", p.dead)
		}
		if p.fired == n && p.deliveries == n && p.delivered == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up: %d of %d alerts fired, %d deliveries, %d delivered, %d pending",
				p.fired, n, p.deliveries, p.delivered, p.deliveries-p.delivered-p.dead)
		}
		time.Sleep(50 * time.Millisecond)
	}
	allDone := time.Now()

	// What the database holds. (Each kind of problem is shown three
	// times at most, then counted.)
	bad := &tally{t: t, n: map[string]int{}}
	defer bad.flush()
	alerts := db.alerts(t)
	dels := db.deliveries(t)
	firedAt := map[string]time.Time{}
	batches := map[time.Time]int{} // alerts per firing transaction (its fired_at)
	var announce []time.Duration
	for _, al := range alerts {
		switch {
		case al.kind != "breach":
			bad.errorf("alert %s: kind %q, want breach only", al.id, al.kind)
		case al.firedAt.IsZero() || al.outcome != "fired":
			bad.errorf("alert %s: fired_at %v, outcome %q: not fired", al.id, al.firedAt, al.outcome)
		case !al.fireAt.Equal(due):
			bad.errorf("alert %s: due %s, want %s", al.id, al.fireAt, due)
		}
		firedAt[al.id] = al.firedAt
		batches[al.firedAt]++
		announce = append(announce, al.firedAt.Sub(al.fireAt))
	}
	if len(alerts) != n || len(firedAt) != n {
		bad.errorf("%d alert rows (%d distinct), want %d", len(alerts), len(firedAt), n)
	}
	perAlert := map[string]int{}
	attemptsDB, recordedDB := 0, 0
	for _, d := range dels {
		perAlert[d.alertID]++
		fa, ok := firedAt[d.alertID]
		switch {
		case !ok:
			bad.errorf("delivery %s/%s: no such alert", d.alertID, d.channel)
		case d.channel != "hook" || d.status != "delivered":
			bad.errorf("delivery %s/%s: %s, want hook delivered", d.alertID, d.channel, d.status)
		// An alert fired a second time would have its fired_at moved,
		// while its first delivery, kept by ON CONFLICT DO NOTHING, would
		// still carry the first firing's time and message.
		case !d.createdAt.Equal(fa):
			bad.errorf("alert %s fired at %s, its delivery was stored at %s: fired more than once", d.alertID, fa, d.createdAt)
		case !d.payloadFiredAt.Truncate(time.Microsecond).Equal(fa) || d.payloadID != d.alertID:
			bad.errorf("alert %s fired at %s, its delivery's message is %s fired at %s: fired more than once",
				d.alertID, fa, d.payloadID, d.payloadFiredAt)
		case d.attempts < 1 || d.recorded < d.attempts:
			bad.errorf("delivery %s: %d attempts, %d recorded", d.alertID, d.attempts, d.recorded)
		}
		attemptsDB += d.attempts
		recordedDB += d.recorded
	}
	if len(dels) != n {
		bad.errorf("%d deliveries, want %d (one per alert)", len(dels), n)
	}
	for id, c := range perAlert {
		if c != 1 {
			bad.errorf("alert %s has %d deliveries, want 1", id, c)
		}
	}

	// What the receiver got.
	rs := rcv.report()
	if rs.badSignature > 0 || rs.mismatched > 0 || rs.changed > 0 {
		bad.errorf("receiver: %d requests with a bad signature, %d whose body named another alert, %d ids whose body changed between attempts",
			rs.badSignature, rs.mismatched, rs.changed)
	}
	dupIDs, dupOK := 0, 0
	var arrive []time.Duration
	for id, fa := range firedAt {
		s := rs.byID[id]
		switch {
		case s == nil || s.oks == 0:
			bad.errorf("alert %s: never delivered to the receiver", id)
			continue
		case !s.firedAt.Truncate(time.Microsecond).Equal(fa):
			bad.errorf("alert %s: fired at %s, the receiver got a message fired at %s", id, fa, s.firedAt)
		}
		if s.oks > 1 {
			dupIDs++
			dupOK += s.oks - 1
		}
		arrive = append(arrive, s.firstOK.Sub(due))
	}
	for id := range rs.byID {
		if _, ok := firedAt[id]; !ok {
			bad.errorf("the receiver got webhook-id %s, which is no alert", id)
		}
	}

	// What the processes' schedulers said they fired: never more than
	// there are alerts (a batch committed just before the kill may have
	// gone unlogged, so it can be fewer).
	fired, firedSum := map[string]int{}, 0
	for _, pr := range procs {
		fired[pr.name] = pr.firedLogged()
		firedSum += fired[pr.name]
	}
	if firedSum > n {
		bad.errorf("the schedulers logged %d alerts fired, of %d: some fired more than once", firedSum, n)
	}
	t.Logf("%s: %d obligations due at the same instant, %d process(es), %s killed once mid-firing and restarted; sent %d leads in %s",
		backend, n, len(procs), a.name, n, ingestTook.Round(time.Millisecond))
	t.Logf("fired per process (from debug logs; a batch committed just before the kill may go unlogged): %v", fired)
	t.Logf("alerts: %d rows, fired in %d transactions; deliveries: %d, %d attempts (%d attempt rows)",
		len(alerts), len(batches), len(dels), attemptsDB, recordedDB)
	t.Logf("receiver: %d requests, %d answered 503 (Retry-After: 1), %d distinct webhook-ids delivered; %d ids delivered more than once (%d extra deliveries, deduped by webhook-id)",
		rs.requests, rs.refused, len(rs.byID), dupIDs, dupOK)
	t.Logf("announcement latency (fired_at - fire_at): %s", quantiles(announce))
	t.Logf("arrival at the receiver (first 200 - due): %s", quantiles(arrive))
	t.Logf("all fired and delivered %s after the due time; whole run %s", allDone.Sub(due).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	for _, pr := range procs {
		if errs := pr.errorLines(); len(errs) > 0 {
			t.Logf("process %s logged %d errors, first: %s", pr.name, len(errs), errs[0])
		}
	}
}

// tally reports the first few of each kind of failure (by format), and
// how many there were in all.
type tally struct {
	t *testing.T
	n map[string]int
}

func (c *tally) errorf(format string, args ...any) {
	c.t.Helper()
	if c.n[format]++; c.n[format] <= 3 {
		c.t.Errorf(format, args...)
	}
}

func (c *tally) flush() {
	for format, n := range c.n {
		if n > 3 {
			c.t.Errorf("… %d failures in all like: %s", n, format)
		}
	}
}

// sendLeads sends n leads that become MQLs at the same instant, in batches
// of a thousand, two at a time.
func sendLeads(t *testing.T, api *client.Client, n int, at time.Time) {
	t.Helper()
	const perBatch = 1000
	batches := make(chan int)
	errs := make(chan error, 2)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for first := range batches {
				var evs []client.Event
				for i := first; i < min(first+perBatch, n); i++ {
					lead := fmt.Sprintf("L%05d", i)
					evs = append(evs,
						client.Event{ID: "eo-" + lead + "-up", Type: client.LeadUpserted, OccurredAt: at.Add(-time.Second),
							Data: client.LeadData{LeadID: lead, Email: strings.ToLower(lead) + "@exactly.example", Company: "Exactly Once"}},
						client.Event{ID: "eo-" + lead + "-mql", Type: client.LeadStageChanged, OccurredAt: at,
							Data: client.StageChangeData{LeadID: lead, Stage: "mql"}},
					)
				}
				rep, err := api.SendEvents(context.Background(), evs)
				if err == nil && rep.Accepted != len(evs) {
					err = fmt.Errorf("%d of %d accepted, %d rejected", rep.Accepted, len(evs), rep.Rejected)
				}
				if err != nil {
					errs <- fmt.Errorf("batch from lead %d: %w", first, err)
					for range batches {
					}
					return
				}
			}
		})
	}
	for first := 0; first < n; first += perBatch {
		batches <- first
	}
	close(batches)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("send leads: %v", err)
	}
}

func quantiles(ds []time.Duration) string {
	if len(ds) == 0 {
		return "none"
	}
	slices.Sort(ds)
	q := func(f float64) time.Duration {
		return ds[min(len(ds)-1, int(f*float64(len(ds))))].Round(time.Millisecond)
	}
	return fmt.Sprintf("min %s, p50 %s, p90 %s, p99 %s, max %s (n=%d)", ds[0].Round(time.Millisecond), q(0.50), q(0.90), q(0.99), ds[len(ds)-1].Round(time.Millisecond), len(ds))
}

// receiver is a Standard Webhooks endpoint: it checks each request's
// signature, counts deliveries per webhook-id (its dedupe key), and answers
// 503 with Retry-After: 1 to the first attempt of one alert in fifty, so
// that retries are part of the run.
type receiver struct {
	t      *testing.T
	secret string
	url    string

	mu sync.Mutex
	st receiverStats
}

type receiverStats struct {
	requests, refused                 int
	badSignature, mismatched, changed int
	byID                              map[string]*received
}

type received struct {
	requests, oks int
	firstOK       time.Time
	bodySum       [32]byte
	firedAt       time.Time
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{t: t, secret: notify.NewSecret(), st: receiverStats{byID: map[string]*received{}}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	r.url = "http://" + ln.Addr().String() + "/"
	return r
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	now := time.Now()
	id := req.Header.Get(notify.HeaderID)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.st.requests++
	if err := notify.Verify(r.secret, req.Header, body, 0); err != nil {
		r.st.badSignature++
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var p notify.Payload
	if err := json.Unmarshal(body, &p); err != nil || p.Data.AlertID != id {
		r.st.mismatched++
		http.Error(w, "body does not match webhook-id", http.StatusBadRequest)
		return
	}
	s := r.st.byID[id]
	sum := sha256.Sum256(body)
	if s == nil {
		s = &received{bodySum: sum, firedAt: p.Data.FiredAt}
		r.st.byID[id] = s
	} else if s.bodySum != sum {
		r.st.changed++
	}
	s.requests++
	h := fnv.New32a()
	h.Write([]byte(id))
	if s.requests == 1 && h.Sum32()%50 == 0 {
		r.st.refused++
		w.Header().Set("Retry-After", "1")
		http.Error(w, "busy, try again", http.StatusServiceUnavailable)
		return
	}
	if s.oks == 0 {
		s.firstOK = now
	}
	s.oks++
	w.WriteHeader(http.StatusOK)
}

func (r *receiver) report() receiverStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.st
	st.byID = make(map[string]*received, len(r.st.byID))
	for id, s := range r.st.byID {
		c := *s
		st.byID[id] = &c
	}
	return st
}

// view reads the database behind the server's back.
type view interface {
	progress(t *testing.T) progress
	alerts(t *testing.T) []alertRow
	deliveries(t *testing.T) []deliveryRow
	// expireLeases makes pending deliveries whose next try is in (from, to]
	// due at now.
	expireLeases(t *testing.T, now, from, to time.Time) int64
	// leased counts the pending deliveries whose next try is after from:
	// claimed ones, under a lease.
	leased(t *testing.T, from time.Time) int
	// firing reports whether the process has a transaction open that is
	// firing alerts (FireAlerts'), if the database can tell (seen).
	firing(t *testing.T, process string) (firing, seen bool)
}

// processDB is the database URL a process uses: on PostgreSQL it names the
// process (application_name), so that pg_stat_activity tells them apart.
func processDB(db, process string) string {
	if strings.HasPrefix(db, "sqlite:") {
		return db
	}
	u, err := url.Parse(db)
	if err != nil {
		panic(err)
	}
	q := u.Query()
	q.Set("application_name", q.Get("search_path")+"-"+process)
	u.RawQuery = q.Encode()
	return u.String()
}

type progress struct{ alerts, fired, deliveries, delivered, dead int }

type alertRow struct {
	id, kind, outcome string
	fireAt, firedAt   time.Time
}

type deliveryRow struct {
	alertID, channel, status string
	attempts, recorded       int
	createdAt                time.Time
	payloadID                string
	payloadFiredAt           time.Time
}

// storedMessage is the part of a delivery's payload the test checks.
type storedMessage struct {
	Notification struct {
		ID      string    `json:"id"`
		FiredAt time.Time `json:"fired_at"`
	} `json:"notification"`
}

func (d *deliveryRow) decode(t *testing.T, payload []byte) {
	var m storedMessage
	if err := json.Unmarshal(payload, &m); err != nil {
		t.Fatalf("delivery %s: payload: %v", d.alertID, err)
	}
	d.payloadID, d.payloadFiredAt = m.Notification.ID, m.Notification.FiredAt
}

const progressQuery = `SELECT (SELECT count(*) FROM alerts), (SELECT count(fired_at) FROM alerts),
	(SELECT count(*) FROM deliveries), (SELECT count(*) FROM deliveries WHERE status = 'delivered'),
	(SELECT count(*) FROM deliveries WHERE status = 'dead')`

const deliveriesQuery = `SELECT d.alert_id, d.channel, d.status, d.attempts, d.created_at, d.payload,
	(SELECT count(*) FROM delivery_attempts x WHERE x.alert_id = d.alert_id AND x.channel = d.channel)
FROM deliveries d`

// pgView reads PostgreSQL with pgx.
type pgView struct{ conn *pgx.Conn }

func openPostgres(t *testing.T, dsn string) view {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	return &pgView{conn}
}

func (v *pgView) progress(t *testing.T) progress {
	t.Helper()
	var p progress
	if err := v.conn.QueryRow(context.Background(), progressQuery).Scan(&p.alerts, &p.fired, &p.deliveries, &p.delivered, &p.dead); err != nil {
		t.Fatalf("read progress: %v", err)
	}
	return p
}

func (v *pgView) alerts(t *testing.T) []alertRow {
	t.Helper()
	rows, err := v.conn.Query(context.Background(), `SELECT id, kind, outcome, fire_at, fired_at FROM alerts`)
	if err != nil {
		t.Fatal(err)
	}
	var out []alertRow
	var a alertRow
	var fired *time.Time
	if _, err := pgx.ForEachRow(rows, []any{&a.id, &a.kind, &a.outcome, &a.fireAt, &fired}, func() error {
		a.fireAt = a.fireAt.UTC()
		a.firedAt = time.Time{}
		if fired != nil {
			a.firedAt = fired.UTC()
		}
		out = append(out, a)
		return nil
	}); err != nil {
		t.Fatalf("read alerts: %v", err)
	}
	return out
}

func (v *pgView) deliveries(t *testing.T) []deliveryRow {
	t.Helper()
	rows, err := v.conn.Query(context.Background(), deliveriesQuery)
	if err != nil {
		t.Fatal(err)
	}
	var out []deliveryRow
	var d deliveryRow
	var payload []byte
	if _, err := pgx.ForEachRow(rows, []any{&d.alertID, &d.channel, &d.status, &d.attempts, &d.createdAt, &payload, &d.recorded}, func() error {
		d.createdAt = d.createdAt.UTC()
		d.decode(t, payload)
		out = append(out, d)
		return nil
	}); err != nil {
		t.Fatalf("read deliveries: %v", err)
	}
	return out
}

func (v *pgView) expireLeases(t *testing.T, now, from, to time.Time) int64 {
	t.Helper()
	tag, err := v.conn.Exec(context.Background(), `UPDATE deliveries SET next_at = $1
		WHERE status = 'pending' AND next_at > $2 AND next_at <= $3`, now, from, to)
	if err != nil {
		t.Fatalf("expire leases: %v", err)
	}
	return tag.RowsAffected()
}

// firing looks for the process's backend between FireAlerts' claim (the
// query that locks the due alerts, FOR UPDATE OF a SKIP LOCKED, after which
// the transaction stays open while the deliveries are built) and its
// commit (the statement that marks them fired).
func (v *pgView) firing(t *testing.T, process string) (bool, bool) {
	t.Helper()
	var n int
	err := v.conn.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
		WHERE application_name = current_setting('search_path') || '-' || $1 AND xact_start IS NOT NULL
		AND (query LIKE '%FOR UPDATE OF a SKIP LOCKED%' OR query LIKE 'WITH fired AS%')`, process).Scan(&n)
	if err != nil {
		t.Fatalf("read pg_stat_activity: %v", err)
	}
	return n > 0, true
}

func (v *pgView) leased(t *testing.T, from time.Time) int {
	t.Helper()
	var n int
	if err := v.conn.QueryRow(context.Background(), `SELECT count(*) FROM deliveries
		WHERE status = 'pending' AND next_at > $1`, from).Scan(&n); err != nil {
		t.Fatalf("count leased deliveries: %v", err)
	}
	return n
}

func (v *sqliteView) leased(t *testing.T, from time.Time) int {
	t.Helper()
	var n int
	if err := v.db.QueryRow(`SELECT count(*) FROM deliveries WHERE status = 'pending' AND next_at > ?`,
		from.UnixMicro()).Scan(&n); err != nil {
		t.Fatalf("count leased deliveries: %v", err)
	}
	return n
}

func (v *sqliteView) firing(*testing.T, string) (bool, bool) { return false, false }

// sqliteView reads SQLite read-only; it writes (expireLeases) only while no
// server runs.
type sqliteView struct {
	path string
	db   *sql.DB
}

func openSQLite(t *testing.T, path string) view {
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &sqliteView{path: path, db: db}
}

func (v *sqliteView) progress(t *testing.T) progress {
	t.Helper()
	var p progress
	if err := v.db.QueryRow(progressQuery).Scan(&p.alerts, &p.fired, &p.deliveries, &p.delivered, &p.dead); err != nil {
		t.Fatalf("read progress: %v", err)
	}
	return p
}

func (v *sqliteView) alerts(t *testing.T) []alertRow {
	t.Helper()
	rows, err := v.db.Query(`SELECT id, kind, outcome, fire_at, fired_at FROM alerts`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []alertRow
	for rows.Next() {
		var a alertRow
		var fire int64
		var fired sql.NullInt64
		if err := rows.Scan(&a.id, &a.kind, &a.outcome, &fire, &fired); err != nil {
			t.Fatal(err)
		}
		a.fireAt = time.UnixMicro(fire).UTC()
		if fired.Valid {
			a.firedAt = time.UnixMicro(fired.Int64).UTC()
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func (v *sqliteView) deliveries(t *testing.T) []deliveryRow {
	t.Helper()
	rows, err := v.db.Query(deliveriesQuery)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []deliveryRow
	for rows.Next() {
		var d deliveryRow
		var created int64
		var payload []byte
		if err := rows.Scan(&d.alertID, &d.channel, &d.status, &d.attempts, &created, &payload, &d.recorded); err != nil {
			t.Fatal(err)
		}
		d.createdAt = time.UnixMicro(created).UTC()
		d.decode(t, payload)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func (v *sqliteView) expireLeases(t *testing.T, now, from, to time.Time) int64 {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+v.path+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Exec(`UPDATE deliveries SET next_at = ? WHERE status = 'pending' AND next_at > ? AND next_at <= ?`,
		now.UnixMicro(), from.UnixMicro(), to.UnixMicro())
	if err != nil {
		t.Fatalf("expire leases: %v", err)
	}
	n, _ := res.RowsAffected()
	return n
}

// buildAccord compiles the real binary once for all subtests.
func buildAccord(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "accord")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/accord")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// freshSchema creates a schema for this test, dropped at its end, and
// returns a URL that uses it.
func freshSchema(t *testing.T, base string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to ACCORD_TEST_POSTGRES_URL: %v", err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 4)
	rand.Read(b)
	schema := "accord_alerts_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// proc is one `accord serve` child process, which may be killed and
// started again (on a new port).
type proc struct {
	t         *testing.T
	name, bin string
	args      []string

	mu     sync.Mutex
	cmd    *exec.Cmd
	base   string
	done   chan struct{}
	fired  int      // alerts its schedulers logged as fired, over every run
	sent   int      // deliveries it logged as delivered, over every run
	errors []string // its ERROR log lines, over every run
}

var (
	servingAt   = regexp.MustCompile(`msg="accord serving" addr=(http://\S+)`)
	alertsFired = regexp.MustCompile(`msg="alerts fired" count=(\d+)`)
	delivered   = regexp.MustCompile(`msg=delivered `)
)

func (p *proc) start() {
	p.t.Helper()
	cmd := exec.Command(p.bin, p.args...)
	cmd.Env = append(os.Environ(), "ACCORD_LOG_FORMAT=text", "ACCORD_ALERT_TIMEOUT="+alertTimeout)
	dieWithParent(cmd)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		p.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	addr := make(chan string, 1)
	done := make(chan struct{})
	var tailMu sync.Mutex
	var tail []string // the last log lines, for a failure message
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if m := servingAt.FindStringSubmatch(line); m != nil {
				addr <- m[1]
			}
			if m := alertsFired.FindStringSubmatch(line); m != nil {
				c, _ := strconv.Atoi(m[1])
				p.mu.Lock()
				p.fired += c
				p.mu.Unlock()
			}
			if delivered.MatchString(line) {
				p.mu.Lock()
				p.sent++
				p.mu.Unlock()
			}
			if strings.Contains(line, "level=ERROR") {
				p.mu.Lock()
				p.errors = append(p.errors, line)
				p.mu.Unlock()
			}
			tailMu.Lock()
			if len(tail) == 20 {
				tail = tail[1:]
			}
			tail = append(tail, line)
			tailMu.Unlock()
		}
		io.Copy(io.Discard, stderr)
		cmd.Wait()
	}()
	lastLines := func() string {
		tailMu.Lock()
		defer tailMu.Unlock()
		return strings.Join(tail, "\n")
	}
	select {
	case a := <-addr:
		p.mu.Lock()
		p.cmd, p.base, p.done = cmd, a, done
		p.mu.Unlock()
	case <-done:
		p.t.Fatalf("accord serve (%s) exited before serving:\n%s", p.name, lastLines())
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		<-done
		p.t.Fatalf("accord serve (%s) did not start in 15 s:\n%s", p.name, lastLines())
	}
}

// kill sends SIGKILL: no shutdown, no flush, no deferred anything.
func (p *proc) kill() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.cmd = nil
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	if err := cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		p.t.Errorf("kill accord serve (%s): %v", p.name, err)
	}
	<-done
}

func (p *proc) url() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.base
}

func (p *proc) firedLogged() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fired
}

func (p *proc) deliveredLogged() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sent
}

func (p *proc) errorLines() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.errors)
}

func run(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("accord %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}
