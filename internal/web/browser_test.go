package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The browser tests drive a real headless Chromium (Debian's chromium;
// ACCORD_CHROMIUM names another) through the pages, and save a
// screenshot of each page in screenshots/ at the repository's root
// (git-ignored).

func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("ACCORD_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium found: install Debian's chromium (apt-get install chromium) or set ACCORD_CHROMIUM; .ci/run installs it")
	return ""
}

// browser opens a headless Chromium for the test.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium(t)), chromedp.NoSandbox,
		chromedp.WindowSize(1400, 1000), chromedp.Flag("disable-dev-shm-usage", true))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(bctx, 2*time.Minute)
	t.Cleanup(func() { cancelT(); cancelB(); cancelA() })
	// The first action starts the browser, on the context without the
	// test's timeout (see chromedp.Run).
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := screenshotDir(t)
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

func screenshotDir(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test")
		}
		dir = parent
	}
	dir = filepath.Join(dir, "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func signInBrowser(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`nav[aria-label="Main"]`)),
	)
	if err != nil {
		t.Fatalf("sign in as %s: %v", email, err)
	}
}

// text is the text of the first element sel matches.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return v
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// apiGet reads an API route with the site's admin token.
func (s *site) apiGet(t *testing.T, path string, v any) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+s.admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// post sends events through the API, as a CRM would.
func (s *site) post(t *testing.T, events ...map[string]any) {
	t.Helper()
	body, _ := json.Marshal(events)
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/events", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+s.admin)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rep struct{ Accepted, Rejected int }
	json.NewDecoder(resp.Body).Decode(&rep)
	if resp.StatusCode != 200 || rep.Accepted != len(events) {
		t.Fatalf("post %d events: %d, %+v", len(events), resp.StatusCode, rep)
	}
}

// hotLead is the events of a new tier A MQL (a demo request) assigned to
// owner, arriving at at: the agreement starts a 15-minute first-touch
// clock.
func hotLead(id, owner string, at time.Time) []map[string]any {
	ts := func(d time.Duration) string { return at.Add(d).UTC().Format(time.RFC3339) }
	return []map[string]any{
		{"id": id + "-u", "type": "lead.upserted", "occurred_at": ts(0), "data": map[string]any{"lead_id": id, "email": id + "@prospect.example",
			"name": "Pat " + id, "company": "Prospect " + id, "offer": "demo_request", "source": "paid_search", "country": "US"}},
		{"id": id + "-s", "type": "lead.stage_changed", "occurred_at": ts(time.Second), "data": map[string]any{"lead_id": id, "stage": "mql"}},
		{"id": id + "-a", "type": "lead.assigned", "occurred_at": ts(2 * time.Second), "data": map[string]any{"lead_id": id, "owner": owner}},
	}
}

