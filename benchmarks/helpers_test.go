package benchmarks

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	extism "github.com/extism/go-sdk"

	"github.com/tendril-wasm/tendril/internal/testplugins"
	tendril "github.com/tendril-wasm/tendril/runtime"
)

// The two hosts run through one small interface so that every benchmark
// body is written once and measures both the same way. The reference host
// runs first: benchstat takes the first column as the base.

// host compiles plug-ins.
type host interface {
	Name() string
	Compile(ctx context.Context, wasm []byte, wasi bool) (compiled, error)
}

// compiled is a plug-in compiled once, instantiated many times.
type compiled interface {
	Instantiate(ctx context.Context) (instance, error)
	Close(ctx context.Context) error
}

// instance is one live sandbox. The output of Call is valid until the next call.
type instance interface {
	Call(ctx context.Context, fn string, input []byte) ([]byte, error)
	Close(ctx context.Context) error
}

// hosts returns a fresh reference host and a fresh Tendril host, in that
// order; whatever they hold is released when tb ends.
func hosts(tb testing.TB) []host {
	tb.Helper()
	ctx := context.Background()
	rt, err := tendril.New(ctx, tendril.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = rt.Close(ctx) })
	return []host{extismHost{}, tendrilHost{rt}}
}

// Tendril: one Runtime (which compiles the kernel once), plug-ins compiled into it.

type tendrilHost struct{ rt *tendril.Runtime }

func (tendrilHost) Name() string { return "tendril" }

func (h tendrilHost) Compile(ctx context.Context, wasm []byte, wasi bool) (compiled, error) {
	p, err := h.rt.Compile(ctx, tendril.Manifest{Wasm: []tendril.WasmSource{{Data: wasm}}}, tendril.PluginOptions{WASI: wasi})
	if err != nil {
		return nil, err
	}
	return tendrilCompiled{p}, nil
}

type tendrilCompiled struct{ p *tendril.CompiledPlugin }

func (c tendrilCompiled) Instantiate(ctx context.Context) (instance, error) {
	in, err := c.p.Instantiate(ctx)
	if err != nil {
		return nil, err
	}
	return in, nil // *tendril.Instance has Call and Close with these signatures
}

func (c tendrilCompiled) Close(ctx context.Context) error { return c.p.Close(ctx) }

// Reference: extism.NewCompiledPlugin (its own wazero runtime, kernel and
// WASI per compiled plug-in), then CompiledPlugin.Instance.

type extismHost struct{}

func (extismHost) Name() string { return "extism" }

func (extismHost) Compile(ctx context.Context, wasm []byte, wasi bool) (compiled, error) {
	m := extism.Manifest{Wasm: []extism.Wasm{extism.WasmData{Data: wasm}}}
	p, err := extism.NewCompiledPlugin(ctx, m, extism.PluginConfig{EnableWasi: wasi}, nil)
	if err != nil {
		return nil, err
	}
	return extismCompiled{p}, nil
}

type extismCompiled struct{ p *extism.CompiledPlugin }

func (c extismCompiled) Instantiate(ctx context.Context) (instance, error) {
	in, err := c.p.Instance(ctx, extism.PluginInstanceConfig{})
	if err != nil {
		return nil, err
	}
	return extismInstance{in}, nil
}

func (c extismCompiled) Close(ctx context.Context) error { return c.p.Close(ctx) }

type extismInstance struct{ p *extism.Plugin }

func (in extismInstance) Call(ctx context.Context, fn string, input []byte) ([]byte, error) {
	rc, out, err := in.p.CallWithContext(ctx, fn, input)
	if err != nil {
		return nil, err
	}
	if rc != 0 {
		return nil, fmt.Errorf("extism: %s returned %d", fn, rc)
	}
	return out, nil
}

func (in extismInstance) Close(ctx context.Context) error { return in.p.Close(ctx) }

// Plug-ins.

// A plugin names a module, the function the benchmarks call and whether it
// needs WASI.
type plugin struct {
	file string // in the reference SDK's wasm/ folder, or "testdata/*.wat"
	fn   string
	wasi bool
}

var (
	noop        = plugin{file: "noop.wasm", fn: "run_test", wasi: true} // TinyGo; imports fd_write
	countVowels = plugin{file: "count_vowels.wasm", fn: "count_vowels"} // Rust PDK; uses vars
	readInput   = plugin{file: "testdata/read_input.wat", fn: "read_input"}
)

