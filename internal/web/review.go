package web

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/accordhq/accord/internal/daily"
	"github.com/accordhq/accord/internal/numbers"
	"github.com/accordhq/accord/internal/qbr"
	"github.com/accordhq/accord/internal/review"
	"github.com/accordhq/accord/internal/store"
)

// reviewMetrics are the week's numbers the review goes through, in order.
var reviewMetrics = []string{"inquiry", "lead", "mql", "sql", "opportunities_opened", "proposals", "won", "lost", "bookings"}

type reviewData struct {
	Week    *review.Week
	Metrics []string
	Prev    string // a day of the week before and after, for links
	Next    string
	Month   daily.Period
	Weeks   []numbers.WeekStatus // the weeks of the month, and where each stands
	Quarter daily.Period
	// QuarterReviewed and QuarterWeeks count the quarter's reviewed
	// (locked) weeks.
	QuarterReviewed, QuarterWeeks int
	CanWrite                      bool
	CanLock                       bool
	Notice                        string
	Error                         string
	Zone                          *time.Location
}

// reviewWeek is the week the request names (any day of it; default the
// week before this one, the one a Monday review looks at).
func (s *Server) reviewWeek(r *http.Request) (daily.Period, error) {
	day := r.URL.Query().Get("week")
	if day == "" {
		day = s.dayStart(s.today()).AddDate(0, 0, -7).Format(time.DateOnly)
	}
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		return daily.Period{}, httpError{http.StatusBadRequest, "A week is named by any of its days, such as 2026-03-16, not " + day + "."}
	}
	return s.o.Fiscal.Week(day), nil
}

func (s *Server) reviewPage(w http.ResponseWriter, r *http.Request) error {
	return s.showReview(w, r, http.StatusOK, "", "")
}

func (s *Server) showReview(w http.ResponseWriter, r *http.Request, status int, notice, failure string) error {
	wk, err := s.reviewWeek(r)
	if err != nil {
		return err
	}
	v, err := review.Load(r.Context(), s.o.Store, wk, s.o.Location)
	if err != nil {
		return err
	}
	role := roleOf(r)
	d := reviewData{Week: v, Metrics: reviewMetrics, Notice: notice, Error: failure, Zone: s.o.Location,
		Prev:     s.dayStart(wk.From).AddDate(0, 0, -7).Format(time.DateOnly),
		Next:     s.dayStart(wk.From).AddDate(0, 0, 7).Format(time.DateOnly),
		Month:    s.o.Fiscal.Month(wk.From),
		Quarter:  s.o.Fiscal.Quarter(wk.From),
		CanWrite: role.CanWrite(), CanLock: role.CanAdmin()}
	if d.Weeks, err = numbers.Weeks(r.Context(), s.o.Store, s.o.Fiscal, d.Month); err != nil {
		return err
	}
	qw, err := numbers.Weeks(r.Context(), s.o.Store, s.o.Fiscal, d.Quarter)
	if err != nil {
		return err
	}
	d.QuarterWeeks = len(qw)
	for _, ws := range qw {
		if ws.Status == review.Locked {
			d.QuarterReviewed++
		}
	}
	s.render(w, r, status, "review", page{Title: "Weekly review", Nav: "review", Data: d})
	return nil
}

// updateReview applies one of the review's steps and shows the week again,
// with what happened.
func (s *Server) updateReview(w http.ResponseWriter, r *http.Request, done string, step func(rv *store.Review, wk daily.Period, at time.Time, actor string) (store.AuditEntry, error)) error {
	wk, err := s.reviewWeek(r)
	if err != nil {
		return err
	}
	_, err = s.o.Store.UpdateReview(r.Context(), wk.From, func(rv *store.Review) (store.AuditEntry, error) {
		return step(rv, wk, s.o.Now(), actor(r))
	})
	var p *review.Problem
	switch {
	case errors.Is(err, review.ErrLocked):
		return s.showReview(w, r, http.StatusConflict, "", "Nothing changed: "+err.Error()+".")
	case errors.As(err, &p):
		status := http.StatusUnprocessableEntity
		if p.Field == "status" { // a step out of order, as the API says
			status = http.StatusConflict
		}
		return s.showReview(w, r, status, "", "Nothing changed: "+p.Msg+".")
	case err != nil:
		return err
	}
	return s.showReview(w, r, http.StatusOK, done, "")
}

func (s *Server) snapshotReview(w http.ResponseWriter, r *http.Request) error {
	return s.updateReview(w, r, "The week's numbers are snapshotted.", func(rv *store.Review, wk daily.Period, at time.Time, by string) (store.AuditEntry, error) {
		return review.TakeSnapshot(r.Context(), s.o.Store, rv, wk, at, by)
	})
}

func (s *Server) commentReview(w http.ResponseWriter, r *http.Request) error {
	metric, body := r.PostFormValue("metric"), r.PostFormValue("body")
	return s.updateReview(w, r, "Comment added.", func(rv *store.Review, _ daily.Period, at time.Time, by string) (store.AuditEntry, error) {
		return review.Comment(rv, metric, body, at, by)
	})
}

func (s *Server) signReview(w http.ResponseWriter, r *http.Request) error {
	side, name := r.PostFormValue("side"), strings.TrimSpace(r.PostFormValue("name"))
	if name == "" {
		if sess := sessionOf(r); sess != nil {
			name = sess.user.Name
		}
	}
	return s.updateReview(w, r, "Signed for "+side+".", func(rv *store.Review, _ daily.Period, at time.Time, by string) (store.AuditEntry, error) {
		return review.Sign(rv, side, name, at, by)
	})
}

func (s *Server) lockReview(w http.ResponseWriter, r *http.Request) error {
	return s.updateReview(w, r, "The week is locked: its numbers no longer change.", func(rv *store.Review, _ daily.Period, at time.Time, by string) (store.AuditEntry, error) {
		return review.Lock(rv, at, by)
	})
}

// qbrExport is the quarter's business review, for the signed-in: a
// printable HTML page, Markdown or CSV, as the API gives it.
func (s *Server) qbrExport(w http.ResponseWriter, r *http.Request) error {
	day := r.URL.Query().Get("date")
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		day = s.today()
	}
	format := r.URL.Query().Get("format")
	if !slices.Contains([]string{"html", "md", "csv"}, format) {
		format = "html"
	}
	opts := qbr.Options{Fiscal: s.o.Fiscal, Location: s.o.Location, Day: day, Now: s.o.Now()}
	if ag, _ := s.agreementNow(r.Context()); ag != nil {
		opts.Goals = ag.Goals
	}
	q, err := qbr.Build(r.Context(), s.o.Store, opts)
	if err != nil {
		return err
	}
	return q.Serve(w, format)
}
