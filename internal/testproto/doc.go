// Package testproto holds the Protocol Buffers messages of the codec tests
// and benchmarks, generated from test.proto by scripts/genproto.sh. They
// mirror the Go types of package codectest.
package testproto
