//go:build wasip1

// Command typed is the test plug-in of typed calls: for each codec of the
// module it exports functions of Go values, built with pdk.RunTyped, and
// calls typed host functions with pdk.CallHost. Its values are those of
// internal/codectest, so that host-side tests share the types.
//
// For each codec C in json, msgpack, protobuf, raw and string:
//
//   - echo_C returns its input value;
//   - transform_C returns codectest.Transform of it (TransformBytes for raw,
//     TransformString for string); a Record named "reject" fails with
//     codectest.ErrRejected's message and one named "panic" panics;
//   - host_C sends its input to the host function extism:host/user
//     transform_C with pdk.CallHost and returns the host's answer; a host
//     error is returned as it is (the host gets its own error back);
//   - recover_C does the same but answers a host error with a value whose
//     Name (or text) is "recovered: " and the host's message.
//
// It declares msgpack as its default codec (the export tendril:codec/msgpack).
package main

import (
	"github.com/tendril-wasm/tendril/codec"
	"github.com/tendril-wasm/tendril/codec/json"
	"github.com/tendril-wasm/tendril/codec/msgpack"
	"github.com/tendril-wasm/tendril/codec/protobuf"
	"github.com/tendril-wasm/tendril/internal/codectest"
	"github.com/tendril-wasm/tendril/internal/testproto"
	"github.com/tendril-wasm/tendril/pdk"
)

// The plug-in's default codec: a host reads it from the export's name.
//
//go:wasmexport tendril:codec/msgpack
func defaultCodec() int32 { return 0 }

// Host functions, one per codec, each bytes in, bytes out.

//go:wasmimport extism:host/user transform_json
func hostTransformJSON(pdk.Handle) pdk.Handle

//go:wasmimport extism:host/user transform_msgpack
func hostTransformMsgpack(pdk.Handle) pdk.Handle

//go:wasmimport extism:host/user transform_protobuf
func hostTransformProtobuf(pdk.Handle) pdk.Handle

//go:wasmimport extism:host/user transform_raw
func hostTransformRaw(pdk.Handle) pdk.Handle

//go:wasmimport extism:host/user transform_string
func hostTransformString(pdk.Handle) pdk.Handle

// Records (json, msgpack).

func echoRecord(c codec.Codec) int32 {
	return pdk.RunTyped(c, func(r codectest.Record) (codectest.Record, error) { return r, nil })
}

func transformRecord(c codec.Codec) int32 {
	return pdk.RunTyped(c, func(r codectest.Record) (codectest.Record, error) {
		if r.Name == "panic" {
			panic("asked to panic")
		}
		return codectest.Transform(r)
	})
}

func hostRecord(c codec.Codec, host func(pdk.Handle) pdk.Handle) int32 {
	return pdk.RunTyped(c, func(r codectest.Record) (codectest.Record, error) {
		return pdk.CallHost[codectest.Record, codectest.Record](c, host, r)
	})
}

func recoverRecord(c codec.Codec, host func(pdk.Handle) pdk.Handle) int32 {
	return pdk.RunTyped(c, func(r codectest.Record) (codectest.Record, error) {
		out, err := pdk.CallHost[codectest.Record, codectest.Record](c, host, r)
		if he, ok := err.(*pdk.HostError); ok {
			return codectest.Record{Name: "recovered: " + he.Message}, nil
		}
		return out, err
	})
}

//go:wasmexport echo_json
func echoJSON() int32 { return echoRecord(json.Codec{}) }

//go:wasmexport transform_json
func transformJSON() int32 { return transformRecord(json.Codec{}) }

//go:wasmexport host_json
func hostJSON() int32 { return hostRecord(json.Codec{}, hostTransformJSON) }

//go:wasmexport recover_json
func recoverJSON() int32 { return recoverRecord(json.Codec{}, hostTransformJSON) }

//go:wasmexport echo_msgpack
func echoMsgpack() int32 { return echoRecord(msgpack.Codec{}) }

//go:wasmexport transform_msgpack
func transformMsgpack() int32 { return transformRecord(msgpack.Codec{}) }

//go:wasmexport host_msgpack
func hostMsgpack() int32 { return hostRecord(msgpack.Codec{}, hostTransformMsgpack) }

//go:wasmexport recover_msgpack
func recoverMsgpack() int32 { return recoverRecord(msgpack.Codec{}, hostTransformMsgpack) }

// Protocol Buffers messages.

type message = *testproto.Record

//go:wasmexport echo_protobuf
func echoProtobuf() int32 {
	return pdk.RunTyped(protobuf.Codec{}, func(m message) (message, error) { return m, nil })
}

//go:wasmexport transform_protobuf
func transformProtobuf() int32 {
	return pdk.RunTyped(protobuf.Codec{}, func(m message) (message, error) {
		if m.GetName() == "panic" {
			panic("asked to panic")
		}
		r, err := codectest.Transform(codectest.FromProto(m))
		return codectest.ToProto(r), err
	})
}

//go:wasmexport host_protobuf
func hostProtobuf() int32 {
	return pdk.RunTyped(protobuf.Codec{}, func(m message) (message, error) {
		return pdk.CallHost[message, message](protobuf.Codec{}, hostTransformProtobuf, m)
	})
}

//go:wasmexport recover_protobuf
func recoverProtobuf() int32 {
	return pdk.RunTyped(protobuf.Codec{}, func(m message) (message, error) {
		out, err := pdk.CallHost[message, message](protobuf.Codec{}, hostTransformProtobuf, m)
		if he, ok := err.(*pdk.HostError); ok {
			return &testproto.Record{Name: "recovered: " + he.Message}, nil
		}
		return out, err
	})
}

// Raw bytes and text.

//go:wasmexport echo_raw
func echoRaw() int32 {
	return pdk.RunTyped(codec.Raw{}, func(b []byte) ([]byte, error) { return b, nil })
}

//go:wasmexport transform_raw
func transformRaw() int32 {
	return pdk.RunTyped(codec.Raw{}, func(b []byte) ([]byte, error) { return codectest.TransformBytes(b), nil })
}

//go:wasmexport host_raw
func hostRaw() int32 {
	return pdk.RunTyped(codec.Raw{}, func(b []byte) ([]byte, error) {
		return pdk.CallHost[[]byte, []byte](codec.Raw{}, hostTransformRaw, b)
	})
}

//go:wasmexport recover_raw
func recoverRaw() int32 {
	return pdk.RunTyped(codec.Raw{}, func(b []byte) ([]byte, error) {
		out, err := pdk.CallHost[[]byte, []byte](codec.Raw{}, hostTransformRaw, b)
		if he, ok := err.(*pdk.HostError); ok {
			return []byte("recovered: " + he.Message), nil
		}
		return out, err
	})
}

//go:wasmexport echo_string
func echoString() int32 {
	return pdk.RunTyped(codec.String{}, func(s string) (string, error) { return s, nil })
}

//go:wasmexport transform_string
func transformString() int32 {
	return pdk.RunTyped(codec.String{}, func(s string) (string, error) { return codectest.TransformString(s), nil })
}

//go:wasmexport host_string
func hostString() int32 {
	return pdk.RunTyped(codec.String{}, func(s string) (string, error) {
		return pdk.CallHost[string, string](codec.String{}, hostTransformString, s)
	})
}

//go:wasmexport recover_string
func recoverString() int32 {
	return pdk.RunTyped(codec.String{}, func(s string) (string, error) {
		out, err := pdk.CallHost[string, string](codec.String{}, hostTransformString, s)
		if he, ok := err.(*pdk.HostError); ok {
			return "recovered: " + he.Message, nil
		}
		return out, err
	})
}

func main() {}