// wasm returns the plug-in's binary: a reference plug-in from the module
// cache, or the committed build of a WAT file of testdata.
func (p plugin) wasm(tb testing.TB) []byte {
	tb.Helper()
	if filepath.Ext(p.file) == ".wat" {
		return wat2wasm(tb, p.file)
	}
	b, err := os.ReadFile(testplugins.Extism(tb, p.file))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// wat2wasm returns the committed build of a WAT file of testdata: the .wasm
// beside it (scripts/gen-wasm.sh rebuilds it; CI checks that they match).
// It is read here, in the test process, so that go test's cache sees edits.
func wat2wasm(tb testing.TB, file string) []byte {
	tb.Helper()
	b, err := os.ReadFile(strings.TrimSuffix(file, ".wat") + ".wasm")
	if err != nil {
		tb.Fatalf("%v (scripts/gen-wasm.sh builds it from %s)", err, file)
	}
	return b
}

// compile compiles p on h; the plug-in is closed when tb ends.
func compile(tb testing.TB, h host, p plugin) compiled {
	tb.Helper()
	ctx := context.Background()
	c, err := h.Compile(ctx, p.wasm(tb), p.wasi)
	if err != nil {
		tb.Fatalf("%s: compile %s: %v", h.Name(), p.file, err)
	}
	tb.Cleanup(func() { _ = c.Close(ctx) })
	return c
}

// instantiate makes a live instance of p on h, closed when tb ends.
func instantiate(tb testing.TB, h host, p plugin) instance {
	tb.Helper()
	ctx := context.Background()
	in, err := compile(tb, h, p).Instantiate(ctx)
	if err != nil {
		tb.Fatalf("%s: instantiate %s: %v", h.Name(), p.file, err)
	}
	tb.Cleanup(func() { _ = in.Close(ctx) })
	return in
}

// Inputs.

// sizes are the input sizes of the data benchmarks.
var sizes = []struct {
	name string
	n    int
}{
	{"16B", 16},
	{"1KiB", 1 << 10},
	{"64KiB", 64 << 10},
	{"1MiB", 1 << 20},
}

const text = "The quick brown fox jumps over the lazy dog; " +
	"Pack my box with five dozen liquor jugs. "

// input returns n bytes of deterministic ASCII text, the same for both hosts.
func input(n int) []byte {
	return bytes.Repeat([]byte(text), n/len(text)+1)[:n]
}

// vowels counts what count_vowels counts: a, e, i, o, u in either case.
func vowels(b []byte) int {
	n := 0
	for _, c := range b {
		switch c {
		case 'a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U':
			n++
		}
	}
	return n
}

// xorWords is what read_input.wat returns: the XOR of the input's
// little-endian 64-bit words, the last one zero-padded.
func xorWords(b []byte) []byte {
	var acc uint64
	for len(b) >= 8 {
		acc ^= binary.LittleEndian.Uint64(b)
		b = b[8:]
	}
	var tail [8]byte
	copy(tail[:], b)
	acc ^= binary.LittleEndian.Uint64(tail[:])
	return binary.LittleEndian.AppendUint64(nil, acc)
}

// Memory.

// footprint is what live instances cost, per instance.
type footprint struct {
	heap float64 // growth of the live Go heap (HeapAlloc after a GC)
	rss  float64 // growth of the resident set (0 where /proc/self/statm is missing)
}

// perInstance creates n live instances of c and returns their footprint per
// instance. The Go heap alone misses linear memories kept outside it (an
// mmap-backed allocator), so the resident set is measured too, with freed
// heap returned to the OS before each reading.
func perInstance(ctx context.Context, c compiled, n int) (footprint, error) {
	live := make([]instance, 0, n)
	defer func() {
		for _, in := range live {
			_ = in.Close(ctx)
		}
	}()
	heap0, rss0 := memNow()
	for range n {
		in, err := c.Instantiate(ctx)
		if err != nil {
			return footprint{}, err
		}
		live = append(live, in)
	}
	heap1, rss1 := memNow()
	runtime.KeepAlive(live)
	return footprint{
		heap: (float64(heap1) - float64(heap0)) / float64(n),
		rss:  (float64(rss1) - float64(rss0)) / float64(n),
	}, nil
}

// memNow collects garbage, returns free memory to the OS and reads the live
// heap and the resident set, in bytes.
func memNow() (heap, rss uint64) {
	debug.FreeOSMemory() // a full GC, then the scavenger
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc, residentBytes()
}

// residentBytes is the process's resident set size, or 0 where unknown.
func residentBytes() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * uint64(os.Getpagesize())
}

// CPU time.

// cpuMeter measures the process's CPU time over a benchmark loop and reports
// it per op as cpu-ns/op. Unlike ns/op it hardly moves when other processes
// load the machine, and it counts work done on other threads (GC).
type cpuMeter struct {
	start int64
	ok    bool
}

func startCPU() cpuMeter {
	t, ok := processCPU()
	return cpuMeter{start: t, ok: ok}
}

// report must run after the loop: b.N is then the number of iterations timed.
func (m cpuMeter) report(b *testing.B) {
	t, ok := processCPU()
	if !m.ok || !ok || b.N == 0 {
		return
	}
	b.ReportMetric(float64(t-m.start)/float64(b.N), "cpu-ns/op")
}

// Pools.

// pool is a fixed set of instances guarded by a channel: a caller takes one,
// calls it and gives it back.
type pool chan instance

func newPool(tb testing.TB, c compiled, n int) pool {
	tb.Helper()
	ctx := context.Background()
	p := make(pool, n)
	for range n {
		in, err := c.Instantiate(ctx)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { _ = in.Close(ctx) })
		p <- in
	}
	return p
}

// call runs fn on one of the pool's instances; the check runs while the
// instance is still held, since the output is valid only until its next call.
func (p pool) call(ctx context.Context, fn string, input []byte, check func([]byte) error) error {
	in := <-p
	defer func() { p <- in }()
	out, err := in.Call(ctx, fn, input)
	if err != nil {
		return err
	}
	if check != nil {
		return check(out)
	}
	return nil
}
