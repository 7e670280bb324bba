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
// Go cannot preempt a goroutine while it runs wazero-compiled code. A guest
// that spins without calling the host therefore occupies its thread, and a
// garbage collection that has to stop the world waits for it, stalling all
// other goroutines, including the one meant to raise the flag. The checks
// added here do not leave compiled code, so they do not lift that
// limitation; hosts need guests to call into Go from time to time, or must
// keep such collections from starting while guests run.
//
// Instrument only locates instruction boundaries; it does not validate
// modules. That is left to the runtime that compiles the result.
package wasmbin
