package runtime

import "github.com/tendril-wasm/tendril/internal/wasmbin"

// Checks is how much of its safety a plug-in's code keeps. Tendril rewrites
// every module at compile time so that a call can be stopped at its deadline
// and a guest that computes for a long time never holds up the Go garbage
// collector (and so the whole process). The checks cost a few percent of
// guest speed (benchmarks/README.md); an application may give them up for
// code it trusts. SECURITY.md says what each level gives up.
type Checks uint8

const (
	// ChecksFull, the default, keeps every guarantee: deadlines and
	// Instance.Close stop the guest wherever it is, and the guest visits Go
	// regularly so that garbage collection never waits for it.
	ChecksFull Checks = iota
	// ChecksInterruptOnly keeps deadlines and Close but drops the visits
	// to Go: while a guest computes without calling the host, every
	// stop-the-world phase of the garbage collector, and with it every
	// goroutine of the process, waits for it (up to the call's deadline).
	ChecksInterruptOnly
	// ChecksNone inserts no checks: a deadline is only seen when the guest
	// calls the host (which then fails the call), so a guest that loops
	// without calling the host runs until it returns, holding up the
	// garbage collector all that time, and Close waits for it.
	ChecksNone
)

func (c Checks) wasmbin() wasmbin.Checks {
	switch c {
	case ChecksInterruptOnly:
		return wasmbin.ChecksInterruptOnly
	case ChecksNone:
		return wasmbin.ChecksNone
	}
	return wasmbin.ChecksFull
}
