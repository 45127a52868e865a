package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/accordhq/accord/internal/plan"
)

// plan is GET /api/v1/plan: the reverse funnel from the bookings goal —
// the goals of the agreement in force now unless the query overrides them,
// the rates given or measured over the lookback before as_of — with the
// value-based variant, the sensitivity table and, with by=segment, a plan
// per segment.
func (s *Server) plan(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	loc := s.reporting.Location
	if loc == nil {
		loc = time.UTC
	}
	now := s.now()
	o := plan.Options{Fiscal: s.reporting.Fiscal, AsOf: now.In(loc).Format(time.DateOnly), Sensitivity: plan.DefaultSensitivity}
	for _, f := range plan.Fields {
		if v := q.Get(f); v != "" {
			if err := o.Set(f, v); err != nil {
				return planError(err)
			}
		}
	}
	book, err := s.ingest.Versions().Get(r.Context())
	if err != nil {
		return err
	}
	if ag, n := book.At(now); ag != nil {
		o.Goals, o.Version = ag.Goals, n
	}
	p, err := plan.Build(r.Context(), s.store, o)
	if err != nil {
		return planError(err)
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// planError turns a bad option into a 400 naming its parameter.
func planError(err error) error {
	var ie *plan.InputError
	if errors.As(err, &ie) {
		return fieldError(ie.Field, "%s: %s", ie.Field, ie.Msg)
	}
	return err
}
