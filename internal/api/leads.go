package api

import (
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/lead"
	"github.com/accordhq/accord/internal/store"
)

// listLeads answers GET /api/v1/leads with filters and a cursor.
func (s *Server) listLeads(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.LeadFilter{
		Stage: q.Get("stage"), Owner: q.Get("owner"), Team: q.Get("team"),
		Source: q.Get("source"), Segment: q.Get("segment"),
	}
	if f.Stage != "" && !slices.Contains(event.Stages, f.Stage) {
		return fieldError("stage", "unknown stage %q (one of %s)", f.Stage, strings.Join(event.Stages, ", "))
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{
		{"created_from", &f.CreatedFrom}, {"created_to", &f.CreatedTo},
		{"updated_from", &f.UpdatedFrom}, {"updated_to", &f.UpdatedTo},
	} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		t, dateOnly, err := parseTimeParam(v)
		if err != nil {
			return fieldError(p.name, "%s must be an RFC 3339 time or a date (2026-03-01), got %q", p.name, v)
		}
		if dateOnly && strings.HasSuffix(p.name, "_to") {
			t = t.AddDate(0, 0, 1) // a date as an upper bound includes that whole day
		}
		*p.dst = t
	}
	var err error
	if f.Limit, err = limitParam(q.Get("limit"), 100, 1000); err != nil {
		return err
	}
	if c := q.Get("cursor"); c != "" {
		cur, err := decodeCursor(c)
		if err != nil {
			return fieldError("cursor", "cursor is not one this server returned")
		}
		f.After = cur
	}
	leads, err := s.store.Leads(r.Context(), f)
	if err != nil {
		return err
	}
	resp := map[string]any{"leads": leads}
	if leads == nil {
		resp["leads"] = []*lead.Lead{}
	}
	if len(leads) == f.Limit {
		last := leads[len(leads)-1]
		resp["next_cursor"] = encodeCursor(store.Cursor{CreatedAt: last.CreatedAt, LeadID: last.LeadID})
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// getLead answers GET /api/v1/leads/{lead_id}: current state, the whole
// ordered history, and the lead's opportunities. Aliases work as ids.
func (s *Server) getLead(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	ref := r.PathValue("lead_id")
	l, err := s.store.Lead(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		return errorf(http.StatusNotFound, "no lead with id or alias %q", ref)
	}
	if err != nil {
		return err
	}
	if l.Aliases, err = s.store.LeadAliases(ctx, l.LeadID); err != nil {
		return err
	}
	evs, err := s.store.LeadEvents(ctx, l.LeadID)
	if err != nil {
		return err
	}
	opps, err := s.store.LeadOpportunities(ctx, l.LeadID)
	if err != nil {
		return err
	}
	if opps == nil {
		opps = []*lead.Opportunity{}
	}
	obs, err := s.store.LeadObligations(ctx, l.LeadID)
	if err != nil {
		return err
	}
	views, err := s.viewObligations(r, obs)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"lead":          l,
		"history":       lead.BuildHistory(evs),
		"opportunities": opps,
		"obligations":   views,
	})
	return nil
}

// parseTimeParam reads an RFC 3339 time or a plain date (UTC midnight).
func parseTimeParam(v string) (t time.Time, dateOnly bool, err error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, false, nil
	}
	t, err = time.Parse("2006-01-02", v)
	return t, true, err
}

func encodeCursor(c store.Cursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.CreatedAt.UnixMicro(), 10) + "|" + c.LeadID))
}

func decodeCursor(s string) (*store.Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	ts, id, ok := strings.Cut(string(b), "|")
	if !ok {
		return nil, errors.New("malformed cursor")
	}
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return nil, err
	}
	return &store.Cursor{CreatedAt: time.UnixMicro(n).UTC(), LeadID: id}, nil
}