func TestBrowserOverviewMatchesAPI(t *testing.T) {
	ctx := browser(t)
	s := newSite(t, aroundTheClock)
	signInBrowser(t, ctx, s.URL, "marketing@acme.example")
	mql := text(t, ctx, `[data-metric="mql-month"]`)
	leads := text(t, ctx, `[data-metric="lead-month"]`)
	var f struct {
		Rows []struct {
			Metric string
			Count  int64
		}
	}
	s.apiGet(t, "/api/v1/reports/funnel?period=month", &f)
	want := map[string]int64{}
	for _, r := range f.Rows {
		want[r.Metric] = r.Count
	}
	for metric, shown := range map[string]string{"mql": mql, "lead": leads} {
		n, err := strconv.ParseInt(strings.ReplaceAll(strings.TrimSpace(shown), ",", ""), 10, 64)
		if err != nil || n != want[metric] {
			t.Errorf("the overview shows %q %s this month; the API says %d", shown, metric, want[metric])
		}
	}
	if want["lead"] == 0 {
		t.Error("no leads this month in the demo data: the comparison proves nothing")
	}
	screenshot(t, ctx, "overview")

	// The theme switch turns the page dark, and it stays dark on the next
	// page.
	light := eval[string](t, ctx, `getComputedStyle(document.body).backgroundColor`)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("[data-theme-toggle]"))); err != nil {
		t.Fatal(err)
	}
	dark := eval[string](t, ctx, `getComputedStyle(document.documentElement).backgroundColor`)
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/sla"), chromedp.WaitVisible(chromedp.CSS("#sla-groups"))); err != nil {
		t.Fatal(err)
	}
	if theme := eval[string](t, ctx, `document.documentElement.dataset.theme || ""`); theme != "dark" || dark == light {
		t.Errorf("after the theme switch: theme %q, background %s (was %s)", theme, dark, light)
	}
	screenshot(t, ctx, "sla-dark")

	// The keyboard: the first Tab reaches the skip link, Enter on it moves
	// the focus to the page's content, and the next Tab goes on from
	// there; the focused element is outlined.
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/"), chromedp.WaitVisible(chromedp.CSS("main")), chromedp.KeyEvent("\t")); err != nil {
		t.Fatal(err)
	}
	if got := eval[string](t, ctx, `document.activeElement.textContent`); got != "Skip to content" {
		t.Errorf("the first Tab focuses %q, want the skip link", got)
	}
	if o := eval[string](t, ctx, `getComputedStyle(document.activeElement).outlineStyle`); o == "none" {
		t.Error("the focused skip link has no visible outline")
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent("\r")); err != nil {
		t.Fatal(err)
	}
	if got := eval[string](t, ctx, `document.activeElement.id`); got != "main" {
		t.Errorf("the skip link moved the focus to %q, want main", got)
	}

	// The other pages a marketing user opens, through the navigation.
	for _, p := range []struct{ link, ready, name string }{
		{"Funnel", "#funnel-stages", "funnel"},
		{"SLA", "#sla-groups", "sla"},
	} {
		err := chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`nav a[href="/`+p.name+`"]`)),
			chromedp.WaitVisible(chromedp.CSS(p.ready)),
		)
		if err != nil {
			t.Fatalf("open %s from the navigation: %v", p.link, err)
		}
		if cur := text(t, ctx, `nav a[aria-current="page"]`); cur != p.link {
			t.Errorf("on the %s page the navigation marks %q as current", p.link, cur)
		}
		screenshot(t, ctx, p.name)
	}
	// The funnel's charts are drawn (uPlot, embedded) from the same months
	// as its tables.
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/funnel"), chromedp.WaitVisible(chromedp.CSS("#chart-volumes canvas"))); err != nil {
		t.Fatalf("the funnel's volume chart was not drawn: %v", err)
	}
	if n := eval[int](t, ctx, `JSON.parse(document.querySelector("#chart-volumes script").textContent).x.length`); n != 6 {
		t.Errorf("the volume chart has %d months, want 6", n)
	}
	// And the funnel itself, drawn by the server: the leads' bar is on
	// screen and wider than the deals won.
	bar := func(stage string) float64 {
		return eval[float64](t, ctx, `document.querySelector('#funnel-chart g[data-stage="`+stage+`"] rect').getBoundingClientRect().width`)
	}
	if leads, won := bar("lead"), bar("won"); leads <= 0 || leads <= won {
		t.Errorf("the funnel chart's bars: leads %.0f px wide, deals won %.0f px", leads, won)
	}

	// The SLA page's weekly trend is drawn the same way, from the same
	// weeks as its table, in the theme's colours (still dark from the
	// switch above), and drawn again in the light ones when the theme is
	// switched back.
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/sla?by=team"), chromedp.WaitVisible(chromedp.CSS("#chart-sla-trend canvas"))); err != nil {
		t.Fatalf("the SLA trend chart was not drawn: %v", err)
	}
	spec := `JSON.parse(document.querySelector("#chart-sla-trend script").textContent)`
	if n, rows := eval[int](t, ctx, spec+`.x.length`), eval[int](t, ctx, `document.querySelectorAll("#sla-trend tbody tr").length`); n != 12 || rows != 12 {
		t.Errorf("the SLA trend chart has %d weeks and its table %d, want 12 each", n, rows)
	}
	// A legend entry per series (x, all obligations, each group) and two
	// for the interval's edges.
	if got, want := eval[int](t, ctx, `document.querySelectorAll("#chart-sla-trend .u-legend .u-series").length`), eval[int](t, ctx, spec+`.series.length`)+3; got != want {
		t.Errorf("the SLA trend chart's legend has %d entries, want %d", got, want)
	}
	if lines := eval[int](t, ctx, spec+`.values[0].filter((v) => v !== null).length`); lines == 0 {
		t.Error("the SLA trend chart has no week with anything judged: it draws nothing")
	}
	marker := `getComputedStyle(document.querySelector("#chart-sla-trend .u-legend .u-series:nth-child(2) .u-marker")).borderColor`
	if c := eval[string](t, ctx, marker); c != "rgb(138, 180, 255)" {
		t.Errorf("in the dark theme the overall line is %s, want the dark palette's rgb(138, 180, 255)", c)
	}
	screenshot(t, ctx, "sla-trend-dark")
	err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("[data-theme-toggle]")),
		chromedp.Poll[chromedp.Void](marker+` === "rgb(29, 78, 216)"`, chromedp.WithPollingTimeout(2*time.Second)))
	if err != nil {
		t.Errorf("after switching to the light theme the overall line is %s, want rgb(29, 78, 216): %v", eval[string](t, ctx, marker), err)
	}
	screenshot(t, ctx, "sla-trend")
}

