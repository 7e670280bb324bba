// Package wasmbin rewrites WebAssembly binaries so that a host can
// interrupt a running guest cheaply, and so that a guest never holds up
// the Go garbage collector for long.
//
// wazero can stop a guest when a context is done
// (RuntimeConfig.WithCloseOnContextDone), but that costs a goroutine and
// several allocations on every call. InstrumentModule instead adds an i32
// global, exported as InterruptExport, that the host sets (from any
// goroutine, api.MutableGlobal.Set) to make the guest trap with
// "unreachable" at its next check; setting it back to zero makes the
// instance usable again.
//
// Go cannot preempt a goroutine while it runs wazero-compiled code, so a
// guest that never called the host would hold up every stop-the-world
// phase of the garbage collector, and with it the rest of the process. The
// checks therefore also count work, and every globalBudget units (about a
// millisecond of guest code at most) the guest visits Go: it grows an added
// empty table by zero elements, which wazero does in Go.
//
// Where the checks go (ChecksFull, the default):
//   - every loop counts its weight (the bytes of code an iteration can run)
//     in a local; every localBudget units (flushBudget in a function that
//     charges the counter with what its loops counted when it returns) the
//     loop is left for a slow path that charges the module's counter,
//     checks the flag and visits Go when due, and is then re-entered. The
//     loop body itself holds no call, which keeps wazero's register
//     allocation of the loop intact. Small innermost loops are unrolled,
//     so that they count once per two or four iterations;
//   - every function that is not a leaf charges the counter at its entry,
//     which bounds recursion and call trees, or, when only the module
//     calls it and from few places, its callers charge it right before
//     they call it (once for all the calls of a stretch of straight code).
//     Leaves (no loop, no indirect call, small with the leaves they call,
//     on no cycle of leaves) are charged by their callers;
//   - every call to an imported function and every bulk memory or table
//     instruction is followed by a check of the flag and a charge (a bulk
//     instruction charges the bytes or elements it moved), so straight-line
//     code cannot run for long between checks either.
//
// ChecksInterruptOnly and ChecksNone are lighter modes for trusted code.
//
// InstrumentModule also turns the start function into an export, so that
// it too runs under the host's deadline, caps the tables' sizes, drops the
// DWARF sections the rewrite makes stale, and reports what the host needs
// to know before instantiating the result.
//
// Instrument only locates instruction boundaries; it does not validate
// modules. That is left to the runtime that compiles the result.
package wasmbin
