package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/accordhq/accord/internal/obligation"
	"github.com/accordhq/accord/internal/store"
)

// obligationView is an obligation as the API shows it: durations in
// seconds, and its outcome and elapsed times as of the request.
type obligationView struct {
	ID               string    `json:"id"`
	LeadID           string    `json:"lead_id"`
	AgreementVersion int       `json:"agreement_version"`
	Rule             string    `json:"rule"`
	Kind             string    `json:"kind"`
	Tier             string    `json:"tier,omitempty"`
	Owner            string    `json:"owner,omitempty"`
	Team             string    `json:"team,omitempty"`
	FirstOwner       string    `json:"first_owner,omitempty"`
	Moves            int       `json:"moves"`
	Calendar         string    `json:"calendar"`
	WithinSeconds    float64   `json:"within_seconds"`
	Need             int       `json:"need,omitempty"`
	Done             int       `json:"done,omitempty"`
	Before           string    `json:"before,omitempty"`
	Missing          []string  `json:"missing,omitempty"`
	StartedAt        time.Time `json:"started_at"`
	StartEvent       string    `json:"start_event"`
	Paused           bool      `json:"paused"`
	Pauses           int       `json:"pauses"`
	DueAt            time.Time `json:"due_at,omitzero"`
	WarnAt           time.Time `json:"warn_at,omitzero"`
	EscalateAt       time.Time `json:"escalate_at,omitzero"`
	Status           string    `json:"status"`
	Outcome          string    `json:"outcome"`
	ClosedAt         time.Time `json:"closed_at,omitzero"`
	ClosedBy         string    `json:"closed_by,omitempty"`
	Reason           string    `json:"reason,omitempty"`
	BusinessSeconds  float64   `json:"business_seconds"`
	WallSeconds      float64   `json:"wall_seconds"`
	// LeftSeconds is the wall-clock time until due (negative: how late),
	// for open, running obligations.
	LeftSeconds *float64 `json:"left_seconds,omitempty"`
}

func (s *Server) viewObligations(r *http.Request, obs []*obligation.Obligation) ([]obligationView, error) {
	book, err := s.ingest.Versions().Get(r.Context())
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]obligationView, len(obs))
	for i, o := range obs {
		biz, wall := o.Elapsed(book, now)
		v := obligationView{
			ID: o.ID, LeadID: o.LeadKey, AgreementVersion: o.Version, Rule: o.Rule, Kind: string(o.Kind), Tier: o.Tier,
			Owner: o.Owner, Team: o.Team, FirstOwner: o.FirstOwner, Moves: o.Moves, Calendar: o.Calendar,
			WithinSeconds: o.Within.Seconds(), Need: o.Need, Done: o.Done, Before: o.Before, Missing: o.Missing,
			StartedAt: utc(o.StartedAt), StartEvent: o.StartEvent, Paused: o.Paused(), Pauses: o.Pauses,
			DueAt: utc(o.DueAt), WarnAt: utc(o.WarnAt), EscalateAt: utc(o.EscalateAt), Status: string(o.Status),
			Outcome: string(o.Outcome(now)), ClosedAt: utc(o.ClosedAt), ClosedBy: o.CloseBy, Reason: o.Reason,
			BusinessSeconds: biz.Seconds(), WallSeconds: wall.Seconds(),
		}
		if o.Status == obligation.Open && !o.DueAt.IsZero() {
			left := o.DueAt.Sub(now).Seconds()
			v.LeftSeconds = &left
		}
		out[i] = v
	}
	return out, nil
}

func (s *Server) leadObligations(w http.ResponseWriter, r *http.Request) error {
	ref := r.PathValue("lead_id")
	if _, err := s.store.Lead(r.Context(), ref); errors.Is(err, store.ErrNotFound) {
		return errorf(http.StatusNotFound, "no lead with id or alias %q", ref)
	} else if err != nil {
		return err
	}
	obs, err := s.store.LeadObligations(r.Context(), ref)
	if err != nil {
		return err
	}
	views, err := s.viewObligations(r, obs)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"obligations": views})
	return nil
}

