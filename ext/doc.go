// Package ext is what applications use on top of package runtime: typed
// calls into plug-ins and typed host functions (typed.go), and, built on
// the same runtime.Callable, a registry of named plug-ins and hooks that
// fire events into them.
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
// memory, with no copy before the codec's.
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
package ext
