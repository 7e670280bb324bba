package cache_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tendril-wasm/tendril/cache"
	"github.com/tendril-wasm/tendril/runtime"
)

// echoWasm is testdata/echo.wasm.
func echoWasm(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "echo.wasm"))
	require.NoError(t, err)
	return b
}

// variant is echo.wasm with a custom section appended: a module of its own
// content (another hash) padded by about pad bytes, that behaves the same.
func variant(t testing.TB, i, pad int) []byte {
	name := fmt.Sprintf("v%d", i)
	payload := append([]byte{byte(len(name))}, name...)
	payload = append(payload, make([]byte, pad+1)...) // wazero wants a payload
	sec := []byte{0}
	for n := uint(len(payload)); ; n >>= 7 { // LEB128 size
		if n < 0x80 {
			sec = append(sec, byte(n))
			break
		}
		sec = append(sec, byte(n&0x7f|0x80))
	}
	return append(append(bytes.Clone(echoWasm(t)), sec...), payload...)
}

func newRuntime(t testing.TB, opts runtime.Options) *runtime.Runtime {
	t.Helper()
	rt, err := runtime.New(context.Background(), opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, rt.Close(context.Background())) })
	return rt
}

func newCache(t testing.TB, rt *runtime.Runtime, opts cache.Options) *cache.Cache {
	t.Helper()
	c, err := cache.New(rt, opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Close(context.Background())) })
	return c
}

// echoPool makes a plug-in on mod and a pool of it with one instance, and
// checks a call.
func echoPool(t testing.TB, rt *runtime.Runtime, mod *runtime.Module) (*runtime.CompiledPlugin, *runtime.Pool) {
	t.Helper()
	ctx := context.Background()
	p, err := rt.Compile(ctx, runtime.Manifest{Wasm: []runtime.WasmSource{{Module: mod}}}, runtime.PluginOptions{})
	require.NoError(t, err)
	pool, err := p.NewPool(ctx, runtime.PoolOptions{MaxInstances: 1, MinIdle: 1})
	require.NoError(t, err)
	requireEcho(t, pool)
	return p, pool
}

func requireEcho(t testing.TB, pool *runtime.Pool) {
	t.Helper()
	out, err := pool.Call(context.Background(), "echo", []byte("hi"))
	require.NoError(t, err)
	require.Equal(t, "hi", string(out))
}

func TestWATFixtures(t *testing.T) {
	tool, err := exec.LookPath("wat2wasm")
	if err != nil {
		t.Skip("wat2wasm not installed (Debian: wabt); the committed .wasm is used as it is")
	}
	out := filepath.Join(t.TempDir(), "echo.wasm")
	msg, err := exec.Command(tool, filepath.Join("testdata", "echo.wat"), "-o", out).CombinedOutput()
	require.NoError(t, err, "%s", msg)
	want, err := os.ReadFile(out)
	require.NoError(t, err)
	require.Equal(t, want, echoWasm(t), "testdata/echo.wasm is stale: rebuild it with the command in echo.wat")
}

func TestCacheHit(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, runtime.Options{})
	c := newCache(t, rt, cache.Options{})
	wasm := echoWasm(t)

	m1, err := c.Module(ctx, wasm)
	require.NoError(t, err)
	m2, err := c.Get(ctx, cache.KeyOf(wasm), func(context.Context) ([]byte, error) {
		return nil, errors.New("a hit does not load")
	})
	require.NoError(t, err)
	require.NotSame(t, m1, m2, "each lookup gets its own reference")
	require.Equal(t, m1.Hash(), m2.Hash())
	require.Equal(t, cache.KeyOf(wasm).String(), m1.Hash())

	st := c.Stats()
	require.Equal(t, uint64(1), st.Misses)
	require.Equal(t, uint64(1), st.Hits)
	require.Equal(t, 1, st.Entries)
	require.Equal(t, int64(len(wasm)), st.Bytes)
	require.Greater(t, st.CompileTime, time.Duration(0))
	require.Equal(t, uint64(1), rt.Stats().Compilations)

	// The caller's references are its own: closing them leaves the cache's.
	require.NoError(t, m1.Close(ctx))
	require.NoError(t, m2.Close(ctx))
	require.Equal(t, 1, rt.Stats().LiveModules)
	_, pool := echoPool(t, rt, mustModule(t, c, wasm))
	require.NoError(t, pool.Close(ctx))
}

