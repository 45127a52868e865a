package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/api"
	"github.com/accordhq/accord/internal/auth"
	"github.com/accordhq/accord/internal/demo"
	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/store"
	"github.com/accordhq/accord/internal/store/dial"
	"github.com/accordhq/accord/internal/web"
	"golang.org/x/crypto/bcrypt"
)

// site is a running Accord (API and pages) on a real socket over a SQLite
// database holding a small demo company, with a user of each role and a
// display token.
type site struct {
	URL     string
	store   store.Store
	ingest  *ingest.Service
	display string // a display token's secret
	admin   string // an admin API token's secret
	// password is every user's password; users are <role>@acme.example,
	// but for the sales user, who is salesEmail.
	password                string
	salesEmail, salesPerson string
}

const testPassword = "correct horse battery"

// siteOption changes what newSite sets up.
type siteOption func(*siteConfig)

type siteConfig struct {
	// now24 is an agreement version signed to be in force from two hours
	// ago (nil: the demo's agreement only).
	now24 []byte
}

// aroundTheClock puts in force, from two hours ago, the demo agreement
// with the tier A first-touch clock on no calendar (24/7), so a test can
// watch a clock run whatever the day and hour.
func aroundTheClock(c *siteConfig) {
	c.now24 = bytes.Replace(demo.Agreement, []byte("    calendar: ny-office\n    first_touch_within: 15m"), []byte("    first_touch_within: 15m"), 1)
}

