package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/accordhq/accord/internal/auth"
	"github.com/accordhq/accord/internal/daily"
	"github.com/accordhq/accord/internal/numbers"
	"github.com/accordhq/accord/internal/obligation"
	"github.com/accordhq/accord/internal/store"
)

// displayCookie keeps a wall display's token after its first visit, so the
// token leaves the address bar and the live stream (which cannot send
// headers) is authorised too.
const displayCookie = "accord_display"

// wallData is the board: today against the same weekday last week, the
// SLA clocks as they stand, the breaches now, and the week against goal.
type wallData struct {
	AsOf     time.Time      `json:"as_of"`
	Today    *numbers.Day   `json:"today"`
	Clocks   map[string]int `json:"clocks"` // open obligations by state
	Breaches []wallBreach   `json:"breaches"`
	Week     wallWeek       `json:"week"`
	// LastWeek is, on Mondays, last week against the week before.
	LastWeek *numbers.Day `json:"last_week,omitempty"`
	// Hourly draws today's leads, MQLs and opportunities hour by hour
	// against the same weekday last week.
	Hourly []wallHourly `json:"hourly"`
}

// wallHourly is one metric's day by hour, with its bars laid out (in a
// 240 × 100 box, ten units an hour) so the page and its script draw the
// same thing.
type wallHourly struct {
	Metric string `json:"metric"`
	// SoFar counts today up to now; LastWeekSoFar the same weekday last
	// week up to the same hour; LastWeekAll that whole day.
	SoFar         int64     `json:"so_far"`
	LastWeekSoFar int64     `json:"last_week_so_far"`
	LastWeekAll   int64     `json:"last_week_all"`
	Hour          int       `json:"hour"` // the hour now, 0–23
	Bars          []wallBar `json:"bars"`
}

type wallBar struct {
	Hour     string `json:"hour"`
	Today    int64  `json:"today"`
	LastWeek int64  `json:"last_week"`
	X        int    `json:"x"`
	Y        int    `json:"y"` // top of today's bar
	H        int    `json:"h"` // its height (100 − Y)
	LastY    int    `json:"last_y"`
}

// hourlyMetrics are the metrics drawn by hour.
var hourlyMetrics = []string{"lead", "mql", daily.Opportunities}

// hourly reads day and the same weekday a week before by hour.
func (s *Server) hourly(ctx context.Context, day string, now time.Time) ([]wallHourly, error) {
	read := func(d string) (map[string]*[24]int64, error) {
		rows, err := s.o.Store.Daily(ctx, store.DailyFilter{From: d, To: s.dayStart(d).AddDate(0, 0, 1).Format(time.DateOnly),
			Dim: daily.Hour, Metrics: hourlyMetrics, Summed: true})
		if err != nil {
			return nil, err
		}
		out := map[string]*[24]int64{}
		for _, m := range hourlyMetrics {
			out[m] = &[24]int64{}
		}
		for _, r := range rows {
			if h, err := strconv.Atoi(r.Value); err == nil && h >= 0 && h < 24 && out[r.Metric] != nil {
				out[r.Metric][h] += r.N
			}
		}
		return out, nil
	}
	today, err := read(day)
	if err != nil {
		return nil, err
	}
	before, err := read(s.dayStart(day).AddDate(0, 0, -7).Format(time.DateOnly))
	if err != nil {
		return nil, err
	}
	hour := now.In(s.o.Location).Hour()
	var out []wallHourly
	for _, m := range hourlyMetrics {
		t, b := today[m], before[m]
		peak := int64(1)
		for h := range 24 {
			peak = max(peak, t[h], b[h])
		}
		scale := func(n int64) int { return 100 - int(n*96/peak) }
		hm := wallHourly{Metric: m, Hour: hour}
		for h := range 24 {
			hm.Bars = append(hm.Bars, wallBar{Hour: fmt.Sprintf("%02d", h), Today: t[h], LastWeek: b[h], X: h * 10, Y: scale(t[h]), H: 100 - scale(t[h]), LastY: scale(b[h])})
			hm.SoFar += t[h]
			hm.LastWeekAll += b[h]
			if h <= hour {
				hm.LastWeekSoFar += b[h]
			}
		}
		out = append(out, hm)
	}
	return out, nil
}

