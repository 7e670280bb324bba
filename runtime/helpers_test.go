package runtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tendril-wasm/tendril/internal/testplugins"
	"github.com/tendril-wasm/tendril/runtime"
)

// newRuntime returns a Runtime closed when the test ends.
func newRuntime(t testing.TB, opts runtime.Options) *runtime.Runtime {
	t.Helper()
	if opts.CompilationCacheDir == "" {
		// Large modules are compiled there by a process without -race
		// (see extismManifest): tens of times faster.
		opts.CompilationCacheDir = testplugins.CompilationCache(t)
	}
	rt, err := runtime.New(context.Background(), opts)
	if err != nil {
		t.Fatalf("runtime.New: %v", err)
	}
	t.Cleanup(func() {
		if err := rt.Close(context.Background()); err != nil {
			t.Errorf("Runtime.Close: %v", err)
		}
	})
	return rt
}

// extismManifest is a manifest of one reference plug-in from the go-sdk module.
func extismManifest(t testing.TB, name string) runtime.Manifest {
	t.Helper()
	path := testplugins.Extism(t, name)
	testplugins.CompilationCache(t, path)
	return runtime.Manifest{Wasm: []runtime.WasmSource{{Path: path}}}
}

// compile compiles m in rt, failing the test on error.
func compile(t testing.TB, rt *runtime.Runtime, m runtime.Manifest, opts runtime.PluginOptions) *runtime.CompiledPlugin {
	t.Helper()
	p, err := rt.Compile(context.Background(), m, opts)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return p
}

// instantiate makes an instance of p, closed when the test ends.
func instantiate(t testing.TB, p *runtime.CompiledPlugin) *runtime.Instance {
	t.Helper()
	in, err := p.Instantiate(context.Background())
	if err != nil {
		t.Fatalf("Instantiate: %v", err)
	}
	t.Cleanup(func() {
		if err := in.Close(context.Background()); err != nil {
			t.Errorf("Instance.Close: %v", err)
		}
	})
	return in
}

// load compiles m in a fresh Runtime and returns one instance of it.
func loadPlugin(t testing.TB, m runtime.Manifest, opts runtime.PluginOptions) *runtime.Instance {
	t.Helper()
	return instantiate(t, compile(t, newRuntime(t, runtime.Options{}), m, opts))
}

// call runs fn and returns a copy of its output, failing the test on error.
func mustCall(t testing.TB, in *runtime.Instance, fn, input string) string {
	t.Helper()
	out, err := in.Call(context.Background(), fn, []byte(input))
	if err != nil {
		t.Fatalf("Call(%q, %q): %v", fn, input, err)
	}
	return string(out)
}

// equal fails the test when got != want.
func equal[T comparable](t testing.TB, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

// errorIs fails the test unless errors.Is(err, target).
func errorIs(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error %v (%T) is not %v", err, err, target)
	}
}

// errorAs returns err as an E, failing the test when it is not one.
func errorAs[E error](t testing.TB, err error) E {
	t.Helper()
	var target E
	if !errors.As(err, &target) {
		t.Fatalf("error %v (%T) is not a %T", err, err, target)
	}
	return target
}

// errorContains fails the test unless err is non-nil and its text holds each of subs.
func errorContains(t testing.TB, err error, subs ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", subs)
	}
	for _, s := range subs {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not contain %q", err, s)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// copyDir copies the regular files of src into a new temporary directory,
// so that a test may write there (the module cache is read-only).
func copyDir(t testing.TB, src string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// logRecord is one log record a recorder received.
type logRecord struct {
	Level slog.Level
	Msg   string
	Attrs map[string]string
}

// recorder is a slog.Handler that keeps every record at or above Level.
// It is safe for concurrent use.
type recorder struct {
	Level slog.Leveler

	mu      sync.Mutex
	records []logRecord
}

// take returns the records received so far and forgets them.
func (r *recorder) take() []logRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.records
	r.records = nil
	return out
}

func (r *recorder) handler() slog.Handler { return &recordingHandler{r: r} }

type recordingHandler struct {
	r      *recorder
	attrs  []slog.Attr
	prefix string
}

func (h *recordingHandler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= h.r.Level.Level()
}

func (h *recordingHandler) Handle(_ context.Context, rec slog.Record) error {
	attrs := map[string]string{}
	for _, a := range h.attrs {
		attrs[a.Key] = a.Value.String()
	}
	rec.Attrs(func(a slog.Attr) bool {
		attrs[h.prefix+a.Key] = a.Value.String()
		return true
	})
	h.r.mu.Lock()
	h.r.records = append(h.r.records, logRecord{Level: rec.Level, Msg: rec.Message, Attrs: attrs})
	h.r.mu.Unlock()
	return nil
}

func (h *recordingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append([]slog.Attr{}, h.attrs...)
	for _, a := range as {
		a.Key = h.prefix + a.Key
		c.attrs = append(c.attrs, a)
	}
	return &c
}

func (h *recordingHandler) WithGroup(name string) slog.Handler {
	c := *h
	c.prefix = h.prefix + name + "."
	return &c
}

// extismFile is for examples, which have no *testing.T: the path of a
// reference plug-in, downloading its module into the module cache once.
// It panics when the Go toolchain or the module proxy is unavailable.
func extismFile(name string) string {
	extismOnce.Do(func() {
		cmd := exec.Command("go", "mod", "download", "-json", testplugins.ExtismSDK)
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
		out, err := cmd.Output()
		var info struct{ Dir, Error string }
		if err == nil {
			err = json.Unmarshal(out, &info)
		}
		if err == nil && info.Dir == "" {
			err = errors.New(info.Error)
		}
		if err != nil {
			panic(fmt.Sprintf("go mod download %s: %v", testplugins.ExtismSDK, err))
		}
		extismDir = info.Dir
	})
	return filepath.Join(extismDir, "wasm", name)
}

var (
	extismOnce sync.Once
	extismDir  string
)
