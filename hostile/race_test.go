//go:build race

package hostile_test

// raceEnabled: the race detector keeps shadow memory for the Go heap, so
// resident memory grows with the heap several times over (see memGrowth).
const raceEnabled = true