type wallBreach struct {
	LeadID   string  `json:"lead_id"`
	Owner    string  `json:"owner"`
	Rule     string  `json:"rule"`
	LateSecs float64 `json:"late_seconds"` // business time past due
	Late     string  `json:"late"`         // the same, in words
}

type wallWeek struct {
	Name string       `json:"name"`
	Rows []wallMetric `json:"rows"`
}

type wallMetric struct {
	Metric    string   `json:"metric"`
	Count     int64    `json:"count"`
	Goal      *float64 `json:"goal,omitempty"`
	Projected *float64 `json:"projected,omitempty"`
}

// wallMetrics are the funnel rows the board shows.
var wallMetrics = []string{"lead", "mql", "sql", "opportunities_opened", "won", "bookings"}

// openObligationsShown bounds the open obligations read for the board.
const openObligationsShown = 100_000

func (s *Server) wallNow(ctx context.Context) (*wallData, error) {
	now := s.o.Now()
	today := s.today()
	d := &wallData{AsOf: now.UTC(), Clocks: map[string]int{obligation.OnTrack: 0, obligation.Warning: 0, obligation.Late: 0, obligation.Stopped: 0}, Breaches: []wallBreach{}}
	var err error
	if d.Today, err = numbers.DayReport(ctx, s.o.Store, today); err != nil {
		return nil, err
	}
	d.Today.Metrics = slices.DeleteFunc(d.Today.Metrics, func(p numbers.Pair) bool {
		return !slices.Contains([]string{"lead", "mql", "sql", "opportunities_opened", "won"}, p.Key)
	})
	wk, err := s.funnel(ctx, numbers.Week, today, "")
	if err != nil {
		return nil, err
	}
	d.Week.Name = wk.Period.Name
	for _, row := range wk.Rows {
		if slices.Contains(wallMetrics, row.Metric) {
			m := wallMetric{Metric: row.Metric, Count: row.Count, Goal: row.Goal, Projected: row.Projected}
			if row.Amount != nil {
				m.Count = int64(*row.Amount)
			}
			d.Week.Rows = append(d.Week.Rows, m)
		}
	}
	if d.Hourly, err = s.hourly(ctx, today, now); err != nil {
		return nil, err
	}
	if now.In(s.o.Location).Weekday() == time.Monday {
		last := s.o.Now().In(s.o.Location).AddDate(0, 0, -7).Format(time.DateOnly)
		if d.LastWeek, err = weekAgainstWeek(ctx, s, last); err != nil {
			return nil, err
		}
	}
	obs, err := s.o.Store.Obligations(ctx, store.ObligationFilter{Status: string(obligation.Open), Limit: openObligationsShown})
	if err != nil {
		return nil, err
	}
	book, err := s.o.Ingest.Versions().Get(ctx)
	if err != nil {
		return nil, err
	}
	for _, o := range obs {
		cs := o.Clock(book, now)
		d.Clocks[cs.State]++
		if cs.State == obligation.Late {
			d.Breaches = append(d.Breaches, wallBreach{LeadID: o.LeadKey, Owner: o.Owner, Rule: o.Rule, LateSecs: -cs.Left.Seconds(), Late: duration(-cs.Left)})
		}
	}
	// The freshest breaches first: they are the ones still worth a call.
	slices.SortFunc(d.Breaches, func(a, b wallBreach) int {
		if a.LateSecs != b.LateSecs {
			if a.LateSecs < b.LateSecs {
				return -1
			}
			return 1
		}
		return strings.Compare(a.LeadID, b.LeadID)
	})
	if len(d.Breaches) > 12 {
		d.Breaches = d.Breaches[:12]
	}
	return d, nil
}

