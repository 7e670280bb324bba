// Package codec turns Go values into the bytes that cross the plug-in
// boundary and back, on both sides of it: the host's typed calls and the
// guest kit's typed handlers use the same codecs.
//
// A Codec has a name, an append-style marshal and an unmarshal. This
// package holds the interface, the identity codecs Raw ([]byte and string
// as they are) and String (UTF-8 text), the errors, and Set, a fixed set of
// codecs looked up by name. The codecs with dependencies live in
// sub-packages, so that a program links only what it uses:
//
//	codec/json      encoding/json
//	codec/msgpack   github.com/vmihailenco/msgpack/v5
//	codec/protobuf  google.golang.org/protobuf (values are proto.Message)
//
// Every codec is an immutable value whose zero value is ready to use; all
// are safe for concurrent use:
//
//	var c codec.Codec = msgpack.Codec{}
//	b, err := c.AppendMarshal(buf[:0], order) // reuses buf
//	err = c.Unmarshal(b, &order)
//
// # Errors
//
// Bytes that do not decode give a *DecodeError naming the codec and the Go
// type (errors.Is(err, ErrDecode)); values that do not encode give an
// *EncodeError (errors.Is(err, ErrEncode)). Both wrap the codec's own
// error. Callers that know more, such as the plug-in and the function that
// produced the bytes, wrap them in turn.
//
// # Names
//
// The names of the codecs in this module are "raw", "string", "json",
// "msgpack" and "protobuf". A plug-in declares its default codec by name
// (see package pdk); a host finds it in a Set.
//
// # Cost in a plug-in
//
// What each codec adds to a minimal standard-Go plug-in (an export that
// echoes a small struct through pdk.RunTyped; for protobuf a
// wrapperspb.StringValue), measured by scripts/codecsize.sh with Go 1.26,
// GOOS=wasip1 GOARCH=wasm -buildmode=c-shared -trimpath:
//
//	codec      plug-in bytes   added
//	(none)         1,958,552       —   pdk.Run, no codec
//	raw            2,012,234    +54 KB  RunTyped and the reflection of Raw
//	string         2,021,700    +63 KB
//	json           3,375,338   +1.4 MB  encoding/json brings fmt, os, time
//	msgpack        3,630,624   +1.7 MB
//	protobuf       6,604,711   +4.6 MB  the protobuf runtime and registry
//	all three      7,679,655   +5.7 MB  json, msgpack and protobuf share
//	                                    fmt, os and reflect
//
// A plug-in pays only for what it uses: the typed layer costs an existing
// plug-in that does not call RunTyped or CallHost 1.6 KB (the echo example:
// 1,960,345 bytes before, 1,961,943 after), and a codec sub-package is
// linked only when imported. wazero's compile time grows with a module's
// size, so the size shows at load time too, not only on disk.
package codec
