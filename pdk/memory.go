//go:build wasip1

package pdk

import "unsafe"

// Handle is the offset of a block of kernel memory, the currency of the ABI:
// host functions take and return handles to pass bytes. 0 means none.
//
// A guest calls a host function of its application by declaring it with
// //go:wasmimport in the module "extism:host/user" (or the namespace the
// application names), using Handle for each i64 that carries bytes:
//
//	//go:wasmimport extism:host/user to_upper
//	func toUpper(pdk.Handle) pdk.Handle
//
//	func upper(s string) string {
//		in := pdk.AllocString(s)
//		defer in.Free()
//		out := toUpper(in)
//		defer out.Free()
//		return string(out.Bytes())
//	}
//
// Blocks live until they are freed or the call ends: the host frees every
// block before the next call, so a handle must not be kept across calls.
type Handle uint64

// Alloc returns a new block of n bytes, or 0 when n is 0. It panics when the
// kernel is out of memory.
func Alloc(n int) Handle {
	return Handle(alloc(n))
}

// AllocBytes returns a new block holding a copy of b, or 0 when b is empty.
func AllocBytes(b []byte) Handle {
	return Handle(allocBytes(b))
}

// AllocString returns a new block holding a copy of s, or 0 when s is empty.
func AllocString(s string) Handle {
	return Handle(allocString(s))
}

// Len returns the length of the block, or 0 when h is not a live block.
func (h Handle) Len() int {
	if h == 0 {
		return 0
	}
	return int(extismLength(uint64(h)))
}

// Load copies bytes from the start of the block into dst, as many as both
// hold, and returns how many it copied.
func (h Handle) Load(dst []byte) int {
	n := min(len(dst), h.Len())
	load(uint64(h), dst[:n])
	return n
}

// Store copies bytes from src to the start of the block, as many as both
// hold, and returns how many it copied.
func (h Handle) Store(src []byte) int {
	n := min(len(src), h.Len())
	store(uint64(h), src[:n])
	return n
}

// Bytes returns a copy of the block's contents, or nil when h is not a live
// block or the block is empty.
func (h Handle) Bytes() []byte {
	n := h.Len()
	if n == 0 {
		return nil
	}
	b := make([]byte, n)
	load(uint64(h), b)
	return b
}

// Text returns the block's contents as a string.
func (h Handle) Text() string {
	b := h.Bytes()
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// Free releases the block. Freeing 0, or a handle that is not a live block,
// does nothing.
func (h Handle) Free() {
	if h != 0 {
		extismFree(uint64(h))
	}
}
