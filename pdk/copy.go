//go:build wasip1

package pdk

import "unsafe"

// Data crosses the ABI in 8-byte words: one call moves a uint64 that is stored
// into (or loaded from) Go memory with a single unaligned wasm i64 access. A
// tail shorter than a word is moved as one more word that overlaps bytes
// already moved, so a buffer of n >= 8 bytes costs ceil(n/8) calls; only
// buffers shorter than 8 bytes go byte by byte. The overlapping word never
// reads or writes outside the block, which a bounds-checking kernel requires.

// loadInput fills dst with the first len(dst) bytes of the input, which must
// be at least that long.
func loadInput(dst []byte) {
	n := len(dst)
	if n < 8 {
		for i := range dst {
			dst[i] = byte(extismInputLoadU8(uint64(i)))
		}
		return
	}
	p := unsafe.Pointer(unsafe.SliceData(dst))
	last := n - 8
	for i := 0; i < last; i += 8 {
		*(*uint64)(unsafe.Add(p, i)) = extismInputLoadU64(uint64(i))
	}
	*(*uint64)(unsafe.Add(p, last)) = extismInputLoadU64(uint64(last))
}

// load fills dst from kernel memory at h; the block must hold len(dst) bytes.
func load(h uint64, dst []byte) {
	n := len(dst)
	if n < 8 {
		for i := range dst {
			dst[i] = byte(extismLoadU8(h + uint64(i)))
		}
		return
	}
	p := unsafe.Pointer(unsafe.SliceData(dst))
	last := n - 8
	for i := 0; i < last; i += 8 {
		*(*uint64)(unsafe.Add(p, i)) = extismLoadU64(h + uint64(i))
	}
	*(*uint64)(unsafe.Add(p, last)) = extismLoadU64(h + uint64(last))
}

// store copies src into kernel memory at h; the block must hold len(src) bytes.
func store(h uint64, src []byte) {
	n := len(src)
	if n < 8 {
		for i, b := range src {
			extismStoreU8(h+uint64(i), uint32(b))
		}
		return
	}
	p := unsafe.Pointer(unsafe.SliceData(src))
	last := n - 8
	for i := 0; i < last; i += 8 {
		extismStoreU64(h+uint64(i), *(*uint64)(unsafe.Add(p, i)))
	}
	extismStoreU64(h+uint64(last), *(*uint64)(unsafe.Add(p, last)))
}

// alloc returns a new block of n bytes, or 0 when n is 0. It panics when the
// kernel is out of memory, so that Run reports the failure.
func alloc(n int) uint64 {
	if n <= 0 {
		return 0
	}
	h := extismAlloc(uint64(n))
	if h == 0 {
		panic(errOutOfMemory)
	}
	return h
}

// allocBytes returns a new block holding a copy of b, or 0 when b is empty.
func allocBytes(b []byte) uint64 {
	h := alloc(len(b))
	store(h, b)
	return h
}

// allocString returns a new block holding a copy of s, or 0 when s is empty.
func allocString(s string) uint64 {
	return allocBytes(unsafe.Slice(unsafe.StringData(s), len(s)))
}

// take copies the block h that the host just returned and frees it. Handles
// the host returns are blocks, so their length is read without validation.
func take(h uint64) []byte {
	if h == 0 {
		return nil
	}
	b := make([]byte, extismLengthUnsafe(h))
	load(h, b)
	extismFree(h)
	return b
}

// release frees blocks this package allocated, once the host call that used
// them is done. A zero handle is skipped; a host may already have freed the
// others, which kernels tolerate.
func release(hs ...uint64) {
	for _, h := range hs {
		if h != 0 {
			extismFree(h)
		}
	}
}
