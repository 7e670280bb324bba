// Package json is the JSON codec of package codec, built on encoding/json.
//
// It lives apart from package codec so that programs (plug-ins above all)
// that do not use JSON do not link encoding/json, which adds about 1.4 MB
// to a Go plug-in (package codec's documentation has the table).
package json

import (
	"encoding/json"
	"sync"

	"github.com/tendril-wasm/tendril/codec"
)

// Name is the name of the JSON codec.
const Name = "json"

// Codec is the JSON codec, named "json". It encodes and decodes as
// encoding/json's Marshal and Unmarshal do (struct tags `json:"..."`, []byte
// as base64, HTML characters escaped), without the trailing newline of an
// Encoder.
//
// The zero value is ready to use and safe for concurrent use.
type Codec struct{}

var _ codec.Codec = Codec{}

// Name returns "json".
func (Codec) Name() string { return Name }

// AppendMarshal appends the JSON encoding of v to dst. It writes straight
// into dst, so a dst with room allocates no result buffer.
func (c Codec) AppendMarshal(dst []byte, v any) ([]byte, error) {
	e := encoders.Get().(*encoder)
	e.w.b = dst
	err := e.enc.Encode(v)
	out := e.w.b
	e.w.b = nil
	encoders.Put(e)
	if err != nil {
		return dst, codec.NewEncodeError(c, v, err)
	}
	return out[:len(out)-1], nil // drop the Encoder's newline
}

// encoder is a JSON encoder with the writer it writes into, pooled together
// so that encoding allocates neither.
type encoder struct {
	enc *json.Encoder
	w   appendWriter
}

var encoders = sync.Pool{New: func() any {
	e := &encoder{}
	e.enc = json.NewEncoder(&e.w)
	return e
}}

// Unmarshal decodes the JSON in data into the value v points to, which it
// first sets to its zero value: unlike encoding/json, fields absent from
// data do not keep what v held before.
func (c Codec) Unmarshal(data []byte, v any) error {
	codec.Zero(v)
	if err := json.Unmarshal(data, v); err != nil {
		return codec.NewDecodeError(c, v, err)
	}
	return nil
}

// appendWriter is an io.Writer that appends to b.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}
