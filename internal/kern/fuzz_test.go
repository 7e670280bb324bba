package kern_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/tetratelabs/wazero/experimental"

	kernel "github.com/tendril-wasm/tendril/internal/kern"
)

// Run each target locally for a minute, in CI for a few seconds:
//
//	go test -run '^$' -fuzz '^FuzzKernelABI$' -fuzztime 60s ./kernel/
//	go test -run '^$' -fuzz '^FuzzHTTPRequestJSON$' -fuzztime 60s ./kernel/
//	go test -run '^$' -fuzz '^FuzzMatchGlob$' -fuzztime 60s ./kernel/
//
// The seed corpora in testdata/fuzz/<FuzzName>/ run as plain tests. Every
// crasher becomes a committed seed and a TestFuzzRegression_* test.

// ---------------------------------------------------------------------------
// FuzzKernelABI: the fuzzer's bytes are a program of ABI calls.

// Operations of an ABI program: one byte (mod numOps) then the arguments.
const (
	opAlloc = iota
	opFree
	opLength
	opLengthUnsafe
	opLoadU8
	opLoadU64
	opStoreU8
	opStoreU64
	opInputOffset
	opInputLength
	opInputLoadU8
	opInputLoadU64
	opOutputSet
	opErrorSet
	opErrorGet
	opConfigGet
	opVarGet
	opVarSet
	opHTTPRequest
	opHTTPStatusCode
	opHTTPHeaders
	opLog // then a level byte (mod 5), then the handle
	opGetLogLevel
	opReset
	opMemoryBytes
	opHostReset // Instance.Reset(input): the next call
	opHostRead  // Instance.Read, Length, Output, GuestError on whatever state
	opHostWrite // then a length byte and that many bytes: Instance.Write
	numOps
)

// An argument is a selector byte (mod numArgKinds) and its payload.
const (
	argRaw      = iota // 8 bytes, little-endian
	argSpecial         // 1 byte: an index into specialArgs
	argTop             // 1 byte: top + int8
	argHandle          // 2 bytes: a handle seen so far (index), + int8
	argSmall           // 1 byte
	argNegative        // 1 byte: 2^64 - b
	argPow32           // 1 byte: 2^32 + int8
	argPow63           // 1 byte: 2^63 + int8
	numArgKinds
)

var specialArgs = []uint64{
	0, 1, 7, 8, 16, 127, heapStart, heapStart + 1, firstHandle - 1, firstHandle, firstHandle + 8,
	0xFFFF, 0x10000, 0x10008, 0x7FFFFFFF, 0x80000000, maxAlloc, maxAlloc + 1, 0xFFFFFF78, 0xFFFFFF80,
	0xFFFFFFF8, 0xFFFFFFFF, 1 << 32, 1<<32 + firstHandle, 1<<32 + 8, 1<<63 - 1, 1 << 63,
	math.MaxUint64 - 135, math.MaxUint64 - 7, math.MaxUint64,
}

// allocScan is how many blocks alloc's first fit looks at (kernel.wat).
const allocScan = 256

const (
	abiMemLimit  = 8 * 65536 // bytes the fuzzed kernel's memory may reach
	abiMaxVars   = 64
	abiMaxInput  = 64 << 10
	abiMaxOps    = 256
	abiMaxHandle = 64
)

var abiConfig = map[string]string{"a": "1", "key": "value", "empty": "", "big": strings.Repeat("v", 300)}

// capAllocator backs a memory with a slice that never grows past limit, and
// remembers the largest size it handed out.
type capAllocator struct {
	limit uint64
	mems  *[]*capMemory
}

func (a capAllocator) Allocate(_, max uint64) experimental.LinearMemory {
	m := &capMemory{limit: min(a.limit, max)}
	*a.mems = append(*a.mems, m)
	return m
}

type capMemory struct {
	buf   []byte
	limit uint64
	peak  uint64
}

func (m *capMemory) Reallocate(size uint64) []byte {
	if size > m.limit {
		return nil
	}
	if size > uint64(cap(m.buf)) {
		b := make([]byte, size, min(max(size, 2*uint64(cap(m.buf))), m.limit))
		copy(b, m.buf)
		m.buf = b
	}
	m.buf = m.buf[:size]
	m.peak = max(m.peak, size)
	return m.buf
}

func (m *capMemory) Free() { m.buf = nil }

// abiFixture lives for one fuzz worker: the kernel and the neighbour, an
// instance that must never change while the fuzzed one runs.
type abiFixture struct {
	ctx       context.Context
	k         *kernel.Kernel
	mems      []*capMemory
	neighbour *kinst
	nSnap     []byte
	nVars     map[string][]byte
	nOut      string
	log       *recordHandler
}

func newABIFixture(t testing.TB) *abiFixture {
	fx := &abiFixture{ctx: context.Background(), log: &recordHandler{level: kernel.LevelTrace}}
	fx.k = newTestKernel(t)
	nctx := experimental.WithMemoryAllocator(fx.ctx, capAllocator{limit: abiMemLimit, mems: &fx.mems})
	fx.neighbour = newKinst(t, nctx, fx.k, kernel.Options{Config: map[string]string{"key": "neighbour"}})
	n := fx.neighbour
	n.reset(bytes.Repeat([]byte("neighbour input "), 100))
	h := n.block("neighbour output")
	n.must("output_set", h, 16)
	for i := 0; i < 20; i++ {
		n.must("alloc", uint64(100*i+1))
	}
	n.must("free", h+24)
	n.must("var_set", n.block("nk"), n.block("nv"))
	fx.nSnap = n.snapshot()
	fx.nVars = n.in.Vars()
	fx.nOut = string(n.in.Output())
	return fx
}

func (fx *abiFixture) checkNeighbour(t testing.TB) {
	t.Helper()
	n := fx.neighbour
	if !bytes.Equal(n.snapshot(), fx.nSnap) {
		t.Fatal("the neighbour kernel instance's memory changed")
	}
	if got := string(n.in.Output()); got != fx.nOut {
		t.Fatalf("the neighbour's output changed to %q", got)
	}
	if !mapsEqual(n.in.Vars(), fx.nVars) {
		t.Fatalf("the neighbour's vars changed to %q", n.in.Vars())
	}
}

func mapsEqual(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || !bytes.Equal(v, w) {
			return false
		}
	}
	return true
}

// progReader decodes a program; past its end it reads zeros.
type progReader struct{ b []byte }

func (r *progReader) byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *progReader) u64() uint64 {
	var b [8]byte
	n := copy(b[:], r.b)
	r.b = r.b[n:]
	return binary.LittleEndian.Uint64(b[:])
}

// abiModel is what the test knows the kernel state must be.
type abiModel struct {
	input     []byte
	inputH    uint64
	output    uint64
	outputLen uint64
	errH      uint64
	faultCode uint64
	faultArg  uint64
	corrupt   bool // the guest overwrote a block header: the heap is no longer checkable
	handles   []uint64
	vars      map[string]string
	// what this call logged, against the per-call caps
	logBytes, logRecords int
	logTruncated         bool
}

func (m *abiModel) addHandle(h uint64) {
	if h != 0 && len(m.handles) < abiMaxHandle {
		m.handles = append(m.handles, h)
	}
}

// abiRun executes one program against a fresh kernel instance.
type abiRun struct {
	t    testing.TB
	fx   *abiFixture
	ki   *kinst
	mem  *capMemory
	m    abiModel
	prog progReader
	ops  []string // a trace for failure messages
}

func (r *abiRun) fatalf(format string, args ...any) {
	r.t.Helper()
	tr := r.ops
	if len(tr) > 40 {
		tr = tr[len(tr)-40:]
	}
	r.t.Fatalf("%s\nlast ops:\n\t%s", fmt.Sprintf(format, args...), strings.Join(tr, "\n\t"))
}

