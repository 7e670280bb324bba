package benchmarks

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tendril-wasm/tendril/cache"
	tendril "github.com/tendril-wasm/tendril/runtime"
)

// Issue 9: pools, the module cache and cold starts.

// pooledHosts are what BenchmarkPooled compares: go-sdk instances behind
// the channel pool of helpers_test.go (go-sdk has no pool), Tendril
// instances behind the same channel pool, and Tendril's own Pool
// (Function resolved once, Invoke lending the output).
var pooledHosts = []string{"extism-chan", "tendril-chan", "tendril-pool"}

// BenchmarkPooled calls count_vowels.wasm on 16 B from G goroutines over a
// pool of P instances, on GOMAXPROCS cores (2 on the reference machine).
// calls/s is the figure to compare (b.N calls over the wall-clock time);
// ns/op is its inverse.
func BenchmarkPooled(b *testing.B) {
	in := input(16)
	for _, g := range []int{1, 2, 4, 8} {
		for _, size := range []int{1, 2, 4} {
			for _, h := range pooledHosts {
				b.Run(fmt.Sprintf("goroutines=%d/pool=%d/host=%s", g, size, h), func(b *testing.B) {
					call := pooledCall(b, h, size, in)
					b.ReportAllocs()
					goroutines(b, g, call)
				})
			}
		}
	}
}

// pooledCall returns one call of count_vowels on host h's pool of size.
func pooledCall(b *testing.B, h string, size int, in []byte) func(ctx context.Context) error {
	ctx := context.Background()
	hs := hosts(b)
	switch h {
	case "extism-chan":
		p := newPool(b, compile(b, hs[0], countVowels), size)
		return func(ctx context.Context) error { return p.call(ctx, countVowels.fn, in, nil) }
	case "tendril-chan":
		p := newPool(b, compile(b, hs[1], countVowels), size)
		return func(ctx context.Context) error { return p.call(ctx, countVowels.fn, in, nil) }
	}
	cp := compile(b, hs[1], countVowels).(tendrilCompiled).p
	pool, err := cp.NewPool(ctx, tendril.PoolOptions{MaxInstances: size, MinIdle: size})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = pool.Close(ctx) })
	fn, err := pool.Function(countVowels.fn)
	if err != nil {
		b.Fatal(err)
	}
	discard := func([]byte) error { return nil }
	return func(ctx context.Context) error { return pool.Invoke(ctx, fn, in, discard) }
}

// pooledBatch is how many calls a goroutine of goroutines takes at once.
const pooledBatch = 64

