package runtime_test

// The foundation's promises: outputs the caller owns, function handles,
// modules compiled once and shared, bytes host functions, one resolver,
// race-free lifecycles.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tendril-wasm/tendril/internal/testplugins"
	"github.com/tendril-wasm/tendril/kernel"
	"github.com/tendril-wasm/tendril/runtime"
)

func vowels(count, total int) string {
	return fmt.Sprintf(`{"count":%d,"total":%d,"vowels":"aeiouAEIOU"}`, count, total)
}

// An output stays the caller's: closing the instance, the plug-in and the
// runtime, or making more calls, never changes or unmaps it.
func TestOutputOwned(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("after Close", func(t *testing.T) {
		rt, err := runtime.New(ctx, runtime.Options{})
		require.NoError(t, err)
		p, err := rt.Compile(ctx, extismManifest(t, "count_vowels.wasm"), runtime.PluginOptions{})
		require.NoError(t, err)
		in, err := p.Instantiate(ctx)
		require.NoError(t, err)
		out, err := in.Call(ctx, "count_vowels", []byte("hello"))
		require.NoError(t, err)
		fn, err := p.Function("count_vowels")
		require.NoError(t, err)
		out2, err := in.CallFunction(ctx, fn, []byte("aaa"))
		require.NoError(t, err)

		require.NoError(t, in.Close(ctx))
		require.Equal(t, vowels(2, 2), string(out))
		require.NoError(t, p.Close(ctx))
		require.NoError(t, rt.Close(ctx))
		require.Equal(t, vowels(2, 2), string(out)) // reading it would fault if it were kernel memory
		require.Equal(t, vowels(3, 5), string(out2))
	})

	t.Run("across calls", func(t *testing.T) {
		in := loadPlugin(t, extismManifest(t, "count_vowels.wasm"), runtime.PluginOptions{})
		first, err := in.Call(ctx, "count_vowels", []byte("hello world"))
		require.NoError(t, err)
		want := string(first)
		for i := range 20 {
			_, err := in.Call(ctx, "count_vowels", []byte(fmt.Sprint(i)))
			require.NoError(t, err)
		}
		require.Equal(t, want, string(first))
	})

	t.Run("Invoke", func(t *testing.T) {
		in := loadPlugin(t, extismManifest(t, "count_vowels.wasm"), runtime.PluginOptions{})
		fn, err := in.Function("count_vowels")
		require.NoError(t, err)
		var got string
		require.NoError(t, in.Invoke(ctx, fn, []byte("aei"), func(out []byte) error {
			got = string(out) // copied: out is valid only in here
			return nil
		}))
		require.Equal(t, vowels(3, 3), got)

		errStop := errors.New("stop")
		require.ErrorIs(t, in.Invoke(ctx, fn, nil, func([]byte) error { return errStop }), errStop)

		called := false
		nope := runtime.Manifest{Wasm: []runtime.WasmSource{{Path: testplugins.Extism(t, "fail.wasm")}}}
		fin := loadPlugin(t, nope, runtime.PluginOptions{})
		ffn, err := fin.Function("run_test")
		require.NoError(t, err)
		require.Error(t, fin.Invoke(ctx, ffn, nil, func([]byte) error { called = true; return nil }))
		require.False(t, called, "out called for a failed call")
	})
}

