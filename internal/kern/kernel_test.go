package kern_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	kernel "github.com/tendril-wasm/tendril/internal/kern"
)

// The kernel's memory layout, from kernel.wat. The tests read it directly to
// check what the exports do; the layout is informative, not part of the ABI.
const (
	offTop       = 0
	offInput     = 8
	offInputLen  = 16
	offOutput    = 24
	offOutputLen = 32
	offError     = 40
	offFault     = 48
	offFaultArg  = 56
	offFreed     = 64
	heapStart    = 128
	firstHandle  = heapStart + 8
	maxAlloc     = 0xFFFFFFF0
)

// TestWasmMatchesSource is how CI checks that the committed kernel.wasm is
// what kernel.wat builds to. It reads kernel.wat itself (so that go test's
// cache notices edits) and builds it with Debian's wabt.
func TestWasmMatchesSource(t *testing.T) {
	wat2wasm, err := exec.LookPath("wat2wasm")
	if err != nil {
		// go test ./... needs only Go; CI (TENDRIL_CI=1) has wabt.
		if os.Getenv("TENDRIL_CI") != "" {
			t.Fatalf("wat2wasm not found (install wabt: apt-get install wabt): %v", err)
		}
		t.Skipf("wat2wasm not found: kernel.wasm not checked against kernel.wat (CI checks it): %v", err)
	}
	src, err := os.ReadFile("kernel.wat")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "kernel.wat"), filepath.Join(dir, "kernel.wasm")
	if err := os.WriteFile(in, src, 0o644); err != nil {
		t.Fatal(err)
	}
	if msg, err := exec.Command(wat2wasm, in, "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("wat2wasm kernel.wat: %v\n%s", err, msg)
	}
	built, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(built, kernel.Wasm()) {
		t.Fatalf("kernel.wasm (%d bytes) does not match kernel.wat (builds to %d bytes); rebuild it:\n\twat2wasm kernel/kernel.wat -o kernel/kernel.wasm",
			len(kernel.Wasm()), len(built))
	}
	committed, err := os.ReadFile("kernel.wasm")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(committed, kernel.Wasm()) {
		t.Fatal("kernel.Wasm() differs from kernel.wasm on disk")
	}
}

// ---- helpers shared with fuzz_test.go ----

// newTestKernel compiles the kernel into a fresh wazero runtime closed at the
// end of the test.
func newTestKernel(t testing.TB) *kernel.Kernel {
	t.Helper()
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	t.Cleanup(func() { _ = r.Close(ctx) })
	k, err := kernel.New(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k.Close(ctx) })
	return k
}

// kinst is a kernel instance with its exports at hand.
type kinst struct {
	t   testing.TB
	ctx context.Context
	in  *kernel.Instance
	mod api.Module
	mem api.Memory
	fns map[string]api.Function
}

func newKinst(t testing.TB, ctx context.Context, k *kernel.Kernel, opts kernel.Options) *kinst {
	t.Helper()
	in, err := k.Instantiate(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = in.Close(context.Background()) })
	return wrapKinst(t, ctx, in)
}

func wrapKinst(t testing.TB, ctx context.Context, in *kernel.Instance) *kinst {
	ki := &kinst{t: t, ctx: ctx, in: in, mod: in.Module(), mem: in.Module().Memory(), fns: map[string]api.Function{}}
	for name := range in.Module().ExportedFunctionDefinitions() {
		ki.fns[name] = in.Module().ExportedFunction(name)
	}
	return ki
}

// call calls an export of the kernel.
func (ki *kinst) call(name string, args ...uint64) ([]uint64, error) {
	f := ki.fns[name]
	if f == nil {
		ki.t.Fatalf("kernel exports no %q", name)
	}
	return f.Call(ki.ctx, args...)
}

// must calls an export that must not trap and returns its result (0 if none).
func (ki *kinst) must(name string, args ...uint64) uint64 {
	ki.t.Helper()
	res, err := ki.call(name, args...)
	if err != nil {
		ki.t.Fatalf("%s%v: %v (fault %v)", name, args, err, ki.in.Fault())
	}
	if len(res) == 0 {
		return 0
	}
	return res[0]
}

// fault calls an export that must trap with a recorded fault.
func (ki *kinst) fault(name string, args ...uint64) *kernel.FaultError {
	ki.t.Helper()
	res, err := ki.call(name, args...)
	if err == nil {
		ki.t.Fatalf("%s%#x = %#x, want a fault", name, args, res)
	}
	f := ki.in.Fault()
	if f == nil {
		ki.t.Fatalf("%s%#x trapped (%v) without recording a fault", name, args, err)
	}
	return f
}

func (ki *kinst) reset(input []byte) {
	ki.t.Helper()
	if err := ki.in.Reset(input); err != nil {
		ki.t.Fatal(err)
	}
}

func (ki *kinst) u64(off uint32) uint64 {
	v, ok := ki.mem.ReadUint64Le(off)
	if !ok {
		ki.t.Fatalf("read u64 at %#x: out of memory bounds", off)
	}
	return v
}

// bytesAt reads n bytes of kernel memory (a copy).
func (ki *kinst) bytesAt(off, n uint64) []byte {
	ki.t.Helper()
	b, ok := ki.mem.Read(uint32(off), uint32(n))
	if !ok || off > math.MaxUint32 || n > math.MaxUint32 {
		ki.t.Fatalf("read %d bytes at %#x: out of memory bounds", n, off)
	}
	return bytes.Clone(b)
}

// block allocates a block through the ABI and fills it through store_u8.
func (ki *kinst) block(s string) uint64 {
	ki.t.Helper()
	h := ki.must("alloc", uint64(len(s)))
	if h == 0 {
		ki.t.Fatalf("alloc(%d) = 0", len(s))
	}
	for i := 0; i < len(s); i++ {
		ki.must("store_u8", h+uint64(i), uint64(s[i]))
	}
	return h
}

// str reads a block through length and load_u8, as a guest would.
func (ki *kinst) str(h uint64) string {
	ki.t.Helper()
	n := ki.must("length", h)
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(ki.must("load_u8", h+uint64(i)))
	}
	return string(b)
}

func (ki *kinst) snapshot() []byte {
	b, _ := ki.mem.Read(0, ki.mem.Size())
	return bytes.Clone(b)
}

// ---- memory ----

