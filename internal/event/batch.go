package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// ErrTooMany is returned when a batch holds more events than allowed.
var ErrTooMany = errors.New("too many events in one batch")

// DecodeBatch splits a request body into events and decodes each one. A body
// whose structure is broken (so that events cannot be told apart) is an error
// for the whole batch; an event that is wrong on its own is reported in its
// Item and the others go on. NDJSON bodies have one event per line, so a bad
// line never hides the good ones.
func DecodeBatch(body []byte, ndjson bool, maxEvents int, now time.Time) ([]Item, error) {
	var raws [][]byte
	var lines []int
	valid := false // whether each raw is known to be valid JSON
	if ndjson {
		line := 0
		for len(body) > 0 {
			line++
			var l []byte
			if i := bytes.IndexByte(body, '\n'); i >= 0 {
				l, body = body[:i], body[i+1:]
			} else {
				l, body = body, nil
			}
			l = bytes.TrimSpace(l)
			if len(l) == 0 {
				continue
			}
			raws = append(raws, l)
			lines = append(lines, line)
			if maxEvents > 0 && len(raws) > maxEvents {
				return nil, fmt.Errorf("%w: more than %d", ErrTooMany, maxEvents)
			}
		}
	} else {
		var err error
		raws, valid, err = splitArray(body, maxEvents)
		if err != nil {
			return nil, err
		}
	}
	items := make([]Item, len(raws))
	for i, raw := range raws {
		ev, err := decode(raw, now, valid)
		if err != nil && lines != nil {
			err = fmt.Errorf("line %d: %w", lines[i], err)
		}
		items[i] = Item{Index: i, ID: ev.ID, Event: ev, Err: err}
	}
	return items, nil
}

// splitArray returns the elements of a JSON array (or a lone object, taken as
// a batch of one) without decoding them, and whether the body was checked to
// be valid JSON (so each element is).
func splitArray(body []byte, maxEvents int) ([][]byte, bool, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, false, &SyntaxError{Line: 1, Column: 1, Msg: "empty body: send a JSON array of events"}
	}
	if trimmed[0] == '{' {
		if !json.Valid(trimmed) {
			return nil, false, syntaxAt(body, json.Unmarshal(trimmed, new(any)))
		}
		return [][]byte{trimmed}, true, nil
	}
	// One validity scan and a split, instead of a decoder pass over each
	// element; a body that is not a valid array takes the decoder below
	// for its error position.
	if trimmed[0] == '[' && json.Valid(body) {
		raws := splitValidArray(body)
		if maxEvents > 0 && len(raws) > maxEvents {
			return nil, false, fmt.Errorf("%w: more than %d", ErrTooMany, maxEvents)
		}
		return raws, true, nil
	}
	raws, err := splitArraySlow(body, maxEvents)
	return raws, false, err
}

// splitArraySlow splits with a decoder, which places syntax errors.
func splitArraySlow(body []byte, maxEvents int) ([][]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if err != nil {
		return nil, syntaxAt(body, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, &SyntaxError{Line: 1, Column: 1, Msg: "the body must be a JSON array of events (or NDJSON with Content-Type: application/x-ndjson)"}
	}
	var raws [][]byte
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, syntaxAt(body, err)
		}
		raws = append(raws, raw)
		if maxEvents > 0 && len(raws) > maxEvents {
			return nil, fmt.Errorf("%w: more than %d", ErrTooMany, maxEvents)
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, syntaxAt(body, err)
	}
	if rest := bytes.TrimSpace(body[dec.InputOffset():]); len(rest) > 0 {
		return nil, syntaxAt(body, &json.SyntaxError{Offset: dec.InputOffset()})
	}
	return raws, nil
}

// syntaxAt places a decoding error at a line and column of the body. The
// offsets encoding/json reports are relative to the value being decoded (and
// count differently in its tokenizer and its scanner), so the whole body is
// checked again, which gives one offset: just after the byte at fault.
func syntaxAt(body []byte, err error) error {
	off := len(body)
	msg := err.Error()
	var se *json.SyntaxError
	if errors.As(json.Unmarshal(body, new(json.RawMessage)), &se) {
		msg = se.Error()
		if se.Offset > 0 && se.Offset <= int64(len(body)) {
			off = int(se.Offset) - 1
		}
		if strings.HasPrefix(msg, "unexpected end of JSON input") {
			off = len(body)
		}
	} else if errors.As(err, &se) {
		// The body is valid JSON but not the shape we need (data after
		// the array); err was built with an offset into the body.
		if se.Offset >= 0 && se.Offset <= int64(len(body)) {
			off = int(se.Offset)
		}
		if msg == "" {
			msg = "unexpected data after the array"
		}
	}
	if off == len(body) && (strings.HasPrefix(msg, "unexpected end") || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)) {
		msg = "the body ends before the JSON does"
	}
	line, col := 1, 1
	for _, b := range body[:off] {
		if b == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return &SyntaxError{Line: line, Column: col, Msg: msg}
}