func mustModule(t testing.TB, c *cache.Cache, wasm []byte) *runtime.Module {
	t.Helper()
	m, err := c.Module(context.Background(), wasm)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, m.Close(context.Background())) })
	return m
}

// TestCacheSingleFlight: concurrent lookups of one module load and compile
// it once.
func TestCacheSingleFlight(t *testing.T) {
	const n = 32
	ctx := context.Background()
	rt := newRuntime(t, runtime.Options{})
	c := newCache(t, rt, cache.Options{})
	wasm := echoWasm(t)
	var loads atomic.Int32
	release := make(chan struct{})
	load := func(context.Context) ([]byte, error) {
		loads.Add(1)
		<-release // until every other lookup waits on this one
		return wasm, nil
	}
	mods := make([]*runtime.Module, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m, err := c.Get(ctx, cache.KeyOf(wasm), load)
			assert.NoError(t, err)
			mods[i] = m
		}()
	}
	for c.Stats().Coalesced < n-1 {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	require.Equal(t, int32(1), loads.Load())
	require.Equal(t, uint64(1), rt.Stats().Compilations)
	st := c.Stats()
	require.Equal(t, uint64(1), st.Misses)
	require.Equal(t, uint64(n-1), st.Coalesced)
	for _, m := range mods {
		require.Equal(t, mods[0].Hash(), m.Hash())
		require.NoError(t, m.Close(ctx))
	}
	require.Equal(t, 1, rt.Stats().LiveModules, "the cache's reference stays")
	require.NoError(t, c.Close(ctx))
	require.Zero(t, rt.Stats().LiveModules, "every reference was closed")
}

// TestCacheWaiters: a lookup that gives up stops waiting; one whose
// compilation failed because the other caller gave up tries again.
func TestCacheWaiters(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, runtime.Options{})
	c := newCache(t, rt, cache.Options{})
	wasm := echoWasm(t)
	key := cache.KeyOf(wasm)

	leaderCtx, cancelLeader := context.WithCancel(ctx)
	leaderDone, loading := make(chan error), make(chan struct{})
	go func() {
		_, err := c.Get(leaderCtx, key, func(ctx context.Context) ([]byte, error) {
			close(loading)
			<-ctx.Done()
			return nil, ctx.Err()
		})
		leaderDone <- err
	}()
	<-loading
	waitCtx, cancelWait := context.WithCancel(ctx)
	gaveUp := make(chan error)
	go func() {
		_, err := c.Get(waitCtx, key, nil)
		gaveUp <- err
	}()
	for c.Stats().Coalesced < 1 {
		time.Sleep(time.Millisecond)
	}
	retried := make(chan error)
	go func() {
		m, err := c.Get(ctx, key, func(context.Context) ([]byte, error) { return wasm, nil })
		if err == nil {
			err = m.Close(ctx)
		}
		retried <- err
	}()
	for c.Stats().Coalesced < 2 {
		time.Sleep(time.Millisecond)
	}
	cancelWait()
	require.ErrorIs(t, <-gaveUp, context.Canceled)
	cancelLeader()
	require.ErrorIs(t, <-leaderDone, context.Canceled)
	require.NoError(t, <-retried)
	require.Equal(t, uint64(2), c.Stats().Misses)
	require.Equal(t, uint64(1), rt.Stats().Compilations)
}

