package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/auth"
	"github.com/accordhq/accord/internal/config"
	"github.com/accordhq/accord/internal/store/sqlite"
)

// A batch still being uploaded when shutdown starts is read, stored and
// acknowledged before the server stops.
func TestShutdownFinishesInFlightBatch(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir()+"/a.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	secret, tok, _ := auth.New("t", auth.Admin, time.Now())
	if err := st.CreateToken(ctx, tok, "test setup"); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Resolve(map[string]*string{})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Addr = "127.0.0.1:0"
	srvCtx, stop := context.WithCancel(ctx)
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- serve(srvCtx, cfg, st, slog.New(slog.NewTextHandler(io.Discard, nil)), func(a string) { addrc <- a })
	}()
	addr := <-addrc

	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/events", pr)
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set("Content-Type", "application/x-ndjson")
	respc := make(chan *http.Response, 1)
	errc := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			errc <- err
			return
		}
		respc <- resp
	}()
	line := func(i int) string {
		return fmt.Sprintf(`{"id":"e%d","type":"lead.upserted","occurred_at":"2026-01-01T00:00:00Z","data":{"lead_id":"L%d"}}`+"\n", i, i)
	}
	for i := 0; i < 50; i++ {
		io.WriteString(pw, line(i))
	}
	time.Sleep(100 * time.Millisecond) // the request is now in flight
	stop()
	time.Sleep(100 * time.Millisecond) // shutdown has begun
	for i := 50; i < 100; i++ {
		io.WriteString(pw, line(i))
	}
	pw.Close()

	select {
	case err := <-errc:
		t.Fatalf("in-flight batch failed during shutdown: %v", err)
	case resp := <-respc:
		defer resp.Body.Close()
		var rep struct{ Accepted int }
		json.NewDecoder(resp.Body).Decode(&rep)
		if resp.StatusCode != 200 || rep.Accepted != 100 {
			t.Fatalf("status %d, accepted %d; want 200 and 100", resp.StatusCode, rep.Accepted)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no response")
	}
	if err := <-done; err != nil {
		t.Fatalf("serve returned %v", err)
	}
	c, _ := st.Counts(ctx)
	if c.Events != 100 {
		t.Fatalf("stored %d events, want 100", c.Events)
	}
	// And the server is really gone.
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("server still answering after shutdown: %v", err)
	}
}
