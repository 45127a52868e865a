package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/accordhq/accord/internal/daily"
	"github.com/accordhq/accord/internal/review"
	"github.com/accordhq/accord/internal/store"
)

// weekOf reads the {day} of a review route: any day of the week.
func (s *Server) weekOf(r *http.Request) (daily.Period, error) {
	day := r.PathValue("day")
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		return daily.Period{}, fieldError("day", "day must be a day such as 2026-03-16, got %q", day)
	}
	return s.reporting.Fiscal.Week(day), nil
}

func (s *Server) getWeek(w http.ResponseWriter, r *http.Request) error {
	week, err := s.weekOf(r)
	if err != nil {
		return err
	}
	v, err := review.Load(r.Context(), s.store, week, s.reporting.Location)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// updateWeek applies one review rule and answers with the week.
func (s *Server) updateWeek(w http.ResponseWriter, r *http.Request, fn func(rv *store.Review, week daily.Period, actor string) (store.AuditEntry, error)) error {
	week, err := s.weekOf(r)
	if err != nil {
		return err
	}
	actor := info(r.Context()).token.Name
	_, err = s.store.UpdateReview(r.Context(), week.From, func(rv *store.Review) (store.AuditEntry, error) {
		return fn(rv, week, actor)
	})
	var p *review.Problem
	switch {
	case errors.Is(err, review.ErrLocked):
		return errorf(http.StatusConflict, "week of %s: %v", week.From, err)
	case errors.As(err, &p):
		e := fieldError(p.Field, "week of %s: %s", week.From, p.Msg)
		e.Status = http.StatusConflict
		if p.Field != "status" {
			e.Status = http.StatusBadRequest
		}
		return e
	case err != nil:
		return err
	}
	return s.getWeek(w, r)
}

func (s *Server) snapshotWeek(w http.ResponseWriter, r *http.Request) error {
	return s.updateWeek(w, r, func(rv *store.Review, week daily.Period, actor string) (store.AuditEntry, error) {
		return review.TakeSnapshot(r.Context(), s.store, rv, week, s.now(), actor)
	})
}

func (s *Server) commentWeek(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Metric string `json:"metric"`
		Body   string `json:"body"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	return s.updateWeek(w, r, func(rv *store.Review, _ daily.Period, actor string) (store.AuditEntry, error) {
		return review.Comment(rv, req.Metric, req.Body, s.now(), actor)
	})
}

func (s *Server) signWeek(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Side string `json:"side"`
		Name string `json:"name"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	return s.updateWeek(w, r, func(rv *store.Review, _ daily.Period, actor string) (store.AuditEntry, error) {
		return review.Sign(rv, req.Side, req.Name, s.now(), actor)
	})
}

func (s *Server) lockWeek(w http.ResponseWriter, r *http.Request) error {
	return s.updateWeek(w, r, func(rv *store.Review, _ daily.Period, actor string) (store.AuditEntry, error) {
		return review.Lock(rv, s.now(), actor)
	})
}

// listReviews is GET /api/v1/reviews?from=&to=: which weeks are reviewed.
func (s *Server) listReviews(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	from, to := q.Get("from"), q.Get("to")
	for name, v := range map[string]string{"from": from, "to": to} {
		if _, err := time.Parse(time.DateOnly, v); err != nil {
			return fieldError(name, "%s must be a day such as 2026-01-01, got %q", name, v)
		}
	}
	rs, err := s.store.Reviews(r.Context(), from, to)
	if err != nil {
		return err
	}
	if rs == nil {
		rs = []store.Review{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"reviews": rs})
	return nil
}
