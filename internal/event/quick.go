package event

import (
	"bytes"
	"unicode/utf8"
)

// The functions here are fast paths for the common, well-formed input of
// ingest. Each handles only input whose meaning is plain (valid JSON, the
// envelope's exact field names, strings without escapes) and reports false
// for anything else, which then takes the general encoding/json path with
// its precise error messages. On what they accept they give exactly what
// that path would.

// splitValidArray returns the elements of body, which must be a valid JSON
// array, without copying them.
func splitValidArray(body []byte) [][]byte {
	i := skipSpace(body, 0)
	if i >= len(body) || body[i] != '[' {
		return nil
	}
	var out [][]byte
	i = skipSpace(body, i+1)
	if i < len(body) && body[i] == ']' {
		return out
	}
	for i < len(body) {
		start := i
		i = skipValue(body, i)
		out = append(out, body[start:i])
		i = skipSpace(body, i)
		if i >= len(body) || body[i] == ']' {
			break
		}
		i = skipSpace(body, i+1) // the comma
	}
	return out
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the end of the valid JSON value starting at b[i].
func skipValue(b []byte, i int) int {
	depth := 0
	for i < len(b) {
		switch b[i] {
		case '"':
			i = skipString(b, i)
			if depth == 0 {
				return i
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
			if depth < 0 {
				return i
			}
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i
			}
		}
		i++
	}
	return i
}

// skipString returns the index just past the string starting at b[i].
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// quickEnvelope reads an envelope from raw, which must be valid JSON.
func quickEnvelope(raw []byte) (envelope, bool) {
	var env envelope
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return env, false
	}
	i = skipSpace(raw, i+1)
	for i < len(raw) && raw[i] != '}' {
		key, end, ok := plainString(raw, i)
		if !ok {
			return env, false
		}
		i = skipSpace(raw, end)
		i = skipSpace(raw, i+1) // the colon
		if i >= len(raw) {
			return env, false
		}
		var dst **string
		switch string(key) {
		case "id":
			dst = &env.ID
		case "type":
			dst = &env.Type
		case "occurred_at":
			dst = &env.OccurredAt
		case "data":
			end := skipValue(raw, i)
			env.Data = bytes.Clone(raw[i:end])
			i = end
		default:
			// Other spellings match case-insensitively, and unknown
			// fields are errors: both for the general path.
			return env, false
		}
		if dst != nil {
			switch {
			case raw[i] == '"':
				v, end, ok := plainString(raw, i)
				if !ok {
					return env, false
				}
				s := string(v)
				*dst, i = &s, end
			case bytes.HasPrefix(raw[i:], []byte("null")):
				*dst, i = nil, i+4
			default:
				return env, false
			}
		}
		i = skipSpace(raw, i)
		if i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
	}
	return env, i < len(raw)
}

// plainString returns the contents of the string at raw[i] if it has no
// escapes and is valid UTF-8 (encoding/json would rewrite either), and the
// index just past it.
func plainString(raw []byte, i int) ([]byte, int, bool) {
	if i >= len(raw) || raw[i] != '"' {
		return nil, i, false
	}
	end := bytes.IndexByte(raw[i+1:], '"')
	if end < 0 {
		return nil, i, false
	}
	s := raw[i+1 : i+1+end]
	if bytes.IndexByte(s, '\\') >= 0 || !utf8.Valid(s) {
		return nil, i, false
	}
	return s, i + end + 2, true
}