func newSite(t *testing.T, opts ...siteOption) *site {
	t.Helper()
	var cfg siteConfig
	for _, o := range opts {
		o(&cfg)
	}
	auth.PasswordCost = bcrypt.MinCost
	ctx := context.Background()
	st, err := dial.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "accord.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	days := 21
	v, err := st.CreateAgreementVersion(ctx, store.NewAgreementVersion{Body: demo.Agreement, EffectiveFrom: now.AddDate(0, 0, -days-1),
		UploadedBy: "test", UploadedAt: now.AddDate(0, 0, -days-1), Signers: demo.Signers})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range demo.Signers {
		if _, err := st.SignAgreementVersion(ctx, store.Signature{Version: v.Number, Signer: name, SignedAt: now.AddDate(0, 0, -days-1), TokenID: "t", TokenName: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	if cfg.now24 != nil {
		if bytes.Equal(cfg.now24, demo.Agreement) {
			t.Fatal("the demo agreement's tier A rule no longer reads as aroundTheClock expects")
		}
		from := now.Add(-2 * time.Hour)
		v, err := st.CreateAgreementVersion(ctx, store.NewAgreementVersion{Body: cfg.now24, EffectiveFrom: from,
			UploadedBy: "test", UploadedAt: from, Signers: demo.Signers})
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range demo.Signers {
			if _, err := st.SignAgreementVersion(ctx, store.Signature{Version: v.Number, Signer: name, SignedAt: from, TokenID: "t", TokenName: "test"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	in := ingest.New(st, ingest.Options{Location: time.UTC})
	raws := demo.Generate(demo.Options{Leads: 400, Days: days, Seed: 7, Now: now})
	for i := 0; i < len(raws); i += 1000 {
		part := raws[i:min(i+1000, len(raws))]
		items := make([]event.Item, len(part))
		for j, raw := range part {
			ev, err := event.Decode(raw, now)
			items[j] = event.Item{Index: j, ID: ev.ID, Event: ev, Err: err}
		}
		if _, err := in.Ingest(ctx, items); err != nil {
			t.Fatal(err)
		}
	}
	s := &site{store: st, ingest: in, password: testPassword}
	// The sales user has the email of the rep with the most open
	// obligations, so "My queue" is that rep's.
	open, err := st.Obligations(ctx, store.ObligationFilter{Status: "open", Limit: 10_000})
	if err != nil {
		t.Fatal(err)
	}
	byOwner := map[string]int{}
	for _, o := range open {
		if o.Owner != "" {
			byOwner[o.Owner]++
			if byOwner[o.Owner] > byOwner[s.salesPerson] {
				s.salesPerson = o.Owner
			}
		}
	}
	ps, err := st.People(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.PersonID == s.salesPerson {
			s.salesEmail = p.Email
		}
	}
	if s.salesEmail == "" {
		t.Fatalf("no rep with open obligations and an email (%v)", byOwner)
	}
	for _, role := range []auth.Role{auth.Admin, auth.Marketing, auth.Sales, auth.Viewer} {
		hash, err := auth.HashPassword(testPassword)
		if err != nil {
			t.Fatal(err)
		}
		id, _ := auth.NewUserID()
		email := string(role) + "@acme.example"
		if role == auth.Sales {
			email = s.salesEmail
		}
		if err := st.CreateUser(ctx, store.User{ID: id, Email: email, Name: "Test " + string(role),
			Role: string(role), PasswordHash: hash, CreatedAt: now}, "test"); err != nil {
			t.Fatal(err)
		}
	}
	for role, dst := range map[auth.Role]*string{auth.Display: &s.display, auth.Admin: &s.admin} {
		secret, tok, err := auth.New("test "+string(role), role, now)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.CreateToken(ctx, tok, "test"); err != nil {
			t.Fatal(err)
		}
		*dst = secret
	}

	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	apiSrv := api.New(st, in, log, api.DefaultLimits)
	pages, err := web.New(web.Options{Store: st, Ingest: in, Log: log, Location: time.UTC, WallPoll: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { pages.Run(runCtx) })
	mux := http.NewServeMux()
	mux.Handle("/api/", apiSrv.Handler())
	mux.Handle("/", pages.Handler())
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		pages.StopStreams()
		hs.Close()
		stop()
		wg.Wait()
	})
	s.URL = hs.URL
	return s
}

// client is a browser without JavaScript: cookies, no redirects followed
// unless asked.
type client struct {
	t    *testing.T
	base string
	http *http.Client
}

func (s *site) client(t *testing.T) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: s.URL, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (c *client) get(path string) (*http.Response, string) {
	c.t.Helper()
	resp, err := c.http.Get(c.base + path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (c *client) post(path string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	resp, err := c.http.PostForm(c.base+path, form)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var hiddenCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrfOn returns the CSRF token of the forms on a page.
func (c *client) csrfOn(path string) string {
	c.t.Helper()
	_, body := c.get(path)
	m := hiddenCSRF.FindStringSubmatch(body)
	if m == nil {
		c.t.Fatalf("no CSRF token on %s", path)
	}
	return m[1]
}

// signIn signs in as email and fails the test unless it works.
func (c *client) signIn(email, password string) {
	c.t.Helper()
	resp, body := c.tryLogin(email, password)
	if resp.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("sign in as %s: %d\n%s", email, resp.StatusCode, body)
	}
}

func (c *client) tryLogin(email, password string) (*http.Response, string) {
	c.t.Helper()
	tok := c.csrfOn("/login")
	return c.post("/login", url.Values{"csrf": {tok}, "email": {email}, "password": {password}, "next": {"/"}})
}

func TestSignInAndOut(t *testing.T) {
	s := newSite(t)
	c := s.client(t)
	if resp, _ := c.get("/"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("the overview without a session: %d to %q, want a redirect to sign in", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, body := c.tryLogin("viewer@acme.example", "wrong password!"); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Wrong email or password") {
		t.Errorf("a wrong password: %d", resp.StatusCode)
	}
	if resp, _ := c.tryLogin("nobody@acme.example", testPassword); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("an unknown email: %d", resp.StatusCode)
	}
	c.signIn("VIEWER@acme.example ", testPassword)
	resp, body := c.get("/")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Marketing's side") {
		t.Fatalf("overview after signing in: %d\n%s", resp.StatusCode, body)
	}
	var cookie *http.Cookie
	for _, ck := range c.http.Jar.Cookies(mustURL(t, s.URL)) {
		if ck.Name == "accord_session" {
			cookie = ck
		}
	}
	if cookie == nil {
		t.Fatal("no session cookie")
	}
	// The cookie's flags are only visible on the Set-Cookie line.
	resp, _ = s.client(t).tryLogin("viewer@acme.example", testPassword)
	if sc := strings.Join(resp.Header.Values("Set-Cookie"), "\n"); !strings.Contains(sc, "accord_session=") || !strings.Contains(sc, "HttpOnly") || !strings.Contains(sc, "SameSite=Lax") {
		t.Errorf("session cookie set as %q: want HttpOnly and SameSite=Lax", sc)
	}
	tok := c.csrfOn("/")
	if resp, _ := c.post("/logout", url.Values{"csrf": {tok}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out: %d", resp.StatusCode)
	}
	if resp, _ := c.get("/"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the overview after signing out: %d, want a redirect to sign in", resp.StatusCode)
	}
	// The old cookie no longer works anywhere: the session is gone.
	old := s.client(t)
	old.http.Jar.SetCookies(mustURL(t, s.URL), []*http.Cookie{{Name: "accord_session", Value: cookie.Value}})
	if resp, _ := old.get("/queue"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a signed-out session's cookie still opens pages: %d", resp.StatusCode)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestLoginIsRateLimited: five wrong passwords for one account lock it
// for a while, even with the right password, without locking others.
func TestLoginIsRateLimited(t *testing.T) {
	s := newSite(t)
	c := s.client(t)
	for i := range 5 {
		if resp, _ := c.tryLogin("marketing@acme.example", "guess number "+string(rune('a'+i))); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i+1, resp.StatusCode)
		}
	}
	resp, body := c.tryLogin("marketing@acme.example", testPassword)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "Too many failed sign-ins") {
		t.Fatalf("the sixth try, with the right password: %d (Retry-After %q)", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	c.signIn(s.salesEmail, testPassword) // another account is not locked
}

// TestPagesRefuseWrongRoles checks every page against every role: signed
// out, each user role, and a display token.
func TestPagesRefuseWrongRoles(t *testing.T) {
	s := newSite(t)
	const (
		redirect = http.StatusSeeOther
		ok       = http.StatusOK
		refused  = http.StatusForbidden
	)
	pages := []struct {
		path string
		// want by who: "" (signed out), admin, marketing, sales, viewer, display
		want map[string]int
	}{
		{"/", map[string]int{"": redirect, "admin": ok, "marketing": ok, "sales": ok, "viewer": ok, "display": redirect}},
		{"/queue", map[string]int{"": redirect, "admin": ok, "marketing": ok, "sales": ok, "viewer": ok, "display": redirect}},
		{"/queue.json", map[string]int{"": redirect, "admin": ok, "sales": ok, "viewer": ok, "display": redirect}},
		{"/funnel?period=quarter&by=source", map[string]int{"": redirect, "marketing": ok, "viewer": ok, "display": redirect}},
		{"/sla?by=team", map[string]int{"": redirect, "sales": ok, "viewer": ok, "display": redirect}},
		{"/sla/obligations?by=owner&key=x&outcome=breached", map[string]int{"": redirect, "viewer": ok, "display": redirect}},
		{"/agreement", map[string]int{"": redirect, "viewer": ok, "sales": ok, "display": redirect}},
		{"/agreement/versions/1", map[string]int{"": redirect, "viewer": ok, "display": redirect}},
		{"/agreement/backtest", map[string]int{"": redirect, "viewer": ok, "display": redirect}},
		{"/review", map[string]int{"": redirect, "viewer": ok, "marketing": ok, "display": redirect}},
		{"/review/qbr?format=csv", map[string]int{"": redirect, "viewer": ok, "display": redirect}},
		{"/admin", map[string]int{"": redirect, "admin": ok, "marketing": refused, "sales": refused, "viewer": refused, "display": redirect}},
		{"/wall", map[string]int{"": http.StatusUnauthorized, "admin": ok, "viewer": ok, "display": ok}},
		{"/wall/state", map[string]int{"": http.StatusUnauthorized, "viewer": ok, "display": ok}},
	}
	clients := map[string]*client{"": s.client(t)}
	for _, role := range []string{"admin", "marketing", "sales", "viewer"} {
		c := s.client(t)
		email := role + "@acme.example"
		if role == "sales" {
			email = s.salesEmail
		}
		c.signIn(email, testPassword)
		clients[role] = c
	}
	disp := s.client(t)
	if resp, _ := disp.get("/wall?token=" + url.QueryEscape(s.display)); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/wall" {
		t.Fatalf("/wall?token=: %d to %q, want the token moved into a cookie", resp.StatusCode, resp.Header.Get("Location"))
	}
	clients["display"] = disp
	for _, p := range pages {
		for who, want := range p.want {
			if resp, _ := clients[who].get(p.path); resp.StatusCode != want {
				t.Errorf("GET %s as %q: %d, want %d", p.path, who, resp.StatusCode, want)
			}
		}
	}
	// A display token opens the wall and nothing of the API.
	for _, path := range []string{"/api/v1/leads", "/api/v1/reports/funnel", "/api/v1/obligations"} {
		req, _ := http.NewRequest("GET", s.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+s.display)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("GET %s with a display token: %d, want 403", path, resp.StatusCode)
		}
	}
	// Posting forms: only an admin may add users, and never without the
	// session's CSRF token.
	form := func(c *client, tok string) url.Values {
		return url.Values{"csrf": {tok}, "email": {"new@acme.example"}, "name": {"New"}, "role": {"viewer"}, "password": {"a long enough password"}}
	}
	for _, role := range []string{"marketing", "sales", "viewer"} {
		c := clients[role]
		if resp, _ := c.post("/admin/users", form(c, c.csrfOn("/"))); resp.StatusCode != refused {
			t.Errorf("POST /admin/users as %s: %d, want 403", role, resp.StatusCode)
		}
	}
	if resp, _ := clients[""].post("/admin/users", form(nil, "x")); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST /admin/users signed out: %d, want 401", resp.StatusCode)
	}
	adm := clients["admin"]
	if resp, body := adm.post("/admin/users", form(adm, "")); resp.StatusCode != refused || !strings.Contains(body, "CSRF") {
		t.Errorf("POST /admin/users without a CSRF token: %d, want 403", resp.StatusCode)
	}
	if resp, _ := adm.post("/admin/users", form(adm, "forged-token")); resp.StatusCode != refused {
		t.Errorf("POST /admin/users with a wrong CSRF token: %d, want 403", resp.StatusCode)
	}
	if resp, _ := adm.post("/logout", url.Values{}); resp.StatusCode != refused {
		t.Errorf("POST /logout without a CSRF token: %d, want 403", resp.StatusCode)
	}
	if _, err := s.store.UserByEmail(context.Background(), "new@acme.example"); err == nil {
		t.Fatal("a refused form created the user")
	}
	if resp, body := adm.post("/admin/users", form(adm, adm.csrfOn("/admin"))); resp.StatusCode != ok || !strings.Contains(body, "Created new@acme.example") {
		t.Fatalf("POST /admin/users as admin with the CSRF token: %d\n%s", resp.StatusCode, body)
	}
	nc := s.client(t)
	nc.signIn("new@acme.example", "a long enough password")
	// The sign-in form itself needs its token (login CSRF).
	if resp, _ := s.client(t).post("/login", url.Values{"email": {"viewer@acme.example"}, "password": {testPassword}}); resp.StatusCode != refused {
		t.Errorf("POST /login without the form's token: %d, want 403", resp.StatusCode)
	}
}

// TestSLADrillDown: a group's breached count on the SLA page is the API's,
// and opening it lists exactly that many breached obligations.
func TestSLADrillDown(t *testing.T) {
	s := newSite(t)
	c := s.client(t)
	c.signIn("viewer@acme.example", testPassword)
	// The demo's history is the last three weeks.
	period := "from=" + time.Now().AddDate(0, 0, -60).Format(time.DateOnly) + "&to=" + time.Now().AddDate(0, 0, 2).Format(time.DateOnly)
	resp, body := c.get("/sla?by=owner&" + period)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/sla: %d", resp.StatusCode)
	}
	m := regexp.MustCompile(`data-breached="` + regexp.QuoteMeta(s.salesPerson) + `" href="([^"]+)">(\d+)<`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no breached count for %s on the SLA page", s.salesPerson)
	}
	var rep struct {
		Groups []struct {
			Key         string
			Obligations struct{ Breached int }
		}
	}
	s.apiGet(t, "/api/v1/reports/sla?by=owner&"+period, &rep)
	want := -1
	for _, g := range rep.Groups {
		if g.Key == s.salesPerson {
			want = g.Obligations.Breached
		}
	}
	if m[2] != strconv.Itoa(want) {
		t.Errorf("the SLA page shows %s breached for %s; the API says %d", m[2], s.salesPerson, want)
	}
	if want == 0 {
		t.Fatal("no breaches to drill into: the test proves nothing")
	}
	resp, body = c.get(strings.ReplaceAll(m[1], "&amp;", "&"))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("drill-down: %d", resp.StatusCode)
	}
	if n := strings.Count(body, `<tr class="s-breached">`); n != want {
		t.Errorf("the drill-down lists %d breached obligations, want %d", n, want)
	}
	resp, body = c.get("/funnel?period=month")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Cohort conversion") || !strings.Contains(body, "Period conversion") {
		t.Errorf("/funnel: %d, or without its labelled period and cohort rates", resp.StatusCode)
	}
	// The funnel chart draws the API's counts, stage by stage.
	var f struct {
		Rows []struct {
			Metric string
			Count  int64
		}
	}
	s.apiGet(t, "/api/v1/reports/funnel?period=month", &f)
	drawn := map[string]string{}
	for _, m := range regexp.MustCompile(`<g data-stage="([a-z_]+)" data-count="(\d+)">`).FindAllStringSubmatch(body, -1) {
		drawn[m[1]] = m[2]
	}
	if len(drawn) != 5 {
		t.Errorf("the funnel chart draws %v, want five stages", drawn)
	}
	for _, r := range f.Rows {
		if got, ok := drawn[r.Metric]; ok && got != strconv.FormatInt(r.Count, 10) {
			t.Errorf("the funnel chart draws %s %s; the API says %d", got, r.Metric, r.Count)
		}
	}
	if drawn["lead"] == "0" || drawn["lead"] == "" {
		t.Error("no leads this month in the chart: the comparison proves nothing")
	}
}

// TestSLATrendMatchesAPI: every week of the SLA page's trend shows,
// overall and for each group charted, the met and judged counts the API's
// SLA report gives for that week's from and to: by owner (the
// obligation's) and by source (the lead's, read for the trend's weeks).
func TestSLATrendMatchesAPI(t *testing.T) {
	s := newSite(t)
	c := s.client(t)
	c.signIn("viewer@acme.example", testPassword)
	// A period of a few days: the trend's twelve weeks reach back past it
	// into the demo's three weeks of history.
	period := "from=" + time.Now().AddDate(0, 0, -3).Format(time.DateOnly) + "&to=" + time.Now().AddDate(0, 0, 2).Format(time.DateOnly)
	rowsOf := regexp.MustCompile(`(?s)<tr data-from="([\d-]+)" data-to="([\d-]+)">(.*?)</tr>`)
	cells := regexp.MustCompile(`<td data-(?:overall|group="([^"]*)")>([^<]*)</td>`)
	counts := regexp.MustCompile(`^\d+% \((\d+) of (\d+);`)
	shown := func(text string) [2]int {
		if strings.HasPrefix(text, "– (none yet)") {
			return [2]int{0, 0}
		}
		m := counts.FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("a trend cell reads %q", text)
		}
		n, _ := strconv.Atoi(m[1])
		d, _ := strconv.Atoi(m[2])
		return [2]int{n, d}
	}
	type rate struct{ Numerator, Denominator int }
	for _, by := range []string{"owner", "source"} {
		resp, body := c.get("/sla?by=" + by + "&" + period)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("/sla?by=%s: %d", by, resp.StatusCode)
		}
		rows := rowsOf.FindAllStringSubmatch(body, -1)
		if len(rows) != 12 {
			t.Fatalf("by %s: the trend has %d weeks, want 12", by, len(rows))
		}
		judged, groupsJudged := 0, 0
		for i, row := range rows {
			from, to := row[1], row[2]
			if i > 0 && from != rows[i-1][2] {
				t.Errorf("by %s: week %d starts %s, not where the one before ended (%s)", by, i, from, rows[i-1][2])
			}
			var rep struct {
				Overall struct{ Met rate }
				Groups  []struct {
					Key string
					Met rate
				}
			}
			s.apiGet(t, "/api/v1/reports/sla?by="+by+"&from="+from+"&to="+to, &rep)
			api := map[string]rate{}
			for _, g := range rep.Groups {
				api[g.Key] = g.Met
			}
			cs := cells.FindAllStringSubmatch(row[3], -1)
			if len(cs) < 2 || strings.Contains(cs[0][0], "data-group") {
				t.Fatalf("by %s, week of %s: want the overall cell, then the groups'; got %d cells", by, from, len(cs))
			}
			for j, cell := range cs {
				got, want := shown(cell[2]), [2]int{rep.Overall.Met.Numerator, rep.Overall.Met.Denominator}
				what := "overall"
				if j > 0 {
					key := html.UnescapeString(cell[1])
					want, what = [2]int{api[key].Numerator, api[key].Denominator}, by+" "+key
					groupsJudged += got[1]
				} else {
					judged += got[1]
				}
				if got != want {
					t.Errorf("week %s to %s, %s: the page shows %d of %d met; the API says %d of %d", from, to, what, got[0], got[1], want[0], want[1])
				}
			}
		}
		if judged == 0 || groupsJudged == 0 {
			t.Fatalf("by %s: nothing judged in the trend (%d overall, %d in groups): the comparison proves nothing", by, judged, groupsJudged)
		}
		if !strings.Contains(body, `aria-label="Line chart of the share of obligations met each week`) {
			t.Errorf("by %s: the trend chart has no text alternative", by)
		}
	}
}

// TestAgreementSignAndBacktest: a proposed version waits for its signers;
// a viewer may not sign; a marketing user signs as a listed signer, and
// when the last has signed the version is in force; the backtest puts the
// proposal beside the version in force with the API's figures.
func TestAgreementSignAndBacktest(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	now := time.Now().UTC()
	proposal := bytes.Replace(demo.Agreement, []byte("first_touch_within: 15m"), []byte("first_touch_within: 10m"), 1)
	v, err := s.store.CreateAgreementVersion(ctx, store.NewAgreementVersion{Body: proposal, EffectiveFrom: now.Add(-time.Minute),
		UploadedBy: "test", UploadedAt: now, Signers: demo.Signers, Note: "faster first touch"})
	if err != nil {
		t.Fatal(err)
	}
	path := "/agreement/versions/" + strconv.Itoa(v.Number)
	viewer, mkt := s.client(t), s.client(t)
	viewer.signIn("viewer@acme.example", testPassword)
	mkt.signIn("marketing@acme.example", testPassword)
	if _, body := mkt.get(path); !strings.Contains(body, "Changes from version 1") || !strings.Contains(body, "first_touch_within: 10m") {
		t.Errorf("the version page shows no diff against version 1")
	}
	if resp, _ := viewer.post(path+"/sign", url.Values{"csrf": {viewer.csrfOn("/")}, "signer": {demo.Signers[0]}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a viewer signing: %d, want 403", resp.StatusCode)
	}
	if resp, body := mkt.post(path+"/sign", url.Values{"csrf": {mkt.csrfOn(path)}, "signer": {"Nobody Listed"}}); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "not a signer") {
		t.Errorf("signing as someone not listed: %d", resp.StatusCode)
	}
	for i, name := range demo.Signers {
		resp, body := mkt.post(path+"/sign", url.Values{"csrf": {mkt.csrfOn(path)}, "signer": {name}})
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, name+" signed version") {
			t.Fatalf("sign as %s: %d", name, resp.StatusCode)
		}
		_, list := mkt.get("/agreement")
		inForce := strings.Contains(list, `data-status="`+strconv.Itoa(v.Number)+`">in_force<`)
		if last := i == len(demo.Signers)-1; inForce != last {
			t.Errorf("after %d of %d signatures, in force: %v", i+1, len(demo.Signers), inForce)
		}
	}
	if resp, _ := mkt.post(path+"/sign", url.Values{"csrf": {mkt.csrfOn("/")}, "signer": {demo.Signers[0]}}); resp.StatusCode != http.StatusConflict {
		t.Errorf("signing twice: %d, want 409", resp.StatusCode)
	}
	entries, err := s.store.AuditAfter(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	signedBy := 0
	for _, e := range entries {
		if e.Action == store.AuditAgreementSigned && e.Actor == "user:marketing@acme.example" {
			signedBy++
		}
	}
	if signedBy != len(demo.Signers) {
		t.Errorf("%d signatures audited as the marketing user, want %d", signedBy, len(demo.Signers))
	}

	from, to := now.AddDate(0, 0, -14).Format(time.DateOnly), now.AddDate(0, 0, -1).Format(time.DateOnly)
	resp, body := viewer.post("/agreement/backtest", url.Values{"csrf": {viewer.csrfOn("/agreement/backtest")}, "yaml": {string(proposal)}, "from": {from}, "to": {to}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("backtest: %d\n%s", resp.StatusCode, body)
	}
	var api struct {
		Current, Proposed struct {
			Overall struct{ Obligations struct{ Total int } }
		}
	}
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/agreement/backtest?from="+from+"&to="+to, bytes.NewReader(proposal))
	req.Header.Set("Authorization", "Bearer "+s.admin)
	req.Header.Set("Content-Type", "application/yaml")
	ar, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer ar.Body.Close()
	if err := json.NewDecoder(ar.Body).Decode(&api); err != nil || ar.StatusCode != 200 {
		t.Fatalf("API backtest: %d, %v", ar.StatusCode, err)
	}
	for side, want := range map[string]int{"current": api.Current.Overall.Obligations.Total, "proposed": api.Proposed.Overall.Obligations.Total} {
		if !strings.Contains(body, `data-side="`+side+`">`+strconv.Itoa(want)+`<`) {
			t.Errorf("the backtest page's %s obligations differ from the API's %d", side, want)
		}
	}
	if api.Current.Overall.Obligations.Total == 0 {
		t.Error("nothing to compare in the period")
	}
	resp, body = viewer.post("/agreement/backtest", url.Values{"csrf": {viewer.csrfOn("/agreement/backtest")}, "yaml": {"name: x\nsales: [oops"}, "from": {from}, "to": {to}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "nothing was replayed") {
		t.Errorf("a broken proposal: %d", resp.StatusCode)
	}
}

// TestReviewThroughThePages runs a weekly review in the pages: snapshot,
// comment, both sign-offs, lock (admin only); then a late MQL for a day
// of the locked week changes the live number, not the locked one, and
// shows as a restatement.
func TestReviewThroughThePages(t *testing.T) {
	s := newSite(t)
	viewer, sales, mkt, adm := s.client(t), s.client(t), s.client(t), s.client(t)
	viewer.signIn("viewer@acme.example", testPassword)
	sales.signIn(s.salesEmail, testPassword)
	mkt.signIn("marketing@acme.example", testPassword)
	adm.signIn("admin@acme.example", testPassword)
	// Last week, named by its Wednesday.
	wed := time.Now().UTC().AddDate(0, 0, -7)
	for wed.Weekday() != time.Wednesday {
		wed = wed.AddDate(0, 0, -1)
	}
	week := wed.Format(time.DateOnly)
	page := "/review?week=" + week
	step := func(c *client, path string, form url.Values) (*http.Response, string) {
		t.Helper()
		form.Set("csrf", c.csrfOn(page))
		return c.post(path+"?week="+week, form)
	}
	if resp, _ := step(viewer, "/review/snapshot", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a viewer snapshotting: %d, want 403", resp.StatusCode)
	}
	if resp, body := step(sales, "/review/snapshot", url.Values{}); resp.StatusCode != http.StatusOK || !strings.Contains(body, "snapshotted") {
		t.Fatalf("snapshot: %d", resp.StatusCode)
	}
	if resp, body := step(sales, "/review/comments", url.Values{"metric": {"mql"}, "body": {"webinar MQLs were thin"}}); resp.StatusCode != http.StatusOK || !strings.Contains(body, "webinar MQLs were thin") {
		t.Fatalf("comment: %d", resp.StatusCode)
	}
	if resp, _ := step(sales, "/review/lock", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("sales locking: %d, want 403", resp.StatusCode)
	}
	if resp, body := step(adm, "/review/lock", url.Values{}); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "Nothing changed") {
		t.Errorf("locking before both sides signed: %d, want 409 with the reason", resp.StatusCode)
	}
	step(mkt, "/review/signoffs", url.Values{"side": {"marketing"}, "name": {"Dana Whitfield"}})
	step(sales, "/review/signoffs", url.Values{"side": {"sales"}, "name": {"Marcus Obi"}})
	resp, body := step(adm, "/review/lock", url.Values{})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `<span id="review-status">locked</span>`) {
		t.Fatalf("lock: %d", resp.StatusCode)
	}
	if !regexp.MustCompile(`: 1 of its \d+ weeks reviewed and locked`).MatchString(body) {
		t.Error("the quarter does not count the locked week as reviewed")
	}
	mqls := regexp.MustCompile(`data-week="mql">([\d,]+)<`)
	locked := mqls.FindStringSubmatch(body)[1]

	at := time.Date(wed.Year(), wed.Month(), wed.Day(), 15, 0, 0, 0, time.UTC)
	s.post(t,
		map[string]any{"id": "late-u", "type": "lead.upserted", "occurred_at": at.Format(time.RFC3339), "data": map[string]any{"lead_id": "LATE-MQL", "email": "late@prospect.example", "company": "Late Co"}},
		map[string]any{"id": "late-s", "type": "lead.stage_changed", "occurred_at": at.Add(time.Minute).Format(time.RFC3339), "data": map[string]any{"lead_id": "LATE-MQL", "stage": "mql"}},
	)
	_, body = viewer.get(page)
	if got := mqls.FindStringSubmatch(body)[1]; got != locked {
		t.Errorf("the locked week's MQLs went from %s to %s", locked, got)
	}
	live := regexp.MustCompile(`data-live="mql">([\d,]+) <strong>\(restated\)</strong>`).FindStringSubmatch(body)
	want, _ := strconv.Atoi(strings.ReplaceAll(locked, ",", ""))
	if live == nil || live[1] != strconv.Itoa(want+1) {
		t.Errorf("the live MQLs are not shown restated to %d: %v", want+1, live)
	}
	if !strings.Contains(body, "Restated since the snapshot") || !strings.Contains(body, "<code>late-s</code>") {
		t.Error("the restatement does not name the late event")
	}
	if resp, _ := viewer.get("/review/qbr?format=md&date=" + week); resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/markdown") {
		t.Errorf("QBR export: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// TestAdminManagesAccess: an admin disables a user (whose session ends at
// once), enables them again, and revokes the display token (the wall
// closes to it).
func TestAdminManagesAccess(t *testing.T) {
	s := newSite(t)
	adm, vw, wall := s.client(t), s.client(t), s.client(t)
	adm.signIn("admin@acme.example", testPassword)
	vw.signIn("viewer@acme.example", testPassword)
	if resp, _ := wall.get("/wall?token=" + url.QueryEscape(s.display)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the wall with its token: %d", resp.StatusCode)
	}
	viewer, err := s.store.UserByEmail(context.Background(), "viewer@acme.example")
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := vw.post("/admin/users/"+viewer.ID+"/disable", url.Values{"csrf": {vw.csrfOn("/")}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a viewer disabling a user: %d, want 403", resp.StatusCode)
	}
	if resp, body := adm.post("/admin/users/"+viewer.ID+"/disable", url.Values{"csrf": {adm.csrfOn("/admin")}}); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Disabled viewer@acme.example") {
		t.Fatalf("disable: %d", resp.StatusCode)
	}
	if resp, _ := vw.get("/"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a disabled user's session still opens the overview: %d", resp.StatusCode)
	}
	if resp, _ := s.client(t).tryLogin("viewer@acme.example", testPassword); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a disabled user signing in: %d, want 401", resp.StatusCode)
	}
	me, _ := s.store.UserByEmail(context.Background(), "admin@acme.example")
	if resp, _ := adm.post("/admin/users/"+me.ID+"/disable", url.Values{"csrf": {adm.csrfOn("/admin")}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("an admin disabling themselves: %d, want 422", resp.StatusCode)
	}
	adm.post("/admin/users/"+viewer.ID+"/enable", url.Values{"csrf": {adm.csrfOn("/admin")}})
	s.client(t).signIn("viewer@acme.example", testPassword)

	tokens, err := s.store.Tokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range tokens {
		if tok.Role == "display" {
			if resp, body := adm.post("/admin/tokens/"+tok.ID+"/revoke", url.Values{"csrf": {adm.csrfOn("/admin")}}); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Revoked") {
				t.Fatalf("revoke: %d", resp.StatusCode)
			}
		}
	}
	if resp, _ := wall.get("/wall/state"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the wall with a revoked token: %d, want 401", resp.StatusCode)
	}
}
