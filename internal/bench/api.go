package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/accordhq/accord/internal/api"
	"github.com/accordhq/accord/internal/auth"
	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/store"
	"github.com/accordhq/accord/internal/store/dial"
)

// apiTarget is a real Accord API server on a loopback socket over a fresh
// database, and a client for it.
type apiTarget struct {
	st     store.Store
	hs     *http.Server
	url    string
	secret string
	client *http.Client
}

// startAPI migrates the database at dbURL, issues a token and serves the
// API on 127.0.0.1 with the same handler stack `accord serve` uses.
func startAPI(ctx context.Context, dbURL string) (*apiTarget, error) {
	st, err := dial.Open(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	if _, err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("migrate bench database: %w", err)
	}
	secret, tok, err := auth.New("bench", auth.Marketing, time.Now())
	if err != nil {
		st.Close()
		return nil, err
	}
	if err := st.CreateToken(ctx, tok, "accord bench"); err != nil {
		st.Close()
		return nil, err
	}
	// Request logs are dropped: the bench measures ingest, not the terminal.
	log := slog.New(slog.DiscardHandler)
	srv := api.New(st, ingest.New(st, ingest.Options{}), log, api.DefaultLimits)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("listen: %w", err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	return &apiTarget{
		st: st, hs: hs, secret: secret,
		url: "http://" + ln.Addr().String() + "/api/v1/events",
		client: &http.Client{
			Timeout:   5 * time.Minute,
			Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true},
		},
	}, nil
}

func (t *apiTarget) close() {
	t.hs.Close()
	t.st.Close()
}

// send posts the batches of each stream in order, one sender per stream,
// and returns the wall time and every batch's latency. Every event must
// come back accepted.
func (t *apiTarget) send(ctx context.Context, streams [][][]byte, progress func(int64)) (time.Duration, []time.Duration, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	lat := make([][]time.Duration, len(streams))
	var done atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for k, bods := range streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, body := range bods {
				if ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				n, err := t.post(ctx, body)
				lat[k] = append(lat[k], time.Since(t0))
				if err != nil {
					cancel(fmt.Errorf("stream %d batch %d: %w", k, i, err))
					return
				}
				d := done.Add(int64(n))
				if progress != nil {
					progress(d)
				}
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	if err := context.Cause(ctx); err != nil {
		return 0, nil, err
	}
	return took, slices.Concat(lat...), nil
}

// post sends one batch and returns how many events were accepted.
func (t *apiTarget) post(ctx context.Context, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+t.secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := t.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		if len(b) > 500 {
			b = b[:500]
		}
		return 0, fmt.Errorf("status %d: %s", resp.StatusCode, b)
	}
	var rep struct {
		Accepted   int `json:"accepted"`
		Duplicates int `json:"duplicates"`
		Rejected   int `json:"rejected"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		return 0, fmt.Errorf("read ingest report: %w", err)
	}
	if rep.Duplicates > 0 || rep.Rejected > 0 {
		return 0, errors.New("the bench's events are all new, but some came back as duplicates or rejected")
	}
	return rep.Accepted, nil
}