func TestAlloc(t *testing.T) {
	ctx := context.Background()
	ki := newKinst(t, ctx, newTestKernel(t), kernel.Options{})
	ki.reset(nil)

	tests := []struct {
		n    uint64
		want bool // a block, else 0
	}{
		{0, false},
		{1, true},
		{7, true},
		{8, true},
		{9, true},
		{100, true},
		{70000, true}, // grows the memory
		{maxAlloc + 1, false},
		{1 << 32, false},
		{1 << 63, false},
		{math.MaxUint64, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.n), func(t *testing.T) {
			ki.t = t
			before := ki.must("memory_bytes")
			h := ki.must("alloc", tt.n)
			if !tt.want {
				if h != 0 {
					t.Fatalf("alloc(%#x) = %#x, want 0", tt.n, h)
				}
				if after := ki.must("memory_bytes"); after != before {
					t.Fatalf("failed alloc changed memory_bytes %d -> %d", before, after)
				}
				return
			}
			if h < firstHandle || h%8 != 0 {
				t.Fatalf("alloc(%d) = %#x, want an 8-aligned handle >= %d", tt.n, h, firstHandle)
			}
			if got := ki.must("length", h); got != tt.n {
				t.Errorf("length = %d, want %d", got, tt.n)
			}
			if got := ki.must("length_unsafe", h); got != tt.n {
				t.Errorf("length_unsafe = %d, want %d", got, tt.n)
			}
			need := (tt.n + 7) &^ 7
			if got := ki.must("memory_bytes"); got != before+8+need {
				t.Errorf("memory_bytes = %d, want %d", got, before+8+need)
			}
			if b := ki.bytesAt(h, tt.n); !bytes.Equal(b, make([]byte, tt.n)) {
				t.Errorf("new block is not zeroed")
			}
		})
	}
}

func TestAllocIsZeroedAfterReuse(t *testing.T) {
	ctx := context.Background()
	ki := newKinst(t, ctx, newTestKernel(t), kernel.Options{})
	ki.reset([]byte("input"))
	for _, reuse := range []string{"free", "reset", "Reset"} {
		t.Run(reuse, func(t *testing.T) {
			ki.t = t
			ki.must("reset")
			keep := ki.block("keep") // so freeing the next block does not lower top
			h := ki.block(strings.Repeat("\xff", 64))
			_ = ki.block("after")
			switch reuse {
			case "free":
				ki.must("free", h)
			case "reset":
				ki.must("reset")
			case "Reset":
				ki.reset(nil)
			}
			h2 := ki.must("alloc", 64)
			if reuse == "free" && h2 != h {
				t.Fatalf("alloc after free = %#x, want the freed block %#x", h2, h)
			}
			if b := ki.bytesAt(h2, 64); !bytes.Equal(b, make([]byte, 64)) {
				t.Fatalf("reused block is not zeroed: %x", b)
			}
			_ = keep
		})
	}
}

func TestFreeReusesSpace(t *testing.T) {
	ctx := context.Background()
	ki := newKinst(t, ctx, newTestKernel(t), kernel.Options{})
	ki.reset(nil)
	a := ki.must("alloc", 64)
	b := ki.must("alloc", 8)
	used := ki.must("memory_bytes")
	ki.must("free", a)
	if got := ki.must("length", a); got != 0 {
		t.Fatalf("length of a freed block = %d, want 0", got)
	}
	// A smaller block is split off the freed one: same handle, no growth.
	c := ki.must("alloc", 16)
	if c != a {
		t.Fatalf("alloc(16) after free = %#x, want %#x (first fit)", c, a)
	}
	// The rest of the freed block (64-16-8 = 40 bytes) serves the next one.
	d := ki.must("alloc", 40)
	if d != a+16+8 {
		t.Fatalf("alloc(40) = %#x, want the split remainder %#x", d, a+24)
	}
	if got := ki.must("memory_bytes"); got != used {
		t.Fatalf("memory_bytes = %d after reusing freed space, want %d", got, used)
	}
	if ki.must("length", b) != 8 || ki.must("length", c) != 16 || ki.must("length", d) != 40 {
		t.Fatal("lengths changed")
	}
}

func TestFreeLastBlockGivesSpaceBack(t *testing.T) {
	ctx := context.Background()
	ki := newKinst(t, ctx, newTestKernel(t), kernel.Options{})
	ki.reset([]byte("some input"))
	base := ki.must("memory_bytes")
	a := ki.must("alloc", 10)
	b := ki.must("alloc", 100)
	c := ki.must("alloc", 1000)

	ki.must("free", c)
	if got, want := ki.must("memory_bytes"), base+8+16+8+104; got != want {
		t.Fatalf("after free(last): memory_bytes = %d, want %d", got, want)
	}
	// b then a: freeing a first leaves a hole; freeing b (now last) returns both.
	ki.must("free", a)
	if got, want := ki.must("memory_bytes"), base+8+16+8+104; got != want {
		t.Fatalf("after free(a): memory_bytes = %d, want %d", got, want)
	}
	ki.must("free", b)
	if got := ki.must("memory_bytes"); got != base {
		t.Fatalf("after free of the whole run: memory_bytes = %d, want %d", got, base)
	}
	if got := ki.u64(offFreed); got != 0 {
		t.Fatalf("freed bytes = %d after the run was returned, want 0", got)
	}
	// The input is still intact.
	if got := ki.str(ki.must("input_offset")); got != "some input" {
		t.Fatalf("input = %q", got)
	}
	// And the next block comes from the returned space.
	if h := ki.must("alloc", 10); h != a {
		t.Fatalf("alloc = %#x, want %#x", h, a)
	}
}

func TestFreeUnknownHandleIsIgnored(t *testing.T) {
	ctx := context.Background()
	ki := newKinst(t, ctx, newTestKernel(t), kernel.Options{})
	ki.reset([]byte("input"))
	a := ki.block("alpha")
	b := ki.block("bravo")
	ki.must("free", a)
	before := ki.snapshot()
	for _, h := range []uint64{0, 1, 8, heapStart, firstHandle - 1, a, a + 1, a + 8, b - 8, b + 1, b + 8,
		ki.u64(offTop), ki.u64(offTop) + 8, 1 << 32, 1<<32 + b, 1 << 63, math.MaxUint64, math.MaxUint64 - 7} {
		if h == a { // a double free
			ki.must("free", h)
			continue
		}
		ki.must("free", h)
	}
	if after := ki.snapshot(); !bytes.Equal(before, after) {
		t.Fatal("free of unknown handles changed kernel memory")
	}
	if ki.str(b) != "bravo" {
		t.Fatal("b changed")
	}
}

