package event

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// FieldError says which field of an event is wrong and why.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

// SyntaxError is a body that is not valid JSON, with where it broke.
type SyntaxError struct {
	Line, Column int
	Msg          string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// Item is one decoded element of a batch: an event, or why it was refused.
type Item struct {
	Index int
	ID    string
	Event Event
	Err   error
}

// MaxFuture bounds how far ahead of its arrival an event may claim to have
// happened; anything later is almost always a seconds/milliseconds mix-up.
const MaxFuture = 24 * time.Hour

type envelope struct {
	ID         *string         `json:"id"`
	Type       *string         `json:"type"`
	OccurredAt *string         `json:"occurred_at"`
	Data       json.RawMessage `json:"data"`
}

// Decode parses and validates one event envelope received at now.
func Decode(raw []byte, now time.Time) (Event, error) {
	return decode(raw, now, false)
}

// decode is Decode for raw that is already known to be valid JSON (valid),
// as the elements of a checked batch are, or not.
func decode(raw []byte, now time.Time, valid bool) (Event, error) {
	env, ok := envelope{}, false
	if valid || json.Valid(raw) {
		env, ok = quickEnvelope(raw)
	}
	if !ok {
		env = envelope{}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&env); err != nil {
			return Event{}, jsonFieldError("", err)
		}
		// More() is false at a stray '}' or ']', so ask for the next token:
		// only the end of the input is acceptable.
		if _, err := dec.Token(); err != io.EOF {
			return Event{}, &FieldError{Msg: "unexpected data after the event object"}
		}
	}
	e := Event{ReceivedAt: now.UTC()}
	switch {
	case env.ID == nil:
		return e, &FieldError{Field: "id", Msg: "is required (the client's idempotency key)"}
	case strings.TrimSpace(*env.ID) == "":
		return e, &FieldError{Field: "id", Msg: "must not be empty"}
	case len(*env.ID) > 200:
		return e, &FieldError{Field: "id", Msg: "must be at most 200 bytes"}
	case strings.ContainsRune(*env.ID, 0):
		return e, &FieldError{Field: "id", Msg: `must not contain NUL characters (\u0000)`}
	}
	e.ID = *env.ID
	if env.Type == nil {
		return e, &FieldError{Field: "type", Msg: "is required"}
	}
	e.Type = Type(*env.Type)
	p := newPayload(e.Type)
	if p == nil {
		names := make([]string, len(Types))
		for i, t := range Types {
			names[i] = string(t)
		}
		return e, &FieldError{Field: "type", Msg: fmt.Sprintf("unknown event type %q (known: %s)", *env.Type, strings.Join(names, ", "))}
	}
	if env.OccurredAt == nil {
		return e, &FieldError{Field: "occurred_at", Msg: "is required (RFC 3339, e.g. 2026-03-01T14:05:00Z)"}
	}
	at, err := time.Parse(time.RFC3339Nano, *env.OccurredAt)
	if err != nil {
		return e, &FieldError{Field: "occurred_at", Msg: fmt.Sprintf("%q is not an RFC 3339 time with a zone (e.g. 2026-03-01T14:05:00Z)", *env.OccurredAt)}
	}
	if at.UTC().Year() < 1970 {
		return e, &FieldError{Field: "occurred_at", Msg: "is before 1970"}
	}
	if at.After(now.Add(MaxFuture)) {
		return e, &FieldError{Field: "occurred_at", Msg: fmt.Sprintf("%s is more than a day after the event arrived", *env.OccurredAt)}
	}
	e.OccurredAt = at.UTC().Truncate(time.Microsecond)
	if len(env.Data) == 0 || string(env.Data) == "null" {
		return e, &FieldError{Field: "data", Msg: "is required (an object)"}
	}
	dd := json.NewDecoder(bytes.NewReader(env.Data))
	dd.DisallowUnknownFields()
	dd.UseNumber()
	if err := dd.Decode(p); err != nil {
		return e, jsonFieldError("data", err)
	}
	normalize(p)
	if err := validate(p); err != nil {
		return e, err
	}
	e.LeadRef, e.OpportunityRef, e.PersonRef = refs(p)
	canon, err := json.Marshal(p)
	if err != nil {
		return e, fmt.Errorf("encode data: %w", err)
	}
	if hasNUL(canon) {
		// PostgreSQL text cannot hold NUL; refuse it on every backend alike.
		return e, &FieldError{Field: "data", Msg: `must not contain NUL characters (\u0000)`}
	}
	e.Data = canon
	if l, ok := p.(*Lead); !ok || len(l.Attributes) == 0 {
		// Attributes hold json.Numbers here but float64s when read back
		// from the log; only payloads that read back identically are kept,
		// so live ingest and a rebuild fold exactly the same values.
		e.payload = p
	}
	e.Hash = bodyHash(e.Type, e.OccurredAt, canon)
	return e, nil
}

func bodyHash(t Type, at time.Time, data []byte) string {
	h := sha256.New()
	h.Write([]byte(t))
	h.Write([]byte{'\n'})
	h.Write([]byte(at.Format(time.RFC3339Nano)))
	h.Write([]byte{'\n'})
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// normalize lower-cases the closed vocabularies so "MQL" and "mql" agree.
func normalize(p any) {
	switch v := p.(type) {
	case *StageChange:
		v.Stage = strings.ToLower(strings.TrimSpace(v.Stage))
	case *Activity:
		v.Kind = strings.ToLower(strings.TrimSpace(v.Kind))
	case *Disposition:
		v.Disposition = strings.ToLower(strings.TrimSpace(v.Disposition))
	case *Close:
		v.Outcome = strings.ToLower(strings.TrimSpace(v.Outcome))
	}
}

// jsonFieldError turns encoding/json's errors into a field and a message a
// person can act on.
func jsonFieldError(prefix string, err error) error {
	join := func(f string) string {
		switch {
		case prefix == "":
			return f
		case f == "":
			return prefix
		}
		return prefix + "." + f
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			return &FieldError{Field: join(""), Msg: fmt.Sprintf("must be a JSON %s, got %s", jsonKind(te.Type.Kind().String()), te.Value)}
		}
		return &FieldError{Field: join(field), Msg: fmt.Sprintf("must be a %s, got %s", jsonKind(te.Type.String()), te.Value)}
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &FieldError{Field: join(""), Msg: "invalid JSON: " + se.Error()}
	}
	msg := err.Error()
	if i := strings.Index(msg, "unknown field "); i >= 0 {
		name := strings.Trim(msg[i+len("unknown field "):], `"`)
		return &FieldError{Field: join(name), Msg: "unknown field"}
	}
	return &FieldError{Field: join(""), Msg: strings.TrimPrefix(msg, "json: ")}
}

func jsonKind(goType string) string {
	switch {
	case strings.Contains(goType, "float"), strings.Contains(goType, "int"):
		return "number"
	case strings.Contains(goType, "bool"):
		return "boolean"
	case strings.Contains(goType, "map"), strings.Contains(goType, "struct"), strings.HasPrefix(goType, "event."):
		return "object"
	case strings.Contains(goType, "string"):
		return "string"
	}
	return goType
}

// hasNUL reports whether canonical JSON encodes a NUL character: a \u0000
// escape preceded by an even number of backslashes.
func hasNUL(js []byte) bool {
	for i := 0; ; {
		j := bytes.Index(js[i:], []byte(`\u0000`))
		if j < 0 {
			return false
		}
		at := i + j
		n := 0
		for k := at - 1; k >= 0 && js[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			return true
		}
		i = at + 1
	}
}
