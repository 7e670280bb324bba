// Package codectest holds the values that the codec tests, the typed-call
// tests and the benchmarks send across the plug-in boundary: a non-trivial
// Go type (Record: nested structs, slices, maps, optional fields, unicode,
// a large byte field), the same data as the generated Protocol Buffers
// message of package testproto, and builders of payloads of a given size.
//
// It builds for wasip1 too, so that test plug-ins use the very same types.
package codectest
