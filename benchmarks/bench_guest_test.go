package benchmarks

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"runtime"
	"strconv"
	"testing"

	tendril "github.com/tendril-wasm/tendril/runtime"
)

// Guest speed: compute-heavy plug-ins on three hosts in one run. go-sdk runs
// modules as they are; Tendril rewrites them with interrupt checks and
// visits to Go (internal/wasmbin). The floor is Tendril with the checks
// turned off (PluginOptions.Checks = ChecksNone): the same kernel and
// wazero, the module unmodified, so Tendril/floor is what the checks cost.

// checkedHost is Tendril compiling every plug-in with the given checks.
type checkedHost struct {
	rt     *tendril.Runtime
	name   string
	checks tendril.Checks
}

func (h checkedHost) Name() string { return h.name }

func (h checkedHost) Compile(ctx context.Context, wasm []byte, wasi bool) (compiled, error) {
	p, err := h.rt.Compile(ctx, tendril.Manifest{Wasm: []tendril.WasmSource{{Data: wasm}}},
		tendril.PluginOptions{WASI: wasi, Checks: h.checks})
	if err != nil {
		return nil, err
	}
	return tendrilCompiled{p}, nil
}

// guestHosts returns go-sdk, the floor and Tendril, in that order.
func guestHosts(tb testing.TB) []host {
	tb.Helper()
	ctx := context.Background()
	rt, err := tendril.New(ctx, tendril.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = rt.Close(ctx) })
	return []host{
		extismHost{},
		checkedHost{rt: rt, name: "floor", checks: tendril.ChecksNone},
		checkedHost{rt: rt, name: "tendril", checks: tendril.ChecksFull},
	}
}

// A computeGuest is one benchmark body: a plug-in, its export, its input and
// the output it must return.
type computeGuest struct {
	name  string
	wasm  func(testing.TB) []byte
	wasi  bool
	fn    string
	input []byte
	want  func([]byte) error
}

func computeGuests() []computeGuest {
	mib := input(1 << 20)
	u64 := func(v uint64) func([]byte) error {
		return func(out []byte) error {
			if len(out) != 8 || binary.LittleEndian.Uint64(out) != v {
				return fmt.Errorf("output %x, want %d as 8 bytes", out, v)
			}
			return nil
		}
	}
	compute := func(tb testing.TB) []byte { return wat2wasm(tb, "testdata/compute.wat") }
	return []computeGuest{
		{name: "count_vowels_1MiB", wasm: countVowels.wasm, fn: countVowels.fn, input: mib,
			want: jsonCount(vowels(mib))},
		{name: "go_count_vowels_1MiB", wasm: goCountVowels.wasm, wasi: true, fn: goCountVowels.fn, input: mib,
			want: jsonCount(vowels(mib))},
		{name: "sieve", wasm: compute, fn: "sieve", want: u64(283146)},
		{name: "mandelbrot", wasm: compute, fn: "mandelbrot", want: u64(mandelbrotTotal())},
		{name: "fib", wasm: compute, fn: "fib", want: u64(832040)},
	}
}

// jsonCount checks a count_vowels output's "count" field.
func jsonCount(n int) func([]byte) error {
	return func(out []byte) error {
		if !bytes.HasPrefix(out, []byte(`{"count":`+strconv.Itoa(n)+`,`)) {
			return fmt.Errorf("output %.80q, want count %d", out, n)
		}
		return nil
	}
}

// mandelbrotTotal is what the mandelbrot export computes, in Go.
func mandelbrotTotal() uint64 {
	var total uint64
	for py := 0; py < 256; py++ {
		y0 := float64(py)/128 - 1
		for px := 0; px < 256; px++ {
			x0 := float64(px)*3.5/256 - 2.5
			x, y, it := 0.0, 0.0, 0
			for x*x+y*y <= 4 && it < 256 {
				x, y = x*x-y*y+x0, 2*x*y+y0
				it++
			}
			total += uint64(it)
		}
	}
	return total
}