func TestBrowserQueueTicks(t *testing.T) {
	ctx := browser(t)
	s := newSite(t, aroundTheClock)
	s.post(t, hotLead("HOT-1", s.salesPerson, time.Now().Add(-time.Minute))...)
	signInBrowser(t, ctx, s.URL, s.salesEmail)
	// The countdown of the new lead's row, which runs around the clock.
	countdown := `(() => { for (const tr of document.querySelectorAll("#queue tr[data-id]")) if (tr.textContent.includes("Pat HOT-1")) return tr.querySelector("[data-countdown]").textContent; return ""; })()`
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/queue"), chromedp.WaitVisible(chromedp.CSS("#queue"))); err != nil {
		t.Fatal(err)
	}
	first := eval[string](t, ctx, countdown)
	if err := chromedp.Do(ctx, chromedp.Sleep(2500*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	later := eval[string](t, ctx, countdown)
	state := eval[string](t, ctx, `(() => { for (const tr of document.querySelectorAll("#queue tr[data-id]")) if (tr.textContent.includes("Pat HOT-1")) return tr.querySelector("[data-state]").textContent; return ""; })()`)
	if first == "" {
		t.Fatal("the new lead's 24/7 first-touch clock is not in the queue")
	}
	if first == later {
		t.Errorf("the countdown did not tick: %q, then %q 2.5 s later", first, later)
	}
	if !strings.Contains(state, "On track") {
		t.Errorf("the new lead's state reads %q, want On track (14 minutes left)", state)
	}
	screenshot(t, ctx, "queue")

	// The lead's page says which rule and version judged it.
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/leads/HOT-1"), chromedp.WaitVisible(chromedp.CSS("table.obligations"))); err != nil {
		t.Fatal(err)
	}
	rule := text(t, ctx, "table.obligations tbody")
	if !strings.Contains(rule, "speed to lead, tier A") || !strings.Contains(rule, "v2") {
		t.Errorf("the lead page's obligations read %q, want the tier A rule of version 2", rule)
	}
	screenshot(t, ctx, "lead")
}

