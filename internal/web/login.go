package web

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/accordhq/accord/internal/auth"
	"github.com/accordhq/accord/internal/store"
)

// loginCookie carries the sign-in form's CSRF token (double submit): there
// is no session yet to keep it in, and without it another site could sign
// a browser in to an account of its choosing.
const loginCookie = "accord_login"

type loginForm struct {
	Email, Next, Error string
	Token              string
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if sess, err := s.session(r); err == nil && sess != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.showLogin(w, r, http.StatusOK, loginForm{Next: safeNext(r.URL.Query().Get("next"))})
}

func (s *Server) showLogin(w http.ResponseWriter, r *http.Request, status int, f loginForm) {
	tok, err := auth.NewCSRFToken()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f.Token = tok
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: tok, Path: "/login", HttpOnly: true,
		Secure: s.o.SecureCookies, SameSite: http.SameSiteStrictMode, MaxAge: 3600})
	s.render(w, r, status, "login", page{Title: "Sign in", Data: f})
}

// dummyHash is checked against when the email is unknown, so an unknown
// address takes as long to refuse as a wrong password. It is made on first
// use, at the cost in force then.
var dummyHash = sync.OnceValue(func() string {
	h, _ := auth.HashPassword("not anybody's password at all")
	return h
})

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	email := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
	password := r.PostFormValue("password")
	f := loginForm{Email: email, Next: safeNext(r.PostFormValue("next"))}
	c, err := r.Cookie(loginCookie)
	if err != nil || !sameToken(r.PostFormValue("csrf"), c.Value) {
		f.Error = "The sign-in form had expired. Please try again."
		s.showLogin(w, r, http.StatusForbidden, f)
		return
	}
	ip := clientIP(r)
	if wait := s.limiter.blocked(ip, email); wait > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
		f.Error = fmt.Sprintf("Too many failed sign-ins. Try again in %s.", humanWait(wait))
		s.showLogin(w, r, http.StatusTooManyRequests, f)
		return
	}
	user, err := s.o.Store.UserByEmail(r.Context(), email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, err)
		return
	}
	hash := user.PasswordHash
	if err != nil {
		hash = dummyHash()
	}
	if auth.CheckPassword(hash, password) != nil || err != nil || user.DisabledAt != nil {
		s.limiter.failed(ip, email)
		s.o.Log.InfoContext(r.Context(), "sign-in refused", "email", email, "ip", ip)
		f.Error = "Wrong email or password."
		s.showLogin(w, r, http.StatusUnauthorized, f)
		return
	}
	s.limiter.succeeded(email)
	secret, sessHash, err := auth.NewSessionSecret()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	csrf, err := auth.NewCSRFToken()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := s.o.Now()
	sess := store.Session{Hash: sessHash, UserID: user.ID, CSRF: csrf, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(sessionIdle)}
	if err := s.o.Store.CreateSession(r.Context(), sess); err != nil {
		s.fail(w, r, err)
		return
	}
	s.o.Log.InfoContext(r.Context(), "signed in", "user", user.Email, "role", user.Role)
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: "", Path: "/login", MaxAge: -1})
	s.setSessionCookie(w, secret)
	http.Redirect(w, r, f.Next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.o.Store.DeleteSession(r.Context(), auth.Hash(c.Value)); err != nil {
			return err
		}
	}
	s.clearSessionCookie(w)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// safeNext keeps the redirect after sign-in on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.HasPrefix(next, "/login") {
		return "/"
	}
	return next
}

// clientIP is the peer's address. Behind a proxy every request shares the
// proxy's address, so the per-email limit is what protects an account.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