func TestLength(t *testing.T) {
	ctx := context.Background()
	ki := newKinst(t, ctx, newTestKernel(t), kernel.Options{})
	ki.reset([]byte("input!"))
	in := ki.must("input_offset")
	a := ki.block("hello")
	b := ki.block(strings.Repeat("x", 33))
	top := ki.u64(offTop)
	tests := []struct {
		h, want uint64
	}{
		{0, 0}, {1, 0}, {heapStart, 0}, {firstHandle, 6}, {in, 6},
		{a, 5}, {a + 1, 0}, {a - 8, 0}, {a + 8, 0}, {b, 33},
		{top, 0}, {top + 8, 0}, {1 << 32, 0}, {1<<32 + a, 0}, {1 << 63, 0}, {math.MaxUint64, 0},
	}
	for _, tt := range tests {
		if got := ki.must("length", tt.h); got != tt.want {
			t.Errorf("length(%#x) = %d, want %d", tt.h, got, tt.want)
		}
		if got := ki.in.Length(ctx, tt.h); got != tt.want {
			t.Errorf("Instance.Length(%#x) = %d, want %d", tt.h, got, tt.want)
		}
	}
	// length_unsafe agrees on live blocks and never reads outside the heap.
	for _, h := range []uint64{in, a, b} {
		if got, want := ki.must("length_unsafe", h), ki.must("length", h); got != want {
			t.Errorf("length_unsafe(%#x) = %d, want %d", h, got, want)
		}
	}
	for _, h := range []uint64{0, 1, heapStart, firstHandle - 1, top + 1, top + 8, 1 << 32, 1<<32 + a, 1 << 63, math.MaxUint64} {
		if got := ki.must("length_unsafe", h); got != 0 {
			t.Errorf("length_unsafe(%#x) = %d, want 0 (outside the heap)", h, got)
		}
	}
	ki.must("free", a)
	if got := ki.must("length", a); got != 0 {
		t.Errorf("length of a freed block = %d", got)
	}
}

func TestLoadStore(t *testing.T) {
	ctx := context.Background()
	ki := newKinst(t, ctx, newTestKernel(t), kernel.Options{})
	ki.reset(nil)
	h := ki.must("alloc", 32)
	top := ki.u64(offTop)

	for _, tt := range []struct {
		p    uint64
		v    uint64
		want uint64
	}{
		{h, 0x12, 0x12}, {h + 31, 0xff, 0xff}, {h + 5, 0x1ab, 0xab}, {h + 6, 0xffffffff, 0xff},
		{heapStart, 0x7f, 0x7f}, // the first header is inside the heap: allowed
	} {
		ki.must("store_u8", tt.p, tt.v)
		if got := ki.must("load_u8", tt.p); got != tt.want {
			t.Errorf("store_u8(%#x, %#x); load_u8 = %#x, want %#x", tt.p, tt.v, got, tt.want)
		}
		if got := ki.bytesAt(tt.p, 1)[0]; uint64(got) != tt.want {
			t.Errorf("memory at %#x = %#x, want %#x", tt.p, got, tt.want)
		}
	}
	ki.must("store_u8", heapStart, 32) // restore the header's capacity byte

	for _, tt := range []struct{ p, v uint64 }{
		{h, 0x0102030405060708}, {h + 24, math.MaxUint64}, {h + 3, 1 << 63}, {top - 8, 42},
	} {
		ki.must("store_u64", tt.p, tt.v)
		if got := ki.must("load_u64", tt.p); got != tt.v {
			t.Errorf("store_u64(%#x, %#x); load_u64 = %#x", tt.p, tt.v, got)
		}
		if got := binary.LittleEndian.Uint64(ki.bytesAt(tt.p, 8)); got != tt.v {
			t.Errorf("memory at %#x = %#x, want %#x (little-endian)", tt.p, got, tt.v)
		}
	}
	// Reading across blocks is allowed, as long as it stays below top.
	h2 := ki.block("ABCDEFGH")
	if got := ki.must("load_u64", h2-4); got != binary.LittleEndian.Uint64([]byte{8, 0, 0, 0, 'A', 'B', 'C', 'D'}) {
		t.Errorf("load_u64 across a header = %#x", got)
	}
}

