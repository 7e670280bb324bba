// Package msgpack is the MessagePack codec of package codec, built on
// github.com/vmihailenco/msgpack/v5.
//
// It lives apart from package codec so that programs that do not use
// MessagePack do not link its library.
package msgpack

import (
	"bytes"
	"sync"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/tendril-wasm/tendril/codec"
)

// Name is the name of the MessagePack codec.
const Name = "msgpack"

// Codec is the MessagePack codec, named "msgpack". It encodes and decodes as
// msgpack.Marshal and msgpack.Unmarshal do with their defaults: struct
// fields by name (or their `msgpack:"..."` tag), maps and slices with
// allocation limits on decode, so that hostile lengths cannot make it
// allocate more than the input justifies.
//
// The zero value is ready to use and safe for concurrent use.
type Codec struct{}

var _ codec.Codec = Codec{}

// Name returns "msgpack".
func (Codec) Name() string { return Name }

// AppendMarshal appends the MessagePack encoding of v to dst. It writes
// straight into dst, so a dst with room allocates no result buffer.
func (c Codec) AppendMarshal(dst []byte, v any) ([]byte, error) {
	e := encoders.Get().(*encoder)
	e.w.b = dst
	e.enc.Reset(&e.w)
	err := e.enc.Encode(v)
	out := e.w.b
	e.w.b = nil
	encoders.Put(e)
	if err != nil {
		return dst, codec.NewEncodeError(c, v, err)
	}
	return out, nil
}

// encoder is a MessagePack encoder with the writer it writes into, pooled
// together so that encoding allocates neither.
type encoder struct {
	enc *msgpack.Encoder
	w   appendWriter
}

var encoders = sync.Pool{New: func() any { return &encoder{enc: msgpack.NewEncoder(nil)} }}

// Unmarshal decodes the MessagePack value in data into the value v points
// to, which it first sets to its zero value: fields absent from data do not
// keep what v held before. Bytes after the first value are an error.
func (c Codec) Unmarshal(data []byte, v any) error {
	codec.Zero(v)
	r := bytes.NewReader(data)
	dec := msgpack.GetDecoder()
	dec.Reset(r)
	err := dec.Decode(v)
	msgpack.PutDecoder(dec)
	if err == nil && r.Len() > 0 {
		err = errTrailing
	}
	if err != nil {
		return codec.NewDecodeError(c, v, err)
	}
	return nil
}

// errTrailing reports input left over after the value.
var errTrailing = trailingError{}

type trailingError struct{}

func (trailingError) Error() string { return "msgpack: extra bytes after the value" }

// appendWriter is an io.Writer (and io.ByteWriter, which the encoder wants)
// that appends to b.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

func (w *appendWriter) WriteByte(c byte) error {
	w.b = append(w.b, c)
	return nil
}
