// Package pdk is Tendril's guest kit: it lets a plug-in written in standard Go
// speak the Extism plug-in ABI, so it runs on Tendril and on any Extism host.
//
// A plug-in is a main package built for wasip1 as a reactor:
//
//	go run ./cmd/tendril build -o plugin.wasm ./path/to/plugin
//
// which runs, in the plug-in's directory,
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -buildvcs=false -o plugin.wasm .
//
// Each function the host calls is a //go:wasmexport function with no
// parameters that returns int32: 0 for success, non-zero for failure. Run
// turns a func() error into that result, reports the error's message to the
// host, and recovers panics so that the instance stays usable. Within a call
// the plug-in reads its input (Input, InputString, AppendInput), writes its
// output (Output, OutputString), reads the host's configuration (GetConfig),
// keeps per-instance vars across calls (GetVar, SetVar, DeleteVar), logs
// through the host (Log, LogEnabled, LogLevel; package pdkslog for
// log/slog), makes HTTP requests through the host (HTTPRequest.Send), and
// passes bytes to the application's own host functions as kernel memory
// blocks (Handle), or as Go values (RunTyped, CallHost).
//
// Every file of the package but this one has the build tag wasip1, so on
// other platforms the package is empty; see its API with
//
//	GOOS=wasip1 GOARCH=wasm go doc -all github.com/tendril-wasm/tendril/pdk
//
// It uses only the standard library and package codec (not its
// sub-packages), and not fmt, encoding/json or log/slog, each of which would
// add 0.4 to 1 MB to every plug-in.
//
// A complete plug-in:
//
//	//go:build wasip1
//
//	package main
//
//	import (
//		"errors"
//		"strconv"
//
//		"github.com/tendril-wasm/tendril/pdk"
//	)
//
//	// greet answers "<greeting>, <input>!" using the host's "greeting" config
//	// and counts its calls in the var "calls".
//	//
//	//go:wasmexport greet
//	func greet() int32 {
//		return pdk.Run(func() error {
//			name := pdk.InputString()
//			if name == "" {
//				return errors.New("greet: empty name")
//			}
//			greeting, ok := pdk.GetConfig("greeting")
//			if !ok {
//				greeting = "Hello"
//			}
//			calls := 1
//			if v, ok := pdk.GetVar("calls"); ok {
//				n, err := strconv.Atoi(string(v))
//				if err != nil {
//					return err
//				}
//				calls = n + 1
//			}
//			pdk.SetVar("calls", []byte(strconv.Itoa(calls)))
//			pdk.Log(pdk.LevelInfo, "greeted "+name)
//			pdk.OutputString(greeting + ", " + name + "!")
//			return nil
//		})
//	}
//
//	func main() {}
//
// This plug-in, and others for each part of the package, are in the
// repository's examples/plugins, whose tests build them from source and run
// them on Tendril; the benchmarks module runs them on Extism's go-sdk too.
//
// # Typed functions
//
// RunTyped is Run for a function of Go values: it decodes the input with a
// codec (package codec and its sub-packages: JSON, MessagePack, Protocol
// Buffers, raw bytes, text), calls func(In) (Out, error), and encodes the
// result as the output. Input that does not decode fails the call with a
// message naming the codec and the Go type, so a host that speaks another
// codec is told so:
//
//	//go:wasmexport total
//	func total() int32 {
//		return pdk.RunTyped(msgpack.Codec{}, func(o Order) (Receipt, error) {
//			return Receipt{Item: o.Item, Total: o.Price * o.Quantity}, nil
//		})
//	}
//
// CallHost calls a host function of the application that takes and returns
// bytes (on Tendril, one made by runtime.NewHostFunction) with a Go value
// encoded by a codec, and decodes the answer. A host function that fails
// returns no block and sets the call's error; CallHost takes that error
// back, clears it and returns it as a *HostError, which the plug-in may
// handle or return (then the host gets its own error back).
//
// Each codec costs plug-in size, on top of the 2 MB of a minimal plug-in:
// JSON about 1.4 MB, MessagePack 1.7 MB, Protocol Buffers 4.6 MB; Raw and
// String about 60 KB (package codec's documentation has the table).
//
// # Declaring a default codec
//
// A host calling a plug-in with Go values must use the plug-in's codec. A
// plug-in declares its default with an export named "tendril:codec/" and the
// codec's name; the export does nothing, and the host reads its name from
// the compiled module without instantiating or calling it:
//
//	//go:wasmexport tendril:codec/msgpack
//	func declareCodec() int32 { return 0 }
//
// A plug-in whose functions use different codecs declares the one most of
// them use; the host can still choose a codec per call.
//
// # Exports
//
// An export's name may not be "memory" (the module's memory is exported under
// that name) or "_initialize". Every other name is free, including ones with
// ':', '.' or '/'. The host calls _initialize once, before any export, to
// start the Go runtime; func main is never called.
//
// # Moving bytes
//
// The ABI moves at most 8 bytes per call. This package reads the input and
// kernel memory with one input_load_u64 or load_u64 per 8 bytes, stored
// straight into a pre-sized Go slice, and writes with one store_u64 per 8
// bytes, so 1 MiB costs 131,072 ABI calls each way; only buffers shorter
// than 8 bytes go byte by byte. Blocks it allocates or receives are freed as
// soon as their bytes are copied, so kernel memory does not grow with the
// number of operations in a call.
//
// # Empty values
//
// The ABI has no empty block: handle 0 means none. So an empty config value
// reads as missing, setting an empty var deletes it, and an empty error
// message is sent as "error".
//
// # Concurrency
//
// An instance runs one call at a time. The functions of this package act on
// the current call and must be called while an export runs, not from
// goroutines that outlive it.
package pdk