func TestFault(t *testing.T) {
	ctx := context.Background()
	ki := newKinst(t, ctx, newTestKernel(t), kernel.Options{})
	ki.reset([]byte("0123456789")) // input block [136,146), top 152
	top := ki.u64(offTop)
	if top != 152 {
		t.Fatalf("top = %d, want 152", top)
	}
	tests := []struct {
		fn   string
		args []uint64
		off  uint64
	}{
		{"load_u8", []uint64{top}, top},
		{"load_u8", []uint64{heapStart - 1}, heapStart - 1},
		{"load_u8", []uint64{0}, 0},
		{"load_u8", []uint64{1<<32 + firstHandle}, 1<<32 + firstHandle}, // no truncation to 32 bits
		{"load_u8", []uint64{math.MaxUint64}, math.MaxUint64},
		{"load_u64", []uint64{top - 7}, top - 7},
		{"load_u64", []uint64{math.MaxUint64 - 7}, math.MaxUint64 - 7},
		{"load_u64", []uint64{1 << 63}, 1 << 63},
		{"store_u8", []uint64{top, 1}, top},
		{"store_u8", []uint64{offTop, 1}, offTop},
		{"store_u64", []uint64{top - 4, 1}, top - 4},
		{"store_u64", []uint64{offInputLen, 1}, offInputLen},
		{"store_u64", []uint64{1<<32 + offTop, 1}, 1<<32 + offTop},
		{"input_load_u8", []uint64{10}, 10},
		{"input_load_u8", []uint64{math.MaxUint64}, math.MaxUint64},
		{"input_load_u64", []uint64{3}, 3},
		{"input_load_u64", []uint64{math.MaxUint64 - 3}, math.MaxUint64 - 3}, // i+8 wraps
		{"output_set", []uint64{firstHandle, 17}, firstHandle},
		{"output_set", []uint64{math.MaxUint64 - 7, 16}, math.MaxUint64 - 7}, // offs+len wraps
		{"output_set", []uint64{firstHandle, math.MaxUint64}, firstHandle},
		{"output_set", []uint64{0, 1}, 0},
		{"error_set", []uint64{firstHandle + 1}, firstHandle + 1},
		{"error_set", []uint64{top}, top},
		{"error_set", []uint64{1<<32 + firstHandle}, 1<<32 + firstHandle},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s%#x", tt.fn, tt.args), func(t *testing.T) {
			ki.t = t
			ki.reset([]byte("0123456789"))
			before := ki.snapshot()
			f := ki.fault(tt.fn, tt.args...)
			if f.Function != tt.fn || f.Offset != tt.off {
				t.Fatalf("Fault() = %+v, want {%s %#x}", *f, tt.fn, tt.off)
			}
			if msg := f.Error(); !strings.Contains(msg, tt.fn) || !strings.Contains(msg, fmt.Sprintf("%#x", tt.off)) {
				t.Errorf("FaultError.Error() = %q: want the function and the offset", msg)
			}
			after := ki.snapshot()
			// Only the fault record itself changed.
			copy(after[offFault:offFault+16], before[offFault:offFault+16])
			if !bytes.Equal(before, after) {
				t.Fatal("a rejected call changed kernel memory")
			}
			// Reset clears it, and the instance works.
			ki.reset([]byte("again"))
			if f := ki.in.Fault(); f != nil {
				t.Fatalf("Fault() after Reset = %v", f)
			}
			if got := ki.str(ki.must("input_offset")); got != "again" {
				t.Fatalf("input after Reset = %q", got)
			}
		})
	}
	// In range, none of them faults.
	ki.t = t
	ki.reset([]byte("0123456789"))
	ki.must("load_u8", top-1)
	ki.must("load_u64", top-8)
	ki.must("store_u8", top-1, 0)
	ki.must("store_u64", top-8, 0)
	ki.must("input_load_u8", 9)
	ki.must("input_load_u64", 2)
	ki.must("output_set", firstHandle, top-firstHandle)
	ki.must("output_set", math.MaxUint64, 0)
	ki.must("error_set", firstHandle)
	if f := ki.in.Fault(); f != nil {
		t.Fatalf("Fault() = %v after calls in range", f)
	}
}

func TestInput(t *testing.T) {
	ctx := context.Background()
	ki := newKinst(t, ctx, newTestKernel(t), kernel.Options{})
	for _, input := range []string{"", "a", "hello world", strings.Repeat("0123456789abcdef", 5000)} {
		t.Run(fmt.Sprint(len(input)), func(t *testing.T) {
			ki.t = t
			ki.reset([]byte(input))
			off, n := ki.must("input_offset"), ki.must("input_length")
			if n != uint64(len(input)) {
				t.Fatalf("input_length = %d, want %d", n, len(input))
			}
			if len(input) == 0 {
				if off != 0 {
					t.Fatalf("input_offset = %#x for empty input, want 0", off)
				}
				ki.fault("input_load_u8", 0)
				return
			}
			if ki.must("length", off) != n {
				t.Fatalf("length(input_offset) = %d", ki.must("length", off))
			}
			for _, i := range []uint64{0, n / 2, n - 1} {
				if got := ki.must("input_load_u8", i); got != uint64(input[i]) {
					t.Errorf("input_load_u8(%d) = %#x, want %#x", i, got, input[i])
				}
			}
			for i := uint64(0); i+8 <= n; i += 8 {
				if got := ki.must("input_load_u64", i); got != binary.LittleEndian.Uint64([]byte(input[i:])) {
					t.Fatalf("input_load_u64(%d) = %#x", i, got)
				}
				if i > 64 {
					i = max(i, n-16)
				}
			}
			if got := string(ki.bytesAt(off, n)); got != input {
				t.Fatal("input block differs from input")
			}
			if ki.must("memory_bytes") != 8+(n+7)&^7 {
				t.Fatalf("memory_bytes = %d", ki.must("memory_bytes"))
			}
		})
	}
}

func TestOutput(t *testing.T) {
	ctx := context.Background()
	ki := newKinst(t, ctx, newTestKernel(t), kernel.Options{})
	ki.reset(nil)
	if out := ki.in.Output(); out != nil {
		t.Fatalf("Output() = %q before output_set", out)
	}
	h := ki.block("the output")
	ki.must("output_set", h, 10)
	if got := string(ki.in.Output()); got != "the output" {
		t.Fatalf("Output() = %q", got)
	}
	ki.must("output_set", h+4, 3) // any range inside the heap
	if got := string(ki.in.Output()); got != "out" {
		t.Fatalf("Output() = %q", got)
	}
	ki.must("output_set", 12345, 0) // empty output, any offset
	if out := ki.in.Output(); out != nil {
		t.Fatalf("Output() = %q after output_set(_, 0)", out)
	}
	ki.must("output_set", h, 10)
	ki.reset(nil)
	if out := ki.in.Output(); out != nil {
		t.Fatalf("Output() = %q after Reset", out)
	}
}

func TestErrorSet(t *testing.T) {
	ctx := context.Background()
	ki := newKinst(t, ctx, newTestKernel(t), kernel.Options{})
	ki.reset(nil)
	if msg, ok := ki.in.GuestError(ctx); ok {
		t.Fatalf("GuestError() = %q before error_set", msg)
	}
	if got := ki.must("error_get"); got != 0 {
		t.Fatalf("error_get = %#x", got)
	}
	h := ki.block("Some error message")
	ki.must("error_set", h)
	if got := ki.must("error_get"); got != h {
		t.Fatalf("error_get = %#x, want %#x", got, h)
	}
	if msg, ok := ki.in.GuestError(ctx); !ok || msg != "Some error message" {
		t.Fatalf("GuestError() = %q, %v", msg, ok)
	}
	ki.must("error_set", 0)
	if got := ki.must("error_get"); got != 0 {
		t.Fatalf("error_get = %#x after error_set(0)", got)
	}
	if msg, ok := ki.in.GuestError(ctx); ok {
		t.Fatalf("GuestError() = %q after error_set(0)", msg)
	}
	ki.must("error_set", h)
	ki.reset(nil)
	if msg, ok := ki.in.GuestError(ctx); ok {
		t.Fatalf("GuestError() = %q after Reset", msg)
	}
	// A freed block is not a live block.
	h = ki.block("x")
	ki.must("free", h)
	ki.fault("error_set", h)
}

