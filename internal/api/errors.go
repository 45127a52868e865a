package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
)

// Error is an API failure with the status it maps to and, where it helps,
// the field, event index or body position at fault.
type Error struct {
	Status int    `json:"status"`
	Msg    string `json:"error"`
	Field  string `json:"field,omitempty"`
	Index  *int   `json:"index,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	// Problems lists every problem found in an uploaded agreement, each
	// with its place in the file (Line and Column name the first).
	Problems []Problem `json:"errors,omitempty"`
}

// Problem is one problem in an uploaded agreement.
type Problem struct {
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Msg }

func errorf(status int, format string, args ...any) *Error {
	return &Error{Status: status, Msg: fmt.Sprintf(format, args...)}
}

func fieldError(field, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Msg: fmt.Sprintf(format, args...), Field: field}
}

// handlerFunc is a handler that returns its failure instead of writing it,
// so one place (serve) turns every error into the same JSON shape.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (s *Server) serve(h handlerFunc, w http.ResponseWriter, r *http.Request) {
	err := h(w, r)
	if err == nil {
		return
	}
	var ae *Error
	if !errors.As(err, &ae) {
		s.log.ErrorContext(r.Context(), "request failed", "error", err, "request_id", requestID(r.Context()))
		ae = &Error{Status: http.StatusInternalServerError, Msg: "internal error; the server log has details (request id " + requestID(r.Context()) + ")"}
	}
	writeJSON(w, ae.Status, ae)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		slog.Debug("write response", "error", err)
	}
}
