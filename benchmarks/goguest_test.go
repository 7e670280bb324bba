package benchmarks

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/tendril-wasm/tendril/internal/guestbuild/guesttest"
)

// Plug-ins built from source with Tendril's Go guest kit (pdk/, standard Go,
// wasip1 reactors): the same module, input and loop on both hosts. Each
// benchmark compiles its guest once per host and run; the reference host
// makes a wazero runtime per compiled plug-in, which is its API.

// A goGuest is a plug-in of examples/plugins and the export the benchmarks call.
type goGuest struct {
	dir string // under ../examples/plugins
	fn  string
}

var (
	goNoop        = goGuest{dir: "noop", fn: "noop"}                 // returns 0, reads nothing
	goCountVowels = goGuest{dir: "count_vowels", fn: "count_vowels"} // pdk.AppendInput, a var, JSON out
)

// wasm builds the guest (once per test binary, see guesttest.Build) and
// returns its module. ForTest reads the guest's sources in this process, so
// editing them invalidates go test's cache.
func (g goGuest) wasm(tb testing.TB) []byte {
	tb.Helper()
	b, err := os.ReadFile(guesttest.Build(tb, filepath.Join("..", "examples", "plugins", g.dir)))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// compileGo compiles a Go guest on h with WASI (standard-Go plug-ins are WASI
// reactors); the plug-in is closed when tb ends.
func compileGo(tb testing.TB, h host, wasm []byte) compiled {
	tb.Helper()
	ctx := context.Background()
	c, err := h.Compile(ctx, wasm, true)
	if err != nil {
		tb.Fatalf("%s: compile Go guest: %v", h.Name(), err)
	}
	tb.Cleanup(func() { _ = c.Close(ctx) })
	return c
}

// startGo instantiates c and runs the guest's _initialize (the Go runtime's
// start-up). Tendril runs it in Instantiate; the reference host runs it
// lazily before the first call, so it is called here explicitly, which is
// what that first call would do.
func startGo(ctx context.Context, c compiled) (instance, error) {
	in, err := c.Instantiate(ctx)
	if err != nil {
		return nil, err
	}
	if ref, ok := in.(extismInstance); ok {
		if _, err := ref.Call(ctx, "_initialize", nil); err != nil {
			_ = in.Close(ctx)
			return nil, err
		}
	}
	return in, nil
}

// instantiateGo makes a live, initialized instance, closed when tb ends.
func instantiateGo(tb testing.TB, h host, c compiled) instance {
	tb.Helper()
	ctx := context.Background()
	in, err := c.Instantiate(ctx) // the reference host initializes at the first call
	if err != nil {
		tb.Fatalf("%s: instantiate Go guest: %v", h.Name(), err)
	}
	tb.Cleanup(func() { _ = in.Close(ctx) })
	return in
}

// goSizes are the input sizes of BenchmarkGoGuestCountVowels.
var goSizes = []struct {
	name string
	n    int
}{
	{"16B", 16},
	{"1MiB", 1 << 20},
}

// BenchmarkGoGuestNoop calls the Go guest noop's export, which returns at
// once: the fixed cost of a call into a standard-Go guest. Compare with
// BenchmarkNoop (TinyGo's noop.wasm) in the same run.
func BenchmarkGoGuestNoop(b *testing.B) {
	wasm := goNoop.wasm(b)
	for _, h := range hosts(b) {
		b.Run("host="+h.Name(), func(b *testing.B) {
			benchCalls(b, instantiateGo(b, h, compileGo(b, h, wasm)), goNoop.fn, nil)
		})
	}
}

// BenchmarkGoGuestCountVowels calls the Go guest count_vowels: it copies its
// input with pdk.AppendInput (8 bytes per input_load_u64), counts vowels,
// reads and writes the var "total" and returns JSON.
func BenchmarkGoGuestCountVowels(b *testing.B) {
	wasm := goCountVowels.wasm(b)
	hs := hosts(b)
	cs := make([]compiled, len(hs))
	for i, h := range hs {
		cs[i] = compileGo(b, h, wasm) // once per host: a Go guest takes ~1 s to compile
	}
	for _, s := range goSizes {
		in := input(s.n)
		for i, h := range hs {
			b.Run("size="+s.name+"/host="+h.Name(), func(b *testing.B) {
				benchCalls(b, instantiateGo(b, h, cs[i]), goCountVowels.fn, in)
			})
		}
	}
}

// BenchmarkGoGuestInstantiate instantiates a compiled Go guest
// (count_vowels), runs its _initialize and closes it.
func BenchmarkGoGuestInstantiate(b *testing.B) {
	wasm := goCountVowels.wasm(b)
	for _, h := range hosts(b) {
		b.Run("host="+h.Name(), func(b *testing.B) {
			ctx := context.Background()
			c := compileGo(b, h, wasm)
			b.ReportAllocs()
			cpu := startCPU()
			for b.Loop() {
				in, err := startGo(ctx, c)
				if err != nil {
					b.Fatal(err)
				}
				if err := in.Close(ctx); err != nil {
					b.Fatal(err)
				}
			}
			cpu.report(b)
		})
	}
}

// TestGoGuestOutputsMatch runs the bodies of the Go-guest benchmarks once per
// host and checks that both hosts return the same, right outputs.
func TestGoGuestOutputsMatch(t *testing.T) {
	ctx := context.Background()
	hs := hosts(t)

	t.Run("Noop", func(t *testing.T) {
		wasm := goNoop.wasm(t)
		for _, h := range hs {
			out, err := instantiateGo(t, h, compileGo(t, h, wasm)).Call(ctx, goNoop.fn, nil)
			if err != nil {
				t.Fatalf("%s: %v", h.Name(), err)
			}
			if len(out) != 0 {
				t.Errorf("%s: output %q, want none", h.Name(), out)
			}
		}
	})

	wasm := goCountVowels.wasm(t)
	cs := make([]compiled, len(hs))
	for i, h := range hs {
		cs[i] = compileGo(t, h, wasm)
	}
	for _, s := range goSizes {
		in := input(s.n)
		t.Run("CountVowels/size="+s.name, func(t *testing.T) {
			// A fresh instance per host, called twice: the outputs carry the
			// running total of the var "total", so the second call checks
			// that vars survive calls the same way on both hosts.
			outs := make([][][]byte, len(hs))
			for i, h := range hs {
				inst := instantiateGo(t, h, cs[i])
				for range 2 {
					out, err := inst.Call(ctx, goCountVowels.fn, in)
					if err != nil {
						t.Fatalf("%s: %v", h.Name(), err)
					}
					outs[i] = append(outs[i], bytes.Clone(out))
				}
			}
			for call := range 2 {
				for i := 1; i < len(hs); i++ {
					if !bytes.Equal(outs[0][call], outs[i][call]) {
						t.Errorf("call %d: %s returned %q, %s returned %q",
							call+1, hs[0].Name(), outs[0][call], hs[i].Name(), outs[i][call])
					}
				}
			}
			n := vowels(in)
			for call, want := range []string{
				`{"count":` + strconv.Itoa(n) + `,"total":` + strconv.Itoa(n) + `,"vowels":"aeiouAEIOU"}`,
				`{"count":` + strconv.Itoa(n) + `,"total":` + strconv.Itoa(2*n) + `,"vowels":"aeiouAEIOU"}`,
			} {
				if got := string(outs[0][call]); got != want {
					t.Errorf("call %d: %s returned %s, want %s", call+1, hs[0].Name(), got, want)
				}
			}
		})
	}

	t.Run("Instantiate", func(t *testing.T) {
		for i, h := range hs {
			in, err := startGo(ctx, cs[i])
			if err != nil {
				t.Fatalf("%s: %v", h.Name(), err)
			}
			if err := in.Close(ctx); err != nil {
				t.Errorf("%s: close: %v", h.Name(), err)
			}
		}
	})
}
