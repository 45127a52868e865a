package lead

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// tricky strings: escapes, HTML, invalid UTF-8, line separators, non-ASCII.
var tricky = []string{
	"", "ann@acme.example", `quote " and \ backslash`, "<b>&amp;</b>", "tab\there\nnewline\r\b\f",
	"\x00\x01\x1f\x7f", "bad \xff utf-8 \xc3", "line\u2028para\u2029", "Zoë Ñúñez 山田", "emoji 🙂",
}

// randomLead fills every field of a Lead by reflection, each one zero about
// a third of the time. A field added to Lead is filled too, so
// AppendJSON cannot silently miss it.
func randomLead(r *rand.Rand) *Lead {
	l := &Lead{}
	fill(r, reflect.ValueOf(l).Elem())
	return l
}

func randomTime(r *rand.Rand) time.Time {
	t := time.Date(2020+r.IntN(10), time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60), 0, time.UTC)
	switch r.IntN(4) {
	case 0:
		t = t.Add(time.Duration(r.IntN(1_000_000)) * time.Microsecond)
	case 1:
		t = t.Add(time.Duration(r.IntN(1_000_000_000)))
	case 2:
		t = t.In(time.FixedZone("", 3600*(r.IntN(25)-12)))
	}
	return t
}

func fill(r *rand.Rand, v reflect.Value) {
	if r.IntN(3) == 0 && v.Kind() != reflect.Struct {
		return // left zero
	}
	switch v.Type() {
	case reflect.TypeFor[time.Time]():
		v.Set(reflect.ValueOf(randomTime(r)))
		return
	case reflect.TypeFor[map[string]any]():
		m := map[string]any{}
		for range r.IntN(4) {
			m[tricky[r.IntN(len(tricky))]] = []any{r.Float64() * 1e6, tricky[r.IntN(len(tricky))], true, nil}[r.IntN(4)]
		}
		v.Set(reflect.ValueOf(m))
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			fill(r, v.Field(i))
		}
	case reflect.String:
		v.SetString(tricky[r.IntN(len(tricky))])
	case reflect.Int, reflect.Int64:
		v.SetInt(r.Int64N(1<<40) - 1<<20)
	case reflect.Float64:
		v.SetFloat([]float64{0, math.Copysign(0, -1), 1, 67, 0.5, 1e-7, 3.25e-9, 1e21, 1.5e300, -2e-300, r.NormFloat64() * 100}[r.IntN(11)])
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(r, p.Elem())
		v.Set(p)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), r.IntN(3), 3)
		for i := range s.Len() {
			fill(r, s.Index(i))
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for range r.IntN(4) {
			k := reflect.New(v.Type().Key()).Elem()
			fill(r, k)
			e := reflect.New(v.Type().Elem()).Elem()
			fill(r, e)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	default:
		panic("randomLead: no filler for " + v.Type().String())
	}
}

func TestAppendJSONMatchesMarshal(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 20_000 {
		l := randomLead(r)
		want, err := json.Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		got, err := l.AppendJSON([]byte("prefix"))
		if err != nil {
			t.Fatalf("lead %d: %v", i, err)
		}
		if !bytes.Equal(got[len("prefix"):], want) {
			t.Fatalf("lead %d:\n got: %s\nwant: %s", i, got[len("prefix"):], want)
		}
	}
}

func TestAppendJSONErrors(t *testing.T) {
	t.Parallel()
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if _, err := (&Lead{Score: &f}).AppendJSON(nil); err == nil {
			t.Errorf("score %v: no error", f)
		}
	}
	far := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := (&Lead{CreatedAt: far}).AppendJSON(nil); err == nil {
		t.Error("year 10000: no error")
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range tricky {
		f.Add(s, 1.5)
	}
	f.Fuzz(func(t *testing.T, s string, score float64) {
		l := &Lead{LeadID: s, Name: s, Doors: []string{s}, StagesEntered: map[string]time.Time{s: {}}, Score: &score}
		want, werr := json.Marshal(l)
		got, gerr := l.AppendJSON(nil)
		if (werr == nil) != (gerr == nil) || !bytes.Equal(got, want) {
			t.Fatalf("got %s (%v), want %s (%v)", got, gerr, want, werr)
		}
	})
}

func BenchmarkEncodeLead(b *testing.B) {
	at := time.Date(2026, 9, 26, 8, 44, 55, 560_000_000, time.UTC)
	score := 67.0
	l := &Lead{LeadID: "L0-0000632", Email: "ben.reddy0.632@keystonesystems.example", Name: "Ben Reddy",
		Company: "Keystone Systems", Title: "Sales Operations Manager", Country: "US", Source: "referral",
		Campaign: "2026-q1-organic", Offer: "trial", OriginalSource: "referral", OriginalCampaign: "2026-q1-organic",
		OriginalOffer: "trial", Segment: "smb", Score: &score, Attributes: map[string]any{"employees": 4805.0, "utm_medium": "cpc"},
		Stage: "mql", StageEnteredAt: &at, StagesEntered: map[string]time.Time{"inquiry": at, "mql": at},
		Owner: "sdr-5", Team: "sdr-east", AssignedAt: &at, Disposition: "accepted", DispositionAt: &at,
		Touches: 1, FirstTouchAt: &at, LastTouchAt: &at, Inquiries: 1, LastInquiryAt: &at, Doors: []string{"L0-0000632"},
		CreatedAt: at, UpdatedAt: at, Events: 6, LastSeq: 5916}
	b.Run("json.Marshal", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(l); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AppendJSON", func(b *testing.B) {
		buf := make([]byte, 0, 2048)
		for b.Loop() {
			var err error
			if buf, err = l.AppendJSON(buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
	})
}
