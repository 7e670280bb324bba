// Package protobuf is the Protocol Buffers codec of package codec, built on
// google.golang.org/protobuf.
//
// It lives apart from package codec so that programs that do not use
// Protocol Buffers do not link its runtime.
package protobuf

import (
	"errors"
	"reflect"

	"google.golang.org/protobuf/proto"

	"github.com/tendril-wasm/tendril/codec"
)

// Name is the name of the Protocol Buffers codec.
const Name = "protobuf"

// Codec is the Protocol Buffers codec, named "protobuf": the binary wire
// format of proto.Marshal and proto.Unmarshal. Values are generated
// messages: AppendMarshal takes a proto.Message (a *T) or a pointer to one
// (a **T); Unmarshal takes a *T, or a **T whose nil *T it fills with a new
// message, so that generic code can decode into &v for a v of type *T.
//
// The zero value is ready to use and safe for concurrent use.
type Codec struct {
	// Deterministic makes AppendMarshal order map entries by key, so that
	// equal messages give equal bytes, at some cost.
	Deterministic bool
}

var _ codec.Codec = Codec{}

// Name returns "protobuf".
func (Codec) Name() string { return Name }

// AppendMarshal appends the wire encoding of the message v to dst.
func (c Codec) AppendMarshal(dst []byte, v any) ([]byte, error) {
	m, ok := v.(proto.Message)
	if !ok {
		if m, ok = indirect(v, false); !ok {
			return dst, codec.NewEncodeError(c, v, errNotMessage)
		}
	}
	out, err := proto.MarshalOptions{Deterministic: c.Deterministic}.MarshalAppend(dst, m)
	if err != nil {
		return dst, codec.NewEncodeError(c, v, err)
	}
	return out, nil
}

// Unmarshal decodes the wire encoding in data into the message v points to,
// replacing its contents.
func (c Codec) Unmarshal(data []byte, v any) error {
	m, ok := v.(proto.Message)
	if !ok {
		if m, ok = indirect(v, true); !ok {
			return codec.NewDecodeError(c, v, errNotMessage)
		}
	} else if reflect.ValueOf(v).IsNil() {
		return codec.NewDecodeError(c, v, errNilMessage)
	}
	if err := proto.Unmarshal(data, m); err != nil {
		return codec.NewDecodeError(c, v, err)
	}
	return nil
}

var (
	messageType   = reflect.TypeFor[proto.Message]()
	errNotMessage = &unsupportedError{"want a proto.Message or a pointer to one"}
	errNilMessage = errors.New("nil message")
)

// indirect returns the message a **T points to. With fill, a nil *T is
// replaced by a new message; without it, a nil *T is not a message.
func indirect(v any, fill bool) (proto.Message, bool) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || !rv.Type().Elem().Implements(messageType) {
		return nil, false
	}
	e := rv.Elem()
	if e.Kind() != reflect.Pointer {
		return nil, false
	}
	if e.IsNil() {
		if !fill {
			return nil, false
		}
		e.Set(reflect.New(e.Type().Elem()))
	}
	m, ok := e.Interface().(proto.Message)
	return m, ok
}

// unsupportedError is a codec.ErrUnsupportedType with a hint.
type unsupportedError struct{ hint string }

func (e *unsupportedError) Error() string {
	return codec.ErrUnsupportedType.Error() + ": " + e.hint
}
func (e *unsupportedError) Unwrap() error { return codec.ErrUnsupportedType }
