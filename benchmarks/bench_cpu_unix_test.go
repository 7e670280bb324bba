//go:build unix

package benchmarks

import "syscall"

// processCPU returns the CPU time the whole process has used so far (user
// plus system, every thread: the garbage collector's too), in nanoseconds.
func processCPU() (int64, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return ru.Utime.Nano() + ru.Stime.Nano(), true
}