// mem returns the kernel memory (aliased, read only here).
func (r *abiRun) memory() []byte {
	b, _ := r.ki.mem.Read(0, r.ki.mem.Size())
	return b
}

func le32(b []byte, off uint64) uint64 { return uint64(binary.LittleEndian.Uint32(b[off:])) }
func le64(b []byte, off uint64) uint64 { return binary.LittleEndian.Uint64(b[off:]) }

type heapBlock struct {
	h, cap, len uint64
	prevFree    bool // the header's flag: the block right below is free
}

// walkHeap lists the blocks from the heap start to top; it fails when the
// headers do not tile the heap exactly.
func walkHeap(b []byte, top uint64) ([]heapBlock, error) {
	var blocks []heapBlock
	for pos := uint64(heapStart); pos < top; {
		if top-pos < 8 {
			return blocks, fmt.Errorf("a header at %#x crosses top %#x", pos, top)
		}
		capw := le32(b, pos)
		blk := heapBlock{h: pos + 8, cap: capw &^ 7, len: le32(b, pos+4), prevFree: capw&1 != 0}
		if capw&6 != 0 {
			return blocks, fmt.Errorf("block %#x: header %#x has unknown flags", blk.h, capw)
		}
		blocks = append(blocks, blk)
		pos += 8 + blk.cap
		if pos > top {
			return blocks, fmt.Errorf("block %#x (cap %d) ends past top %#x", blk.h, blk.cap, top)
		}
	}
	return blocks, nil
}

// refLength is kernel.wat's length, written again in Go; it is defined on any
// memory state, corrupted headers included: an O(1) check of the header,
// which keeps the block inside the heap below top.
func refLength(b []byte, top, h uint64) uint64 {
	if h < firstHandle || h > top || h%8 != 0 {
		return 0
	}
	c, n := le32(b, h-8)&^7, le32(b, h-4)
	if n > c || c > top-h {
		return 0
	}
	return n
}

// refRead is what Instance.Read must return: the bytes of a block or !ok.
func refRead(b []byte, top, h uint64) ([]byte, bool) {
	n := refLength(b, top, h)
	if n == 0 || h+n > uint64(len(b)) {
		return nil, false
	}
	return b[h : h+n], true
}

func inHeap(top, p, n uint64) bool { return p >= heapStart && p <= top && top-p >= n }

// FuzzKernelABI runs a program of ABI calls with arbitrary 64-bit arguments
// against one kernel instance, after Reset(input). After every call it
// checks the kernel's state against a model:
//   - no Go panic; every trap is a bounds-checked function rejecting an
//     argument it must reject, with Fault() naming that function and argument,
//     and nothing else changed (no function traps otherwise, not even on a
//     heap whose headers the guest overwrote: see
//     TestFuzzRegression_AllocSplitWraparound);
//   - the state area (top, input, output, error, fault) changes only as the
//     ABI says, whatever the guest did to the heap, and top stays within
//     [heap start, memory size];
//   - while no header was overwritten, the heap tiles exactly, the free-bytes
//     count is right, and alloc/free/length/... do what they say;
//   - the memory never grows past the allocator's limit;
//   - after a fault, Reset makes the instance fully usable;
//   - a neighbour instance's memory, output and vars never change.
func FuzzKernelABI(f *testing.F) {
	fx := newABIFixture(f)
	f.Fuzz(func(t *testing.T, input, prog []byte) {
		runKernelABI(t, fx, input, prog)
	})
}

