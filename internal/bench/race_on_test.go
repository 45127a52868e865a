//go:build race

package bench

// raceEnabled: timings under the race detector say nothing.
const raceEnabled = true
