package codec

import "reflect"

// Codec turns Go values into bytes and back. Implementations are small
// immutable values, safe for concurrent use; the ones in this module are
// JSON (package codec/json), MessagePack (codec/msgpack), Protocol Buffers
// (codec/protobuf), and Raw and String here.
//
// A codec is named by Name, so that both sides of the boundary can agree on
// it: a plug-in declares the name of its default codec, and a host finds the
// codec of that name in the Set it was given.
type Codec interface {
	// Name is the codec's name, a short lower-case word such as "json". Two
	// codecs with the same name must produce and accept the same bytes.
	Name() string

	// AppendMarshal appends the encoding of v to dst and returns the
	// extended slice, reusing dst's capacity when it is large enough. v may
	// be a value or a pointer to one. A value the codec cannot encode gives
	// an *EncodeError.
	AppendMarshal(dst []byte, v any) ([]byte, error)

	// Unmarshal decodes data into the value v points to, which must be a
	// non-nil pointer. The decoded value replaces what v held (no field of
	// the old value survives) and never aliases data. Bytes that are not a
	// valid encoding of v's type give a *DecodeError, never a zero value
	// passed on silently.
	Unmarshal(data []byte, v any) error
}

// Marshal returns the encoding of v by c in a new slice.
func Marshal(c Codec, v any) ([]byte, error) {
	return c.AppendMarshal(nil, v)
}

// Zero sets the value v points to to its zero value, when v is a non-nil
// pointer; otherwise it does nothing. Codecs call it first in Unmarshal, so
// that decoding replaces a value rather than merging into it.
func Zero(v any) {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv.Elem().SetZero()
	}
}
