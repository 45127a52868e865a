package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/accordhq/accord/internal/auth"
	"github.com/accordhq/accord/internal/store"
)

type ctxKey struct{}

// requestInfo travels in the request's context; authorize fills in the
// token so the access log can name who called.
type requestInfo struct {
	id    string
	token store.Token
}

func info(ctx context.Context) *requestInfo {
	ri, _ := ctx.Value(ctxKey{}).(*requestInfo)
	if ri == nil {
		return &requestInfo{}
	}
	return ri
}

func requestID(ctx context.Context) string { return info(ctx).id }

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// requestLog gives every request an id (kept from X-Request-Id when the
// client sent one) and logs it once, when it is done.
func (s *Server) requestLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 100 {
			b := make([]byte, 8)
			rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-Id", id)
		ri := &requestInfo{id: id}
		ctx := context.WithValue(r.Context(), ctxKey{}, ri)
		sw := &statusWriter{ResponseWriter: w}
		start := time.Now()
		next.ServeHTTP(sw, r.WithContext(ctx))
		s.log.InfoContext(ctx, "http request", "request_id", id, "method", r.Method, "path", r.URL.Path,
			"status", sw.status, "bytes", sw.bytes, "duration_ms", float64(time.Since(start).Microseconds())/1000,
			"token", ri.token.Name)
	})
}

func (s *Server) recover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(r.Context(), "panic in handler", "panic", v, "request_id", requestID(r.Context()))
				writeJSON(w, http.StatusInternalServerError, &Error{Status: 500, Msg: "internal error"})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

type access int

const (
	readAccess access = iota
	writeAccess
	adminAccess
)

// authorize checks the bearer token and the role's right to the route.
func (s *Server) authorize(need access, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.serve(func(w http.ResponseWriter, r *http.Request) error {
			hdr := r.Header.Get("Authorization")
			scheme, secret, ok := strings.Cut(hdr, " ")
			if hdr == "" {
				w.Header().Set("WWW-Authenticate", `Bearer realm="accord"`)
				return errorf(http.StatusUnauthorized, "missing Authorization header: send `Authorization: Bearer <token>` (create one with `accord token create`)")
			}
			if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
				w.Header().Set("WWW-Authenticate", `Bearer realm="accord"`)
				return errorf(http.StatusUnauthorized, "the Authorization header must be `Bearer <token>`")
			}
			tok, err := s.store.TokenByHash(r.Context(), auth.Hash(strings.TrimSpace(secret)))
			if errors.Is(err, store.ErrNotFound) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="accord", error="invalid_token"`)
				return errorf(http.StatusUnauthorized, "unknown or revoked token")
			}
			if err != nil {
				return err
			}
			role := auth.Role(tok.Role)
			switch {
			case !role.CanRead():
				return errorf(http.StatusForbidden, "token %q has role %s, which opens the wall display (/wall) and nothing else", tok.Name, role)
			case need == writeAccess && !role.CanWrite():
				return errorf(http.StatusForbidden, "token %q has role %s, which may read but not write", tok.Name, role)
			case need == adminAccess && !role.CanAdmin():
				return errorf(http.StatusForbidden, "token %q has role %s; this needs admin", tok.Name, role)
			}
			info(r.Context()).token = tok
			return h(w, r)
		}, w, r)
	})
}
