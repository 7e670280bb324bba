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
//   - every loop counts its weight (its size in bytes) in a local; every
//     localBudget units the loop is left for a slow path that checks the
//     flag, charges the module's counter and visits Go when due, and is
//     then re-entered. The loop body itself holds no call, which keeps
//     wazero's register allocation of the loop intact;
//   - every function that loops or calls another defined function charges
//     the counter at its entry, which bounds recursion and call trees;
//     small loop-free leaves are charged by their callers instead;
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
