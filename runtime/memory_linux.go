package runtime

import (
	goruntime "runtime"
	"syscall"

	"github.com/tetratelabs/wazero/experimental"
)

// mappedMemory is a linear memory in an anonymous private mapping of limit
// bytes, reserved but not committed (MAP_NORESERVE): the kernel hands out
// zeroed pages as the guest touches them.
type mappedMemory struct {
	mem     []byte
	limit   uint64
	cleanup goruntime.Cleanup
}

// newMappedMemory returns nil when the mapping cannot be made; the caller
// falls back to the Go heap.
func newMappedMemory(limit uint64) experimental.LinearMemory {
	if limit == 0 || limit > 1<<32 {
		return nil
	}
	b, err := syscall.Mmap(-1, 0, int(limit), syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
	if err != nil {
		return nil
	}
	m := &mappedMemory{mem: b, limit: limit}
	// An instance that is never closed must not leak its mapping.
	m.cleanup = goruntime.AddCleanup(m, func(b []byte) { _ = syscall.Munmap(b) }, b)
	return m
}

func (m *mappedMemory) Reallocate(size uint64) []byte {
	if size > m.limit || m.mem == nil {
		return nil
	}
	return m.mem[:size]
}

func (m *mappedMemory) Free() {
	if m.mem == nil {
		return
	}
	m.cleanup.Stop()
	_ = syscall.Munmap(m.mem)
	m.mem = nil
}