// A Function resolves once and works on every instance of its plug-in; one
// of another plug-in is resolved again by name.
func TestFunctionHandle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rt := newRuntime(t, runtime.Options{})
	p := compile(t, rt, extismManifest(t, "count_vowels.wasm"), runtime.PluginOptions{})
	fn, err := p.Function("count_vowels")
	require.NoError(t, err)
	require.Equal(t, "count_vowels", fn.Name())
	for range 3 {
		in := instantiate(t, p)
		out, err := in.CallFunction(ctx, fn, []byte("oo"))
		require.NoError(t, err)
		require.Equal(t, vowels(2, 2), string(out))
	}

	other := compile(t, rt, extismManifest(t, "count_vowels.wasm"), runtime.PluginOptions{Name: "other"})
	out, err := instantiate(t, other).CallFunction(ctx, fn, []byte("o"))
	require.NoError(t, err)
	require.Equal(t, vowels(1, 1), string(out))

	hello := compile(t, rt, extismManifest(t, "hello.wasm"), runtime.PluginOptions{})
	_, err = instantiate(t, hello).CallFunction(ctx, fn, nil)
	require.ErrorIs(t, err, runtime.ErrFunctionNotFound)
	require.ErrorContains(t, err, `plugin "hello": count_vowels`)

	_, err = p.Function("nope")
	require.ErrorIs(t, err, runtime.ErrFunctionNotFound)
	require.Equal(t, []string{"count_vowels"}, p.Functions())
	_, err = instantiate(t, p).CallFunction(ctx, nil, nil)
	require.ErrorIs(t, err, runtime.ErrFunctionNotFound)

	// After Close, handles resolve as before (they hold no resources) and
	// calls fail with ErrClosed.
	in := instantiate(t, p)
	require.NoError(t, p.Close(ctx))
	_, err = p.Function("nope")
	require.ErrorIs(t, err, runtime.ErrFunctionNotFound)
	_, err = p.Function("count_vowels")
	require.NoError(t, err)
	_, err = in.CallFunction(ctx, fn, nil)
	require.ErrorIs(t, err, runtime.ErrClosed)
	_, err = p.Instantiate(ctx)
	require.ErrorIs(t, err, runtime.ErrClosed)
}

// Modules that differ only in their DWARF sections, which instrumenting
// drops, are one module; any other difference makes another.
func TestModuleSharedWithoutDWARF(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rt := newRuntime(t, runtime.Options{})
	wasm, err := os.ReadFile(testplugins.Extism(t, "count_vowels.wasm"))
	require.NoError(t, err)
	custom := func(name string) []byte {
		content := append([]byte{byte(len(name))}, name...)
		content = append(content, "payload"...)
		return append(append(slices.Clone(wasm), 0, byte(len(content))), content...)
	}
	for i, bin := range [][]byte{wasm, custom(".debug_extra"), custom(".debug_line"), custom("extra")} {
		m, err := rt.CompileModule(ctx, bin)
		require.NoError(t, err)
		t.Cleanup(func() { _ = m.Close(ctx) })
		want := uint64(1)
		if i == 3 {
			want = 2
		}
		require.Equal(t, want, rt.Stats().Compilations, "module %d", i)
	}
}