func TestResetExport(t *testing.T) {
	ctx := context.Background()
	ki := newKinst(t, ctx, newTestKernel(t), kernel.Options{})
	ki.reset([]byte("input"))
	a := ki.block("aaaa")
	b := ki.block("bbbb")
	ki.must("free", a)
	ki.must("output_set", b, 4)
	ki.must("error_set", b)
	ki.must("reset")
	for name, want := range map[string]uint64{"memory_bytes": 0, "error_get": 0, "length": 0} {
		args := []uint64{}
		if name == "length" {
			args = append(args, b)
		}
		if got := ki.must(name, args...); got != want {
			t.Errorf("%s after reset = %d, want %d", name, got, want)
		}
	}
	if ki.in.Output() != nil || ki.u64(offFreed) != 0 {
		t.Error("reset kept output or freed bytes")
	}
	if h := ki.must("alloc", 4); h != firstHandle {
		t.Errorf("first alloc after reset = %#x, want %#x", h, firstHandle)
	}
	ki.fault("load_u8", firstHandle+8) // above the new top
}

func TestMemoryBytes(t *testing.T) {
	ctx := context.Background()
	ki := newKinst(t, ctx, newTestKernel(t), kernel.Options{})
	ki.reset(nil)
	want := uint64(0)
	for _, n := range []uint64{1, 8, 9, 4096, 100000} {
		ki.must("alloc", n)
		want += 8 + (n+7)&^7
		if got := ki.must("memory_bytes"); got != want {
			t.Fatalf("after alloc(%d): memory_bytes = %d, want %d", n, got, want)
		}
		if got := ki.in.MemoryBytes(); got != want {
			t.Fatalf("MemoryBytes() = %d, want %d", got, want)
		}
	}
	if size := uint64(ki.mem.Size()); size < heapStart+want {
		t.Fatalf("memory is %d bytes, smaller than the heap", size)
	}
}

// ---- the Go half ----

