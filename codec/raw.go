package codec

import (
	"errors"
	"reflect"
	"unicode/utf8"
)

// Raw is the identity codec, named "raw": the bytes are the value. It
// encodes a []byte or a string (or a pointer to one, or a type whose
// underlying type is one of them) as its bytes, and decodes into a *[]byte
// or a *string (or pointers to such named types). Decoding into a *[]byte
// copies into its existing capacity when that is large enough.
//
// Raw is what a plain bytes-in/bytes-out plug-in speaks. The zero value is
// ready to use and safe for concurrent use.
type Raw struct{}

// RawName is the name of the Raw codec.
const RawName = "raw"

// Name returns "raw".
func (Raw) Name() string { return RawName }

// AppendMarshal appends v's bytes to dst.
func (c Raw) AppendMarshal(dst []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case []byte:
		return append(dst, v...), nil
	case string:
		return append(dst, v...), nil
	case *[]byte:
		if v != nil {
			return append(dst, *v...), nil
		}
	case *string:
		if v != nil {
			return append(dst, *v...), nil
		}
	}
	b, ok := rawBytes(v)
	if !ok {
		return dst, NewEncodeError(c, v, errNotBytes)
	}
	return append(dst, b...), nil
}

// Unmarshal copies data into the []byte or string v points to.
func (c Raw) Unmarshal(data []byte, v any) error {
	if !rawSet(v, data) {
		return NewDecodeError(c, v, errNotBytesPtr)
	}
	return nil
}

// String is the codec of UTF-8 text, named "string". It is Raw that checks
// that the bytes are valid UTF-8 both ways, for plug-ins that exchange text.
// The zero value is ready to use and safe for concurrent use.
type String struct{}

// StringName is the name of the String codec.
const StringName = "string"

// Name returns "string".
func (String) Name() string { return StringName }

// AppendMarshal appends v's bytes to dst, failing with an *EncodeError
// unless they are valid UTF-8.
func (c String) AppendMarshal(dst []byte, v any) ([]byte, error) {
	n := len(dst)
	dst, err := Raw{}.AppendMarshal(dst, v)
	if err != nil {
		return dst[:n], NewEncodeError(c, v, errors.Unwrap(err))
	}
	if !utf8.Valid(dst[n:]) {
		return dst[:n], NewEncodeError(c, v, errInvalidUTF8)
	}
	return dst, nil
}

// Unmarshal copies data into the []byte or string v points to, failing with
// a *DecodeError unless data is valid UTF-8.
func (c String) Unmarshal(data []byte, v any) error {
	if !utf8.Valid(data) {
		return NewDecodeError(c, v, errInvalidUTF8)
	}
	if !rawSet(v, data) {
		return NewDecodeError(c, v, errNotBytesPtr)
	}
	return nil
}

var (
	errNotBytes    = &unsupportedError{"want []byte or string"}
	errNotBytesPtr = &unsupportedError{"want a non-nil *[]byte or *string"}
	errInvalidUTF8 = errors.New("invalid UTF-8")
)

// unsupportedError is an ErrUnsupportedType with a hint.
type unsupportedError struct{ hint string }

func (e *unsupportedError) Error() string { return ErrUnsupportedType.Error() + ": " + e.hint }
func (e *unsupportedError) Unwrap() error { return ErrUnsupportedType }

// rawBytes returns the bytes of a value whose type (or pointed-to type) has
// []byte or string as its underlying type.
func rawBytes(v any) ([]byte, bool) {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil, false
		}
		rv = rv.Elem()
	}
	switch {
	case rv.Kind() == reflect.String:
		return []byte(rv.String()), true
	case rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.Uint8:
		return rv.Bytes(), true
	}
	return nil, false
}

// rawSet stores a copy of data in the []byte or string v points to.
func rawSet(v any, data []byte) bool {
	switch p := v.(type) {
	case *[]byte:
		if p == nil {
			return false
		}
		*p = append((*p)[:0], data...)
		return true
	case *string:
		if p == nil {
			return false
		}
		*p = string(data)
		return true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return false
	}
	e := rv.Elem()
	switch {
	case e.Kind() == reflect.String:
		e.SetString(string(data))
		return true
	case e.Kind() == reflect.Slice && e.Type().Elem().Kind() == reflect.Uint8:
		e.SetBytes(append(e.Bytes()[:0], data...))
		return true
	}
	return false
}
