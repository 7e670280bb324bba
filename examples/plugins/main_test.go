package plugins_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tendril-wasm/tendril/internal/guestbuild/guesttest"
	"github.com/tendril-wasm/tendril/internal/testplugins"
	"github.com/tendril-wasm/tendril/runtime"
)

// setup describes how a test runs a plug-in; the zero value runs it with
// defaults (WASI is always on: standard-Go plug-ins need it).
type setup struct {
	manifest runtime.Manifest // Wasm is filled in
	plugin   runtime.PluginOptions
	runtime  runtime.Options
}

// compile builds the plug-in in dir from source and compiles it; everything
// is closed when the test ends.
func compile(t testing.TB, dir string, s setup) *runtime.CompiledPlugin {
	t.Helper()
	ctx := context.Background()
	wasm := guesttest.Build(t, dir)
	ropts := s.runtime
	// The plug-in's machine code comes from a compilation cache filled by a
	// process without -race: a standard-Go plug-in compiles in about a
	// second there, in tens of seconds under the race detector.
	ropts.CompilationCacheDir = testplugins.CompilationCache(t, wasm)
	rt, err := runtime.New(ctx, ropts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close(ctx) })
	m := s.manifest
	m.Wasm = []runtime.WasmSource{{Path: wasm}}
	opts := s.plugin
	opts.WASI = true
	cp, err := rt.Compile(ctx, m, opts)
	if err != nil {
		t.Fatalf("compile %s: %v", filepath.Base(dir), err)
	}
	return cp
}

// instantiate returns a new instance of cp, closed when the test ends.
func instantiate(t testing.TB, cp *runtime.CompiledPlugin) *runtime.Instance {
	t.Helper()
	ctx := context.Background()
	inst, err := cp.Instantiate(ctx)
	if err != nil {
		t.Fatalf("instantiate %s: %v", cp.Name(), err)
	}
	t.Cleanup(func() { _ = inst.Close(ctx) })
	return inst
}

// start compiles the plug-in in dir and returns one instance of it.
func start(t testing.TB, dir string, s setup) *runtime.Instance {
	t.Helper()
	return instantiate(t, compile(t, dir, s))
}

// call calls fn and returns a copy of its output, failing the test on error.
func call(t testing.TB, inst *runtime.Instance, fn string, input []byte) []byte {
	t.Helper()
	out, err := inst.Call(context.Background(), fn, input)
	if err != nil {
		t.Fatalf("%s(%.40q): %v", fn, input, err)
	}
	return append([]byte(nil), out...)
}

// recorder is a slog.Handler that keeps the records it is given, at or above
// its level.
type recorder struct {
	level slog.Leveler
	mu    sync.Mutex
	recs  []slog.Record
}

func (r *recorder) Enabled(_ context.Context, l slog.Level) bool { return l >= r.level.Level() }

func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, rec.Clone())
	return nil
}

func (r *recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *recorder) WithGroup(string) slog.Handler      { return r }

// take returns the records so far and forgets them.
func (r *recorder) take() []slog.Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	recs := r.recs
	r.recs = nil
	return recs
}