func TestConfigGet(t *testing.T) {
	ctx := context.Background()
	config := map[string]string{"thing": "value", "empty": "", "k2": strings.Repeat("v", 1000)}
	ki := newKinst(t, ctx, newTestKernel(t), kernel.Options{Config: config})
	ki.reset(nil)
	tests := []struct {
		key  string
		want string // "" means 0
	}{
		{"thing", "value"}, {"k2", config["k2"]}, {"missing", ""}, {"THING", ""}, {"thin", ""},
		{"empty", ""}, // an empty value is no block
	}
	for _, tt := range tests {
		h := ki.must("config_get", ki.block(tt.key))
		if tt.want == "" {
			if h != 0 {
				t.Errorf("config_get(%q) = %#x (%q), want 0", tt.key, h, ki.str(h))
			}
			continue
		}
		if h == 0 {
			t.Errorf("config_get(%q) = 0, want %q", tt.key, tt.want)
			continue
		}
		if got := ki.str(h); got != tt.want {
			t.Errorf("config_get(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
	for _, bad := range []uint64{0, 1, firstHandle + 1, 1 << 40, math.MaxUint64} {
		if h := ki.must("config_get", bad); h != 0 {
			t.Errorf("config_get(%#x) = %#x, want 0", bad, h)
		}
	}
	if err := ki.in.HostError(); err != nil {
		t.Errorf("HostError() = %v", err)
	}
	if config["thing"] != "value" || len(config) != 3 {
		t.Error("the config map was modified")
	}
}

func TestVars(t *testing.T) {
	ctx := context.Background()
	k := newTestKernel(t)
	t.Run("set get overwrite delete", func(t *testing.T) {
		ki := newKinst(t, ctx, k, kernel.Options{})
		ki.reset(nil)
		key := ki.block("counter")
		if h := ki.must("var_get", key); h != 0 {
			t.Fatalf("var_get of an unset var = %#x", h)
		}
		ki.must("var_set", key, ki.block("one"))
		if got := ki.str(ki.must("var_get", key)); got != "one" {
			t.Fatalf("var_get = %q", got)
		}
		ki.must("var_set", key, ki.block("two!"))
		if got := ki.str(ki.must("var_get", key)); got != "two!" {
			t.Fatalf("var_get after overwrite = %q", got)
		}
		// Vars survive Reset (the next call).
		ki.reset([]byte("next call"))
		key = ki.block("counter")
		if got := ki.str(ki.must("var_get", key)); got != "two!" {
			t.Fatalf("var_get in the next call = %q", got)
		}
		if got := string(ki.in.Var("counter")); got != "two!" {
			t.Fatalf("Var() = %q", got)
		}
		ki.must("var_set", key, 0)
		if h := ki.must("var_get", key); h != 0 {
			t.Fatalf("var_get after delete = %#x", h)
		}
		if len(ki.in.Vars()) != 0 {
			t.Fatalf("Vars() = %v after delete", ki.in.Vars())
		}
		// A bad key or value changes nothing and fails the call.
		ki.must("var_set", key, ki.block("v"))
		ki.must("var_set", key, firstHandle+3)
		if !errors.Is(ki.in.HostError(), kernel.ErrBadHandle) {
			t.Fatalf("HostError() = %v, want ErrBadHandle", ki.in.HostError())
		}
		if got := string(ki.in.Var("counter")); got != "v" {
			t.Fatalf("Var() = %q after a bad var_set", got)
		}
		ki.reset(nil)
		ki.must("var_set", 0, 0)
		if ki.in.HostError() == nil {
			t.Fatal("var_set(0, 0): no HostError")
		}
	})
	t.Run("limit", func(t *testing.T) {
		ki := newKinst(t, ctx, k, kernel.Options{MaxVarBytes: 10})
		ki.reset(nil)
		ki.must("var_set", ki.block("ab"), ki.block("12345678")) // 10 bytes: at the bound
		if err := ki.in.HostError(); err != nil {
			t.Fatalf("var_set at the bound: %v", err)
		}
		ki.must("var_set", ki.block("c"), ki.block("1")) // 12 bytes: over
		if err := ki.in.HostError(); !errors.Is(err, kernel.ErrVarLimit) {
			t.Fatalf("HostError() = %v, want ErrVarLimit", err)
		}
		if ki.in.Var("c") != nil || string(ki.in.Var("ab")) != "12345678" {
			t.Fatalf("vars changed by a refused var_set: %q", ki.in.Vars())
		}
		ki.reset(nil)
		if err := ki.in.HostError(); err != nil {
			t.Fatalf("HostError() after Reset = %v", err)
		}
		// Overwriting counts the new size, not the sum.
		ki.must("var_set", ki.block("ab"), ki.block("87654321"))
		if err := ki.in.HostError(); err != nil {
			t.Fatalf("overwrite at the bound: %v", err)
		}
		// Deleting frees room.
		ki.must("var_set", ki.block("ab"), 0)
		ki.must("var_set", ki.block("c"), ki.block("123456789"))
		if err := ki.in.HostError(); err != nil {
			t.Fatalf("after delete: %v", err)
		}
	})
	t.Run("disabled", func(t *testing.T) {
		ki := newKinst(t, ctx, k, kernel.Options{MaxVarBytes: -1})
		ki.reset(nil)
		ki.must("var_set", ki.block("k"), ki.block("v"))
		if err := ki.in.HostError(); !errors.Is(err, kernel.ErrVarLimit) {
			t.Fatalf("HostError() = %v, want ErrVarLimit", err)
		}
		if len(ki.in.Vars()) != 0 {
			t.Fatal("a var was set with vars disabled")
		}
		if err := ki.in.SetVar("k", []byte("v")); !errors.Is(err, kernel.ErrVarLimit) {
			t.Fatalf("SetVar = %v, want ErrVarLimit", err)
		}
	})
	t.Run("default bound", func(t *testing.T) {
		ki := newKinst(t, ctx, k, kernel.Options{})
		if err := ki.in.SetVar("k", make([]byte, kernel.DefaultMaxVarBytes-1)); err != nil {
			t.Fatal(err)
		}
		if err := ki.in.SetVar("k2", []byte("v")); !errors.Is(err, kernel.ErrVarLimit) {
			t.Fatalf("SetVar over the default bound = %v", err)
		}
	})
}

// recordHandler is a slog.Handler that keeps the records it is given.
type recordHandler struct {
	level slog.Level
	mu    sync.Mutex
	recs  []slog.Record
}

func (h *recordHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }
func (h *recordHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.recs = append(h.recs, r.Clone())
	return nil
}
func (h *recordHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordHandler) WithGroup(string) slog.Handler      { return h }

func (h *recordHandler) take() []slog.Record {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.recs
	h.recs = nil
	return r
}

func TestLog(t *testing.T) {
	ctx := context.Background()
	k := newTestKernel(t)
	fns := []string{"log_trace", "log_debug", "log_info", "log_warn", "log_error"}
	levels := []slog.Level{kernel.LevelTrace, slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError}
	for want, min := range levels {
		t.Run(min.String(), func(t *testing.T) {
			h := &recordHandler{level: min}
			ki := newKinst(t, ctx, k, kernel.Options{Logger: slog.New(h)})
			ki.reset(nil)
			if got := ki.must("get_log_level"); got != uint64(want) {
				t.Fatalf("get_log_level = %d, want %d", got, want)
			}
			for i, fn := range fns {
				ki.must(fn, ki.block("message from "+fn))
				recs := h.take()
				if i < want {
					if len(recs) != 0 {
						t.Errorf("%s logged below the level", fn)
					}
					continue
				}
				if len(recs) != 1 || recs[0].Level != levels[i] || recs[0].Message != "message from "+fn {
					t.Errorf("%s: records %v", fn, recs)
				}
			}
			// A bad handle logs nothing and does not trap.
			for _, fn := range fns {
				ki.must(fn, firstHandle+1)
				ki.must(fn, math.MaxUint64)
			}
			if recs := h.take(); len(recs) != 0 {
				t.Errorf("bad handles logged %v", recs)
			}
		})
	}
	off := map[string]*slog.Logger{
		"nil logger":  nil,
		"discard":     slog.New(slog.DiscardHandler),
		"above error": slog.New(&recordHandler{level: slog.LevelError + 1}),
	}
	for name, logger := range off {
		t.Run(name, func(t *testing.T) {
			ki := newKinst(t, ctx, k, kernel.Options{Logger: logger})
			ki.reset(nil)
			if got := ki.must("get_log_level"); got != math.MaxInt32 {
				t.Fatalf("get_log_level = %d, want MaxInt32", got)
			}
			for _, fn := range fns {
				ki.must(fn, ki.block("x"))
			}
		})
	}
}

// ---- HTTP ----

// httpFixture is a test server on 127.0.0.1 with a few routes.
type httpFixture struct {
	srv   *httptest.Server
	mu    sync.Mutex
	hits  map[string]int
	bodyN int
}

func newHTTPFixture(t testing.TB) *httpFixture {
	fx := &httpFixture{hits: map[string]int{}, bodyN: 2000}
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		w.Header().Set("X-Test", "yes")
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, "hello %s %s %s", r.Method, r.Header.Get("X-Req"), body)
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Write(bytes.Repeat([]byte("b"), fx.bodyN))
	})
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	fx.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fx.mu.Lock()
		fx.hits[r.Host+r.URL.Path]++
		fx.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(fx.srv.Close)
	return fx
}

func (fx *httpFixture) url(path string) string { return fx.srv.URL + path }

func (fx *httpFixture) hitCount() int {
	fx.mu.Lock()
	defer fx.mu.Unlock()
	n := 0
	for _, v := range fx.hits {
		n += v
	}
	return n
}

func reqJSON(url, method string, headers map[string]string) string {
	b, _ := json.Marshal(map[string]any{"url": url, "method": method, "headers": headers})
	return string(b)
}

