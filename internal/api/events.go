package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/accordhq/accord/internal/event"
)

// postEvents takes a JSON array (or NDJSON) of events. It answers 200 when
// every event is stored (accepted or already there) and 422 when any was
// rejected; the good events of the batch are stored either way, and the body
// says what happened to each one.
func (s *Server) postEvents(w http.ResponseWriter, r *http.Request) error {
	if r.ContentLength > s.limits.MaxBodyBytes {
		return errorf(http.StatusRequestEntityTooLarge, "request body is %d bytes; the limit is %d (ACCORD_MAX_BODY_BYTES): send smaller batches", r.ContentLength, s.limits.MaxBodyBytes)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.limits.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errorf(http.StatusRequestEntityTooLarge, "request body is larger than %d bytes (ACCORD_MAX_BODY_BYTES): send smaller batches", s.limits.MaxBodyBytes)
		}
		return errorf(http.StatusBadRequest, "read request body: %v", err)
	}
	ndjson := false
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil {
			return errorf(http.StatusUnsupportedMediaType, "bad Content-Type %q", ct)
		}
		switch mt {
		case "application/x-ndjson", "application/ndjson", "application/jsonl":
			ndjson = true
		case "application/json", "text/plain":
		default:
			return errorf(http.StatusUnsupportedMediaType, "Content-Type %s is not supported: send application/json (an array of events) or application/x-ndjson", mt)
		}
	}
	// Ingest is bounded by the one writer, so decoding leaves it a core:
	// with every core decoding, the writer waits for CPU and the whole
	// server slows down.
	select {
	case s.decoding <- struct{}{}:
	case <-r.Context().Done():
		return errorf(http.StatusServiceUnavailable, "request cancelled while waiting to be decoded")
	}
	items, err := event.DecodeBatch(body, ndjson, s.limits.MaxBatchEvents, s.now())
	<-s.decoding
	if err != nil {
		var se *event.SyntaxError
		switch {
		case errors.As(err, &se):
			return &Error{Status: http.StatusBadRequest, Msg: se.Error(), Line: se.Line, Column: se.Column}
		case errors.Is(err, event.ErrTooMany):
			return errorf(http.StatusRequestEntityTooLarge, "a batch may hold at most %d events (ACCORD_MAX_BATCH_EVENTS): split it", s.limits.MaxBatchEvents)
		}
		return errorf(http.StatusBadRequest, "%v", err)
	}
	if len(items) == 0 {
		return errorf(http.StatusBadRequest, "the batch holds no events")
	}
	rep, err := s.ingest.Ingest(r.Context(), items)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if rep.Rejected > 0 {
		status = http.StatusUnprocessableEntity
	}
	writeJSON(w, status, rep)
	return nil
}

// listEvents pages through the log in arrival order.
func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) error {
	after, limit, err := seqCursor(r, 1000, 10_000)
	if err != nil {
		return err
	}
	evs, err := s.store.EventsAfter(r.Context(), after, limit)
	if err != nil {
		return err
	}
	writeSeqPage(w, "events", evs, func(e event.Event) int64 { return e.Seq }, after, limit)
	return nil
}

// seqCursor reads ?after= and ?limit= for a log paged by sequence number.
func seqCursor(r *http.Request, def, max int) (after int64, limit int, err error) {
	q := r.URL.Query()
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return 0, 0, fieldError("after", "after must be a cursor returned as next_cursor, got %q", v)
		}
		after = n
	}
	limit, err = limitParam(q.Get("limit"), def, max)
	return after, limit, err
}

// writeSeqPage answers one page of a log under key, with the cursor of its
// last entry (or the same cursor again when nothing new is there yet).
func writeSeqPage[T any](w http.ResponseWriter, key string, items []T, seq func(T) int64, after int64, limit int) {
	next := after
	if len(items) > 0 {
		next = seq(items[len(items)-1])
	}
	if items == nil {
		items = []T{}
	}
	writeJSON(w, http.StatusOK, map[string]any{key: items, "next_cursor": strconv.FormatInt(next, 10), "has_more": len(items) == limit})
}

func limitParam(v string, def, max int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, fieldError("limit", "limit must be a whole number from 1 to %d, got %q", max, v)
	}
	return n, nil
}
