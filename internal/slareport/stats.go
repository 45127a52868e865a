package slareport

import (
	"encoding/json"
	"math"
	"slices"
	"time"

	"gonum.org/v1/gonum/stat/distuv"
)

// Confidence is the level of every interval in a report.
const Confidence = 0.95

// SmallSample is the number of judged obligations below which a rate is
// flagged: its interval is wide and one more breach moves it a lot.
const SmallSample = 30

// Rate is a share with what it was counted from: Numerator of Denominator,
// and the Wilson score interval around it. With a zero denominator there
// is no rate; Value, Low and High are zero in Go and null in JSON.
type Rate struct {
	Numerator   int
	Denominator int
	Value       float64
	Low, High   float64
	// Small is set when Denominator is below SmallSample.
	Small bool
}

// NewRate computes num ÷ den with its interval.
func NewRate(num, den int) Rate {
	r := Rate{Numerator: num, Denominator: den, Small: den < SmallSample}
	if den > 0 {
		r.Value = float64(num) / float64(den)
		r.Low, r.High = Wilson(num, den, Confidence)
	}
	return r
}

// Defined reports whether there was anything to count.
func (r Rate) Defined() bool { return r.Denominator > 0 }

// MarshalJSON writes null for the value and interval of an empty rate (a
// share of nothing is not 0%).
func (r Rate) MarshalJSON() ([]byte, error) {
	type out struct {
		Numerator   int      `json:"numerator"`
		Denominator int      `json:"denominator"`
		Value       *float64 `json:"value"`
		Low         *float64 `json:"low"`
		High        *float64 `json:"high"`
		Small       bool     `json:"small_sample,omitempty"`
	}
	o := out{Numerator: r.Numerator, Denominator: r.Denominator, Small: r.Small}
	if r.Defined() {
		o.Value, o.Low, o.High = &r.Value, &r.Low, &r.High
	}
	return json.Marshal(o)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (r *Rate) UnmarshalJSON(b []byte) error {
	var in struct {
		Numerator   int     `json:"numerator"`
		Denominator int     `json:"denominator"`
		Value       float64 `json:"value"`
		Low         float64 `json:"low"`
		High        float64 `json:"high"`
		Small       bool    `json:"small_sample"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*r = Rate{Numerator: in.Numerator, Denominator: in.Denominator, Value: in.Value, Low: in.Low, High: in.High, Small: in.Small}
	return nil
}

// Wilson is the Wilson score interval for k successes in n trials at the
// given confidence (0.95 for 95%). Unlike the normal approximation it stays
// inside [0, 1] and is honest for small n and for shares near 0 or 1.
func Wilson(k, n int, confidence float64) (low, high float64) {
	if n <= 0 {
		return 0, 1
	}
	z := distuv.UnitNormal.Quantile(1 - (1-confidence)/2)
	fn := float64(n)
	p := float64(k) / fn
	z2 := z * z
	denom := 1 + z2/fn
	centre := (p + z2/(2*fn)) / denom
	half := z * math.Sqrt(p*(1-p)/fn+z2/(4*fn*fn)) / denom
	return max(0, centre-half), min(1, centre+half)
}

// Percentile is the nearest-rank percentile (0 < p ≤ 1) of sorted xs: the
// smallest value with at least p of the values at or below it, so always
// a duration that was observed. Zero for none.
func Percentile[T int | float64 | time.Duration](sorted []T, p float64) T {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// Seconds is a duration that JSON writes as a number of seconds.
type Seconds time.Duration

// MarshalJSON writes the duration in seconds.
func (s Seconds) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(s).Seconds())
}

// UnmarshalJSON reads seconds.
func (s *Seconds) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*s = Seconds(f * float64(time.Second))
	return nil
}

// Spread is the median and 90th percentile of some durations.
type Spread struct {
	P50 Seconds `json:"p50_seconds"`
	P90 Seconds `json:"p90_seconds"`
}

func spreadOf(ds []time.Duration) *Spread {
	if len(ds) == 0 {
		return nil
	}
	slices.Sort(ds)
	return &Spread{P50: Seconds(Percentile(ds, 0.5)), P90: Seconds(Percentile(ds, 0.9))}
}

// Times are durations measured in business time (on the obligation's
// calendar) and on the wall clock.
type Times struct {
	N        int     `json:"n"`
	Business *Spread `json:"business,omitempty"`
	Wall     *Spread `json:"wall,omitempty"`
}

// Count summarises small counts (touches): mean and median.
type Count struct {
	N      int     `json:"n"`
	Mean   float64 `json:"mean"`
	Median float64 `json:"median"`
}

func countOf(xs []int) Count {
	c := Count{N: len(xs)}
	if len(xs) == 0 {
		return c
	}
	slices.Sort(xs)
	sum := 0
	for _, x := range xs {
		sum += x
	}
	c.Mean = float64(sum) / float64(len(xs))
	if n := len(xs); n%2 == 1 {
		c.Median = float64(xs[n/2])
	} else {
		c.Median = float64(xs[n/2-1]+xs[n/2]) / 2
	}
	return c
}
