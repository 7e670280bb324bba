//go:build !unix

package benchmarks

// processCPU is unknown here: the cpu-ns/op metric is left out.
func processCPU() (int64, bool) { return 0, false }