func TestBrowserWallShowsBreachLive(t *testing.T) {
	ctx := browser(t)
	s := newSite(t, aroundTheClock)
	err := chromedp.Do(ctx,
		chromedp.Navigate(s.URL+"/wall?token="+s.display+"&rotate=0"), // every panel at once
		chromedp.WaitVisible(chromedp.CSS("#breaches")),
		chromedp.WaitVisible(chromedp.CSS(`#wall-status[data-live="on"]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	before := text(t, ctx, `[data-clock="breached"]`)
	mqlsToday := `#hourly figure[data-metric="mql"] .big`
	mqlsBefore := text(t, ctx, mqlsToday)
	// A hot lead that came in 20 minutes ago and was never touched: its
	// 15-minute clock ran out 5 minutes ago.
	posted := time.Now()
	came := posted.Add(-20 * time.Minute)
	s.post(t, hotLead("LATE-1", s.salesPerson, came)...)
	wait, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := chromedp.Do(wait, chromedp.WaitVisible(chromedp.CSS(`#breaches li[data-lead="LATE-1"]`))); err != nil {
		t.Fatalf("the breach did not appear on the wall within 2 s of the event: %v", err)
	}
	t.Logf("breach on the wall %v after the event was acknowledged", time.Since(posted).Round(time.Millisecond))
	after := text(t, ctx, `[data-clock="breached"]`)
	b, _ := strconv.Atoi(before)
	a, _ := strconv.Atoi(after)
	if a != b+1 {
		t.Errorf("breached clocks went from %s to %s, want one more", before, after)
	}
	// The lead became an MQL today (the site counts days in UTC): the
	// hourly panel counts it, and its hour's bar says so.
	if came.UTC().Format(time.DateOnly) != posted.UTC().Format(time.DateOnly) {
		t.Log("the lead came in yesterday (just after midnight UTC): the hourly panel is not checked")
	} else {
		m0, _ := strconv.Atoi(strings.ReplaceAll(mqlsBefore, ",", ""))
		m1, _ := strconv.Atoi(strings.ReplaceAll(text(t, ctx, mqlsToday), ",", ""))
		if m1 != m0+1 {
			t.Errorf("MQLs today on the hourly panel went from %s to %d, want one more", mqlsBefore, m1)
		}
		bar := eval[string](t, ctx, fmt.Sprintf(`document.querySelectorAll('#hourly figure[data-metric="mql"] rect.today')[%d].textContent`, came.UTC().Hour()))
		if !strings.HasPrefix(bar, fmt.Sprintf("%02d:00 today ", came.UTC().Hour())) || strings.HasPrefix(bar, fmt.Sprintf("%02d:00 today 0,", came.UTC().Hour())) {
			t.Errorf("the bar of the lead's hour reads %q, want at least one MQL", bar)
		}
	}
	screenshot(t, ctx, "wall")
}

// TestBrowserWallRotates: a board taller than its display shows one
// screen of panels at a time and moves on to the next.
func TestBrowserWallRotates(t *testing.T) {
	ctx := browser(t)
	s := newSite(t)
	shown := func(id string) bool {
		return eval[bool](t, ctx, `document.getElementById("`+id+`").closest(".panel").checkVisibility()`)
	}
	// The default: the board (some 3,000 px tall at this width) does not
	// fit the 1000 px window, so it rotates, first today's screen.
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/wall?token="+s.display), chromedp.WaitVisible(chromedp.CSS("#p-hourly"))); err != nil {
		t.Fatal(err)
	}
	if !shown("p-today") || shown("p-sla") || shown("p-week") {
		t.Errorf("the first screen shows today %v, the SLA %v, the week %v; want today alone", shown("p-today"), shown("p-sla"), shown("p-week"))
	}
	if got := text(t, ctx, "#wall-screen"); !strings.Contains(got, "screen 1 of 3") {
		t.Errorf("the board says %q, want screen 1 of 3", got)
	}
	// Every second, the next screen.
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/wall?rotate=1"), chromedp.WaitVisible(chromedp.CSS("#p-today"))); err != nil {
		t.Fatal(err)
	}
	wait, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := chromedp.Do(wait, chromedp.WaitVisible(chromedp.CSS("#p-sla"))); err != nil {
		t.Fatalf("the SLA screen did not come round: %v", err)
	}
	if shown("p-today") || !shown("p-breaches") {
		t.Error("on the SLA screen, today is still shown or the breaches are not")
	}
	screenshot(t, ctx, "wall-sla-screen")
}

// TestBrowserPlannerFollowsTyping: typing a new bookings goal reworks the
// scenario on the page at once, and the server, asked the same by the
// form, works out the same needs.
func TestBrowserPlannerFollowsTyping(t *testing.T) {
	ctx := browser(t)
	s := newSite(t)
	signInBrowser(t, ctx, s.URL, "marketing@acme.example")
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/planner"), chromedp.WaitVisible(chromedp.CSS("#needs"))); err != nil {
		t.Fatal(err)
	}
	before := text(t, ctx, `[data-need="mqls"]`)
	if before != text(t, ctx, `[data-need="plan-mqls"]`) {
		t.Errorf("with no rate moved the scenario (%s MQLs) differs from the plan (%s)", before, text(t, ctx, `[data-need="plan-mqls"]`))
	}
	// Double the goal, and slow the close rate down.
	err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#p-bookings"), "900000"),
		chromedp.SendKeys(chromedp.CSS("#p-bookings"), "0"),
		chromedp.SetValue(chromedp.CSS("#r-opportunity_to_customer"), "0.2"),
		chromedp.SendKeys(chromedp.CSS("#r-opportunity_to_customer"), "5"),
	)
	if err != nil {
		t.Fatal(err)
	}
	typed := text(t, ctx, `[data-need="mqls"]`)
	if typed == before {
		t.Fatalf("the scenario did not follow the typing: still %s MQLs", typed)
	}
	screenshot(t, ctx, "planner")
	// The old page's #needs is visible too: wait for the submitted form's
	// page (asking while it navigates fails, so ask again), then for its
	// figures.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#planner button[type="submit"]`))); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if search, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.search`)); err == nil && strings.Contains(search, "bookings=") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the submitted planner form did not load")
		}
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#needs"))); err != nil {
		t.Fatal(err)
	}
	if got := eval[string](t, ctx, `location.search`); !strings.Contains(got, "bookings=9000000") || !strings.Contains(got, "opportunity_to_customer=0.25") {
		t.Fatalf("the form asked %s", got)
	}
	if server := text(t, ctx, `[data-need="mqls"]`); server != typed {
		t.Errorf("the page worked out %s MQLs as it was typed; the server says %s", typed, server)
	}
}