func TestHTTPRequest(t *testing.T) {
	ctx := context.Background()
	k := newTestKernel(t)
	fx := newHTTPFixture(t)
	_, port, _ := net.SplitHostPort(fx.srv.Listener.Addr().String())

	tests := []struct {
		name       string
		opts       kernel.Options
		req        string
		body       string
		want       string // response body; "" with wantErr
		wantStatus uint64
		wantErr    error
		headers    bool // http_headers returns a block
	}{
		{name: "allowed", opts: kernel.Options{AllowedHosts: []string{"127.0.0.1"}},
			req: reqJSON(fx.url("/hello"), "", map[string]string{"X-Req": "r1"}), want: "hello GET r1 ", wantStatus: 201},
		{name: "post with body", opts: kernel.Options{AllowedHosts: []string{"127.0.0.1"}},
			req: reqJSON(fx.url("/hello"), "post", nil), body: "the body", want: "hello POST  the body", wantStatus: 201},
		{name: "glob", opts: kernel.Options{AllowedHosts: []string{"example.com", "127.0.0.*"}, AllowPrivateNetworks: true},
			req: reqJSON(fx.url("/hello"), "GET", nil), want: "hello GET  ", wantStatus: 201},
		{name: "host and port", opts: kernel.Options{AllowedHosts: []string{"127.0.0.1:" + port}},
			req: reqJSON(fx.url("/hello"), "GET", nil), want: "hello GET  ", wantStatus: 201},
		{name: "headers on", opts: kernel.Options{AllowedHosts: []string{"127.0.0.1"}, HTTPResponseHeaders: true},
			req: reqJSON(fx.url("/hello"), "GET", nil), want: "hello GET  ", wantStatus: 201, headers: true},
		{name: "redirect allowed", opts: kernel.Options{AllowedHosts: []string{"127.0.0.1"}},
			req: reqJSON(fx.url("/redirect?to=/hello"), "GET", nil), want: "hello GET  ", wantStatus: 201},
		{name: "empty body", opts: kernel.Options{AllowedHosts: []string{"127.0.0.1"}},
			req: reqJSON(fx.url("/empty"), "GET", nil), want: "", wantStatus: 204},
		{name: "denied", opts: kernel.Options{AllowedHosts: []string{"example.com"}},
			req: reqJSON(fx.url("/hello"), "GET", nil), wantErr: kernel.ErrHTTPNotAllowed},
		{name: "no allowed hosts", opts: kernel.Options{},
			req: reqJSON(fx.url("/hello"), "GET", nil), wantErr: kernel.ErrHTTPNotAllowed},
		{name: "other port", opts: kernel.Options{AllowedHosts: []string{"127.0.0.1:1"}},
			req: reqJSON(fx.url("/hello"), "GET", nil), wantErr: kernel.ErrHTTPNotAllowed},
		{name: "userinfo trick", opts: kernel.Options{AllowedHosts: []string{"127.0.0.1"}},
			req: reqJSON("http://127.0.0.1@localhost:"+port+"/hello", "GET", nil), wantErr: kernel.ErrHTTPNotAllowed},
		{name: "redirect to a disallowed host", opts: kernel.Options{AllowedHosts: []string{"127.0.0.1"}},
			req: reqJSON(fx.url("/redirect?to=http://localhost:"+port+"/hello"), "GET", nil), wantErr: kernel.ErrHTTPNotAllowed},
		{name: "too large", opts: kernel.Options{AllowedHosts: []string{"127.0.0.1"}, MaxHTTPResponseBytes: 1999},
			req: reqJSON(fx.url("/big"), "GET", nil), wantErr: kernel.ErrHTTPResponseTooLarge},
		{name: "at the limit", opts: kernel.Options{AllowedHosts: []string{"127.0.0.1"}, MaxHTTPResponseBytes: 2000},
			req: reqJSON(fx.url("/big"), "GET", nil), want: strings.Repeat("b", 2000), wantStatus: 200},
		{name: "malformed JSON", opts: kernel.Options{AllowedHosts: []string{"127.0.0.1"}},
			req: `{"url": "` + fx.url("/hello"), wantErr: kernel.ErrHTTPRequest},
		{name: "not an object", opts: kernel.Options{AllowedHosts: []string{"*"}},
			req: `["url"]`, wantErr: kernel.ErrHTTPRequest},
		{name: "relative URL", opts: kernel.Options{AllowedHosts: []string{"*"}},
			req: reqJSON("/hello", "GET", nil), wantErr: kernel.ErrHTTPRequest},
		{name: "file URL", opts: kernel.Options{AllowedHosts: []string{"*"}},
			req: reqJSON("file:///etc/passwd", "GET", nil), wantErr: kernel.ErrHTTPRequest},
		{name: "bad method", opts: kernel.Options{AllowedHosts: []string{"127.0.0.1"}},
			req: reqJSON(fx.url("/hello"), "GET /x", nil), wantErr: kernel.ErrHTTPRequest},
		{name: "bad header", opts: kernel.Options{AllowedHosts: []string{"127.0.0.1"}},
			req: reqJSON(fx.url("/hello"), "GET", map[string]string{"X-Bad": "a\r\nInjected: yes"}), wantErr: kernel.ErrHTTPRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ki := newKinst(t, ctx, k, tt.opts)
			ki.reset(nil)
			hits := fx.hitCount()
			var body uint64
			if tt.body != "" {
				body = ki.block(tt.body)
			}
			h := ki.must("http_request", ki.block(tt.req), body)
			status := ki.must("http_status_code")
			herr := ki.in.HostError()
			if tt.wantErr != nil {
				if !errors.Is(herr, tt.wantErr) {
					t.Fatalf("HostError() = %v, want %v", herr, tt.wantErr)
				}
				if h != 0 {
					t.Fatalf("http_request = %#x, want 0 on failure", h)
				}
				if status != 0 {
					t.Errorf("http_status_code = %d after a failure, want 0", status)
				}
				if tt.wantErr == kernel.ErrHTTPNotAllowed && !strings.Contains(tt.name, "redirect") && fx.hitCount() != hits {
					t.Errorf("a denied request reached the server")
				}
				if strings.Contains(tt.name, "redirect") && fx.hitCount() != hits+1 {
					t.Errorf("the server saw %d requests, want 1 (the redirect was followed)", fx.hitCount()-hits)
				}
				return
			}
			if herr != nil {
				t.Fatalf("HostError() = %v", herr)
			}
			if tt.want == "" {
				if h != 0 {
					t.Fatalf("http_request = %#x for an empty body, want 0", h)
				}
			} else if got := ki.str(h); got != tt.want {
				t.Fatalf("body = %q, want %q", got, tt.want)
			}
			if status != tt.wantStatus {
				t.Errorf("http_status_code = %d, want %d", status, tt.wantStatus)
			}
			hh := ki.must("http_headers")
			if !tt.headers {
				if hh != 0 {
					t.Errorf("http_headers = %q with headers off", ki.str(hh))
				}
				return
			}
			var got map[string]string
			if err := json.Unmarshal([]byte(ki.str(hh)), &got); err != nil {
				t.Fatalf("http_headers is not a JSON object: %v", err)
			}
			lower := map[string]string{}
			for k, v := range got {
				lower[strings.ToLower(k)] = v
			}
			if lower["x-test"] != "yes" || lower["x-multi"] != "a,b" {
				t.Errorf("http_headers = %v", got)
			}
			// Reset forgets the last response.
			ki.reset(nil)
			if ki.must("http_status_code") != 0 || ki.must("http_headers") != 0 {
				t.Error("status or headers survived Reset")
			}
		})
	}
}

