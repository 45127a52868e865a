// Package crash kills a real `accord serve` process with SIGKILL while
// clients are sending it events, over and over, and then proves the promise
// of the event log: every acknowledged event is stored exactly once, and a
// batch resent because its answer was lost comes back as duplicates rather
// than being stored twice.
//
// It runs in the normal `go test ./...`: on SQLite always, and on
// PostgreSQL too when ACCORD_TEST_POSTGRES_URL names a server.
package crash

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/accordhq/accord/client"
)

const (
	// kills is how many times the server is killed mid-traffic.
	kills = 20
	// senders send batches at once, as a busy integration would.
	senders = 4
	// batchSize keeps a write short enough that kills land before, during
	// and after commits alike.
	batchSize = 200
)

func TestKillNineLosesAndDoublesNothing(t *testing.T) {
	bin := buildAccord(t)
	t.Run("sqlite", func(t *testing.T) {
		crashLoop(t, bin, "sqlite:"+filepath.Join(t.TempDir(), "crash.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		base := os.Getenv("ACCORD_TEST_POSTGRES_URL")
		if base == "" {
			t.Skip("set ACCORD_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run the crash test on PostgreSQL")
		}
		crashLoop(t, bin, freshSchema(t, base))
	})
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

// freshSchema creates a schema for this test and returns a URL that uses it.
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
	schema := "accord_crash_" + hex.EncodeToString(b)
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

// batch is one request's worth of events and what became of it.
type batch struct {
	n        int
	events   []client.Event
	attempts int            // requests sent, including the acknowledged one
	ack      *client.Report // the answer to the acknowledged request
}

func crashLoop(t *testing.T, bin, db string) {
	start := time.Now()
	run(t, bin, "migrate", "--db", db)
	out := run(t, bin, "token", "create", "--role", "admin", "--name", "crash-test", "--db", db)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token := lines[len(lines)-1]

	srv := &server{t: t, bin: bin, db: db}
	srv.start()
	t.Cleanup(srv.kill)

	hc := &http.Client{Timeout: 20 * time.Second}
	api := func() *client.Client { return client.New(srv.url(), token, client.WithHTTPClient(hc)) }

	// Senders make new batches until the killer is done, so every kill
	// lands while requests are in flight, and resend each batch until it
	// is acknowledged: a 200 with a report.
	var (
		mu      sync.Mutex
		batches []*batch
		stop    atomic.Bool
		wg      sync.WaitGroup
	)
	newBatch := func() *batch {
		mu.Lock()
		defer mu.Unlock()
		b := &batch{n: len(batches), events: eventsFor(len(batches))}
		batches = append(batches, b)
		return b
	}
	for range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				b := newBatch()
				for {
					b.attempts++
					ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
					rep, err := api().SendEvents(ctx, b.events)
					cancel()
					if err == nil {
						b.ack = rep
						break
					}
					if client.StatusCode(err) != 0 && client.StatusCode(err) < 500 {
						t.Errorf("batch %d: the server refused it: %v", b.n, err)
						return
					}
					// No answer (killed mid-request, or not up yet): resend.
					time.Sleep(10 * time.Millisecond)
				}
			}
		}()
	}

	for range kills {
		time.Sleep(time.Duration(20+mrand.IntN(230)) * time.Millisecond)
		srv.kill()
		srv.start()
	}
	stop.Store(true)
	wg.Wait()
	if t.Failed() {
		return
	}

	// What the clients were told.
	sent := map[string]int{} // event id -> batch
	resent, resentDup := 0, 0
	for _, b := range batches {
		for _, e := range b.events {
			sent[e.ID] = b.n
		}
		rep := b.ack
		// A batch is one transaction: it is stored whole or not at all,
		// so its answer is all accepted or, if an unanswered attempt
		// had committed it, all duplicates.
		switch {
		case rep.Accepted == len(b.events) && rep.Duplicates == 0:
		case rep.Duplicates == len(b.events) && rep.Accepted == 0:
			if b.attempts == 1 {
				t.Errorf("batch %d: first attempt answered as duplicates: someone else stored its events", b.n)
			}
			resentDup++
		default:
			t.Errorf("batch %d: %d accepted, %d duplicates, %d rejected of %d: a batch was stored in part",
				b.n, rep.Accepted, rep.Duplicates, rep.Rejected, len(b.events))
		}
		if b.attempts > 1 {
			resent++
		}
	}

	// What the log holds: every acknowledged event, once.
	seen := map[string]int{}
	after, total := "", 0
	var lastSeq int64
	for {
		page, err := api().Events(context.Background(), after, 10_000)
		if err != nil {
			t.Fatalf("read the log: %v", err)
		}
		for _, e := range page.Events {
			if e.Seq <= lastSeq {
				t.Fatalf("log out of order: seq %d after %d", e.Seq, lastSeq)
			}
			lastSeq = e.Seq
			seen[e.ID]++
			total++
		}
		if !page.HasMore {
			break
		}
		after = page.NextCursor
	}
	lost, doubled, stray := 0, 0, 0
	for id := range sent {
		switch seen[id] {
		case 0:
			if lost++; lost <= 3 {
				t.Errorf("acknowledged event %s (batch %d) is not in the log", id, sent[id])
			}
		case 1:
		default:
			if doubled++; doubled <= 3 {
				t.Errorf("event %s (batch %d) is in the log %d times", id, sent[id], seen[id])
			}
		}
	}
	for id := range seen {
		if _, ok := sent[id]; !ok {
			stray++
		}
	}
	if lost > 0 || doubled > 0 || stray > 0 || total != len(sent) {
		t.Fatalf("%d events acknowledged, log holds %d: %d lost, %d doubled, %d never sent", len(sent), total, lost, doubled, stray)
	}

	// Resending acknowledged batches, as a client that never saw the
	// answer would, stores nothing new.
	for _, b := range batches[:min(5, len(batches))] {
		rep, err := api().SendEvents(context.Background(), b.events)
		if err != nil {
			t.Fatalf("resend batch %d: %v", b.n, err)
		}
		if rep.Duplicates != len(b.events) {
			t.Errorf("batch %d resent: %d accepted, %d duplicates of %d", b.n, rep.Accepted, rep.Duplicates, len(b.events))
		}
	}
	t.Logf("%s: %d kills, %d batches (%d events) acknowledged, %d resent after a kill, %d of those already stored (answered as duplicates); log holds each once; %s",
		strings.SplitN(db, ":", 2)[0], kills, len(batches), len(sent), resent, resentDup, time.Since(start).Round(time.Millisecond))
}