// weekAgainstWeek compares the week holding day with the week before, from
// the daily atoms.
func weekAgainstWeek(ctx context.Context, s *Server, day string) (*numbers.Day, error) {
	this, err := s.funnel(ctx, numbers.Week, day, "")
	if err != nil {
		return nil, err
	}
	before, err := s.funnel(ctx, numbers.Week, s.dayStart(this.Period.From).AddDate(0, 0, -1).Format(time.DateOnly), "")
	if err != nil {
		return nil, err
	}
	out := &numbers.Day{Day: this.Period.Name, Against: before.Period.Name}
	prev := map[string]int64{}
	for _, r := range before.Rows {
		prev[r.Metric] = r.Count
	}
	for _, r := range this.Rows {
		if slices.Contains(wallMetrics, r.Metric) && r.Metric != "bookings" {
			out.Metrics = append(out.Metrics, numbers.Pair{Key: r.Metric, Now: r.Count, Previous: prev[r.Metric], Change: r.Count - prev[r.Metric]})
		}
	}
	return out, nil
}

// wallAllowed checks a display token (query or cookie) or a session. A
// token in the address is moved into a cookie, and the page reloaded
// without it.
func (s *Server) wallAllowed(w http.ResponseWriter, r *http.Request) (ok, redirected bool) {
	if t := r.URL.Query().Get("token"); t != "" {
		if !s.displayToken(r.Context(), t) {
			s.fail(w, r, httpError{http.StatusUnauthorized, "That display token is unknown, revoked, or not a display token. An admin creates one on the Admin page."})
			return false, false
		}
		http.SetCookie(w, &http.Cookie{Name: displayCookie, Value: t, Path: "/wall", HttpOnly: true,
			Secure: s.o.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: 400 * 24 * 3600})
		q := r.URL.Query()
		q.Del("token")
		u := *r.URL
		u.RawQuery = q.Encode()
		http.Redirect(w, r, u.RequestURI(), http.StatusSeeOther)
		return false, true
	}
	if c, err := r.Cookie(displayCookie); err == nil && s.displayToken(r.Context(), c.Value) {
		return true, false
	}
	if sess, err := s.session(r); err == nil && sess != nil {
		return true, false
	}
	s.fail(w, r, httpError{http.StatusUnauthorized, "The wall display opens with a display token: /wall?token=…, or sign in first."})
	return false, false
}

func (s *Server) displayToken(ctx context.Context, secret string) bool {
	tok, err := s.o.Store.TokenByHash(ctx, auth.Hash(secret))
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.o.Log.WarnContext(ctx, "check display token", "error", err)
		}
		return false
	}
	return auth.Role(tok.Role) == auth.Display
}

func (s *Server) wallPage(w http.ResponseWriter, r *http.Request) {
	if ok, _ := s.wallAllowed(w, r); !ok {
		return
	}
	d, err := s.wall.latest(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "wall", page{Title: "Wall display", Data: d})
}

func (s *Server) wallState(w http.ResponseWriter, r *http.Request) {
	if ok, _ := s.wallAllowed(w, r); !ok {
		return
	}
	d, err := s.wall.latest(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(d)
}

// wallEvents streams the board as server-sent events: the whole state on
// connecting and whenever it changes, a comment every 15 s otherwise so
// proxies keep the connection open.
func (s *Server) wallEvents(w http.ResponseWriter, r *http.Request) {
	if ok, _ := s.wallAllowed(w, r); !ok {
		return
	}
	fl, ok := w.(http.Flusher)
	if !ok {
		s.fail(w, r, fmt.Errorf("streaming unsupported by this connection"))
		return
	}
	ch, cancel := s.wall.subscribe()
	defer cancel()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(b []byte) bool {
		if _, err := fmt.Fprintf(w, "event: state\ndata: %s\n\n", b); err != nil {
			return false
		}
		fl.Flush()
		return true
	}
	if b, err := s.wall.latestJSON(r.Context()); err == nil {
		if !send(b) {
			return
		}
	}
	ping := time.NewTicker(15 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.streamsDone:
			return
		case b := <-ch:
			if !send(b) {
				return
			}
		case <-ping.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
				return
			}
			fl.Flush()
		}
	}
}
