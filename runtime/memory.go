package runtime

import "github.com/tetratelabs/wazero/experimental"

// limitAllocator backs every linear memory of one instance with memory that
// refuses to grow past limit bytes: memory.grow returns -1 instead. Where the
// platform allows it the memory is an anonymous mapping reserved up to the
// limit (see memory_linux.go): pages cost nothing until touched, the memory
// never moves, and growing never copies. Elsewhere it is a Go slice.
type limitAllocator struct{ limit uint64 }

func (a limitAllocator) Allocate(capacity, max uint64) experimental.LinearMemory {
	limit := min(a.limit, max)
	if m := newMappedMemory(limit); m != nil {
		return m
	}
	return &sliceMemory{limit: limit}
}

// sliceMemory is a linear memory in the Go heap.
type sliceMemory struct {
	buf   []byte
	limit uint64
}

func (m *sliceMemory) Reallocate(size uint64) []byte {
	if size > m.limit && size > uint64(len(m.buf)) {
		if m.buf == nil {
			// The module's minimum; Compile rejects modules whose minimum
			// is over the limit, so this only serves imported memories.
			m.buf = make([]byte, size)
			return m.buf
		}
		return nil
	}
	if size <= uint64(cap(m.buf)) {
		m.buf = m.buf[:size]
		return m.buf
	}
	c := max(min(2*uint64(cap(m.buf)), m.limit), size)
	b := make([]byte, size, c)
	copy(b, m.buf)
	m.buf = b
	return b
}

func (m *sliceMemory) Free() { m.buf = nil }
