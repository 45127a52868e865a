package clock

import (
	"testing"
	"time"
)

// BenchmarkDueDate computes SLA due times as the engine does: a mix of
// minutes, hours and days on an office calendar with holidays. The plain
// baseline, BenchmarkWallClockAdd, is time.Time.Add on the same inputs.
func BenchmarkDueDate(b *testing.B) {
	c := mustCal(b, "Mon-Fri 09:00-12:00,13:00-17:00", mustLoc(b, "America/New_York"), "US")
	starts, durs := benchInputs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.Add(starts[i%len(starts)], durs[i%len(durs)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "due_dates/s")
}

func BenchmarkWallClockAdd(b *testing.B) {
	starts, durs := benchInputs()
	var sink time.Time
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sink = starts[i%len(starts)].Add(durs[i%len(durs)])
	}
	_ = sink
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "due_dates/s")
}

func benchInputs() ([]time.Time, []time.Duration) {
	var starts []time.Time
	t := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	for i := range 1000 {
		starts = append(starts, t.Add(time.Duration(i*613)*time.Minute))
	}
	durs := []time.Duration{5 * time.Minute, 15 * time.Minute, 4 * time.Hour, 7 * time.Hour, 24 * time.Hour, 3 * 7 * time.Hour}
	return starts, durs
}
