package benchmarks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"
	"testing"
)

// Calls on warm instances: the same plug-in, input and loop on both hosts.

// BenchmarkNoop calls noop.wasm's run_test, which returns at once: the
// fixed cost of a call.
func BenchmarkNoop(b *testing.B) {
	for _, h := range hosts(b) {
		b.Run("host="+h.Name(), func(b *testing.B) {
			benchCalls(b, instantiate(b, h, noop), noop.fn, nil)
		})
	}
}

// BenchmarkCountVowels calls count_vowels.wasm (Rust PDK): it reads its
// input 8 bytes per ABI call, counts vowels, reads and writes a var and
// returns JSON.
func BenchmarkCountVowels(b *testing.B) {
	hs := hosts(b)
	for _, s := range sizes {
		in := input(s.n)
		for _, h := range hs {
			b.Run("size="+s.name+"/host="+h.Name(), func(b *testing.B) {
				benchCalls(b, instantiate(b, h, countVowels), countVowels.fn, in)
			})
		}
	}
}

// BenchmarkReadInput calls testdata/read_input.wat, which only moves its
// input the way the PDKs do: the ABI's transfer cost without guest work.
func BenchmarkReadInput(b *testing.B) {
	hs := hosts(b)
	for _, s := range sizes {
		in := input(s.n)
		for _, h := range hs {
			b.Run("size="+s.name+"/host="+h.Name(), func(b *testing.B) {
				benchCalls(b, instantiate(b, h, readInput), readInput.fn, in)
			})
		}
	}
}

func benchCalls(b *testing.B, in instance, fn string, input []byte) {
	ctx := context.Background()
	if _, err := in.Call(ctx, fn, input); err != nil { // warm up outside the timer
		b.Fatal(err)
	}
	b.SetBytes(int64(len(input)))
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		if _, err := in.Call(ctx, fn, input); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b)
}

// poolSize is the number of instances BenchmarkParallel spreads calls over.
const poolSize = 4

// BenchmarkParallel calls count_vowels.wasm on 1 KiB from poolSize
// goroutines over a pool of poolSize instances, on GOMAXPROCS cores (2 on
// the reference machine).
func BenchmarkParallel(b *testing.B) {
	in := input(1 << 10)
	for _, h := range hosts(b) {
		b.Run("size=1KiB/host="+h.Name(), func(b *testing.B) {
			ctx := context.Background()
			p := newPool(b, compile(b, h, countVowels), poolSize)
			b.SetParallelism(max(1, poolSize/runtime.GOMAXPROCS(0)))
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			b.ResetTimer()
			cpu := startCPU()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := p.call(ctx, countVowels.fn, in, nil); err != nil {
						b.Error(err)
						return
					}
				}
			})
			cpu.report(b)
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
		})
	}
}

// TestCallsAgree runs the body of each call benchmark once per host and
// checks that both hosts return the same, right output.
func TestCallsAgree(t *testing.T) {
	ctx := context.Background()
	hs := hosts(t)
	// call runs fn on a fresh instance of p on each host and returns the outputs.
	call := func(t *testing.T, p plugin, in []byte) [][]byte {
		var outs [][]byte
		for _, h := range hs {
			out, err := instantiate(t, h, p).Call(ctx, p.fn, in)
			if err != nil {
				t.Fatalf("%s: %s: %v", h.Name(), p.fn, err)
			}
			outs = append(outs, bytes.Clone(out))
		}
		for i := 1; i < len(outs); i++ {
			if !bytes.Equal(outs[0], outs[i]) {
				t.Errorf("%s returned %q, %s returned %q", hs[0].Name(), outs[0], hs[i].Name(), outs[i])
			}
		}
		return outs
	}
	t.Run("Noop", func(t *testing.T) {
		if out := call(t, noop, nil); len(out[0]) != 0 {
			t.Errorf("output %q, want none", out[0])
		}
	})
	for _, s := range sizes {
		in := input(s.n)
		t.Run("CountVowels/size="+s.name, func(t *testing.T) {
			out := call(t, countVowels, in)
			if err := checkCount(out[0], vowels(in)); err != nil {
				t.Error(err)
			}
		})
		t.Run("ReadInput/size="+s.name, func(t *testing.T) {
			if out, want := call(t, readInput, in), xorWords(in); !bytes.Equal(out[0], want) {
				t.Errorf("output %x, want %x", out[0], want)
			}
		})
	}
	t.Run("Parallel/size=1KiB", func(t *testing.T) {
		in := input(1 << 10)
		want := vowels(in)
		check := func(out []byte) error { return checkCount(out, want) }
		for _, h := range hs {
			p := newPool(t, compile(t, h, countVowels), poolSize)
			var wg sync.WaitGroup
			for range 2 * poolSize {
				wg.Go(func() {
					for range 10 {
						if err := p.call(ctx, countVowels.fn, in, check); err != nil {
							t.Errorf("%s: %v", h.Name(), err)
							return
						}
					}
				})
			}
			wg.Wait()
		}
	})
}

// checkCount checks count_vowels' JSON output: {"count":N,"total":N,"vowels":"..."}.
func checkCount(out []byte, want int) error {
	var v struct{ Count int }
	if err := json.Unmarshal(out, &v); err != nil {
		return fmt.Errorf("output %q: %v", out, err)
	}
	if v.Count != want {
		return fmt.Errorf("output %q: count %d, want %d", out, v.Count, want)
	}
	return nil
}
