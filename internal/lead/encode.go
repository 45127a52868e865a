package lead

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// AppendJSON appends l as JSON: byte for byte what json.Marshal makes of
// it (TestAppendJSONMatchesMarshal holds it to that for every field), in
// a fraction of the time. Stores save a lead's whole state on every
// change, and encoding/json spends most of that time finding fields by
// reflection and formatting the lead's timestamps.
func (l *Lead) AppendJSON(b []byte) ([]byte, error) {
	var err error
	b = append(b, `{"lead_id":`...)
	b = appendString(b, l.LeadID)
	if len(l.Aliases) > 0 {
		b = append(b, `,"aliases":`...)
		b = appendStrings(b, l.Aliases)
	}
	b = appendField(b, `,"email":`, l.Email)
	b = appendField(b, `,"name":`, l.Name)
	b = appendField(b, `,"company":`, l.Company)
	b = appendField(b, `,"title":`, l.Title)
	b = appendField(b, `,"seniority":`, l.Seniority)
	b = appendField(b, `,"phone":`, l.Phone)
	b = appendField(b, `,"country":`, l.Country)
	b = appendField(b, `,"source":`, l.Source)
	b = appendField(b, `,"campaign":`, l.Campaign)
	b = appendField(b, `,"offer":`, l.Offer)
	b = appendField(b, `,"original_source":`, l.OriginalSource)
	b = appendField(b, `,"original_campaign":`, l.OriginalCampaign)
	b = appendField(b, `,"original_offer":`, l.OriginalOffer)
	b = appendField(b, `,"segment":`, l.Segment)
	if l.Score != nil {
		b = append(b, `,"score":`...)
		if b, err = appendFloat(b, *l.Score); err != nil {
			return nil, err
		}
	}
	if len(l.Attributes) > 0 {
		b = append(b, `,"attributes":{`...)
		keys := make([]string, 0, len(l.Attributes))
		for k := range l.Attributes {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			if b, err = appendAny(b, l.Attributes[k]); err != nil {
				return nil, err
			}
		}
		b = append(b, '}')
	}
	b = appendField(b, `,"stage":`, l.Stage)
	if b, err = appendTimePtr(b, `,"stage_entered_at":`, l.StageEnteredAt); err != nil {
		return nil, err
	}
	if len(l.StagesEntered) > 0 {
		b = append(b, `,"stages_entered":{`...)
		keys := make([]string, 0, len(l.StagesEntered))
		for k := range l.StagesEntered {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			if b, err = appendTime(b, l.StagesEntered[k]); err != nil {
				return nil, err
			}
		}
		b = append(b, '}')
	}
	b = appendField(b, `,"owner":`, l.Owner)
	b = appendField(b, `,"team":`, l.Team)
	if b, err = appendTimePtr(b, `,"assigned_at":`, l.AssignedAt); err != nil {
		return nil, err
	}
	b = appendField(b, `,"disposition":`, l.Disposition)
	b = appendField(b, `,"disposition_reason":`, l.DispositionReason)
	if b, err = appendTimePtr(b, `,"disposition_at":`, l.DispositionAt); err != nil {
		return nil, err
	}
	b = append(b, `,"touches":`...)
	b = strconv.AppendInt(b, int64(l.Touches), 10)
	if b, err = appendTimePtr(b, `,"first_touch_at":`, l.FirstTouchAt); err != nil {
		return nil, err
	}
	if b, err = appendTimePtr(b, `,"last_touch_at":`, l.LastTouchAt); err != nil {
		return nil, err
	}
	b = append(b, `,"inquiries":`...)
	b = strconv.AppendInt(b, int64(l.Inquiries), 10)
	b = append(b, `,"re_engagements":`...)
	b = strconv.AppendInt(b, int64(l.ReEngagements), 10)
	if b, err = appendTimePtr(b, `,"last_inquiry_at":`, l.LastInquiryAt); err != nil {
		return nil, err
	}
	if len(l.Doors) > 0 {
		b = append(b, `,"doors":`...)
		b = appendStrings(b, l.Doors)
	}
	b = append(b, `,"created_at":`...)
	if b, err = appendTime(b, l.CreatedAt); err != nil {
		return nil, err
	}
	b = append(b, `,"updated_at":`...)
	if b, err = appendTime(b, l.UpdatedAt); err != nil {
		return nil, err
	}
	b = append(b, `,"events":`...)
	b = strconv.AppendInt(b, int64(l.Events), 10)
	b = append(b, `,"last_seq":`...)
	b = strconv.AppendInt(b, l.LastSeq, 10)
	return append(b, '}'), nil
}

// appendAny writes the scalars a decoded JSON object holds itself and
// leaves anything else to encoding/json.
func appendAny(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendString(b, v), nil
	case float64:
		return appendFloat(b, v)
	case bool:
		return strconv.AppendBool(b, v), nil
	}
	m, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, m...), nil
}

// appendField appends an omitempty string field.
func appendField(b []byte, key, v string) []byte {
	if v == "" {
		return b
	}
	return appendString(append(b, key...), v)
}

func appendStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

func appendTimePtr(b []byte, key string, t *time.Time) ([]byte, error) {
	if t == nil {
		return b, nil
	}
	return appendTime(append(b, key...), *t)
}

// appendTime writes t as time.Time's MarshalJSON does (RFC 3339 with
// the fraction's trailing zeros dropped). The common case, a UTC time in
// years 0–9999, is formatted here, several times faster than
// AppendFormat; anything else is left to MarshalJSON, errors included.
func appendTime(b []byte, t time.Time) ([]byte, error) {
	year, month, day := t.Date()
	if t.Location() != time.UTC || year < 0 || year > 9999 {
		m, err := t.MarshalJSON()
		if err != nil {
			return nil, err
		}
		return append(b, m...), nil
	}
	hour, min, sec := t.Clock()
	b = append(b, '"')
	b = append(b, byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-')
	b = append(b, byte('0'+month/10), byte('0'+month%10), '-', byte('0'+day/10), byte('0'+day%10), 'T')
	b = append(b, byte('0'+hour/10), byte('0'+hour%10), ':', byte('0'+min/10), byte('0'+min%10), ':')
	b = append(b, byte('0'+sec/10), byte('0'+sec%10))
	if ns := t.Nanosecond(); ns != 0 {
		b = append(b, '.')
		digits := 9
		for ns%10 == 0 {
			ns /= 10
			digits--
		}
		n := len(b)
		for range digits {
			b = append(b, 0)
		}
		for i := n + digits - 1; i >= n; i-- {
			b[i] = byte('0' + ns%10)
			ns /= 10
		}
	}
	return append(b, 'Z', '"'), nil
}

// appendFloat writes f as encoding/json writes a float64: plain decimals
// between 1e-6 and 1e21, an exponent (without leading zeros) outside.
func appendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		_, err := json.Marshal(f) // the same error encoding/json gives
		return nil, err
	}
	format := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 -> e-9, as encoding/json does.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

const hexDigits = "0123456789abcdef"

// plainByte marks the ASCII bytes a JSON string holds as they are.
var plainByte = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendString writes s as a JSON string with encoding/json's escaping:
// control characters, quote and backslash; <, > and & (it escapes HTML by
// default); invalid UTF-8 as U+FFFD; and U+2028 and U+2029.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if plainByte[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
