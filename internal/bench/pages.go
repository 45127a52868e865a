package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"time"

	"github.com/accordhq/accord/internal/api"
	"github.com/accordhq/accord/internal/auth"
	"github.com/accordhq/accord/internal/daily"
	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/review"
	"github.com/accordhq/accord/internal/store"
	"github.com/accordhq/accord/internal/store/dial"
	"github.com/accordhq/accord/internal/web"
)

// PageFigure is one page's timing on the bench's data: the page (HTML,
// its assets cached) and, as the baseline, the API calls that answer the
// same question, in the same run.
type PageFigure struct {
	Page  string  `json:"page"`
	P50MS float64 `json:"p50_ms"`
	P95MS float64 `json:"p95_ms"`
	Bytes int     `json:"bytes"`
	// APIP50MS is the p50 of the API calls the page's numbers come from,
	// one after the other; Ratio is the page's p50 ÷ that.
	APIP50MS float64 `json:"api_p50_ms"`
	Ratio    float64 `json:"ratio"`
}

// planQuery is the goal the bench plans for (its history has no agreement
// to take one from), with the rates measured over the lookback.
const planQuery = "bookings=450000&marketing_share=0.7&deal_size=18000&rates=measured"

// pageCase is a page timed and the API calls its numbers come from.
type pageCase struct {
	page string
	apis []string
}

func pageCases(lastDay, reviewed, monthFrom, quarterFrom, end, lead, owner string) []pageCase {
	quarterTo := end
	return []pageCase{
		{"/", []string{"/api/v1/reports/funnel?period=month&date=" + lastDay, "/api/v1/reports/funnel?period=ytd&date=" + lastDay,
			"/api/v1/reports/sla?from=" + monthFrom + "&to=" + end}},
		{"/funnel?period=quarter&by=source&date=" + lastDay, []string{"/api/v1/reports/funnel?period=quarter&by=source&date=" + lastDay}},
		{"/sla?by=owner&from=" + quarterFrom + "&to=" + quarterTo, []string{"/api/v1/reports/sla?by=owner&from=" + quarterFrom + "&to=" + quarterTo}},
		{"/queue?owner=" + owner, []string{"/api/v1/obligations?status=open&owner=" + owner + "&limit=500"}},
		{"/leads/" + lead, []string{"/api/v1/leads/" + lead}},
		{"/review?week=" + lastDay, []string{"/api/v1/reviews/weeks/" + lastDay}},
		{"/review?week=" + reviewed, []string{"/api/v1/reviews/weeks/" + reviewed}},
		{"/planner?" + planQuery, []string{"/api/v1/plan?" + planQuery}},
		{"/wall", []string{"/api/v1/reports/day?date=" + lastDay, "/api/v1/reports/funnel?period=week&date=" + lastDay,
			"/api/v1/obligations?status=open&limit=1000"}},
	}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// measurePages serves the API and the pages over the database as `accord
// serve` does, with the clock at now (the history's last moment), signs
// in as an admin and times each page and its API calls requests times.
func measurePages(ctx context.Context, dbURL string, loc *time.Location, now time.Time, requests int, reviewed daily.Period, cases []pageCase) ([]PageFigure, error) {
	st, err := dial.Open(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if _, err := st.UpdateReview(ctx, reviewed.From, func(rv *store.Review) (store.AuditEntry, error) {
		return review.TakeSnapshot(ctx, st, rv, reviewed, now, "accord bench")
	}); err != nil {
		return nil, fmt.Errorf("snapshot the week of %s: %w", reviewed.From, err)
	}
	// A new account each run: a kept database (--from) has the last one's.
	const password = "bench password, not a secret"
	email := fmt.Sprintf("bench-%d@accord.example", time.Now().UnixNano())
	hash, err := auth.HashPassword(password)
	if err != nil {
		return nil, err
	}
	id, _ := auth.NewUserID()
	if err := st.CreateUser(ctx, store.User{ID: id, Email: email, Name: "Bench", Role: string(auth.Admin), PasswordHash: hash, CreatedAt: now}, "accord bench"); err != nil {
		return nil, err
	}
	secret, tok, err := auth.New("bench-pages", auth.Viewer, now)
	if err == nil {
		err = st.CreateToken(ctx, tok, "accord bench")
	}
	if err != nil {
		return nil, err
	}
	clock := func() time.Time { return now }
	in := ingest.New(st, ingest.Options{Location: loc, Now: clock})
	log := slog.New(slog.DiscardHandler)
	apiSrv := api.New(st, in, log, api.DefaultLimits)
	apiSrv.SetReporting(api.Reporting{Location: loc})
	pages, err := web.New(web.Options{Store: st, Ingest: in, Log: log, Location: loc, Now: clock})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", apiSrv.Handler())
	mux.Handle("/", pages.Handler())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	defer hs.Close()
	base := "http://" + ln.Addr().String()

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: time.Minute}
	get := func(c *http.Client, path string, bearer bool) (int, time.Duration, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		if err != nil {
			return 0, 0, err
		}
		if bearer {
			req.Header.Set("Authorization", "Bearer "+secret)
		}
		start := time.Now()
		resp, err := c.Do(req)
		if err != nil {
			return 0, 0, err
		}
		b, err := io.ReadAll(resp.Body)
		took := time.Since(start)
		resp.Body.Close()
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("GET %s: %d: %.200s", path, resp.StatusCode, b)
		}
		return len(b), took, err
	}
	// Sign in as a browser does: the form, then the post with its token.
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/login", nil)
	resp, err := browser.Do(req)
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfField.FindSubmatch(body)
	if m == nil {
		return nil, fmt.Errorf("no CSRF token on the sign-in page")
	}
	resp, err = browser.PostForm(base+"/login", url.Values{"csrf": {string(m[1])}, "email": {email}, "password": {password}})
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.Request.URL.Path != "/" {
		return nil, fmt.Errorf("sign-in ended on %s", resp.Request.URL)
	}

	var out []PageFigure
	apiClient := &http.Client{Timeout: time.Minute}
	for _, c := range cases {
		var pageTimes, apiTimes []time.Duration
		f := PageFigure{Page: c.page}
		for range requests {
			n, took, err := get(browser, c.page, false)
			if err != nil {
				return nil, err
			}
			f.Bytes = n
			pageTimes = append(pageTimes, took)
			var sum time.Duration
			for _, a := range c.apis {
				_, took, err := get(apiClient, a, true)
				if err != nil {
					return nil, err
				}
				sum += took
			}
			apiTimes = append(apiTimes, sum)
		}
		f.P50MS, f.P95MS, f.APIP50MS = percentile(pageTimes, 0.5), percentile(pageTimes, 0.95), percentile(apiTimes, 0.5)
		if f.APIP50MS > 0 {
			f.Ratio = f.P50MS / f.APIP50MS
		}
		out = append(out, f)
	}
	return out, nil
}