// goroutines runs b.N calls from g goroutines and reports calls/s.
func goroutines(b *testing.B, g int, call func(context.Context) error) {
	ctx := context.Background()
	var (
		next atomic.Int64
		wg   sync.WaitGroup
	)
	b.ResetTimer()
	cpu := startCPU()
	for range g {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Calls are taken in batches, as testing.B.RunParallel
			// does: one shared counter bumped per call would cost a
			// cache-line transfer between the cores on every call, the
			// harness's cost and not the pool's.
			n := int64(b.N)
			for {
				hi := next.Add(pooledBatch)
				lo := hi - pooledBatch
				if lo >= n {
					return
				}
				for range min(hi, n) - lo {
					if err := call(ctx); err != nil {
						b.Error(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	cpu.report(b)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

// BenchmarkPoolAcquire lends an idle instance and takes it back
// (Pool.Borrow with a function that does nothing): the pool's own cost on
// an uncontended call.
func BenchmarkPoolAcquire(b *testing.B) {
	ctx := context.Background()
	cp := compile(b, hosts(b)[1], countVowels).(tendrilCompiled).p
	pool, err := cp.NewPool(ctx, tendril.PoolOptions{MaxInstances: 1, MinIdle: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close(ctx)
	nothing := func(*tendril.Instance) error { return nil }
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		if err := pool.Borrow(ctx, nothing); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b)
}

// BenchmarkCacheHit looks up a module the cache holds and closes the
// reference it gets: by a key computed once (Get), and by the bytes
// (Module, which hashes them), for the Rust count_vowels.wasm and the
// standard-Go count_vowels guest.
func BenchmarkCacheHit(b *testing.B) {
	ctx := context.Background()
	rt, err := tendril.New(ctx, tendril.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close(ctx)
	c, err := cache.New(rt, cache.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close(ctx)
	for _, m := range []struct {
		name string
		wasm []byte
	}{
		{"rust", countVowels.wasm(b)},
		{"go", goCountVowels.wasm(b)},
	} {
		key := cache.KeyOf(m.wasm)
		load := func(context.Context) ([]byte, error) { return m.wasm, nil }
		mod, err := c.Get(ctx, key, load)
		if err != nil {
			b.Fatal(err)
		}
		mod.Close(ctx)
		b.Run(fmt.Sprintf("module=%s/size=%dKiB/by=key", m.name, len(m.wasm)>>10), func(b *testing.B) {
			b.ReportAllocs()
			cpu := startCPU()
			for b.Loop() {
				mod, err := c.Get(ctx, key, load)
				if err != nil {
					b.Fatal(err)
				}
				mod.Close(ctx)
			}
			cpu.report(b)
		})
		b.Run(fmt.Sprintf("module=%s/size=%dKiB/by=bytes", m.name, len(m.wasm)>>10), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				mod, err := c.Module(ctx, m.wasm)
				if err != nil {
					b.Fatal(err)
				}
				mod.Close(ctx)
			}
		})
	}
}

// BenchmarkColdStart starts the standard-Go count_vowels guest in a new
// Runtime, as a restarted application does: compile (Runtime.Compile) and
// instantiate it (the Go runtime's start-up included). cache=none compiles
// from scratch; cache=disk has runtime.Options.CompilationCacheDir filled by
// an earlier Runtime. Making and closing the Runtime is not timed.
func BenchmarkColdStart(b *testing.B) {
	ctx := context.Background()
	wasm := goCountVowels.wasm(b)
	dir := b.TempDir()
	start := func(b *testing.B, opts tendril.Options) {
		b.StopTimer()
		rt, err := tendril.New(ctx, opts)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		p, err := rt.Compile(ctx, tendril.Manifest{Wasm: []tendril.WasmSource{{Data: wasm}}}, tendril.PluginOptions{WASI: true})
		if err != nil {
			b.Fatal(err)
		}
		in, err := p.Instantiate(ctx)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		_ = in.Close(ctx)
		_ = rt.Close(ctx)
		b.StartTimer()
	}
	b.Run("cache=none", func(b *testing.B) {
		for range b.N {
			start(b, tendril.Options{})
		}
	})
	b.Run("cache=disk", func(b *testing.B) {
		start(b, tendril.Options{CompilationCacheDir: dir}) // fills it
		if entries, _ := os.ReadDir(dir); len(entries) == 0 {
			b.Fatal("the compilation cache is empty")
		}
		b.ResetTimer()
		for range b.N {
			start(b, tendril.Options{CompilationCacheDir: dir})
		}
	})
}

// TestPooledAgree checks once that every pooled host returns the right
// count through the call BenchmarkPooled times.
func TestPooledAgree(t *testing.T) {
	in := input(16)
	for _, h := range pooledHosts {
		t.Run(h, func(t *testing.T) {
			ctx := context.Background()
			hs := hosts(t)
			var out []byte
			var err error
			switch h {
			case "tendril-pool":
				cp := compile(t, hs[1], countVowels).(tendrilCompiled).p
				pool, perr := cp.NewPool(ctx, tendril.PoolOptions{MaxInstances: 2})
				if perr != nil {
					t.Fatal(perr)
				}
				defer pool.Close(ctx)
				out, err = pool.Call(ctx, countVowels.fn, in)
			default:
				i := 0
				if h == "tendril-chan" {
					i = 1
				}
				p := newPool(t, compile(t, hs[i], countVowels), 2)
				err = p.call(ctx, countVowels.fn, in, func(b []byte) error { out = append([]byte(nil), b...); return nil })
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := checkCount(out, vowels(in)); err != nil {
				t.Fatal(err)
			}
		})
	}
}
