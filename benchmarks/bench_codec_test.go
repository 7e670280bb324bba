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
// typed call adds on one side of the boundary. B/msg is the encoded size;
// cpu-ns/op (the process's CPU time per op) is the figure to read on a
// loaded machine.

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
			buf := make([]byte, 0, len(enc)+64) // reused, as a typed handle reuses its buffer
			b.Run(prefix+"/op=marshal", func(b *testing.B) {
				codecLoop(b, len(enc), func() error {
					_, err := cb.codec.AppendMarshal(buf[:0], v)
					return err
				})
			})
			b.Run(prefix+"/op=unmarshal", func(b *testing.B) {
				codecLoop(b, len(enc), func() error { return cb.codec.Unmarshal(enc, cb.fresh()) })
			})
			b.Run(prefix+"/op=both", func(b *testing.B) {
				codecLoop(b, len(enc), func() error {
					out, err := cb.codec.AppendMarshal(buf[:0], v)
					if err != nil {
						return err
					}
					return cb.codec.Unmarshal(out, cb.fresh())
				})
			})
		}
	}
}

// codecLoop runs op as the benchmark's loop and reports bytes, allocations,
// cpu-ns/op and the message size n (B/msg).
func codecLoop(b *testing.B, n int, op func() error) {
	b.SetBytes(int64(n))
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		if err := op(); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b)
	b.ReportMetric(float64(n), "B/msg")
}

// validUTF8 maps arbitrary bytes to ASCII letters of the same length.
func validUTF8(s string) string {
	b := []byte(s)
	for i := range b {
		b[i] = 'a' + b[i]%26
	}
	return string(b)
}