// listObligations pages through obligations by start time.
func (s *Server) listObligations(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var f store.ObligationFilter
	var err error
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if v := q.Get(p.name); v != "" {
			if *p.dst, _, err = parseTimeParam(v); err != nil {
				return fieldError(p.name, "%s must be an RFC 3339 time or a date, got %q", p.name, v)
			}
		}
	}
	switch st := q.Get("status"); st {
	case "", "open", "met", "breached", "cancelled":
		f.Status = st
	default:
		return fieldError("status", "status must be open, met, breached or cancelled, got %q", st)
	}
	f.Owner = q.Get("owner")
	if f.Limit, err = limitParam(q.Get("limit"), 100, 1000); err != nil {
		return err
	}
	if c := q.Get("after"); c != "" {
		cur, err := decodeCursor(c)
		if err != nil {
			return fieldError("after", "after is not a cursor this API gave out")
		}
		f.AfterStarted, f.AfterID = cur.CreatedAt, cur.LeadID
	}
	obs, err := s.store.Obligations(r.Context(), f)
	if err != nil {
		return err
	}
	views, err := s.viewObligations(r, obs)
	if err != nil {
		return err
	}
	resp := map[string]any{"obligations": views}
	if len(obs) == f.Limit {
		last := obs[len(obs)-1]
		resp["next"] = encodeCursor(store.Cursor{CreatedAt: last.StartedAt, LeadID: last.ID})
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (s *Server) listAlerts(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.AlertFilter{LeadKey: q.Get("lead")}
	switch v := q.Get("fired"); v {
	case "":
	case "true", "false":
		b := v == "true"
		f.Fired = &b
	default:
		return fieldError("fired", "fired must be true or false, got %q", v)
	}
	var err error
	if f.Limit, err = limitParam(q.Get("limit"), 100, 1000); err != nil {
		return err
	}
	as, err := s.store.Alerts(r.Context(), f)
	if err != nil {
		return err
	}
	if as == nil {
		as = []store.Alert{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": as})
	return nil
}

// listDeliveries is the outbox; status=dead is the dead-letter list.
func (s *Server) listDeliveries(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.DeliveryFilter{Status: q.Get("status"), AlertID: q.Get("alert")}
	switch f.Status {
	case "", "pending", "delivered", "dead":
	default:
		return fieldError("status", "status must be pending, delivered or dead, got %q", f.Status)
	}
	var err error
	if f.Limit, err = limitParam(q.Get("limit"), 100, 1000); err != nil {
		return err
	}
	ds, err := s.store.Deliveries(r.Context(), f)
	if err != nil {
		return err
	}
	if ds == nil {
		ds = []store.Delivery{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": ds})
	return nil
}

type attemptView struct {
	Number     int       `json:"number"`
	At         time.Time `json:"at"`
	TookMillis float64   `json:"took_ms"`
	Status     string    `json:"status"`
	Error      string    `json:"error,omitempty"`
	NextAt     time.Time `json:"next_at,omitzero"`
}

func (s *Server) deliveryAttempts(w http.ResponseWriter, r *http.Request) error {
	alert, channel := r.PathValue("alert_id"), r.PathValue("channel")
	ds, err := s.store.Deliveries(r.Context(), store.DeliveryFilter{AlertID: alert, Limit: 1000})
	if err != nil {
		return err
	}
	var found *store.Delivery
	for i := range ds {
		if ds[i].Channel == channel {
			found = &ds[i]
		}
	}
	if found == nil {
		return errorf(http.StatusNotFound, "no delivery of alert %q on channel %q", alert, channel)
	}
	atts, err := s.store.DeliveryAttempts(r.Context(), alert, channel)
	if err != nil {
		return err
	}
	views := make([]attemptView, len(atts))
	for i, a := range atts {
		views[i] = attemptView{Number: a.Number, At: a.At, TookMillis: float64(a.Took.Microseconds()) / 1000,
			Status: string(a.Status), Error: a.Error, NextAt: a.NextAt}
	}
	writeJSON(w, http.StatusOK, map[string]any{"delivery": found, "attempts": views})
	return nil
}

func (s *Server) retryDelivery(w http.ResponseWriter, r *http.Request) error {
	alert, channel := r.PathValue("alert_id"), r.PathValue("channel")
	err := s.store.RetryDelivery(r.Context(), alert, channel, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return errorf(http.StatusConflict, "no dead delivery of alert %q on channel %q to retry", alert, channel)
	}
	if err != nil {
		return err
	}
	s.log.Info("dead delivery retried", "alert_id", alert, "channel", channel, "by", info(r.Context()).token.Name)
	writeJSON(w, http.StatusAccepted, map[string]any{"alert_id": alert, "channel": channel, "status": "pending"})
	return nil
}

// utc shows every time in UTC, whatever calendar's zone computed it; a zero
// time stays zero (and is left out).
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}
