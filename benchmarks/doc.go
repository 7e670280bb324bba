// Package benchmarks runs Tendril and the reference host, github.com/extism/go-sdk,
// side by side on the same plug-ins in one `go test -bench` run, and checks that
// plug-ins built with Tendril's guest kit run unchanged on the reference host.
package benchmarks