// One module under ten manifests is compiled once; it lives while any
// plug-in or Module handle uses it.
func TestModuleShared(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rt := newRuntime(t, runtime.Options{})
	path := testplugins.Extism(t, "count_vowels.wasm")
	wasm, err := os.ReadFile(path)
	require.NoError(t, err)

	var plugins []*runtime.CompiledPlugin
	for i := range 10 {
		m := runtime.Manifest{
			Config:    map[string]string{"vowels": "aeiou"[:i%5+1]},
			TimeoutMs: uint64(1000 + i),
		}
		if i%2 == 0 {
			m.Wasm = []runtime.WasmSource{{Path: path}}
			m.AllowedHosts = []string{fmt.Sprintf("h%d.example.com", i)}
		} else {
			m.Wasm = []runtime.WasmSource{{Data: wasm, Name: "main"}}
		}
		p, err := rt.Compile(ctx, m, runtime.PluginOptions{Name: fmt.Sprint("p", i), WASI: i%3 == 0})
		require.NoError(t, err)
		plugins = append(plugins, p)
	}
	require.Equal(t, runtime.Stats{Compilations: 1, LiveModules: 1}, rt.Stats())

	// Each plug-in has its own config: "a" is the only vowel of plug-in 0.
	out, err := instantiate(t, plugins[0]).Call(ctx, "count_vowels", []byte("aeiou"))
	require.NoError(t, err)
	require.Contains(t, string(out), `"count":1`)

	for _, p := range plugins[:9] {
		require.NoError(t, p.Close(ctx))
	}
	require.Equal(t, 1, rt.Stats().LiveModules)
	out, err = instantiate(t, plugins[9]).Call(ctx, "count_vowels", []byte("aeiou"))
	require.NoError(t, err)
	require.Contains(t, string(out), `"count":5`)
	require.NoError(t, plugins[9].Close(ctx))
	require.Equal(t, runtime.Stats{Compilations: 1, LiveModules: 0}, rt.Stats())

	// A Module handle keeps the code alive between plug-ins.
	var wg sync.WaitGroup
	mods := make([]*runtime.Module, 8)
	for i := range mods {
		wg.Go(func() {
			m, err := rt.CompileModule(ctx, wasm)
			assert.NoError(t, err)
			mods[i] = m
		})
	}
	wg.Wait()
	require.Equal(t, runtime.Stats{Compilations: 2, LiveModules: 1}, rt.Stats())
	p := compile(t, rt, runtime.Manifest{Wasm: []runtime.WasmSource{{Data: wasm}}}, runtime.PluginOptions{})
	require.NoError(t, p.Close(ctx))
	require.Equal(t, runtime.Stats{Compilations: 2, LiveModules: 1}, rt.Stats())

	// A plug-in made from a Module reads and hashes nothing.
	p = compile(t, rt, runtime.Manifest{Wasm: []runtime.WasmSource{{Module: mods[0], Hash: mods[0].Hash()}}}, runtime.PluginOptions{})
	out, err = instantiate(t, p).Call(ctx, "count_vowels", []byte("oo"))
	require.NoError(t, err)
	require.Equal(t, vowels(2, 2), string(out))
	require.NoError(t, p.Close(ctx))
	_, err = rt.Compile(ctx, runtime.Manifest{Wasm: []runtime.WasmSource{{Module: mods[0]}}, Memory: runtime.MemoryLimits{MaxPages: 100}}, runtime.PluginOptions{})
	require.ErrorIs(t, err, runtime.ErrManifest)
	other := newRuntime(t, runtime.Options{})
	_, err = other.Compile(ctx, runtime.Manifest{Wasm: []runtime.WasmSource{{Module: mods[0]}}}, runtime.PluginOptions{})
	require.ErrorIs(t, err, runtime.ErrManifest)
	require.Equal(t, runtime.Stats{Compilations: 2, LiveModules: 1}, rt.Stats())
	for _, m := range mods {
		require.Len(t, m.Hash(), 64)
		require.NoError(t, m.Close(ctx))
		require.NoError(t, m.Close(ctx)) // idempotent: drops one reference once
	}
	require.Equal(t, 0, rt.Stats().LiveModules)
	_, err = rt.Compile(ctx, runtime.Manifest{Wasm: []runtime.WasmSource{{Module: mods[0]}}}, runtime.PluginOptions{})
	require.ErrorIs(t, err, runtime.ErrClosed)

	_, err = rt.CompileModule(ctx, nil)
	require.ErrorIs(t, err, runtime.ErrLoad)
	require.ErrorContains(t, err, "empty file")
	_, err = rt.CompileModule(ctx, []byte("#!/bin/sh\necho"))
	require.ErrorContains(t, err, "not a WebAssembly module (bad magic)")
	_, err = rt.CompileModule(ctx, []byte("\x00asm\x01\x00\x00\x00\x01"))
	require.ErrorIs(t, err, runtime.ErrLoad)
	require.Equal(t, 0, rt.Stats().LiveModules)
}

// hostErrPlugin compiles testdata/hosterr.wat with echo as its host function.
func hostErrPlugin(t *testing.T, echo runtime.HostFunction) *runtime.Instance {
	t.Helper()
	return loadPlugin(t, runtime.Manifest{Wasm: []runtime.WasmSource{{Path: filepath.Join("testdata", "hosterr.wasm")}}},
		runtime.PluginOptions{HostFunctions: []runtime.HostFunction{echo}})
}

