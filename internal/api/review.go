package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/accordhq/accord/internal/daily"
	"github.com/accordhq/accord/internal/event"
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

// weekAtoms reads every atom of the week, under every dimension.
func (s *Server) weekAtoms(r *http.Request, w daily.Period) ([]store.DailyRow, error) {
	var out []store.DailyRow
	for _, dim := range append([]string{daily.All}, daily.Dimensions...) {
		rows, err := s.store.Daily(r.Context(), store.DailyFilter{From: w.From, To: w.To, Dim: dim})
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return out, nil
}

// weekView is a week as the review page shows it.
type weekView struct {
	Week   daily.Period `json:"week"`
	Review store.Review `json:"review"`
	// Numbers are the week's totals per metric: the locked snapshot once
	// locked, else as they stand.
	Numbers map[string]daily.Cell `json:"numbers"`
	// Live are the totals as they stand now (the same as Numbers until the
	// week is locked and something arrives late).
	Live map[string]daily.Cell `json:"live"`
	// Restatement lists every atom (any dimension) that differs between the
	// snapshot and now, and LateEvents the events of the week stored after
	// the snapshot.
	Restatement []review.Change `json:"restatement"`
	LateEvents  []event.Event   `json:"late_events"`
}

func totals(rows []store.DailyRow) map[string]daily.Cell {
	out := map[string]daily.Cell{}
	for _, r := range rows {
		if r.Dim == daily.All {
			c := out[r.Metric]
			c.N += r.N
			c.Cents += r.Cents
			out[r.Metric] = c
		}
	}
	return out
}

func (s *Server) getWeek(w http.ResponseWriter, r *http.Request) error {
	week, err := s.weekOf(r)
	if err != nil {
		return err
	}
	rv, err := s.store.Review(r.Context(), week.From)
	if errors.Is(err, store.ErrNotFound) {
		rv = store.Review{Week: week.From, Status: review.Open, Comments: []store.ReviewComment{}, Signoffs: []store.ReviewSignoff{}}
	} else if err != nil {
		return err
	}
	live, err := s.weekAtoms(r, week)
	if err != nil {
		return err
	}
	v := weekView{Week: week, Live: totals(live), Numbers: totals(live), Restatement: []review.Change{}, LateEvents: []event.Event{}}
	if rv.Status == review.Locked {
		v.Numbers = totals(rv.Snapshot)
	}
	if !rv.SnapshotAt.IsZero() {
		v.Restatement = review.Restatement(rv.Snapshot, live)
		if len(v.Restatement) > 0 {
			loc := s.reporting.Location
			if loc == nil {
				loc = time.UTC
			}
			from, _ := time.ParseInLocation(time.DateOnly, week.From, loc)
			to, _ := time.ParseInLocation(time.DateOnly, week.To, loc)
			evs, err := s.store.EventsArrivedAfter(r.Context(), from, to, rv.SnapshotSeq, 500)
			if err != nil {
				return err
			}
			if evs != nil {
				v.LateEvents = evs
			}
		}
	}
	rv.Snapshot = nil // the totals above say it; the atoms are many
	v.Review = rv
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
		// The log's end is read before the numbers: an event committed in
		// between is in both, never in neither.
		seq, err := s.store.LogEnd(r.Context())
		if err != nil {
			return store.AuditEntry{}, err
		}
		rows, err := s.weekAtoms(r, week)
		if err != nil {
			return store.AuditEntry{}, err
		}
		return review.Snapshot(rv, rows, seq, s.now(), actor)
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
