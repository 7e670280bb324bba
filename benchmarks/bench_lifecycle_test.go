package benchmarks

import (
	"bytes"
	"context"
	"testing"
)

// Compile, instantiate and keep instances alive: count_vowels.wasm on both hosts.

// BenchmarkCompile compiles count_vowels.wasm with no compilation cache and
// closes it. Tendril compiles into a live Runtime (its kernel is compiled
// once per Runtime); the reference host makes a wazero runtime, compiles its
// kernel and sets up WASI for every compiled plug-in, which is its API.
func BenchmarkCompile(b *testing.B) {
	for _, h := range hosts(b) {
		b.Run("host="+h.Name(), func(b *testing.B) {
			ctx := context.Background()
			wasm := countVowels.wasm(b)
			b.ReportAllocs()
			cpu := startCPU()
			for b.Loop() {
				c, err := h.Compile(ctx, wasm, countVowels.wasi)
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

// BenchmarkInstantiate makes an instance of a compiled count_vowels.wasm and closes it.
func BenchmarkInstantiate(b *testing.B) {
	for _, h := range hosts(b) {
		b.Run("host="+h.Name(), func(b *testing.B) {
			ctx := context.Background()
			c := compile(b, h, countVowels)
			b.ReportAllocs()
			cpu := startCPU()
			for b.Loop() {
				in, err := c.Instantiate(ctx)
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

// liveInstances is how many instances BenchmarkHeapPerInstance keeps alive at once.
const liveInstances = 50

// BenchmarkHeapPerInstance reports what one idle instance of count_vowels.wasm
// holds: the growth of the live Go heap (heapB/instance) and of the resident
// set (rssB/instance, which also sees linear memories mapped outside the Go
// heap). Each iteration creates liveInstances instances, measures after a GC
// and closes them; its time per op is the whole iteration's, GCs included.
func BenchmarkHeapPerInstance(b *testing.B) {
	for _, h := range hosts(b) {
		b.Run("host="+h.Name(), func(b *testing.B) {
			ctx := context.Background()
			c := compile(b, h, countVowels)
			var sum footprint
			var n float64
			b.ReportAllocs()
			for b.Loop() {
				f, err := perInstance(ctx, c, liveInstances)
				if err != nil {
					b.Fatal(err)
				}
				sum.heap += f.heap
				sum.rss += f.rss
				n++
			}
			b.ReportMetric(sum.heap/n, "heapB/instance")
			if sum.rss != 0 {
				b.ReportMetric(sum.rss/n, "rssB/instance")
			}
		})
	}
}

// TestLifecycleAgree runs the body of each lifecycle benchmark once per host.
func TestLifecycleAgree(t *testing.T) {
	ctx := context.Background()
	hs := hosts(t)
	in := input(1 << 10)
	t.Run("Compile+Instantiate", func(t *testing.T) {
		var outs [][]byte
		for _, h := range hs {
			c, err := h.Compile(ctx, countVowels.wasm(t), countVowels.wasi)
			if err != nil {
				t.Fatalf("%s: %v", h.Name(), err)
			}
			for i := range 2 { // a second instance starts fresh: its vars are its own
				inst, err := c.Instantiate(ctx)
				if err != nil {
					t.Fatalf("%s: %v", h.Name(), err)
				}
				out, err := inst.Call(ctx, countVowels.fn, in)
				if err != nil {
					t.Fatalf("%s: %v", h.Name(), err)
				}
				if i == 1 {
					outs = append(outs, bytes.Clone(out))
				}
				if err := inst.Close(ctx); err != nil {
					t.Errorf("%s: close instance: %v", h.Name(), err)
				}
			}
			if err := c.Close(ctx); err != nil {
				t.Errorf("%s: close: %v", h.Name(), err)
			}
		}
		if !bytes.Equal(outs[0], outs[1]) {
			t.Errorf("%s returned %q, %s returned %q", hs[0].Name(), outs[0], hs[1].Name(), outs[1])
		}
		if err := checkCount(outs[0], vowels(in)); err != nil {
			t.Error(err)
		}
	})
	t.Run("HeapPerInstance", func(t *testing.T) {
		for _, h := range hs {
			f, err := perInstance(ctx, compile(t, h, countVowels), 5)
			if err != nil {
				t.Fatalf("%s: %v", h.Name(), err)
			}
			if f.heap <= 0 {
				t.Errorf("%s: the heap did not grow (%.0f B per instance)", h.Name(), f.heap)
			}
			t.Logf("%s: %.0f B of heap, %.0f B resident per instance", h.Name(), f.heap, f.rss)
		}
	})
}
