package api

import (
	"net/http"
	"slices"
	"time"

	"github.com/accordhq/accord/internal/auth"
	"github.com/accordhq/accord/internal/people"
	"github.com/accordhq/accord/internal/store"
)

func (s *Server) listPeople(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.store.People(r.Context())
	if err != nil {
		return err
	}
	if ps == nil {
		ps = []*people.Person{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"people": ps})
	return nil
}

// listTeams groups people by team; managers are those with role manager.
func (s *Server) listTeams(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.store.People(r.Context())
	if err != nil {
		return err
	}
	byName := map[string]*people.Team{}
	var names []string
	for _, p := range ps {
		if p.Team == "" {
			continue
		}
		t := byName[p.Team]
		if t == nil {
			t = &people.Team{Name: p.Team, Members: []string{}}
			byName[p.Team] = t
			names = append(names, p.Team)
		}
		if p.Role == "manager" {
			t.Managers = append(t.Managers, p.PersonID)
		} else {
			t.Members = append(t.Members, p.PersonID)
		}
	}
	slices.Sort(names)
	teams := make([]*people.Team, 0, len(names))
	for _, n := range names {
		teams = append(teams, byName[n])
	}
	writeJSON(w, http.StatusOK, map[string]any{"teams": teams})
	return nil
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.store.Tokens(r.Context())
	if err != nil {
		return err
	}
	if ts == nil {
		ts = []store.Token{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": ts})
	return nil
}

// createToken lets an admin issue a token; the secret is in this response only.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Name string `json:"name"`
		Role string `json:"role"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Name == "" {
		return fieldError("name", "name is required (who or what will use the token)")
	}
	role, err := auth.ParseRole(req.Role)
	if err != nil {
		return fieldError("role", "%v", err)
	}
	secret, tok, err := auth.New(req.Name, role, time.Now())
	if err != nil {
		return err
	}
	if err := s.store.CreateToken(r.Context(), tok, info(r.Context()).token.Name); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": tok.ID, "name": tok.Name, "role": tok.Role, "created_at": tok.CreatedAt, "token": secret})
	return nil
}