func TestBytesHostFunction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	errNope := errors.New("nope")
	var calls atomic.Int32
	echo := runtime.NewHostFunction("echo", func(_ context.Context, c *runtime.Caller, in []byte) ([]byte, error) {
		calls.Add(1)
		switch string(in) {
		case "fail":
			return nil, errNope
		case "fatal":
			return nil, runtime.Fatal(errNope)
		case "panic":
			panic("host bug")
		}
		return append([]byte("echo "+c.Plugin()+": "), in...), nil
	})

	t.Run("output", func(t *testing.T) {
		in := hostErrPlugin(t, echo)
		require.Equal(t, "echo hosterr: hi", mustCall(t, in, "ignore", "hi"))
		require.Equal(t, "echo hosterr: hi", mustCall(t, in, "handle", "hi"))
	})
	t.Run("error ignored", func(t *testing.T) {
		in := hostErrPlugin(t, echo)
		_, err := in.Call(ctx, "ignore", []byte("fail"))
		var ge *runtime.GuestError
		require.ErrorAs(t, err, &ge)
		require.Equal(t, "nope", ge.Message)
		require.ErrorIs(t, err, errNope)
		var he *runtime.HostFunctionError
		require.ErrorAs(t, err, &he)
		require.Equal(t, runtime.DefaultHostNamespace+".echo", he.Host)
		require.Equal(t, "ignore", he.Function)
		require.Equal(t, `plugin "hosterr": ignore: nope`, err.Error())
		require.NoError(t, in.Broken())
		require.Equal(t, "echo hosterr: ok", mustCall(t, in, "ignore", "ok"))
	})
	t.Run("error handled", func(t *testing.T) {
		in := hostErrPlugin(t, echo)
		require.Equal(t, "nope", mustCall(t, in, "handle", "fail"))
		require.NoError(t, in.Broken())
	})
	for _, how := range []string{"fatal", "panic"} {
		t.Run(how, func(t *testing.T) {
			in := hostErrPlugin(t, echo)
			_, err := in.Call(ctx, "handle", []byte(how))
			var he *runtime.HostFunctionError
			require.ErrorAs(t, err, &he)
			require.Equal(t, "handle", he.Function)
			require.ErrorIs(t, in.Broken(), runtime.ErrBroken)
			_, err = in.Call(ctx, "handle", []byte("ok"))
			require.ErrorIs(t, err, runtime.ErrBroken)
		})
	}
}

// A call that passes its deadline fails with the deadline error, even when
// the guest returns on its own.
func TestDeadlinePassedInCall(t *testing.T) {
	t.Parallel()
	slow := runtime.NewHostFunction("echo", func(ctx context.Context, _ *runtime.Caller, in []byte) ([]byte, error) {
		<-ctx.Done() // outlive the deadline, then return normally
		return in, nil
	})
	in := hostErrPlugin(t, slow)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err := in.Call(ctx, "ignore", []byte("x"))
	var ie *runtime.InterruptError
	require.ErrorAs(t, err, &ie)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Equal(t, "hosterr", ie.Plugin)
}

// Manifest module names cannot shadow the kernel, WASI, Tendril's names or
// a granted host namespace.
func TestModuleNameShadowing(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, runtime.Options{})
	path := testplugins.Extism(t, "hello.wasm")
	for _, name := range []string{kernel.ModuleName, "wasi_snapshot_preview1", "tendril:kernel-host", "extism:host/user", "my:host"} {
		t.Run(name, func(t *testing.T) {
			m := runtime.Manifest{Wasm: []runtime.WasmSource{{Path: path, Name: name}, {Path: path, Name: "main"}}}
			opts := runtime.PluginOptions{HostFunctions: []runtime.HostFunction{
				runtime.NewHostFunction("f", nil), // never called
			}}
			opts.HostFunctions[0].Namespace = "my:host"
			opts.HostFunctions[0].Func = func(context.Context, *runtime.Caller, []uint64) error { return nil }
			_, err := rt.Compile(context.Background(), m, opts)
			require.ErrorIs(t, err, runtime.ErrManifest)
			require.ErrorContains(t, err, "wasm[0].name")
		})
	}
}

