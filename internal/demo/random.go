package demo

import (
	"math"
	"math/rand/v2"
	"time"
)

// weighted is one choice and how often it is drawn relative to the others.
type weighted[T any] struct {
	v T
	w float64
}

// dice is the demo's only source of randomness. Each lead gets its own,
// derived from the seed and the lead's number, so a change to how one lead
// is simulated does not reshuffle every lead after it.
type dice struct{ r *rand.Rand }

func newDice(seed int64, stream uint64) dice {
	return dice{rand.New(rand.NewPCG(uint64(seed), stream^0x9e3779b97f4a7c15))}
}

func (d dice) chance(p float64) bool          { return d.r.Float64() < p }
func (d dice) uniform(lo, hi float64) float64 { return lo + d.r.Float64()*(hi-lo) }
func (d dice) intn(n int) int                 { return d.r.IntN(n) }
func (d dice) between(lo, hi int) int         { return lo + d.r.IntN(hi-lo+1) }

// lognormal draws a positive value with the given median; sigma sets how
// long the right tail is (response times and deal sizes both look like this).
func (d dice) lognormal(median, sigma float64) float64 {
	return median * math.Exp(sigma*d.r.NormFloat64())
}

func (d dice) normal(mean, sd float64) float64 { return mean + sd*d.r.NormFloat64() }

// minutes is a duration of m minutes, for lognormal delays.
func minutes(m float64) time.Duration { return time.Duration(m * float64(time.Minute)) }

func pick[T any](d dice, choices []weighted[T]) T {
	total := 0.0
	for _, c := range choices {
		total += c.w
	}
	x := d.r.Float64() * total
	for _, c := range choices {
		if x < c.w {
			return c.v
		}
		x -= c.w
	}
	return choices[len(choices)-1].v
}

func pickIndex(d dice, weights []float64) int {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	x := d.r.Float64() * total
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

func oneOf[T any](d dice, xs []T) T { return xs[d.r.IntN(len(xs))] }
