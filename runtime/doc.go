// Package runtime loads WebAssembly plug-ins that speak the Extism ABI and
// calls them: bytes in, bytes out, in-process, on wazero.
//
// Ownership is a tree. A [Runtime] owns a wazero runtime and compiles
// plug-ins; a [CompiledPlugin] is one manifest compiled once and shareable;
// an [Instance] is one live sandbox (its own memories, kernel and vars) that
// runs one call at a time. Closing a parent closes its children.
//
//	rt, err := runtime.New(ctx, runtime.Options{Logger: logger})
//	defer rt.Close(ctx)
//	cp, err := rt.Compile(ctx, runtime.Manifest{
//		Wasm:   []runtime.WasmSource{{Path: "count_vowels.wasm"}},
//		Config: map[string]string{"vowels": "aeiou"},
//	}, runtime.PluginOptions{})
//	inst, err := cp.Instantiate(ctx)
//	defer inst.Close(ctx)
//	out, err := inst.Call(ctx, "count_vowels", []byte("hello"))
//
// A plug-in gets only what it is granted: no WASI, files, network or host
// functions unless the manifest and [PluginOptions] say so; every linear
// memory is capped (manifest memory.max_pages, else
// [Options.MemoryLimitPages]); output is capped; calls end when their context
// is done or the manifest's timeout_ms passes, even in a guest loop that never
// calls the host.
//
// Errors are typed: [*GuestError] (the plug-in reported a failure),
// [*ExitError], [*TrapError], [*InterruptError], [*HostFunctionError], and the
// sentinels [ErrBroken], [ErrClosed], [ErrFunctionNotFound],
// [ErrOutputTooLarge], [ErrManifest], [ErrImport] (carried by [*ImportError]), plus kernel errors
// (kernel.ErrHTTPNotAllowed, kernel.ErrVarLimit...). After a trap, a non-zero
// exit, an interrupt or a host function failure the instance is broken: its
// later calls fail at once with ErrBroken, and a pool must discard it.
package runtime
