// Package plugins holds example plug-ins written in standard Go with the
// guest kit, package pdk: one plug-in per folder, each a main package built
// with
//
//	go run ./cmd/tendril build -o plugin.wasm ./examples/plugins/<name>
//
// The tests of this package build every plug-in from source and run it on
// Tendril's runtime; they are the runnable proof of the pdk documentation.
//
//   - count_vowels: counts vowels, keeps a running total in a var
//   - echo: output = input
//   - greet: config and vars
//   - http: HTTP requests through the host
//   - hostfunc: calls the host function extism:host/user to_upper
//   - log: logs at each level, directly and through log/slog
//   - boom: panics, runtime errors and errors, all survived
//   - noop: an export that does nothing, for benchmarks
//   - orders: Go values in and out with MessagePack (pdk.RunTyped), a typed
//     host function (pdk.CallHost), a declared default codec
package plugins