// TestCacheEviction: under small bounds the cache keeps few modules, and
// the modules it dropped live on exactly as long as plug-ins use them.
func TestCacheEviction(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		opts cache.Options
		pad  int
		kept int
	}{
		{"MaxEntries", cache.Options{MaxEntries: 2}, 0, 2},
		{"MaxBytes", cache.Options{MaxBytes: 3 * (4096 + 200)}, 4096, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt := newRuntime(t, runtime.Options{})
			c := newCache(t, rt, tc.opts)
			var pools []*runtime.Pool
			var plugins []*runtime.CompiledPlugin
			for i := range 12 {
				m, err := c.Module(ctx, variant(t, i, tc.pad))
				require.NoError(t, err)
				if i%3 == 0 { // every third module gets a plug-in and a pool
					p, pool := echoPool(t, rt, m)
					plugins, pools = append(plugins, p), append(pools, pool)
				}
				require.NoError(t, m.Close(ctx))
				st := c.Stats()
				require.LessOrEqual(t, st.Entries, tc.kept)
				if tc.opts.MaxBytes > 0 {
					require.LessOrEqual(t, st.Bytes, tc.opts.MaxBytes)
				}
				// Compiled code is what the cache keeps plus what plug-ins hold.
				require.LessOrEqual(t, rt.Stats().LiveModules, tc.kept+len(pools))
			}
			st := c.Stats()
			require.Equal(t, uint64(12-tc.kept), st.Evictions)
			require.Equal(t, uint64(12), rt.Stats().Compilations)
			for _, pool := range pools { // evicted or not, every plug-in still works
				requireEcho(t, pool)
			}
			for i := range pools {
				require.NoError(t, pools[i].Close(ctx))
				require.NoError(t, plugins[i].Close(ctx))
			}
			require.Equal(t, tc.kept, rt.Stats().LiveModules)
			require.NoError(t, c.Close(ctx))
			require.Zero(t, rt.Stats().LiveModules)
		})
	}
	t.Run("a module over MaxBytes is returned, not kept", func(t *testing.T) {
		rt := newRuntime(t, runtime.Options{})
		c := newCache(t, rt, cache.Options{MaxBytes: 1000})
		m, err := c.Module(ctx, variant(t, 0, 2000))
		require.NoError(t, err)
		require.Zero(t, c.Stats().Entries)
		_, pool := echoPool(t, rt, m)
		require.NoError(t, pool.Close(ctx))
		require.NoError(t, m.Close(ctx))
	})
}

// TestCacheNoCloseUnderLiveInstance: dropping a module from the cache, or
// closing the cache, never takes compiled code from a live instance.
func TestCacheNoCloseUnderLiveInstance(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, runtime.Options{})
	c := newCache(t, rt, cache.Options{MaxEntries: 1})
	wasm := echoWasm(t)
	m, err := c.Module(ctx, wasm)
	require.NoError(t, err)
	p, pool := echoPool(t, rt, m)
	require.NoError(t, m.Close(ctx))

	// A call in flight while the module leaves the cache, then the cache closes.
	borrowed, resume := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		done <- pool.Borrow(ctx, func(in *runtime.Instance) error {
			close(borrowed)
			<-resume
			out, err := in.Call(ctx, "echo", []byte("still here"))
			if err == nil && string(out) != "still here" {
				err = fmt.Errorf("output %q", out)
			}
			return err
		})
	}()
	<-borrowed
	require.NoError(t, c.Remove(ctx, cache.KeyOf(wasm)))
	_, err = c.Module(ctx, variant(t, 1, 0)) // and another module takes the one place
	require.NoError(t, err)
	require.NoError(t, c.Close(ctx))
	close(resume)
	require.NoError(t, <-done)
	requireEcho(t, pool)

	// New instances too: the plug-in holds the code.
	p2, err := p.NewPool(ctx, runtime.PoolOptions{MinIdle: 1})
	require.NoError(t, err)
	requireEcho(t, p2)
	require.NoError(t, p2.Close(ctx))
	require.NoError(t, pool.Close(ctx))
	require.Equal(t, 2, rt.Stats().LiveModules) // the plug-in's, and variant 1 (never closed above)
	require.NoError(t, p.Close(ctx))
	require.Equal(t, 1, rt.Stats().LiveModules)
}

func TestCacheFile(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, runtime.Options{})
	c := newCache(t, rt, cache.Options{})
	path := filepath.Join(t.TempDir(), "echo.wasm")
	require.NoError(t, os.WriteFile(path, echoWasm(t), 0o644))
	for range 2 {
		m, err := c.File(ctx, path)
		require.NoError(t, err)
		require.NoError(t, m.Close(ctx))
	}
	st := c.Stats()
	require.Equal(t, uint64(1), st.Misses)
	require.Equal(t, uint64(1), st.Hits)

	// A rewritten file is another key.
	require.NoError(t, os.WriteFile(path, variant(t, 1, 10), 0o644))
	require.NoError(t, os.Chtimes(path, time.Now(), time.Now().Add(time.Hour)))
	m, err := c.File(ctx, path)
	require.NoError(t, err)
	require.Equal(t, cache.KeyOf(variant(t, 1, 10)).String(), m.Hash())
	require.NoError(t, m.Close(ctx))
	require.Equal(t, uint64(2), c.Stats().Misses)

	_, err = c.File(ctx, filepath.Join(t.TempDir(), "missing.wasm"))
	require.ErrorIs(t, err, os.ErrNotExist)
	_, err = c.File(ctx, t.TempDir())
	require.ErrorContains(t, err, "not a regular file")
}

