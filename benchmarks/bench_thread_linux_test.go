//go:build linux

package benchmarks

import "syscall"

// threadCPU returns the CPU time the calling thread has used so far, in
// nanoseconds. Lock the goroutine to its thread around the measurement.
// Unlike wall time, it hardly moves when other processes load the machine.
func threadCPU() (int64, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		return 0, false
	}
	return ru.Utime.Nano() + ru.Stime.Nano(), true
}