// Lifecycles race with nothing: Compile and Instantiate against Close,
// Var/SetVar/Broken against calls. Run with -race.
func TestConcurrentLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	wasm, err := os.ReadFile(testplugins.Extism(t, "count_vowels.wasm"))
	require.NoError(t, err)

	for range 4 {
		rt, err := runtime.New(ctx, runtime.Options{})
		require.NoError(t, err)
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Go(func() {
				p, err := rt.Compile(ctx, runtime.Manifest{Wasm: []runtime.WasmSource{{Data: wasm}}}, runtime.PluginOptions{Name: fmt.Sprint(i)})
				if err != nil {
					return // the runtime closed first
				}
				if in, err := p.Instantiate(ctx); err == nil {
					_, _ = in.Call(ctx, "count_vowels", []byte("abc"))
				}
			})
		}
		wg.Go(func() { assert.NoError(t, rt.Close(ctx)) })
		wg.Wait()
		require.NoError(t, rt.Close(ctx))
		_, err = rt.Compile(ctx, runtime.Manifest{Wasm: []runtime.WasmSource{{Data: wasm}}}, runtime.PluginOptions{})
		require.ErrorIs(t, err, runtime.ErrClosed)
	}

	in := loadPlugin(t, runtime.Manifest{Wasm: []runtime.WasmSource{{Data: wasm}}}, runtime.PluginOptions{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for range 200 {
			_, err := in.Call(ctx, "count_vowels", []byte("aaa"))
			assert.NoError(t, err)
		}
	})
	wg.Go(func() {
		for i := range 200 {
			assert.NoError(t, in.SetVar("k", []byte(fmt.Sprint(i))))
			_ = in.Var("total")
			assert.NoError(t, in.Broken())
		}
	})
	wg.Wait()
	require.Equal(t, "600", string(in.Var("total")))
}

// Runtime.Close closes the idle connections of the HTTP client it made.
func TestCloseIdleConnections(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	wasm, err := os.ReadFile(testplugins.Extism(t, "hello.wasm"))
	require.NoError(t, err)
	var open atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(wasm) }))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			open.Add(1)
		case http.StateClosed, http.StateHijacked:
			open.Add(-1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)

	rt, err := runtime.New(ctx, runtime.Options{})
	require.NoError(t, err)
	for i := range 3 {
		p, err := rt.Compile(ctx, runtime.Manifest{Wasm: []runtime.WasmSource{{URL: fmt.Sprintf("%s/%d.wasm", srv.URL, i)}}}, runtime.PluginOptions{})
		require.NoError(t, err)
		require.Equal(t, "Hello, world!", mustCall(t, instantiate(t, p), "run_test", ""))
	}
	require.Positive(t, open.Load(), "the client kept no connection open")
	require.NoError(t, rt.Close(ctx))
	// The server sees the client's close: wait for progress, not a time.
	for open.Load() > 0 {
		time.Sleep(time.Millisecond)
	}
}

// PluginOptions.Logger takes one plug-in's logs, as given; the runtime's
// logger gets none of them.
func TestPluginLogger(t *testing.T) {
	t.Parallel()
	var rtLevel, pLevel slog.LevelVar
	rtLevel.Set(kernel.LevelTrace)
	pLevel.Set(slog.LevelWarn)
	rtRec, pRec := &recorder{Level: &rtLevel}, &recorder{Level: &pLevel}
	rt := newRuntime(t, runtime.Options{Logger: slog.New(rtRec.handler())})
	in := instantiate(t, compile(t, rt, extismManifest(t, "log.wasm"), runtime.PluginOptions{WASI: true, Logger: slog.New(pRec.handler())}))
	mustCall(t, in, "run_test", "")
	var got []string
	for _, r := range pRec.take() {
		got = append(got, r.Msg)
		require.NotContains(t, r.Attrs, "plugin", "a plug-in's own logger is used as given")
	}
	require.Equal(t, []string{"this is a warning log", "this is an error log"}, got)
	for _, r := range rtRec.take() {
		require.NotContains(t, r.Msg, "this is ", "the runtime's logger got a plug-in log")
	}
}
