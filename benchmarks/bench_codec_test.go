package benchmarks

import (
	"testing"

	"github.com/tendril-wasm/tendril/codec"
	"github.com/tendril-wasm/tendril/codec/json"
	"github.com/tendril-wasm/tendril/codec/msgpack"
	"github.com/tendril-wasm/tendril/codec/protobuf"
	"github.com/tendril-wasm/tendril/internal/codectest"
	"github.com/tendril-wasm/tendril/internal/testproto"
)

// Codecs alone, outside any call: what encoding and decoding a value costs,
// so that a typed call's share of codec work is visible next to the raw
// call. The values come from internal/codectest (Payload: a Record whose
// JSON is about the named size, mostly a list of people; ProtoPayload: the
// same data as a protobuf message; raw and string: that many bytes), which
// the typed-call benchmarks use too.
//
// Each size runs three ways: marshal (AppendMarshal into a reused buffer),
// unmarshal (into a new value) and both, one after the other: the work a
// typed call adds on one side of the boundary. B/msg is the encoded size.

// codecBench is one codec with its value of a given size.
type codecBench struct {
	codec codec.Codec
	value func(size int) any // what to marshal
	fresh func() any         // a pointer to a new value to unmarshal into
}

var codecBenches = []codecBench{
	{json.Codec{}, recordPayload, func() any { return new(codectest.Record) }},
	{msgpack.Codec{}, recordPayload, func() any { return new(codectest.Record) }},
	{protobuf.Codec{}, func(n int) any { return codectest.ProtoPayload(n) }, func() any { return new(testproto.Record) }},
	{codec.Raw{}, func(n int) any { return codectest.Bytes(n) }, func() any { return new([]byte) }},
	{codec.String{}, func(n int) any { return string(codectest.Bytes(n)) }, func() any { return new(string) }},
}

func recordPayload(n int) any {
	r := codectest.Payload(n)
	return &r
}

func BenchmarkCodec(b *testing.B) {
	for _, cb := range codecBenches {
		for _, s := range codectest.Sizes {
			v := cb.value(s.Bytes)
			if cb.codec.Name() == "string" {
				v = validUTF8(v.(string))
			}
			enc, err := codec.Marshal(cb.codec, v)
			if err != nil {
				b.Fatal(err)
			}
			prefix := "codec=" + cb.codec.Name() + "/size=" + s.Name
			b.Run(prefix+"/op=marshal", func(b *testing.B) {
				buf := make([]byte, 0, len(enc)+64) // reused, as a typed handle reuses its buffer
				report(b, len(enc))
				for b.Loop() {
					if _, err := cb.codec.AppendMarshal(buf[:0], v); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(prefix+"/op=unmarshal", func(b *testing.B) {
				report(b, len(enc))
				for b.Loop() {
					if err := cb.codec.Unmarshal(enc, cb.fresh()); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(prefix+"/op=both", func(b *testing.B) {
				buf := make([]byte, 0, len(enc)+64) // reused, as a typed handle reuses its buffer
				report(b, len(enc))
				for b.Loop() {
					out, err := cb.codec.AppendMarshal(buf[:0], v)
					if err != nil {
						b.Fatal(err)
					}
					if err := cb.codec.Unmarshal(out, cb.fresh()); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func report(b *testing.B, n int) {
	b.SetBytes(int64(n))
	b.ReportAllocs()
	// Reported when the benchmark ends: b.Loop drops metrics reported
	// before the loop.
	b.Cleanup(func() { b.ReportMetric(float64(n), "B/msg") })
}

// validUTF8 maps arbitrary bytes to ASCII letters of the same length.
func validUTF8(s string) string {
	b := []byte(s)
	for i := range b {
		b[i] = 'a' + b[i]%26
	}
	return string(b)
}
