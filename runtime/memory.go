package runtime

import "github.com/tetratelabs/wazero/experimental"

// limitAllocator backs every linear memory of one instance with a Go slice
// that refuses to grow past limit bytes: memory.grow returns -1 instead.
type limitAllocator struct{ limit uint64 }

func (a limitAllocator) Allocate(capacity, max uint64) experimental.LinearMemory {
	return &limitedMemory{limit: min(a.limit, max)}
}

type limitedMemory struct {
	buf   []byte
	limit uint64
}

func (m *limitedMemory) Reallocate(size uint64) []byte {
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
	c := min(max(size, 2*uint64(cap(m.buf))), m.limit)
	if c < size {
		c = size
	}
	b := make([]byte, size, c)
	copy(b, m.buf)
	m.buf = b
	return b
}

func (m *limitedMemory) Free() { m.buf = nil }
