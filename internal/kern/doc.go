// Package kern implements the Extism plug-in ABI, `extism:host/env`: the
// memory that belongs neither to the host nor to the plug-in, through which
// every call passes its input, output and errors, plus config, vars, HTTP and
// logs.
//
// The memory half of the ABI (alloc, free, length, load/store, input, output,
// error, reset) is a small WebAssembly module, kernel.wat, compiled into
// kernel.wasm and embedded. Each plug-in instance gets its own kernel
// instance and its imports of `extism:host/env` resolve to it, so a plug-in
// moving data 8 bytes per ABI call pays a wasm-to-wasm call (a few ns), not a
// Go host call (~35 ns). The rest (config_get, var_get/var_set, http_*,
// log_*, get_log_level) are thin wasm wrappers around Go functions.
//
// Every offset a guest passes is checked in 64 bits against the kernel's heap;
// a rejected one traps the guest after recording which function rejected
// what, reported by [Instance.Fault] as a [*FaultError]. Failures on the Go
// side (a denied HTTP request, vars over their bound) return "none" (0) to the
// guest and are recorded for the host, [Instance.HostError], which fails the
// call while leaving the instance usable.
//
// Every kernel call does O(1) or bounded work whatever the guest wrote to
// the block headers (which sit in its heap): length, free and Read check a
// header in O(1) and never reach past the heap's top, so a forged header
// reads only bytes of the current call; alloc's first fit looks at 256
// blocks at most, and it zeroes big blocks 1 MiB at a time with a visit to
// Go in between (a GC safe point that also ends the call once its context
// is done). Per call, logs are capped (Options.MaxLogRecords, MaxLogBytes,
// MaxLogMessage). HTTP requests dial through transports the Kernel owns: by
// default they refuse loopback, private and link-local addresses that the
// allow-list does not name (Options.AllowPrivateNetworks), and
// Kernel.Close closes their idle connections.
//
// The full ABI, precise enough to write a new PDK from, is docs/abi.md.
//
// Use: the runtime package creates one [Kernel] per wazero runtime with [New],
// and one [Instance] per plug-in instance with [Kernel.Instantiate]; before
// each call it runs [Instance.Reset] with the input, and after it reads
// [Instance.Output], [Instance.GuestError], [Instance.HostError] and
// [Instance.Fault]. Applications normally use package runtime instead.
//
// To rebuild kernel.wasm after editing kernel.wat (the tests check they match):
//
//	wat2wasm internal/kern/kernel.wat -o internal/kern/kernel.wasm
package kern