// ---- globs ----

func TestMatchGlob(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"", "", true},
		{"", "a", false},
		{"a", "", false},
		{"*", "", true},
		{"*", "anything.at.all", true},
		{"**", "x", true},
		{"?", "", false},
		{"?", "a", true},
		{"?", "ab", false},
		{"example.com", "example.com", true},
		{"example.com", "example.co", false},
		{"example.com", "example.comm", false},
		{"example.com", "xexample.com", false},
		{"*.example.com", "api.example.com", true},
		{"*.example.com", "a.b.example.com", true},
		{"*.example.com", "example.com", false},
		{"*.example.com", "evilexample.com", false},
		{"*.example.com", "example.com.evil.net", false},
		{"jsonplaceholder.*.com", "jsonplaceholder.typicode.com", true},
		{"jsonplaceholder.*.com", "jsonplaceholder.typicode.org", false},
		{"127.0.0.?", "127.0.0.1", true},
		{"127.0.0.?", "127.0.0.10", false},
		{"127.0.0.1", "127.0.0.1:8080", false},
		{"127.0.0.1:*", "127.0.0.1:8080", true},
		{"a*b*c", "abc", true},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "aXbYcZ", false},
		{"a*b*c", "acb", false},
		{"*a", "bbba", true},
		{"*a", "bbab", false},
		{"a*", "abbb", true},
		{"*?", "", false},
		{"*?", "x", true},
		{"?*?", "x", false},
		{"?*?", "xy", true},
		{"*ab*", "aab", true},
		{"*aab", "aaab", true},
		{"a*a*a*a*b", strings.Repeat("a", 100), false},
		{"a*a*a*a*b", strings.Repeat("a", 100) + "b", true},
		{"[a]", "a", false}, // no character classes
		{"[a]", "[a]", true},
		{`\*`, "*", false}, // no escapes
		{`\*`, `\x`, true},
	}
	for _, tt := range tests {
		if got := kernel.MatchGlob(tt.pattern, tt.s); got != tt.want {
			t.Errorf("MatchGlob(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
		if got := globReference(tt.pattern, tt.s); got != tt.want {
			t.Errorf("globReference(%q, %q) = %v, want %v (the test's reference is wrong)", tt.pattern, tt.s, got, tt.want)
		}
	}
}

// TestMatchGlobPathological: patterns that make a backtracking matcher
// exponential must stay linear-ish (O(len(pattern)*len(s))).
func TestMatchGlobPathological(t *testing.T) {
	long := strings.Repeat("a", 1<<16)
	tests := []struct{ pattern, s string }{
		{"a*a*a*a*b", long},
		{strings.Repeat("a*", 64) + "b", long},
		{strings.Repeat("*a", 64) + "*b", long},
		{strings.Repeat("?*", 64) + "b", long},
		{"*" + strings.Repeat("a", 200) + "b", long},
		{strings.Repeat("*", 1<<16) + "b", long},
	}
	for _, tt := range tests {
		start := time.Now()
		if kernel.MatchGlob(tt.pattern, tt.s) {
			t.Errorf("MatchGlob(%.20q..., %d a's) = true", tt.pattern, len(tt.s))
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("MatchGlob(%.20q..., %d a's) took %v", tt.pattern, len(tt.s), d)
		}
	}
}

// ---- isolation ----

func TestIsolation(t *testing.T) {
	ctx := context.Background()
	k := newTestKernel(t)
	a := newKinst(t, ctx, k, kernel.Options{Config: map[string]string{"who": "a"}})
	b := newKinst(t, ctx, k, kernel.Options{Config: map[string]string{"who": "b"}})
	a.reset([]byte("same input"))
	b.reset([]byte("same input"))
	hb := b.block("b's secret")
	b.must("output_set", hb, 10)
	snapB := b.snapshot()

	// a writes everywhere it may, and tries everywhere it may not.
	ha := a.block(strings.Repeat("A", 100))
	top := a.u64(offTop)
	for p := uint64(heapStart); p+8 <= top; p += 8 {
		a.must("store_u64", p, 0xAAAAAAAAAAAAAAAA)
	}
	for _, p := range []uint64{top, top + 64, 1 << 32, 1<<32 + hb, 1<<33 + hb, 1 << 63, math.MaxUint64 - 7} {
		a.fault("store_u64", p, 0xBBBBBBBBBBBBBBBB)
		a.fault("store_u8", p, 0xBB)
	}
	a.reset([]byte("same input"))
	for i := 0; i < 100; i++ {
		a.must("alloc", 1000)
	}
	a.must("var_set", a.block("key"), a.block("a's value"))
	_ = ha

	if !bytes.Equal(snapB, b.snapshot()) {
		t.Fatal("writes through one kernel instance changed another's memory")
	}
	if got := string(b.in.Output()); got != "b's secret" {
		t.Fatalf("b's output = %q", got)
	}
	if b.in.Var("key") != nil {
		t.Fatal("a's var is visible in b")
	}
	// Host functions find their own instance.
	if got := a.str(a.must("config_get", a.block("who"))); got != "a" {
		t.Fatalf("a's config_get = %q", got)
	}
	if got := b.str(b.must("config_get", b.block("who"))); got != "b" {
		t.Fatalf("b's config_get = %q", got)
	}
	// Handles are per instance: b's handle means nothing special to a.
	if a.mem == b.mem {
		t.Fatal("two instances share a memory")
	}
}
