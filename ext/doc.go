// Package ext is what applications use on top of package runtime: typed
// calls into plug-ins and typed host functions (typed.go), and, built on
// the same runtime.Callable, a registry of named plug-ins (registry.go),
// hooks that fire events into them (hooks.go) and hot reload (reload.go).
//
// # Typed calls
//
// The kernel moves bytes; applications think in Go values. Call sends a Go
// value to a plug-in function and returns the Go value it answers, encoded
// and decoded by a codec.Codec chosen per call (package codec and its
// sub-packages: JSON, MessagePack, Protocol Buffers, raw bytes, text):
//
//	receipt, err := ext.Call[Order, Receipt](ctx, inst, "total", order, msgpack.Codec{})
//
// Hot paths bind a Func once, which looks nothing up and reuses its buffers:
//
//	total, err := ext.NewFunc[Order, Receipt](pool, "total", msgpack.Codec{})
//	receipt, err := total.Call(ctx, order)
//
// Both work over any runtime.Callable: an *runtime.Instance, a pool, a
// registered plug-in. The output is decoded straight from the plug-in's
// memory, with no copy before the codec's. A Pair speaks one codec to the
// plug-in and another back (text in, JSON out, as many Extism plug-ins do).
//
// A plug-in may declare the codec it speaks by exporting a function named
// CodecExportPrefix + the codec's name ("tendril:codec/msgpack"; package
// pdk says how); DeclaredCodec reads that declaration, without calling the
// plug-in, and picks the codec from the set the host speaks.
//
// A failure to encode or decode is a *CodecError that names the plug-in,
// the function and the side (input or output), wrapping the codec's
// *codec.DecodeError or *codec.EncodeError that names the codec and the Go
// type; the value returned with it is always the zero value.
//
// # Typed host functions
//
// HostFunction turns func(ctx, In) (Out, error) into a runtime.HostFunction
// that decodes what the plug-in sends and encodes what f returns; an error
// of f reaches the plug-in as a failed host call.
//
// # Registry
//
// A Registry owns a runtime (or is given one) and, per plug-in, a pool of
// instances. Register a plug-in from a module file, bytes, a manifest or
// the directory of a plug-in written in Go, granting it what it may use
// (nothing by default):
//
//	reg, err := ext.New(ctx, ext.Options{})
//	defer reg.Close(ctx)
//	wc, err := reg.Register(ctx, "wordcount", ext.Source{Path: "plugins/wordcount"},
//		ext.PluginOptions{WASI: true, Watch: true})
//
// A registered *Plugin is a runtime.Callable: Call and Func work on it. A
// reload (Registry.Reload, or a watched file that changed) swaps the code
// under it while calls run, and never fails a call. Plug-ins declare
// metadata (version, description, default codec, priority) by the names of
// exports (see Metadata), and may call each other through the host when
// granted (see CallNamespace).
//
// # Hooks
//
// Hooks are typed events of the application. The handlers of a hook named
// "on_save" are the plug-ins exporting a function "on_save", in order of
// priority then name; the registry knows them from the exports, without
// running anything. Three modes: Notify (every handler, concurrently),
// Filter (a value through a chain) and FirstWins (the first answer, or a
// veto):
//
//	onOpen := ext.NewNotify[Doc, Stats](reg, "on_open", ext.HookOptions{Timeout: time.Second})
//	res, err := onOpen.Fire(ctx, doc) // res.Outcomes: per plug-in value, error, duration
//
//	format := ext.NewFilter[string](reg, "format", ext.HookOptions{Codec: codec.String{}})
//	res, err := format.Fire(ctx, text) // res.Value is the formatted text
//
// A plug-in that fails, traps, hangs past the timeout or answers bytes the
// codec refuses is reported in the Result; the other handlers go on.
package ext