func runKernelABI(t testing.TB, fx *abiFixture, input, prog []byte) {
	if len(input) > abiMaxInput {
		input = input[:abiMaxInput]
	}
	mems := len(fx.mems)
	ctx := experimental.WithMemoryAllocator(fx.ctx, capAllocator{limit: abiMemLimit, mems: &fx.mems})
	in, err := fx.k.Instantiate(ctx, kernel.Options{
		Config:      abiConfig,
		MaxVarBytes: abiMaxVars,
		Logger:      slog.New(fx.log),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close(ctx)
	if len(fx.mems) != mems+1 {
		t.Fatalf("the kernel instance made %d memories with the allocator, want 1", len(fx.mems)-mems)
	}
	r := &abiRun{t: t, fx: fx, ki: wrapKinst(t, ctx, in), mem: fx.mems[mems], prog: progReader{prog}}
	defer func() { fx.mems = fx.mems[:mems] }()
	fx.log.take()
	r.hostReset(input)
	for i := 0; i < abiMaxOps && len(r.prog.b) > 0; i++ {
		r.step()
	}
	fx.checkNeighbour(t)
}

func (r *abiRun) hostReset(input []byte) {
	r.t.Helper()
	if err := r.ki.in.Reset(input); err != nil {
		r.fatalf("Reset(%d bytes): %v", len(input), err)
	}
	r.m = abiModel{input: input, inputH: r.ki.must("input_offset"), vars: r.m.vars}
	if r.m.vars == nil {
		r.m.vars = map[string]string{}
	}
	r.m.addHandle(r.m.inputH)
	if f := r.ki.in.Fault(); f != nil {
		r.fatalf("Fault() = %v after Reset", f)
	}
	if err := r.ki.in.HostError(); err != nil {
		r.fatalf("HostError() = %v after Reset", err)
	}
	r.check()
}

func (r *abiRun) top() uint64 { return r.ki.u64(offTop) }

func (r *abiRun) arg() uint64 {
	switch r.prog.byte() % numArgKinds {
	case argRaw:
		return r.prog.u64()
	case argSpecial:
		return specialArgs[int(r.prog.byte())%len(specialArgs)]
	case argTop:
		return r.top() + uint64(int64(int8(r.prog.byte())))
	case argHandle:
		i, d := r.prog.byte(), int8(r.prog.byte())
		if len(r.m.handles) == 0 {
			return uint64(int64(d))
		}
		return r.m.handles[int(i)%len(r.m.handles)] + uint64(int64(d))
	case argSmall:
		return uint64(r.prog.byte())
	case argNegative:
		return -uint64(r.prog.byte())
	case argPow32:
		return 1<<32 + uint64(int64(int8(r.prog.byte())))
	default: // argPow63
		return 1<<63 + uint64(int64(int8(r.prog.byte())))
	}
}

// boundsChecked: the functions that trap on a bad argument, by fault code.
var boundsChecked = map[string]uint64{
	"load_u8": 1, "load_u64": 2, "store_u8": 3, "store_u64": 4,
	"input_load_u8": 5, "input_load_u64": 6, "output_set": 7, "error_set": 8,
}

// call runs one export. ok says whether the model expects it to succeed;
// for a bounds-checked function that must fail, it checks the fault.
func (r *abiRun) call(name string, ok bool, faultArg uint64, args ...uint64) (uint64, bool) {
	r.t.Helper()
	r.ops = append(r.ops, fmt.Sprintf("%s%#x (top %#x)", name, args, r.top()))
	var before []byte
	if !ok {
		before = bytes.Clone(r.memory())
	}
	res, err := r.ki.call(name, args...)
	if err == nil {
		if !ok {
			r.fatalf("%s%#x succeeded; want a fault", name, args)
		}
		if len(res) == 0 {
			return 0, true
		}
		return res[0], true
	}
	code, checked := boundsChecked[name]
	if !checked {
		r.fatalf("%s%#x trapped: %v (fault %v); only bounds-checked functions may trap", name, args, err, r.ki.in.Fault())
	}
	if ok {
		r.fatalf("%s%#x trapped: %v (fault %v); want success", name, args, err, r.ki.in.Fault())
	}
	f := r.ki.in.Fault()
	if f == nil {
		r.fatalf("%s%#x trapped without a recorded fault: %v", name, args, err)
	}
	if f.Function != name || f.Offset != faultArg {
		r.fatalf("%s%#x: Fault() = %+v, want {%s %#x}", name, args, *f, name, faultArg)
	}
	after := r.memory()
	if len(after) != len(before) || !bytes.Equal(after[:offFault], before[:offFault]) || !bytes.Equal(after[offFault+16:], before[offFault+16:]) {
		r.fatalf("%s%#x: a rejected call changed memory beyond the fault record", name, args)
	}
	r.m.faultCode, r.m.faultArg = code, faultArg
	return 0, false
}

// afterFault checks the state, then starts the next call as the host would:
// the instance must be fully usable again.
func (r *abiRun) afterFault() {
	r.check()
	r.hostReset(r.m.input)
	ki := r.ki
	if n := uint64(len(r.m.input)); n > 0 {
		if got := ki.must("input_load_u8", n-1); got != uint64(r.m.input[n-1]) {
			r.fatalf("after Reset: input_load_u8(%d) = %#x, want %#x", n-1, got, r.m.input[n-1])
		}
	}
	top := r.top()
	if (top+8+16+65535)&^65535 > abiMemLimit {
		return // full to the last page: alloc may legitimately fail
	}
	h := ki.must("alloc", 16)
	if h == 0 {
		r.fatalf("after Reset: alloc(16) = 0 with %d bytes in use", ki.must("memory_bytes"))
	}
	ki.must("store_u64", h+8, 0x0123456789abcdef)
	if got := ki.must("load_u64", h+8); got != 0x0123456789abcdef {
		r.fatalf("after Reset: load_u64 = %#x", got)
	}
	ki.must("output_set", h+8, 8)
	if got := ki.in.Output(); le64(got, 0) != 0x0123456789abcdef {
		r.fatalf("after Reset: Output() = %x", got)
	}
	ki.must("reset")
	r.hostReset(r.m.input)
}

func (r *abiRun) step() {
	r.t.Helper()
	ki, m := r.ki, &r.m
	op := r.prog.byte() % numOps
	top := r.top()
	b := r.memory()
	heapOK := !m.corrupt
	hostErrBefore := ki.in.HostError()

	switch op {
	case opAlloc:
		n := r.arg()
		blocks, _ := walkHeap(b, top)
		h, _ := r.call("alloc", true, 0, n)
		if n == 0 || n > maxAlloc {
			if h != 0 {
				r.fatalf("alloc(%#x) = %#x, want 0", n, h)
			}
			break
		}
		m.addHandle(h)
		// Whatever the guest did to the headers, a block lies in the heap.
		if h != 0 && (h < firstHandle || h+n > r.top()) {
			r.fatalf("alloc(%d) = %#x: not inside the heap [%#x, top %#x)", n, h, firstHandle, r.top())
		}
		if !heapOK {
			break
		}
		need := (n + 7) &^ 7
		b = r.memory()
		if h == 0 {
			fits := false
			for i, blk := range blocks {
				fits = fits || (i < allocScan && blk.len == 0 && blk.cap >= need)
			}
			if fits || (top+8+need+65535)&^65535 <= abiMemLimit {
				r.fatalf("alloc(%d) = 0 though the block fits (top %#x, limit %#x)", n, top, abiMemLimit)
			}
			break
		}
		if h < firstHandle || h%8 != 0 || h+need > r.top() || le32(b, h-4) != n || le32(b, h-8) < need {
			r.fatalf("alloc(%d) = %#x: not a block of that size below top %#x", n, h, r.top())
		}
		if !isZero(b[h : h+n]) {
			r.fatalf("alloc(%d) = %#x: not zeroed", n, h)
		}
	case opFree:
		h := r.arg()
		live := heapOK && refLength(b, top, h) != 0
		var before []byte
		if heapOK && !live {
			before = bytes.Clone(b)
		}
		r.call("free", true, 0, h)
		b = r.memory()
		switch {
		case live && refLength(b, r.top(), h) != 0:
			r.fatalf("free(%#x): still live", h)
		case heapOK && !live && !bytes.Equal(before, b):
			r.fatalf("free(%#x) of no live block changed memory", h)
		}
	case opLength:
		h := r.arg()
		got, _ := r.call("length", true, 0, h)
		if want := refLength(b, top, h); got != want {
			r.fatalf("length(%#x) = %d, want %d", h, got, want)
		}
	case opLengthUnsafe:
		h := r.arg()
		got, _ := r.call("length_unsafe", true, 0, h)
		if want := refLength(b, top, h); got != want {
			r.fatalf("length_unsafe(%#x) = %d, want %d", h, got, want)
		}
	case opLoadU8, opLoadU64:
		name, size := "load_u8", uint64(1)
		if op == opLoadU64 {
			name, size = "load_u64", 8
		}
		p := r.arg()
		ok := inHeap(top, p, size)
		got, _ := r.call(name, ok, p, p)
		if !ok {
			r.afterFault()
			return
		}
		want := uint64(b[p])
		if size == 8 {
			want = le64(b, p)
		}
		if got != want {
			r.fatalf("%s(%#x) = %#x, want %#x", name, p, got, want)
		}
	case opStoreU8, opStoreU64:
		name, size := "store_u8", uint64(1)
		if op == opStoreU64 {
			name, size = "store_u64", 8
		}
		p, v := r.arg(), r.arg()
		if size == 1 {
			v = uint64(uint32(v))
		}
		ok := inHeap(top, p, size)
		if ok && !m.corrupt {
			blocks, _ := walkHeap(b, top)
			for _, blk := range blocks {
				if p < blk.h && p+size > blk.h-8 {
					m.corrupt = true // the guest may do that; the test stops modelling the heap
				}
				// A free block keeps its capacity in its last 4 bytes (for
				// O(1) merging): a store there forges it, which the guest
				// may do too; the kernel must stay bounded, not tidy.
				if blk.len == 0 && p < blk.h+blk.cap && p+size > blk.h+blk.cap-4 {
					m.corrupt = true
				}
			}
		}
		r.call(name, ok, p, p, v)
		if !ok {
			r.afterFault()
			return
		}
		b = r.memory()
		if size == 1 && uint64(b[p]) != v&0xff || size == 8 && le64(b, p) != v {
			r.fatalf("%s(%#x, %#x) did not store it", name, p, v)
		}
	case opInputOffset:
		if got, _ := r.call("input_offset", true, 0); got != m.inputH {
			r.fatalf("input_offset = %#x, want %#x", got, m.inputH)
		}
	case opInputLength:
		if got, _ := r.call("input_length", true, 0); got != uint64(len(m.input)) {
			r.fatalf("input_length = %d, want %d", got, len(m.input))
		}
	case opInputLoadU8, opInputLoadU64:
		name, size := "input_load_u8", uint64(1)
		if op == opInputLoadU64 {
			name, size = "input_load_u64", 8
		}
		i, n := r.arg(), uint64(len(m.input))
		ok := i < n && n-i >= size
		got, _ := r.call(name, ok, i, i)
		if !ok {
			r.afterFault()
			return
		}
		// The input block may have been written to, freed or reused: the
		// bytes are whatever is there now, never outside the memory.
		want := uint64(b[m.inputH+i])
		if size == 8 {
			want = le64(b, m.inputH+i)
		}
		if got != want {
			r.fatalf("%s(%d) = %#x, want %#x", name, i, got, want)
		}
	case opOutputSet:
		p, n := r.arg(), r.arg()
		ok := n == 0 || inHeap(top, p, n)
		r.call("output_set", ok, p, p, n)
		if !ok {
			r.afterFault()
			return
		}
		if n == 0 {
			m.output, m.outputLen = 0, 0
		} else {
			m.output, m.outputLen = p, n
		}
		if out := ki.in.Output(); n != 0 && !bytes.Equal(out, b[p:p+n]) || n == 0 && out != nil {
			r.fatalf("output_set(%#x, %d): Output() = %q", p, n, out)
		}
	case opErrorSet:
		h := r.arg()
		ok := h == 0 || refLength(b, top, h) != 0
		r.call("error_set", ok, h, h)
		if !ok {
			r.afterFault()
			return
		}
		m.errH = h
		msg, set := ki.in.GuestError(ki.ctx)
		want, readable := refRead(r.memory(), top, h)
		if set != (h != 0) || readable && msg != string(want) || !readable && msg != "" {
			r.fatalf("error_set(%#x): GuestError() = %q, %v", h, msg, set)
		}
	case opErrorGet:
		if got, _ := r.call("error_get", true, 0); got != m.errH {
			r.fatalf("error_get = %#x, want %#x", got, m.errH)
		}
	case opConfigGet:
		h := r.arg()
		key, ok := refRead(b, top, h)
		want := ""
		if ok {
			want = abiConfig[string(key)]
		}
		got, _ := r.call("config_get", true, 0, h)
		r.checkHostBlock("config_get", got, want, hostErrBefore)
	case opVarGet:
		h := r.arg()
		key, ok := refRead(b, top, h)
		want := ""
		if ok {
			want = m.vars[string(key)]
		}
		got, _ := r.call("var_get", true, 0, h)
		r.checkHostBlock("var_get", got, want, hostErrBefore)
	case opVarSet:
		kh, vh := r.arg(), r.arg()
		key, kok := refRead(b, top, kh)
		val, vok := refRead(b, top, vh)
		var wantErr error
		switch {
		case !kok:
			wantErr = kernel.ErrBadHandle
		case vh == 0:
			delete(m.vars, string(key))
		case !vok:
			wantErr = kernel.ErrBadHandle
		default:
			size := len(key) + len(val)
			for k, v := range m.vars {
				if k != string(key) {
					size += len(k) + len(v)
				}
			}
			if size > abiMaxVars {
				wantErr = kernel.ErrVarLimit
			} else {
				m.vars[string(key)] = string(val)
			}
		}
		r.call("var_set", true, 0, kh, vh)
		if err := ki.in.HostError(); hostErrBefore == nil && !errors.Is(err, wantErr) || wantErr == nil && err != hostErrBefore {
			r.fatalf("var_set: HostError() = %v, want %v", err, wantErr)
		}
		got := ki.in.Vars()
		size := 0
		for k, v := range got {
			size += len(k) + len(v)
			if m.vars[k] != string(v) {
				r.fatalf("var %q = %q, want %q", k, v, m.vars[k])
			}
		}
		if len(got) != len(m.vars) || size > abiMaxVars {
			r.fatalf("vars = %q (%d bytes), want %q", got, size, m.vars)
		}
	case opHTTPRequest:
		req, body := r.arg(), r.arg()
		got, _ := r.call("http_request", true, 0, req, body)
		err := ki.in.HostError()
		if got != 0 || err == nil ||
			hostErrBefore == nil && !errors.Is(err, kernel.ErrHTTPNotAllowed) && !errors.Is(err, kernel.ErrHTTPRequest) {
			r.fatalf("http_request with no allowed host = %#x, HostError() = %v", got, err)
		}
	case opHTTPStatusCode:
		if got, _ := r.call("http_status_code", true, 0); got != 0 {
			r.fatalf("http_status_code = %d", got)
		}
	case opHTTPHeaders:
		if got, _ := r.call("http_headers", true, 0); got != 0 {
			r.fatalf("http_headers = %#x", got)
		}
	case opLog:
		level := int(r.prog.byte() % 5)
		h := r.arg()
		want, ok := refRead(b, top, h)
		want = bytes.Clone(want[:min(len(want), kernel.MaxLogMessage)])
		r.call([]string{"log_trace", "log_debug", "log_info", "log_warn", "log_error"}[level], true, 0, h)
		recs := r.fx.log.take()
		switch {
		case !ok || m.logTruncated:
			if len(recs) != 0 {
				r.fatalf("log(%#x) recorded %v, want nothing", h, recs)
			}
		case m.logBytes+len(want) > kernel.DefaultMaxLogBytes || m.logRecords >= kernel.DefaultMaxLogRecords:
			m.logTruncated = true
			if len(recs) != 1 || !strings.Contains(recs[0].Message, "truncated") {
				r.fatalf("log(%#x) over the call's cap recorded %v, want one warning", h, recs)
			}
		default:
			m.logBytes += len(want)
			m.logRecords++
			if len(recs) != 1 || recs[0].Message != string(want) {
				r.fatalf("log(%#x) recorded %v, want %q", h, recs, want)
			}
		}
	case opGetLogLevel:
		if got, _ := r.call("get_log_level", true, 0); got != 0 {
			r.fatalf("get_log_level = %d, want 0 (trace)", got)
		}
	case opReset:
		r.call("reset", true, 0)
		m.output, m.outputLen, m.errH = 0, 0, 0
		m.inputH, m.input = 0, nil // reset frees the input too
		m.corrupt = false          // the heap is empty again
		if r.top() != heapStart {
			r.fatalf("top = %#x after reset", r.top())
		}
	case opMemoryBytes:
		if got, _ := r.call("memory_bytes", true, 0); got != top-heapStart {
			r.fatalf("memory_bytes = %d, want %d", got, top-heapStart)
		}
	case opHostReset:
		r.ops = append(r.ops, "Reset(input)")
		r.hostReset(m.input)
		return
	case opHostRead:
		h := r.arg()
		r.ops = append(r.ops, fmt.Sprintf("Read(%#x)", h))
		want, ok := refRead(b, top, h)
		got, err := ki.in.Read(ki.ctx, h)
		if ok != (err == nil) || ok && !bytes.Equal(got, want) || err != nil && !errors.Is(err, kernel.ErrBadHandle) {
			r.fatalf("Read(%#x) = %q, %v; want %q, %v", h, got, err, want, ok)
		}
		if n := ki.in.Length(ki.ctx, h); n != refLength(b, top, h) {
			r.fatalf("Length(%#x) = %d", h, n)
		}
		out := ki.in.Output()
		if m.outputLen == 0 && out != nil || m.outputLen != 0 && !bytes.Equal(out, b[m.output:m.output+m.outputLen]) {
			r.fatalf("Output() = %q", out)
		}
		msg, set := ki.in.GuestError(ki.ctx)
		want, ok = refRead(b, top, m.errH)
		if set != (m.errH != 0) || set && ok && msg != string(want) || set && !ok && msg != "" {
			r.fatalf("GuestError() = %q, %v", msg, set)
		}
		if got := ki.in.MemoryBytes(); got != top-heapStart {
			r.fatalf("MemoryBytes() = %d", got)
		}
	case opHostWrite:
		n := int(r.prog.byte())
		data := make([]byte, min(n, len(r.prog.b)))
		copy(data, r.prog.b)
		r.prog.b = r.prog.b[len(data):]
		r.ops = append(r.ops, fmt.Sprintf("Write(%q)", data))
		h, err := ki.in.Write(ki.ctx, data)
		switch {
		case len(data) == 0:
			if h != 0 || err != nil {
				r.fatalf("Write(empty) = %#x, %v", h, err)
			}
		case err != nil:
			if !errors.Is(err, kernel.ErrOutOfMemory) || heapOK && (top+8+uint64(len(data))+7+65535)&^65535 <= abiMemLimit && !r.hasFreeFit(b, top, uint64(len(data))) {
				r.fatalf("Write(%d bytes): %v", len(data), err)
			}
		default:
			m.addHandle(h)
			if got, ok := refRead(r.memory(), r.top(), h); heapOK && (!ok || !bytes.Equal(got, data)) {
				r.fatalf("Write(%q) = %#x, which holds %q", data, h, got)
			}
		}
	}
	r.check()
}

func (r *abiRun) hasFreeFit(b []byte, top, n uint64) bool {
	blocks, _ := walkHeap(b, top)
	for _, blk := range blocks {
		if blk.len == 0 && blk.cap >= (n+7)&^7 {
			return true
		}
	}
	return false
}

// checkHostBlock checks a block the host wrote for the guest (config_get,
// var_get): 0 when there is nothing, or the value; a failed write must be
// out of memory and recorded.
func (r *abiRun) checkHostBlock(name string, h uint64, want string, hostErrBefore error) {
	r.t.Helper()
	if want == "" {
		if h != 0 {
			r.fatalf("%s = %#x, want 0", name, h)
		}
		return
	}
	if h == 0 {
		if err := r.ki.in.HostError(); err == nil || hostErrBefore == nil && !errors.Is(err, kernel.ErrOutOfMemory) {
			r.fatalf("%s = 0 (HostError %v), want %q", name, err, want)
		}
		return
	}
	r.m.addHandle(h)
	b := r.memory()
	if h+uint64(len(want)) > uint64(len(b)) || string(b[h:h+uint64(len(want))]) != want {
		r.fatalf("%s = %#x, which does not hold %q", name, h, want)
	}
	if !r.m.corrupt && refLength(b, r.top(), h) != uint64(len(want)) {
		r.fatalf("%s = %#x: not a block of %d bytes", name, h, len(want))
	}
}

// hintSink keeps coverageHints' branches from being optimized away.
var hintSink int

// coverageHints turns kernel state into Go branches. The kernel runs as
// compiled wasm, which has no Go coverage counters, so without these the
// fuzzer cannot tell a program that filled the free list (or corrupted a
// header so that a free block reaches past top) from one that did nothing.
func coverageHints(b []byte, top uint64, m *abiModel) {
	switch freed := le64(b, offFreed); {
	case freed == 0:
		hintSink += 1
	case freed < 1<<12:
		hintSink += 2
	case freed < 1<<20:
		hintSink += 3
	case freed < 1<<31:
		hintSink += 4
	case freed < 1<<32:
		hintSink += 5
	default:
		hintSink += 6
	}
	// The free blocks as alloc's first fit sees them.
	for pos, i := uint64(firstHandle), 0; pos < top && i < 2*allocScan; pos, i = pos+le32(b, pos-8)&^7+8, i+1 {
		capacity, free := le32(b, pos-8)&^7, le32(b, pos-4) == 0
		switch {
		case capacity <= top-pos && !free:
			hintSink += 7
		case capacity <= top-pos:
			hintSink += 8
		case !free: // a header the guest overwrote
			hintSink += 9
		case capacity < 1<<20:
			hintSink += 10
		case capacity < 1<<31:
			hintSink += 11
		default:
			hintSink += 12
		}
	}
	switch {
	case m.corrupt:
		hintSink += 13
	case m.faultCode != 0:
		hintSink += 14
	}
	switch pages := (top + 65535) >> 16; {
	case pages <= 1:
		hintSink += 15
	case pages <= 4:
		hintSink += 16
	default:
		hintSink += 17
	}
}

// check verifies what must hold after every operation.
func (r *abiRun) check() {
	r.t.Helper()
	m := &r.m
	size := uint64(r.ki.mem.Size())
	if size > abiMemLimit || r.mem.peak > abiMemLimit || uint64(len(r.mem.buf)) != size {
		r.fatalf("kernel memory is %d bytes (allocator peak %d), over the limit %d", size, r.mem.peak, abiMemLimit)
	}
	b := r.memory()
	top := le64(b, offTop)
	if top >= heapStart && top <= size {
		coverageHints(b, top, m)
	}
	switch {
	case top < heapStart || top > size:
		r.fatalf("top = %#x: outside [heap start, memory size %#x]", top, size)
	case le64(b, offInput) != m.inputH || le64(b, offInputLen) != uint64(len(m.input)):
		r.fatalf("input = (%#x, %d), want (%#x, %d): the guest reached the state area",
			le64(b, offInput), le64(b, offInputLen), m.inputH, len(m.input))
	case le64(b, offOutput) != m.output || le64(b, offOutputLen) != m.outputLen:
		r.fatalf("output = (%#x, %d), want (%#x, %d)", le64(b, offOutput), le64(b, offOutputLen), m.output, m.outputLen)
	case le64(b, offError) != m.errH:
		r.fatalf("error = %#x, want %#x", le64(b, offError), m.errH)
	case le64(b, offFault) != m.faultCode || le64(b, offFaultArg) != m.faultArg:
		r.fatalf("fault = (%d, %#x), want (%d, %#x)", le64(b, offFault), le64(b, offFaultArg), m.faultCode, m.faultArg)
	case !isZero(b[offFreed+8 : heapStart]):
		r.fatalf("the unused part of the state area changed: %x", b[offFreed+8:heapStart])
	}
	if m.corrupt {
		return
	}
	blocks, err := walkHeap(b, top)
	if err != nil {
		r.fatalf("heap: %v", err)
	}
	var free uint64
	for i, blk := range blocks {
		if blk.cap%8 != 0 || blk.len > blk.cap || blk.cap == 0 {
			r.fatalf("block %#x: cap %d len %d", blk.h, blk.cap, blk.len)
		}
		prevFree := i > 0 && blocks[i-1].len == 0
		if blk.prevFree != prevFree {
			r.fatalf("block %#x: header says the block below is free: %v, want %v", blk.h, blk.prevFree, prevFree)
		}
		if blk.len == 0 {
			free += blk.cap
			if i == len(blocks)-1 {
				r.fatalf("the last block %#x is free: its space was not given back", blk.h)
			}
			if prevFree {
				r.fatalf("blocks %#x and %#x are both free: free did not merge them", blocks[i-1].h, blk.h)
			}
			if le32(b, blk.h+blk.cap-4) != blk.cap {
				r.fatalf("free block %#x does not end with its capacity", blk.h)
			}
		}
	}
	if got := le64(b, offFreed); got != free {
		r.fatalf("freed = %d, want %d (the free blocks' capacity)", got, free)
	}
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// ---- seeds ----

type abiSeed struct {
	name  string
	input []byte
	prog  abiProg
}

// abiProg builds programs for seeds and regression tests.
type abiProg []byte

func (p abiProg) op(code byte, args ...[]byte) abiProg {
	p = append(p, code)
	for _, a := range args {
		p = append(p, a...)
	}
	return p
}

func (p abiProg) write(data string) abiProg {
	return append(append(p, opHostWrite, byte(len(data))), data...)
}

func raw(v uint64) []byte        { return binary.LittleEndian.AppendUint64([]byte{argRaw}, v) }
func topRel(d int8) []byte       { return []byte{argTop, byte(d)} }
func hnd(i byte, d int8) []byte  { return []byte{argHandle, i, byte(d)} }
func small(v byte) []byte        { return []byte{argSmall, v} }
func special(v uint64) []byte    { return []byte{argSpecial, byte(slices.Index(specialArgs, v))} }
func logLevel(level byte) []byte { return []byte{level} }
func negative(v byte) []byte     { return []byte{argNegative, v} }
func pow32(d int8) []byte        { return []byte{argPow32, byte(d)} }
func pow63(d int8) []byte        { return []byte{argPow63, byte(d)} }

func kernelABISeeds() []abiSeed {
	var p abiProg
	seeds := []abiSeed{
		{"empty", nil, nil},
		{"basic", []byte("hello world"), p.
			op(opInputOffset).op(opInputLength).op(opInputLoadU8, small(0)).op(opInputLoadU64, small(3)).
			op(opAlloc, small(16)).op(opStoreU64, hnd(1, 0), raw(0x1122334455667788)).op(opLoadU64, hnd(1, 0)).
			op(opLoadU8, hnd(1, 7)).op(opOutputSet, hnd(1, 0), small(16)).op(opHostRead, hnd(1, 0)).
			op(opErrorSet, hnd(1, 0)).op(opErrorGet).op(opErrorSet, small(0)).
			op(opLength, hnd(1, 0)).op(opLengthUnsafe, hnd(1, 0)).op(opFree, hnd(1, 0)).op(opMemoryBytes)},
		{"wraparound", []byte("0123456789abcdef"), p.
			op(opOutputSet, negative(8), small(16)).
			op(opOutputSet, hnd(0, 0), special(math.MaxUint64)).
			op(opLoadU64, negative(7)).op(opLoadU64, topRel(-7)).op(opLoadU8, topRel(0)).
			op(opStoreU64, raw(1<<32+firstHandle), small(1)).op(opStoreU8, pow63(0), small(1)).
			op(opInputLoadU64, negative(8)).op(opInputLoadU64, small(9)).op(opInputLoadU8, small(16)).
			op(opErrorSet, hnd(0, 1)).op(opErrorSet, raw(1<<32+firstHandle)).op(opLoadU8, special(heapStart-1))},
		{"alloc edges", nil, p.
			op(opAlloc, special(0)).op(opAlloc, special(maxAlloc)).op(opAlloc, special(maxAlloc+1)).
			op(opAlloc, special(math.MaxUint64)).op(opAlloc, special(1<<63)).op(opAlloc, raw(abiMemLimit-200)).
			op(opAlloc, raw(abiMemLimit)).op(opAlloc, small(1)).op(opMemoryBytes)},
		{"free runs", []byte("in"), p.
			op(opAlloc, small(10)).op(opAlloc, small(20)).op(opAlloc, small(30)).op(opAlloc, small(40)).
			op(opFree, hnd(2, 0)).op(opFree, hnd(3, 0)).op(opAlloc, small(8)).op(opFree, hnd(4, 0)).
			op(opFree, hnd(1, 0)).op(opFree, hnd(1, 0)).op(opFree, hnd(1, 8)).op(opAlloc, small(40)).
			op(opReset).op(opAlloc, small(1)).op(opMemoryBytes)},
		{"host services", nil, p.write("key").write("a").write("empty").write("big").write("nope").
			op(opConfigGet, hnd(0, 0)).op(opConfigGet, hnd(1, 0)).op(opConfigGet, hnd(2, 0)).
			op(opConfigGet, hnd(3, 0)).op(opConfigGet, hnd(4, 0)).op(opConfigGet, hnd(0, 1)).
			op(opVarSet, hnd(0, 0), hnd(1, 0)).op(opVarGet, hnd(0, 0)).op(opVarSet, hnd(1, 0), hnd(3, 0)).
			op(opVarSet, hnd(0, 0), small(0)).op(opVarGet, hnd(0, 0)).op(opVarSet, hnd(0, 1), hnd(1, 0)).
			op(opLog, logLevel(2), hnd(0, 0)).op(opLog, logLevel(4), hnd(0, 3)).op(opGetLogLevel).
			op(opHTTPRequest, hnd(0, 0), small(0)).op(opHTTPStatusCode).op(opHTTPHeaders)},
		{"corrupt header", []byte("input"), p.
			op(opAlloc, small(16)).op(opStoreU64, hnd(1, -8), special(math.MaxUint64)).
			op(opLength, hnd(1, 0)).op(opFree, hnd(1, 0)).op(opAlloc, small(8)).op(opAlloc, raw(100)).
			op(opLength, topRel(-8)).op(opErrorSet, hnd(1, 0)).op(opHostRead, hnd(1, 0)).op(opLog, logLevel(0), hnd(1, 0))},
		{"fault then reuse", []byte("xyz"), p.
			op(opLoadU64, topRel(0)).op(opAlloc, small(8)).op(opStoreU8, raw(0), small(1)).
			op(opHostReset).op(opInputLoadU8, small(2))},
		allocSplitWraparoundSeed(),
		allocSplitPastTopSeed(),
		// Issue 12: forged headers must not reach past top or make a call walk.
		{"forged length past top", []byte("previous input, longer than this block"), p.
			op(opReset).op(opAlloc, small(16)).
			op(opStoreU64, hnd(1, -8), raw(0xFFFF<<32|16)).op(opLength, hnd(1, 0)).op(opLengthUnsafe, hnd(1, 0)).
			op(opHostRead, hnd(1, 0)).op(opLog, logLevel(2), hnd(1, 0)).op(opVarSet, hnd(1, 0), hnd(1, 0)).
			op(opStoreU64, hnd(1, -8), raw(0x100<<32|0x100)).op(opLength, hnd(1, 0)).op(opErrorSet, hnd(1, 0))},
		{"forged free neighbours", []byte("in"), p.
			op(opAlloc, small(24)).op(opAlloc, small(24)).op(opAlloc, small(24)).op(opAlloc, small(24)).
			op(opFree, hnd(1, 0)).op(opFree, hnd(3, 0)).op(opFree, hnd(2, 0)).
			op(opStoreU64, hnd(4, -8), raw(24<<32|25)).op(opStoreU64, hnd(4, -16), raw(0xFFFFFFF8)).
			op(opFree, hnd(4, 0)).op(opAlloc, small(8)).op(opAlloc, small(200)).op(opMemoryBytes)},
	}
	return seeds
}

// allocSplitWraparoundSeed: a guest overwrites a block's header with a huge
// capacity, frees the block (the free-bytes count grows by that capacity) and
// allocates just under 4 GiB. First-fit trusts the capacity and writes the
// split-off header at b+need, which (as i32) wraps to address 0: top.
func allocSplitWraparoundSeed() abiSeed {
	var p abiProg
	return abiSeed{"alloc split wraparound", nil, p.
		op(opAlloc, small(8)).                                     // handle 136
		op(opStoreU64, special(heapStart), raw(1<<32|0xFFFFFFFF)). // cap 0xFFFFFFFF, len 1
		op(opFree, special(firstHandle)).
		op(opAlloc, special(0xFFFFFF78)). // need = 2^32-136: 136+need wraps to 0
		op(opMemoryBytes).op(opAlloc, small(8))}
}

// allocSplitPastTopSeed is what the fuzzer found (testdata file
// 3e9432bf9637edfe) on the kernel before the fix, once it could see the
// kernel's free list: store_u64 across a header widens block 0x98's capacity
// from 0x30 to 0x80 (past top); free adds 0x80 to the free bytes, and first
// fit splits 0x38 off it, returning a block that ends past top.
func allocSplitPastTopSeed() abiSeed {
	var p abiProg
	return abiSeed{"alloc split past top", []byte("0"), p.
		op(opAlloc, small(0x30)).                           // 0x98, top 0xc8
		op(opStoreU64, raw(0x89), raw(0x8000000000000030)). // cap of 0x98 := 0x80
		op(opFree, raw(0x98)).
		op(opAlloc, small(0x31))}
}

var updateSeeds = flag.Bool("update-seeds", false, "rewrite the seed files in testdata/fuzz from the tests' seed lists")

// seedFiles are the committed seed corpora, by fuzz target and file name.
func seedFiles() map[string]map[string]string {
	files := map[string]map[string]string{"FuzzKernelABI": {}, "FuzzHTTPRequestJSON": {}, "FuzzMatchGlob": {}}
	for _, s := range kernelABISeeds() {
		files["FuzzKernelABI"]["seed-"+strings.ReplaceAll(s.name, " ", "-")] =
			fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n[]byte(%q)\n", s.input, []byte(s.prog))
	}
	for i, s := range httpJSONSeeds() {
		body := ""
		if i == 1 {
			body = "a body"
		}
		files["FuzzHTTPRequestJSON"][fmt.Sprintf("seed-%02d", i)] = fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n[]byte(%q)\n", s, body)
	}
	for i, s := range globSeeds {
		files["FuzzMatchGlob"][fmt.Sprintf("seed-%02d", i)] = fmt.Sprintf("go test fuzz v1\nstring(%q)\nstring(%q)\n", s[0], s[1])
	}
	return files
}

// TestFuzzSeedFiles keeps testdata/fuzz/* in step with the seed lists in
// this file (run with -update-seeds to rewrite them). Crashers the fuzzer
// finds are committed beside them under their own names.
func TestFuzzSeedFiles(t *testing.T) {
	for target, files := range seedFiles() {
		dir := filepath.Join("testdata", "fuzz", target)
		for name, content := range files {
			path := filepath.Join(dir, name)
			if *updateSeeds {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if got, err := os.ReadFile(path); err != nil || string(got) != content {
				t.Errorf("%s is missing or stale (go test ./kernel -run TestFuzzSeedFiles -update-seeds): %v", path, err)
			}
		}
	}
}

// TestFuzzRegression_AllocSplitWraparound: alloc's first fit must not trust a
// block header the guest can overwrite. Before the fix, the split wrote the
// remainder's header at i32(b+need), which wrapped to address 0 and set top
// to 0x7f (below the heap), then trapped in memory.fill without a fault; with
// a 4 GiB kernel memory the fill succeeded and the next alloc returned a
// handle inside the state area (input, output, error) for the host to write.
func TestFuzzRegression_AllocSplitWraparound(t *testing.T) {
	s := allocSplitWraparoundSeed()
	runKernelABI(t, newABIFixture(t), s.input, s.prog)

	ctx := context.Background()
	ki := newKinst(t, ctx, newTestKernel(t), kernel.Options{})
	ki.reset(nil)
	h := ki.must("alloc", 8)
	ki.must("store_u64", h-8, 1<<32|0xFFFFFFFF)
	ki.must("free", h)
	if got := ki.must("alloc", 1<<32-h); got != 0 {
		t.Fatalf("alloc(2^32-136) = %#x with a 64 KiB memory", got)
	}
	if top := ki.u64(offTop); top < heapStart {
		t.Fatalf("top = %#x: the guest wrote the state area", top)
	}
	if h2 := ki.must("alloc", 8); h2 < firstHandle {
		t.Fatalf("alloc(8) = %#x: a block inside the state area", h2)
	}
}

// TestFuzzRegression_AllocSplitPastTop: before the fix, alloc returned a
// block ending past top (so the guest's own loads and stores on it faulted,
// and the next bump allocation overlapped it).
func TestFuzzRegression_AllocSplitPastTop(t *testing.T) {
	s := allocSplitPastTopSeed()
	runKernelABI(t, newABIFixture(t), s.input, s.prog)

	ctx := context.Background()
	ki := newKinst(t, ctx, newTestKernel(t), kernel.Options{})
	ki.reset([]byte("0"))
	h := ki.must("alloc", 0x30)
	ki.must("store_u64", h-15, 0x8000000000000030)
	ki.must("free", h)
	h2 := ki.must("alloc", 0x31)
	if top := ki.u64(offTop); h2 == 0 || h2+0x31 > top {
		t.Fatalf("alloc(0x31) = %#x, top %#x: the block is not inside the heap", h2, top)
	}
	ki.must("store_u8", h2+0x30, 1) // the block's last byte is the guest's
}

// ---------------------------------------------------------------------------
// FuzzHTTPRequestJSON: arbitrary bytes as http_request's JSON.

// allowOnlyLoopback is the HTTP client's transport: it records every host a
// request is sent to and forwards only 127.0.0.1 to the test server.
type allowOnlyLoopback struct {
	target string // the test server's host:port
	next   http.RoundTripper
	mu     sync.Mutex
	hosts  []string
}

func (rt *allowOnlyLoopback) RoundTrip(req *http.Request) (*http.Response, error) {
	rt.mu.Lock()
	rt.hosts = append(rt.hosts, req.URL.Host)
	rt.mu.Unlock()
	if req.URL.Hostname() != "127.0.0.1" {
		return nil, fmt.Errorf("test transport: refusing to dial %q", req.URL.Host)
	}
	out := req.Clone(req.Context())
	out.URL.Scheme, out.URL.Host = "http", rt.target
	return rt.next.RoundTrip(out)
}

func (rt *allowOnlyLoopback) take() []string {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	h := rt.hosts
	rt.hosts = nil
	return h
}

type httpFuzzFixture struct {
	srv *httpFixture
	rt  *allowOnlyLoopback
	ki  *kinst
}

const httpFuzzMaxBody = 1500

func newHTTPFuzzFixture(t testing.TB) *httpFuzzFixture {
	srv := newHTTPFixture(t)
	tr := &http.Transport{DialContext: (&net.Dialer{}).DialContext, DisableKeepAlives: false}
	t.Cleanup(tr.CloseIdleConnections)
	rt := &allowOnlyLoopback{target: srv.srv.Listener.Addr().String(), next: tr}
	ki := newKinst(t, context.Background(), newTestKernel(t), kernel.Options{
		AllowedHosts:         []string{"127.0.0.1"},
		HTTPClient:           &http.Client{Transport: rt},
		MaxHTTPResponseBytes: httpFuzzMaxBody,
		HTTPResponseHeaders:  true,
	})
	return &httpFuzzFixture{srv: srv, rt: rt, ki: ki}
}

// FuzzHTTPRequestJSON: whatever the JSON, no panic, no request to a host
// outside the allow-list ["127.0.0.1"] (redirects included), and either a
// response block with HostError nil or 0 with an ErrHTTP* HostError.
func FuzzHTTPRequestJSON(f *testing.F) {
	fx := newHTTPFuzzFixture(f)
	f.Fuzz(func(t *testing.T, reqJSON, body []byte) {
		_, _, _ = runHTTPRequestJSON(t, fx, reqJSON, body)
	})
}

func httpJSONSeeds() []string {
	return []string{
		`{"url":"http://127.0.0.1/hello"}`,
		`{"url":"http://127.0.0.1:8080/hello","method":"post","headers":{"X-Req":"1"}}`,
		`{"url":"https://127.0.0.1/hello"}`,
		`{"url":"HTTP://127.0.0.1/hello"}`,
		`{"url":"http://127.0.0.1/big"}`,
		`{"url":"http://127.0.0.1/empty"}`,
		`{"url":"http://127.0.0.1/redirect?to=/hello"}`,
		`{"url":"http://127.0.0.1/redirect?to=http://127.0.0.1:1/hello"}`,
		`{"url":"http://127.0.0.1/redirect?to=http://example.com/"}`,
		`{"url":"http://127.0.0.1/redirect?to=http://127.0.0.1.example.com/"}`,
		`{"url":"http://127.0.0.1/redirect?to=//example.com/"}`,
		`{"url":"http://127.0.0.1/redirect?to=http://127.0.0.1@example.com/"}`,
		`{"url":"http://127.0.0.1/redirect?to=http://[::1]/"}`,
		`{"url":"http://example.com/"}`,
		`{"url":"http://127.0.0.1@example.com/"}`,
		`{"url":"http://example.com#@127.0.0.1/"}`,
		`{"url":"http://example.com?@127.0.0.1/"}`,
		`{"url":"http://example.com\\@127.0.0.1/"}`,
		`{"url":"http://127.0.0.1.example.com/"}`,
		`{"url":"http://127.0.0.1%2eexample.com/"}`,
		`{"url":"http://127.0.0.1%00.example.com/"}`,
		`{"url":"http://[::ffff:127.0.0.1]/"}`,
		`{"url":"http://[::1]/"}`,
		`{"url":"http://2130706433/"}`,
		`{"url":"http://0x7f000001/"}`,
		`{"url":"http://127.1/"}`,
		`{"url":"http://localhost/"}`,
		`{"url":"http:127.0.0.1/hello"}`,
		`{"url":"http:///127.0.0.1/"}`,
		`{"url":"//127.0.0.1/"}`,
		`{"url":"file:///etc/passwd"}`,
		`{"url":"ftp://127.0.0.1/"}`,
		`{"url":"http://127.0.0.1/","method":"GET /evil"}`,
		`{"url":"http://127.0.0.1/","method":"CONNECT"}`,
		`{"url":"http://127.0.0.1/","headers":{"Host":"example.com"}}`,
		`{"url":"http://127.0.0.1/","headers":{"X":"a\r\nHost: example.com"}}`,
		`{"url":"http://127.0.0.1/","headers":{"":""}}`,
		`{"URL":"http://127.0.0.1/hello","Method":"GET"}`,
		`{"url":"http://127.0.0.1/hello","url":"http://example.com/"}`,
		`{"url":"http://example.com/","url":"http://127.0.0.1/hello"}`,
		`{"url":null}`,
		`{"url":1}`,
		`{}`,
		`[]`,
		`null`,
		`{"url":"http://127.0.0.1/hello"} trailing`,
		`{"url":"http://127.0.0.1/hello"`,
		"{\"url\":\"http://127.0.0.1/\xff\"}",
		`{"url":"http://127.0.0.1:99999999999/"}`,
		`{"url":"http://127.0.0.1:-1/"}`,
	}
}

func runHTTPRequestJSON(t testing.TB, fx *httpFuzzFixture, reqJSON, body []byte) (response string, hosts []string, herr error) {
	ki := fx.ki
	ki.t = t
	ki.reset(reqJSON)
	fx.rt.take()
	var bodyH uint64
	if len(body) > 0 {
		h, err := ki.in.Write(ki.ctx, body)
		if err != nil {
			t.Fatal(err)
		}
		bodyH = h
	}
	req := ki.must("input_offset")
	h := ki.must("http_request", req, bodyH)
	herr = ki.in.HostError()
	hosts = fx.rt.take()
	for _, host := range hosts {
		if u := (&url.URL{Host: host}); u.Hostname() != "127.0.0.1" {
			t.Fatalf("http_request(%q) sent a request to %q; allowed: 127.0.0.1", reqJSON, host)
		}
	}
	// An independent reading of the JSON: a URL whose host is not 127.0.0.1
	// must never get through.
	var parsed struct {
		URL string `json:"url"`
	}
	if json.Unmarshal(reqJSON, &parsed) == nil {
		if u, err := url.Parse(parsed.URL); err == nil && u.Hostname() != "127.0.0.1" && herr == nil {
			t.Fatalf("http_request(%q) succeeded for host %q", reqJSON, u.Host)
		}
	} else if herr == nil {
		t.Fatalf("http_request(%q) succeeded with invalid JSON", reqJSON)
	}
	status := ki.must("http_status_code")
	headers := ki.must("http_headers")
	if herr != nil {
		if h != 0 || status != 0 || headers != 0 {
			t.Fatalf("failed http_request(%q) = %#x, status %d, headers %#x; want 0s", reqJSON, h, status, headers)
		}
		if !errors.Is(herr, kernel.ErrHTTPRequest) && !errors.Is(herr, kernel.ErrHTTPNotAllowed) && !errors.Is(herr, kernel.ErrHTTPResponseTooLarge) {
			t.Fatalf("http_request(%q): HostError() = %v, not an ErrHTTP* error", reqJSON, herr)
		}
		return "", hosts, herr
	}
	if len(hosts) == 0 {
		t.Fatalf("http_request(%q) succeeded without sending a request", reqJSON)
	}
	if status < 100 || status > 999 {
		t.Fatalf("http_request(%q): status %d", reqJSON, status)
	}
	if h != 0 {
		if n := ki.must("length", h); n == 0 || n > httpFuzzMaxBody {
			t.Fatalf("response block of %d bytes", n)
		}
		response = ki.str(h)
	}
	if headers == 0 {
		t.Fatalf("http_headers = 0 with headers on")
	}
	var hm map[string]string
	if err := json.Unmarshal([]byte(ki.str(headers)), &hm); err != nil {
		t.Fatalf("http_headers: %v", err)
	}
	return response, hosts, nil
}

// TestHTTPRequestJSONHarness checks the fuzz harness itself: requests to
// 127.0.0.1 do reach the server through the recording transport, and the
// others are refused before any request is sent.
func TestHTTPRequestJSONHarness(t *testing.T) {
	fx := newHTTPFuzzFixture(t)
	tests := []struct {
		json, body string
		want       string
		wantErr    error
		wantHosts  int
	}{
		{`{"url":"http://127.0.0.1/hello"}`, "", "hello GET  ", nil, 1},
		{`{"url":"http://127.0.0.1:1/hello","method":"put"}`, "b", "hello PUT  b", nil, 1},
		{`{"url":"http://127.0.0.1/redirect?to=/hello"}`, "", "hello GET  ", nil, 2},
		{`{"url":"http://127.0.0.1/redirect?to=http://example.com/"}`, "", "", kernel.ErrHTTPNotAllowed, 1},
		{`{"url":"http://127.0.0.1@example.com/"}`, "", "", kernel.ErrHTTPNotAllowed, 0},
		{`{"url":"http://127.0.0.1/big"}`, "", "", kernel.ErrHTTPResponseTooLarge, 1},
		{`{"url":`, "", "", kernel.ErrHTTPRequest, 0},
	}
	for _, tt := range tests {
		got, hosts, err := runHTTPRequestJSON(t, fx, []byte(tt.json), []byte(tt.body))
		if got != tt.want || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) || len(hosts) != tt.wantHosts {
			t.Errorf("%s: got %q, %v, hosts %q; want %q, %v, %d hosts", tt.json, got, err, hosts, tt.want, tt.wantErr, tt.wantHosts)
		}
	}
}

// ---------------------------------------------------------------------------
// FuzzMatchGlob: MatchGlob agrees with a regexp built from the pattern.

// globReference matches byte-wise through Go's regexp: every byte becomes the
// rune of the same value, so that '.' and classes see bytes, not UTF-8.
func globReference(pattern, s string) bool {
	var re strings.Builder
	re.WriteString(`\A`)
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; c {
		case '*':
			re.WriteString(`[\x00-\x{ff}]*`)
		case '?':
			re.WriteString(`[\x00-\x{ff}]`)
		default:
			re.WriteString(regexp.QuoteMeta(string(rune(c))))
		}
	}
	re.WriteString(`\z`)
	return regexp.MustCompile(re.String()).MatchString(latin1(s))
}

func latin1(s string) string {
	b := make([]byte, 0, 2*len(s))
	for i := 0; i < len(s); i++ {
		b = utf8.AppendRune(b, rune(s[i]))
	}
	return string(b)
}

var globSeeds = [][2]string{
	{"*.example.com", "api.example.com"}, {"*.example.com", "example.com"},
	{"jsonplaceholder.*.com", "jsonplaceholder.typicode.com"}, {"127.0.0.?", "127.0.0.1"},
	{"a*a*a*a*b", strings.Repeat("a", 200)}, {"*?*?*", "ab"}, {"?*?", "x"}, {"", ""}, {"*", ""},
	{"a\xffb*", "a\xffbcd"}, {"\xc3*", "\xc3\xa9"}, {"**a**", "bab"}, {"*ab", "aab"},
}

func FuzzMatchGlob(f *testing.F) {
	f.Fuzz(func(t *testing.T, pattern, s string) {
		got := kernel.MatchGlob(pattern, s)
		if want := globReference(pattern, s); got != want {
			t.Fatalf("MatchGlob(%q, %q) = %v, want %v", pattern, s, got, want)
		}
		if !strings.ContainsAny(pattern, "*?") && got != (pattern == s) {
			t.Fatalf("MatchGlob(%q, %q) = %v for a literal pattern", pattern, s, got)
		}
	})
}
