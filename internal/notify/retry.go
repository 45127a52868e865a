package notify

import (
	"math/rand/v2"
	"time"
)

// MaxAttempts is how many attempts a delivery gets before it is
// dead-lettered: with the default delays, nearly seven hours of trying. An
// SLA alert that arrives later than that has lost its point; the dead-letter
// list is where a person picks it up.
const MaxAttempts = 12

// maxRetryAfter bounds how long a destination's Retry-After can park an
// alert.
const maxRetryAfter = 24 * time.Hour

// jitterFraction is how much of a delay is taken off at random, so that
// deliveries failing together (an outage) do not all come back together.
const jitterFraction = 0.2

// delays are the nominal waits after the 1st, 2nd, … failed attempt; the
// last one repeats. Roughly ×5 each step, capped at an hour.
var delays = [...]time.Duration{
	5 * time.Second,
	30 * time.Second,
	2 * time.Minute,
	10 * time.Minute,
	30 * time.Minute,
	time.Hour,
}

// Policy is how a Deliverer retries. The zero value is the default:
// MaxAttempts attempts, Backoff between them.
type Policy struct {
	MaxAttempts int // 0: MaxAttempts
	// Backoff is the wait after failed attempt number n (from 1); nil: Backoff.
	Backoff func(attempt int) time.Duration
}

func (p Policy) maxAttempts() int {
	if p.MaxAttempts <= 0 {
		return MaxAttempts
	}
	return p.MaxAttempts
}

func (p Policy) backoff(attempt int) time.Duration {
	if p.Backoff == nil {
		return Backoff(attempt)
	}
	return p.Backoff(attempt)
}

// Backoff is how long to wait after failed attempt number attempt (from 1)
// before the next: 5 s, 30 s, 2 min, 10 min, 30 min, then every hour, each
// shortened at random by up to a fifth. It never exceeds the nominal delay,
// so the cap is a hard one.
func Backoff(attempt int) time.Duration {
	d := nominalDelay(attempt)
	return d - time.Duration(rand.Float64()*jitterFraction*float64(d))
}

// nominalDelay is Backoff before jitter.
func nominalDelay(attempt int) time.Duration {
	i := min(max(attempt, 1), len(delays)) - 1
	return delays[i]
}
