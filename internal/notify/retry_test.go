package notify

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	t.Parallel()
	const samples = 2000
	prevMax := time.Duration(0)
	for attempt := 1; attempt <= 10; attempt++ {
		nominal := nominalDelay(attempt)
		lo, hi := nominal-nominal/5, nominal
		minSeen, maxSeen := time.Duration(1<<62), time.Duration(0)
		for range samples {
			d := Backoff(attempt)
			if d < lo || d > hi {
				t.Fatalf("Backoff(%d) = %v, outside [%v, %v]", attempt, d, lo, hi)
			}
			minSeen, maxSeen = min(minSeen, d), max(maxSeen, d)
		}
		// The jitter is real: the samples spread over most of the band.
		if maxSeen-minSeen < (hi-lo)/2 {
			t.Errorf("Backoff(%d) spread %v..%v, want most of %v..%v", attempt, minSeen, maxSeen, lo, hi)
		}
		// It grows until the cap, even through the jitter.
		if nominal < time.Hour && minSeen <= prevMax {
			t.Errorf("Backoff(%d) can be %v, not more than Backoff(%d)'s %v", attempt, minSeen, attempt-1, prevMax)
		}
		prevMax = maxSeen
	}
	for _, attempt := range []int{6, 7, 12, 100, 1 << 30} {
		if d := Backoff(attempt); d > time.Hour {
			t.Errorf("Backoff(%d) = %v, over the one-hour cap", attempt, d)
		}
	}
	if d := Backoff(0); d > 5*time.Second {
		t.Errorf("Backoff(0) = %v, want the first delay", d)
	}
}

func TestScheduleSpansHours(t *testing.T) {
	t.Parallel()
	// The waits between MaxAttempts attempts add up to the span the
	// MaxAttempts doc promises: nearly seven hours.
	var total time.Duration
	for attempt := 1; attempt < MaxAttempts; attempt++ {
		total += nominalDelay(attempt)
	}
	if total < 6*time.Hour || total > 7*time.Hour {
		t.Errorf("the schedule spans %v, want between 6 and 7 hours", total)
	}
}
