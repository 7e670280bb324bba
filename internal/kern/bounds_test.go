package kern_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	kernel "github.com/tendril-wasm/tendril/internal/kern"
)

// TestKernelLoopsAreBounded holds the kernel to O(1) work per call but for
// two loops: alloc's first fit, which stops after 256 blocks, and zero,
// which visits Go (yield) after every 1 MiB it clears. Whatever a guest
// writes to the headers, one kernel call (and one Go Read of a handle) does
// a bounded amount of work between two visits to Go. Issue 12: a forged
// header used to make one length call walk ~32 M blocks.
func TestKernelLoopsAreBounded(t *testing.T) {
	src, err := os.ReadFile("kernel.wat")
	require.NoError(t, err)
	code := regexp.MustCompile(`;;[^\n]*`).ReplaceAllString(string(src), "")
	require.Equal(t, 2, strings.Count(code, "(loop"), "kernel.wat must have exactly two loops")
	fn := func(name string) string {
		f := code[strings.Index(code, `(func $`+name):]
		return f[:strings.Index(f[1:], "(func")+1]
	}
	require.Contains(t, fn("alloc"), "(loop $scan")
	require.Contains(t, fn("alloc"), "(i32.const 256)", "alloc's scan must be bounded")
	require.Contains(t, fn("zero"), "(loop $chunk")
	require.Contains(t, fn("zero"), "(call $host_yield)", "zero must visit Go between chunks")
	require.NotContains(t, fn("alloc"), "memory.fill", "alloc zeroes through zero")
}

// TestZeroYieldsAndStops: a big alloc zeroes its block 1 MiB at a time and
// fails once its context is done, rather than zero gigabytes first.
func TestZeroYieldsAndStops(t *testing.T) {
	ctx := context.Background()
	ki := newKinst(t, ctx, newTestKernel(t), kernel.Options{})
	ki.reset(nil)
	h := ki.must("alloc", 3<<20+5)
	require.Equal(t, uint64(3<<20+5), ki.must("length", h))
	require.True(t, isZero(ki.bytesAt(h, 3<<20+5)))
	ki.must("reset")
	done, cancel := context.WithCancel(ctx)
	cancel()
	ki.ctx = done
	_, err := ki.call("alloc", 3<<20)
	require.ErrorIs(t, err, context.Canceled)
	ki.ctx = ctx
	_, err = ki.call("alloc", 1<<20) // one step: no visit to Go
	require.NoError(t, err)
}

// forge writes a block header (capacity word, length) in front of h, as a
// guest does with store_u64.
func forge(ki *kinst, h uint64, capw, n uint32) {
	ki.t.Helper()
	ki.must("store_u64", h-8, uint64(n)<<32|uint64(capw))
}

// TestForgedHeaderStaysInThisCall: after a call with a large input, the
// next call's guest forges headers (length past the capacity, capacity past
// top, a block at top): length, Read (what error_set, var_set, logs and HTTP
// bodies use) and GuestError never return a byte past top, so nothing of the
// previous call's input leaks. Issue 12, point 5.
func TestForgedHeaderStaysInThisCall(t *testing.T) {
	ctx := context.Background()
	ki := newKinst(t, ctx, newTestKernel(t), kernel.Options{})
	secret := bytes.Repeat([]byte("SECRET-previous-call-input "), 4000) // ~100 KiB: two pages
	ki.reset(secret)
	ki.reset([]byte("x"))
	h := ki.must("alloc", 16)
	top := ki.u64(offTop)
	require.Equal(t, h+16, top)

	cases := []struct {
		name string
		capw uint32
		n    uint32
	}{
		{"len past cap", 16, 1 << 20},
		{"cap past top", 1 << 20, 1 << 20},
		{"cap past top, small len", 1 << 20, 8},
		{"cap to the end of memory", uint32(ki.mem.Size()) - uint32(h), 60000},
		{"flags and huge", 0xFFFFFFFF, 0xFFFFFFF0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ki.t = t
			forge(ki, h, tc.capw, tc.n)
			require.Zero(t, ki.must("length", h))
			require.Zero(t, ki.must("length_unsafe", h))
			require.Zero(t, ki.in.Length(ctx, h))
			_, err := ki.in.Read(ctx, h)
			require.ErrorIs(t, err, kernel.ErrBadHandle)
			f := ki.fault("error_set", h)
			require.Equal(t, "error_set", f.Function)
			ki.must("free", h) // ignored
			require.Equal(t, top, ki.u64(offTop))
		})
	}
	ki.t = t
	// A header that stays below top reads bytes of this call only.
	forge(ki, h, 16, 16)
	b, err := ki.in.Read(ctx, h)
	require.NoError(t, err)
	require.Len(t, b, 16)
	require.NotContains(t, string(b), "SECRET")
	// A handle at top (its header the last 8 bytes of the heap) is no block.
	require.Zero(t, ki.must("length", top))
	// A forged error handle: the host reads it in O(1), and nothing past top.
	ki.must("error_set", h)
	forge(ki, h, 1<<20, 1<<20)
	msg, set := ki.in.GuestError(ctx)
	require.True(t, set)
	require.Empty(t, msg)
}

// TestAllocScanIsBounded: with more than 256 blocks before the only free
// block that fits, alloc takes a new block at top rather than walk on.
func TestAllocScanIsBounded(t *testing.T) {
	ctx := context.Background()
	ki := newKinst(t, ctx, newTestKernel(t), kernel.Options{})
	ki.reset(nil)
	var hs []uint64
	for i := 0; i < 1100; i++ {
		hs = append(hs, ki.must("alloc", 8))
	}
	near, far := hs[10], hs[1050]
	ki.must("free", far)
	top := ki.u64(offTop)
	h := ki.must("alloc", 8)
	require.Equal(t, top+8, h, "a free block past the first 256 is not searched for")
	ki.must("free", near)
	require.Equal(t, near, ki.must("alloc", 8), "a free block among the first 256 is reused")
}

// TestFreeMergesNeighbours: free merges a block with free blocks right
// above and right below in O(1), and a free run that reaches top goes back
// to the bump region.
func TestFreeMergesNeighbours(t *testing.T) {
	ctx := context.Background()
	ki := newKinst(t, ctx, newTestKernel(t), kernel.Options{})
	ki.reset([]byte("in"))
	base := ki.must("memory_bytes")
	a := ki.must("alloc", 24)
	b := ki.must("alloc", 24)
	c := ki.must("alloc", 24)
	d := ki.must("alloc", 24)
	ki.must("free", a)
	ki.must("free", c)
	require.Equal(t, uint64(48), ki.u64(offFreed))
	ki.must("free", b) // merges a, b and c into one free block of 24*3+16
	require.Equal(t, uint64(88), ki.u64(offFreed))
	require.Equal(t, uint64(88), uint64(binary.LittleEndian.Uint32(ki.bytesAt(a-8, 4))))
	require.Equal(t, a, ki.must("alloc", 88), "the merged block serves an alloc of its whole size")
	ki.must("free", a)
	ki.must("free", d) // the last block: everything above the input returns
	require.Equal(t, base, ki.must("memory_bytes"))
	require.Zero(t, ki.u64(offFreed))
}
