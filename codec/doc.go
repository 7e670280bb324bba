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
package codec