// BenchmarkGuest runs each compute guest on go-sdk, the floor and Tendril.
func BenchmarkGuest(b *testing.B) {
	hs := guestHosts(b)
	for _, g := range computeGuests() {
		wasm := g.wasm(b)
		for _, h := range hs {
			b.Run("guest="+g.name+"/host="+h.Name(), func(b *testing.B) {
				c, err := h.Compile(context.Background(), wasm, g.wasi)
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { _ = c.Close(context.Background()) })
				benchGuest(b, instantiateGo(b, h, c), g.fn, g.input)
			})
		}
	}
}

// benchGuest is benchCalls with the calling thread's CPU time per call
// (thread-ns/op): the guest runs on the calling thread, so this is its
// compute, and it is what the load of a shared machine disturbs least.
func benchGuest(b *testing.B, in instance, fn string, input []byte) {
	ctx := context.Background()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if _, err := in.Call(ctx, fn, input); err != nil { // warm up outside the timer
		b.Fatal(err)
	}
	b.SetBytes(int64(len(input)))
	b.ReportAllocs()
	cpu := startCPU()
	t0, ok := threadCPU()
	for b.Loop() {
		if _, err := in.Call(ctx, fn, input); err != nil {
			b.Fatal(err)
		}
	}
	if t1, ok1 := threadCPU(); ok && ok1 && b.N > 0 {
		b.ReportMetric(float64(t1-t0)/float64(b.N), "thread-ns/op")
	}
	cpu.report(b)
}

// compileHosts returns go-sdk, Tendril as configured by default (its
// functions compile on GOMAXPROCS goroutines), Tendril compiling on one
// goroutine, and the floor on one goroutine (the module unmodified: what
// wazero alone costs).
func compileHosts(tb testing.TB) []host {
	tb.Helper()
	ctx := context.Background()
	rt := func(workers int) *tendril.Runtime {
		rt, err := tendril.New(ctx, tendril.Options{CompileWorkers: workers})
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { _ = rt.Close(ctx) })
		return rt
	}
	serial := rt(1)
	return []host{
		extismHost{},
		checkedHost{rt: rt(0), name: "tendril", checks: tendril.ChecksFull},
		checkedHost{rt: serial, name: "tendril-1worker", checks: tendril.ChecksFull},
		checkedHost{rt: serial, name: "floor-1worker", checks: tendril.ChecksNone},
	}
}

// BenchmarkCompileGuest compiles count_vowels.wasm (Rust) and the standard-Go
// count_vowels guest with no compilation cache, then closes it: go-sdk's
// NewCompiledPlugin against Tendril's Runtime.Compile (which instruments).
func BenchmarkCompileGuest(b *testing.B) {
	hs := compileHosts(b)
	for _, g := range computeGuests()[:2] {
		wasm := g.wasm(b)
		for _, h := range hs {
			b.Run("guest="+g.name[:len(g.name)-len("_1MiB")]+"/host="+h.Name(), func(b *testing.B) {
				ctx := context.Background()
				b.ReportAllocs()
				cpu := startCPU()
				for b.Loop() {
					c, err := h.Compile(ctx, wasm, g.wasi)
					if err != nil {
						b.Fatal(err)
					}
					if err := c.Close(ctx); err != nil {
						b.Fatal(err)
					}
				}
				cpu.report(b)
			})
		}
	}
}

// TestGuestOutputsAgree runs every compute guest once per host and checks
// its output.
func TestGuestOutputsAgree(t *testing.T) {
	ctx := context.Background()
	hs := guestHosts(t)
	for _, g := range computeGuests() {
		wasm := g.wasm(t)
		t.Run(g.name, func(t *testing.T) {
			for _, h := range hs {
				c, err := h.Compile(ctx, wasm, g.wasi)
				if err != nil {
					t.Fatalf("%s: %v", h.Name(), err)
				}
				in := instantiateGo(t, h, c)
				out, err := in.Call(ctx, g.fn, g.input)
				if err == nil {
					err = g.want(out)
				}
				if err != nil {
					t.Errorf("%s: %v", h.Name(), err)
				}
				_ = c.Close(ctx)
			}
		})
	}
}
