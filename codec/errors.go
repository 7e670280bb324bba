package codec

import (
	"errors"
	"reflect"
)

// Sentinel errors. errors.Is(err, ErrDecode) holds for every *DecodeError,
// and errors.Is(err, ErrEncode) for every *EncodeError.
var (
	ErrDecode = errors.New("codec: cannot decode")
	ErrEncode = errors.New("codec: cannot encode")
	// ErrUnsupportedType is the cause (Err) of a *DecodeError or
	// *EncodeError for a Go type the codec does not handle at all, such as
	// a struct given to Raw or a non-message given to protobuf.
	ErrUnsupportedType = errors.New("codec: unsupported type")
	// ErrName is returned by NewSet for a codec with an empty name or with
	// the name of another codec of the set.
	ErrName = errors.New("codec: bad codec name")
)

// DecodeError reports bytes that a codec could not decode into a Go type.
// Callers that know more (the plug-in, the function) wrap it; errors.As
// finds it through their wrapping.
type DecodeError struct {
	Codec string // the codec's Name, e.g. "msgpack"
	Type  string // the Go type decoded into, e.g. "main.Order"
	Err   error  // what the codec reported
}

// NewDecodeError returns a *DecodeError of codec c for the target v (the
// pointer given to Unmarshal) and the codec's error err.
func NewDecodeError(c Codec, v any, err error) *DecodeError {
	return &DecodeError{Codec: c.Name(), Type: targetType(v), Err: err}
}

// Error returns "codec: <codec>: cannot decode <type>: <cause>".
func (e *DecodeError) Error() string {
	return "codec: " + e.Codec + ": cannot decode " + e.Type + ": " + errString(e.Err)
}

// Unwrap returns the codec's error.
func (e *DecodeError) Unwrap() error { return e.Err }

// Is reports whether target is ErrDecode.
func (e *DecodeError) Is(target error) bool { return target == ErrDecode }

// EncodeError reports a Go value that a codec could not encode.
type EncodeError struct {
	Codec string // the codec's Name
	Type  string // the Go type of the value, e.g. "*main.Order"
	Err   error  // what the codec reported
}

// NewEncodeError returns an *EncodeError of codec c for the value v and the
// codec's error err.
func NewEncodeError(c Codec, v any, err error) *EncodeError {
	return &EncodeError{Codec: c.Name(), Type: typeName(v), Err: err}
}

// Error returns "codec: <codec>: cannot encode <type>: <cause>".
func (e *EncodeError) Error() string {
	return "codec: " + e.Codec + ": cannot encode " + e.Type + ": " + errString(e.Err)
}

// Unwrap returns the codec's error.
func (e *EncodeError) Unwrap() error { return e.Err }

// Is reports whether target is ErrEncode.
func (e *EncodeError) Is(target error) bool { return target == ErrEncode }

func errString(err error) string {
	if err == nil {
		return "unknown error"
	}
	return err.Error()
}

// typeName returns the name of v's dynamic type, "nil" for nil.
func typeName(v any) string {
	if v == nil {
		return "nil"
	}
	return reflect.TypeOf(v).String()
}

// targetType names what Unmarshal decodes into: the type v points to, or
// v's own type when v is not a pointer.
func targetType(v any) string {
	if v == nil {
		return "nil"
	}
	t := reflect.TypeOf(v)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.String()
}
