package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/accordhq/accord/internal/auth"
	"github.com/accordhq/accord/internal/store"
)

type adminData struct {
	Users  []store.User
	Tokens []store.Token
	Roles  []auth.Role
	// Notice is what the last form did; NewToken a token just created,
	// shown this once.
	Notice, Error string
	NewToken      string
	NewTokenRole  string
}

func (s *Server) adminData(r *http.Request) (adminData, error) {
	d := adminData{Roles: auth.Roles}
	var err error
	if d.Users, err = s.o.Store.Users(r.Context()); err != nil {
		return d, err
	}
	d.Tokens, err = s.o.Store.Tokens(r.Context())
	return d, err
}

func (s *Server) adminPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.adminData(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "admin", page{Title: "Admin", Nav: "admin", Data: d})
	return nil
}

func (s *Server) adminResult(w http.ResponseWriter, r *http.Request, status int, fill func(*adminData)) error {
	d, err := s.adminData(r)
	if err != nil {
		return err
	}
	fill(&d)
	s.render(w, r, status, "admin", page{Title: "Admin", Nav: "admin", Data: d})
	return nil
}

// actor names the signed-in user in the audit log.
func actor(r *http.Request) string {
	if sess := sessionOf(r); sess != nil {
		return "user:" + sess.user.Email
	}
	return "web"
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	email := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
	name := strings.TrimSpace(r.PostFormValue("name"))
	role, err := auth.ParseRole(r.PostFormValue("role"))
	if err == nil && role == auth.Display {
		err = errors.New("display is a role for wall display tokens, not people")
	}
	if err == nil && (email == "" || !strings.Contains(email, "@")) {
		err = errors.New("an email address is needed to sign in with")
	}
	var hash string
	if err == nil {
		hash, err = auth.HashPassword(r.PostFormValue("password"))
	}
	if err != nil {
		return s.adminResult(w, r, http.StatusUnprocessableEntity, func(d *adminData) { d.Error = "User not created: " + err.Error() })
	}
	id, err := auth.NewUserID()
	if err != nil {
		return err
	}
	u := store.User{ID: id, Email: email, Name: name, Role: string(role), PasswordHash: hash, CreatedAt: s.o.Now()}
	if err := s.o.Store.CreateUser(r.Context(), u, actor(r)); errors.Is(err, store.ErrEmailTaken) {
		return s.adminResult(w, r, http.StatusConflict, func(d *adminData) { d.Error = "User not created: " + email + " already has an account." })
	} else if err != nil {
		return err
	}
	return s.adminResult(w, r, http.StatusOK, func(d *adminData) { d.Notice = "Created " + email + " (" + string(role) + ")." })
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	name := strings.TrimSpace(r.PostFormValue("name"))
	role, err := auth.ParseRole(r.PostFormValue("role"))
	if err == nil && name == "" {
		err = errors.New("give the token a name that says who or what uses it")
	}
	if err != nil {
		return s.adminResult(w, r, http.StatusUnprocessableEntity, func(d *adminData) { d.Error = "Token not created: " + err.Error() })
	}
	secret, tok, err := auth.New(name, role, s.o.Now())
	if err != nil {
		return err
	}
	if err := s.o.Store.CreateToken(r.Context(), tok, actor(r)); err != nil {
		return err
	}
	return s.adminResult(w, r, http.StatusOK, func(d *adminData) {
		d.Notice = "Created token " + tok.ID + " (" + string(role) + "). Copy it now: it is not shown again."
		d.NewToken, d.NewTokenRole = secret, string(role)
	})
}

// setUserDisabled disables or enables a user; disabling ends their
// sessions (the store does it in the same transaction). An admin cannot
// lock themselves out.
func (s *Server) setUserDisabled(disable bool) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.o.Store.UserByID(r.Context(), r.PathValue("id"))
		if errors.Is(err, store.ErrNotFound) {
			return httpError{http.StatusNotFound, "There is no such user."}
		}
		if err != nil {
			return err
		}
		if sess := sessionOf(r); disable && sess != nil && sess.user.ID == u.ID {
			return s.adminResult(w, r, http.StatusUnprocessableEntity, func(d *adminData) { d.Error = "You cannot disable your own account." })
		}
		what := "Enabled "
		if disable {
			now := s.o.Now()
			u.DisabledAt, what = &now, "Disabled "
		} else {
			u.DisabledAt = nil
		}
		if err := s.o.Store.UpdateUser(r.Context(), u, actor(r)); err != nil {
			return err
		}
		return s.adminResult(w, r, http.StatusOK, func(d *adminData) { d.Notice = what + u.Email + "." })
	}
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	err := s.o.Store.RevokeToken(r.Context(), id, s.o.Now(), actor(r))
	if errors.Is(err, store.ErrNotFound) {
		return s.adminResult(w, r, http.StatusNotFound, func(d *adminData) { d.Error = "No active token " + id + "." })
	}
	if err != nil {
		return err
	}
	return s.adminResult(w, r, http.StatusOK, func(d *adminData) { d.Notice = "Revoked token " + id + ": it no longer works." })
}
