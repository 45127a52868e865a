package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/accordhq/accord/internal/auth"
	"github.com/accordhq/accord/internal/store"
)

const (
	sessionCookie = "accord_session"
	// sessionIdle is how long a session lasts without a request; each
	// request (at most once a minute) moves the end on.
	sessionIdle = 12 * time.Hour
	touchEvery  = time.Minute
)

// access is who may open a page.
type access int

const (
	anyRole   access = iota // any signed-in user
	writer                  // admin, marketing, sales
	adminOnly               // admin
)

func (a access) allows(role auth.Role) bool {
	switch a {
	case adminOnly:
		return role.CanAdmin()
	case writer:
		return role.CanWrite()
	}
	return role != ""
}

type sessionKey struct{}

// signedInAs is the session a request came with.
type signedInAs struct {
	s    store.Session
	user store.User
}

func sessionOf(r *http.Request) *signedInAs {
	v, _ := r.Context().Value(sessionKey{}).(*signedInAs)
	return v
}

// signedIn lets a request through to h only with a live session whose
// user's role is allowed, and, for anything but GET and HEAD, the
// session's CSRF token in the form (field csrf) or the X-CSRF-Token
// header. Without a session, a page asks the person to sign in.
func (s *Server) signedIn(need access, h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, err := s.session(r)
		if errors.Is(err, store.ErrNotFound) {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.fail(w, r, httpError{http.StatusUnauthorized, "You are not signed in (or your session ended). Sign in and try again."})
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), sessionKey{}, sess))
		if !need.allows(auth.Role(sess.user.Role)) {
			s.fail(w, r, httpError{http.StatusForbidden, "Your role (" + sess.user.Role + ") may not open this page."})
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !sameToken(csrfOf(r), sess.s.CSRF) {
			s.fail(w, r, httpError{http.StatusForbidden, "This form has expired or did not come from Accord (its CSRF token is missing or wrong). Reload the page and try again."})
			return
		}
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

// session finds the request's live session and slides its expiry.
func (s *Server) session(r *http.Request) (*signedInAs, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, store.ErrNotFound
	}
	now := s.o.Now()
	hash := auth.Hash(c.Value)
	sess, user, err := s.o.Store.SessionByHash(r.Context(), hash, now)
	if err != nil {
		return nil, err
	}
	if now.Sub(sess.CreatedAt) > cookieLife {
		return nil, store.ErrNotFound // however active, sign in again now and then
	}
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		sess.LastSeenAt, sess.ExpiresAt = now, now.Add(sessionIdle)
		if err := s.o.Store.TouchSession(r.Context(), hash, now, sess.ExpiresAt); err != nil {
			s.o.Log.WarnContext(r.Context(), "extend session", "error", err)
		}
	}
	return &signedInAs{s: sess, user: user}, nil
}

func csrfOf(r *http.Request) string {
	if v := r.Header.Get("X-CSRF-Token"); v != "" {
		return v
	}
	return r.PostFormValue("csrf")
}

func sameToken(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// setSessionCookie gives the browser its session; HttpOnly so scripts
// never see it, SameSite=Lax so other sites' forms do not carry it. The
// server decides when the session ends (sessionIdle after the last
// request); the cookie only has to outlive that, and says so as a
// Max-Age, which needs no agreement between the two clocks.
func (s *Server) setSessionCookie(w http.ResponseWriter, secret string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: secret, Path: "/", HttpOnly: true,
		Secure: s.o.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: int(cookieLife.Seconds())})
}

// cookieLife bounds a session however active: sign in again after it.
const cookieLife = 30 * 24 * time.Hour

func (s *Server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true,
		Secure: s.o.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// roleOf is the signed-in user's role ("" when signed out).
func roleOf(r *http.Request) auth.Role {
	if sess := sessionOf(r); sess != nil {
		return auth.Role(sess.user.Role)
	}
	return ""
}
