// Package wasmbin rewrites WebAssembly binaries so that a host can
// interrupt a running guest cheaply.
//
// wazero can stop a guest when a context is done
// (RuntimeConfig.WithCloseOnContextDone), but that costs a goroutine and
// several allocations on every call. Instrument instead adds a mutable i32
// global, exported as InterruptExport, and makes the guest check it at the
// start of every function and at the top of every loop iteration:
//
//	global.get $interrupt
//	if
//	  unreachable
//	end
//
// The host sets the global to a non-zero value (api.MutableGlobal.Set, from
// any goroutine) and the guest traps with "unreachable" at its next check;
// setting it back to zero makes the instance usable again.
//
// Go cannot preempt a goroutine while it runs wazero-compiled code, so a
// guest that never called the host would hold up every stop-the-world
// phase of the garbage collector, and with it the rest of the process. The
// checks therefore also yield: every thousand checks the guest grows an
// added empty table by zero elements, which wazero does in Go.
//
// InstrumentModule also turns the start function into an export, so that
// it too runs under the host's deadline, and reports what the host needs
// to know before instantiating the result.
//
// Instrument only locates instruction boundaries; it does not validate
// modules. That is left to the runtime that compiles the result.
package wasmbin
