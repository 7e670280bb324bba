// Package runtime loads WebAssembly plug-ins that speak the Extism ABI and
// calls them: bytes in, bytes out, in-process, on wazero.
//
// Ownership is a tree. A [Runtime] owns a wazero runtime and compiles
// modules and plug-ins; a [Module] is one module's compiled code, shared by
// every plug-in of the Runtime that uses the same bytes; a [CompiledPlugin]
// is one manifest bound to its modules, config, limits and grants, compiled
// once and shareable; an [Instance] is one live sandbox (its own memories,
// kernel and vars) that runs one call at a time. Closing a parent closes its
// children; Close is idempotent everywhere.
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
// Outputs belong to the caller: [Instance.Call] and [Instance.CallFunction]
// return a copy that later calls and Close never touch. Hot paths resolve a
// function once ([CompiledPlugin.Function]) and call it with no lookup;
// [Instance.Invoke] lends the output to a callback without copying it.
// [Callable] is the one interface over "something plug-in functions can be
// called on" (an instance, a pool, a registered plug-in).
//
// A plug-in gets only what it is granted: no WASI, files, network or host
// functions unless the manifest and [PluginOptions] say so; every linear
// memory is capped (manifest memory.max_pages, else
// [Options.MemoryLimitPages]); output is capped; calls end when their context
// is done or the manifest's timeout_ms passes, even in a guest loop that never
// calls the host.
//
// A [Pool] lends instances of one CompiledPlugin to concurrent calls:
// bounded ([PoolOptions].MaxInstances), first come first served, with broken
// instances discarded and replaced. It is a Callable too.
//
// Host functions are Go functions granted to plug-ins. [NewHostFunction]
// makes the bytes-in, bytes-out kind, whose errors reach the guest without
// breaking the instance ([Fatal] breaks it); a raw [HostFunction] works on
// the guest's values ([ValueTypeI64] and friends) directly.
//
// Errors name the plug-in and the function: `plugin "vowels": count_vowels:
// <what happened>`. They are typed: [*GuestError] (the plug-in reported a
// failure), [*ExitError], [*TrapError], [*InterruptError],
// [*HostFunctionError], [*LoadError] (a module that cannot be read, fetched
// or is not WebAssembly; [ErrLoad]), [*ImportError] ([ErrImport]), and the
// sentinels [ErrBroken], [ErrClosed], [ErrFunctionNotFound],
// [ErrOutputTooLarge], [ErrManifest]. After a trap, a non-zero exit, an
// interrupt or a fatal host function failure the instance is broken: its
// later calls fail at once with ErrBroken, and a pool must discard it.
//
// Package kernel holds what the ABI adds: its errors (kernel.FaultError,
// kernel.ErrHTTPNotAllowed, kernel.ErrVarLimit...), checked with errors.Is
// and errors.As, and the plug-ins' trace level (kernel.LevelTrace, printed
// as TRACE by kernel.ReplaceLevel). Import it next to runtime for those.
package runtime