// eventsFor makes batch n: leads that are created, assigned and touched,
// with ids no other batch uses.
func eventsFor(n int) []client.Event {
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Minute)
	evs := make([]client.Event, 0, batchSize)
	for i := 0; len(evs) < batchSize; i++ {
		lead := fmt.Sprintf("K%05d-%03d", n, i)
		id := fmt.Sprintf("crash-%05d-%03d", n, i)
		evs = append(evs,
			client.Event{ID: id + "-a", Type: client.LeadUpserted, OccurredAt: at,
				Data: client.LeadData{LeadID: lead, Email: lead + "@crash.example", Company: "Crash Co", Source: "webinar"}},
			client.Event{ID: id + "-b", Type: client.LeadAssigned, OccurredAt: at.Add(time.Second),
				Data: client.AssignmentData{LeadID: lead, Owner: "sdr-1"}},
			client.Event{ID: id + "-c", Type: client.ActivityLogged, OccurredAt: at.Add(2 * time.Second),
				Data: client.ActivityData{LeadID: lead, Kind: "call"}},
			client.Event{ID: id + "-d", Type: client.ActivityLogged, OccurredAt: at.Add(3 * time.Second),
				Data: client.ActivityData{LeadID: lead, Kind: "email"}},
		)
	}
	return evs[:batchSize]
}

// server is the accord child process, restarted on a new port each time.
type server struct {
	t       *testing.T
	bin, db string
	mu      sync.Mutex
	cmd     *exec.Cmd
	base    string
	done    chan struct{}
}

var servingAt = regexp.MustCompile(`msg="accord serving" addr=(http://\S+)`)

func (s *server) start() {
	s.t.Helper()
	cmd := exec.Command(s.bin, "serve", "--addr", "127.0.0.1:0", "--db", s.db, "--log-level", "info")
	cmd.Env = append(os.Environ(), "ACCORD_LOG_FORMAT=text")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	addr := make(chan string, 1)
	done := make(chan struct{})
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
			if len(tail) == 20 {
				tail = tail[1:]
			}
			tail = append(tail, line)
		}
		io.Copy(io.Discard, stderr)
		cmd.Wait()
	}()
	select {
	case a := <-addr:
		s.mu.Lock()
		s.cmd, s.base, s.done = cmd, a, done
		s.mu.Unlock()
	case <-done:
		s.t.Fatalf("accord serve exited before serving:\n%s", strings.Join(tail, "\n"))
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		<-done
		s.t.Fatalf("accord serve did not start in 15 s:\n%s", strings.Join(tail, "\n"))
	}
}

// kill sends SIGKILL: no shutdown, no flush, no deferred anything.
func (s *server) kill() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	if err := cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		s.t.Errorf("kill accord serve: %v", err)
	}
	<-done
}

func (s *server) url() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.base
}

func run(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("accord %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}