func TestCacheErrors(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, runtime.Options{})
	_, err := cache.New(nil, cache.Options{})
	require.Error(t, err)
	_, err = cache.New(rt, cache.Options{MaxEntries: -1})
	require.ErrorContains(t, err, "MaxEntries -1 is negative")
	_, err = cache.New(rt, cache.Options{MaxBytes: -1})
	require.ErrorContains(t, err, "MaxBytes -1 is negative")

	c := newCache(t, rt, cache.Options{})
	for range 2 { // failures are not kept
		_, err = c.Module(ctx, []byte("\x00asm\x01\x00\x00\x00garbage"))
		require.ErrorIs(t, err, runtime.ErrLoad)
	}
	require.Equal(t, uint64(2), c.Stats().Misses)
	require.Zero(t, c.Stats().Entries)

	require.NoError(t, c.Close(ctx))
	require.NoError(t, c.Close(ctx))
	_, err = c.Module(ctx, echoWasm(t))
	require.ErrorIs(t, err, cache.ErrClosed)
}

// TestCacheOnDisk: with Options.CompilationCacheDir, a new Runtime (a
// restarted application) finds the machine code a previous one wrote.
func TestCacheOnDisk(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for round := range 2 {
		rt, err := runtime.New(ctx, runtime.Options{CompilationCacheDir: dir})
		require.NoError(t, err)
		c, err := cache.New(rt, cache.Options{})
		require.NoError(t, err)
		m, err := c.Module(ctx, echoWasm(t))
		require.NoError(t, err)
		_, pool := echoPool(t, rt, m)
		require.NoError(t, pool.Close(ctx))
		require.NoError(t, m.Close(ctx))
		require.NoError(t, c.Close(ctx))
		require.NoError(t, rt.Close(ctx))
		var files int
		require.NoError(t, filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
			if err == nil && fi.Mode().IsRegular() {
				files++
			}
			return err
		}))
		require.Positive(t, files, "round %d: wazero wrote its compiled code under the directory", round)
	}
}

// TestCacheHammer: lookups of a few keys from many goroutines, with
// evictions, while plug-ins are made on what they get.
func TestCacheHammer(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, runtime.Options{})
	c := newCache(t, rt, cache.Options{MaxEntries: 3})
	wasms := make([][]byte, 6)
	for i := range wasms {
		wasms[i] = variant(t, i, 0)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 60 {
				w := wasms[(g+i)%len(wasms)]
				m, err := c.Get(ctx, cache.KeyOf(w), func(context.Context) ([]byte, error) { return w, nil })
				if !assert.NoError(t, err) {
					return
				}
				assert.Equal(t, cache.KeyOf(w).String(), m.Hash())
				if i%10 == 0 {
					p, err := rt.Compile(ctx, runtime.Manifest{Wasm: []runtime.WasmSource{{Module: m}}}, runtime.PluginOptions{})
					if assert.NoError(t, err) {
						out, err := p.NewPool(ctx, runtime.PoolOptions{})
						if assert.NoError(t, err) {
							b, err := out.Call(ctx, "echo", []byte("x"))
							assert.NoError(t, err)
							assert.Equal(t, "x", string(b))
							assert.NoError(t, out.Close(ctx))
						}
						assert.NoError(t, p.Close(ctx))
					}
				}
				assert.NoError(t, m.Close(ctx))
			}
		}()
	}
	wg.Wait()
	st := c.Stats()
	require.Equal(t, uint64(8*60), st.Hits+st.Misses+st.Coalesced)
	require.LessOrEqual(t, st.Entries, 3)
	require.Equal(t, st.Entries, rt.Stats().LiveModules)
}

func BenchmarkCacheHit(b *testing.B) {
	ctx := context.Background()
	rt := newRuntime(b, runtime.Options{})
	c := newCache(b, rt, cache.Options{})
	wasm := echoWasm(b)
	key := cache.KeyOf(wasm)
	load := func(context.Context) ([]byte, error) { return wasm, nil }
	m, err := c.Get(ctx, key, load)
	require.NoError(b, err)
	require.NoError(b, m.Close(ctx))
	b.ReportAllocs()
	for b.Loop() {
		m, _ := c.Get(ctx, key, load)
		m.Close(ctx)
	}
}
