package hostile_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/tendril-wasm/tendril/kernel"
	"github.com/tendril-wasm/tendril/runtime"
)

// TestDefaultsAreSafe: a manifest that sets no limit and options that grant
// nothing still give a bounded plug-in: a memory cap, an output cap, a var
// cap, an HTTP response cap, and no I/O at all (no WASI, no host functions,
// no HTTP, no paths). SECURITY.md quotes these values; if one changes, this
// test fails and points there.
func TestDefaultsAreSafe(t *testing.T) {
	if runtime.DefaultMemoryLimitPages != 4096 || runtime.DefaultMaxOutputBytes != 64*mib ||
		kernel.DefaultMaxVarBytes != 1*mib || kernel.DefaultMaxHTTPResponseBytes != 50*mib {
		t.Fatalf("a default changed (memory %d pages, output %d, vars %d, HTTP response %d): update SECURITY.md",
			runtime.DefaultMemoryLimitPages, runtime.DefaultMaxOutputBytes, kernel.DefaultMaxVarBytes, kernel.DefaultMaxHTTPResponseBytes)
	}
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)

	var hits atomic.Int64
	big := bytes.Repeat([]byte("x"), kernel.DefaultMaxHTTPResponseBytes+1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path == "/big" {
			_, _ = w.Write(big)
			return
		}
		fmt.Fprint(w, "reached")
	}))
	defer srv.Close()

	// load compiles and instantiates wat with a manifest that sets nothing
	// but the module (and what edit adds), and zero PluginOptions.
	load := func(t *testing.T, wat string, edit func(*runtime.Manifest, *runtime.PluginOptions)) (*runtime.Instance, error) {
		t.Helper()
		m := runtime.Manifest{Wasm: []runtime.WasmSource{{Data: wasm(t, wat)}}}
		var o runtime.PluginOptions
		if edit != nil {
			edit(&m, &o)
		}
		p, err := rt.Compile(ctx, m, o)
		if err != nil {
			return nil, err
		}
		t.Cleanup(func() { _ = p.Close(ctx) })
		return p.Instantiate(ctx)
	}
	mustLoad := func(t *testing.T, wat string, edit func(*runtime.Manifest, *runtime.PluginOptions)) *runtime.Instance {
		t.Helper()
		in, err := load(t, wat, edit)
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
	call := func(t *testing.T, in *runtime.Instance, fn string, input []byte) ([]byte, error) {
		t.Helper()
		return in.Call(ctx, fn, input)
	}

	t.Run("memory_cap", func(t *testing.T) {
		in := mustLoad(t, "grow", nil) // 1 page to start
		for _, c := range []struct {
			pages uint64
			want  uint64 // what memory.grow returns: the old size, or -1
		}{
			{runtime.DefaultMemoryLimitPages, ^uint64(0)}, // 1 + 4096: one page too many
			{runtime.DefaultMemoryLimitPages - 1, 1},      // exactly the cap
			{1, ^uint64(0)},
		} {
			out, err := call(t, in, "grow_by", u64(c.pages))
			if err != nil || !bytes.Equal(out, u64(c.want)) {
				t.Errorf("memory.grow(%d): %x, %v; want %#x", c.pages, out, err, c.want)
			}
		}
	})
	t.Run("kernel_memory_cap", func(t *testing.T) {
		in := mustLoad(t, "output", nil)
		var ge *runtime.GuestError
		_, err := call(t, in, "output_n", u64(runtime.DefaultMemoryLimitPages*64*kib))
		if !errors.As(err, &ge) || ge.Code != 1 {
			t.Errorf("a block of the whole cap: %v; want alloc refused (the plug-in returns 1)", err)
		}
	})
	t.Run("output_cap", func(t *testing.T) {
		in := mustLoad(t, "output", nil)
		if out, err := call(t, in, "output_n", u64(runtime.DefaultMaxOutputBytes)); err != nil || len(out) != runtime.DefaultMaxOutputBytes {
			t.Errorf("output of exactly the cap: %d bytes, %v", len(out), err)
		}
		if _, err := call(t, in, "output_n", u64(runtime.DefaultMaxOutputBytes+1)); !errors.Is(err, runtime.ErrOutputTooLarge) {
			t.Errorf("output over the cap: %v; want ErrOutputTooLarge", err)
		}
	})
	t.Run("var_cap", func(t *testing.T) {
		in := mustLoad(t, "vars", nil)
		if _, err := call(t, in, "var_bomb", nil); !errors.Is(err, kernel.ErrVarLimit) {
			t.Errorf("4 MiB of vars: %v; want ErrVarLimit", err)
		}
		// 15 vars of 64 KiB + 1-byte keys fit in 1 MiB; the 16th does not.
		if len(in.Var("\x0e")) != 64*kib || in.Var("\x0f") != nil {
			t.Errorf("vars: the 15th holds %d bytes, the 16th %d; want the cap at 1 MiB", len(in.Var("\x0e")), len(in.Var("\x0f")))
		}
	})
	t.Run("http_response_cap", func(t *testing.T) {
		in := mustLoad(t, "http", func(m *runtime.Manifest, _ *runtime.PluginOptions) { m.AllowedHosts = []string{"127.0.0.1"} })
		if _, err := call(t, in, "request", httpJSON(srv.URL+"/big")); !errors.Is(err, kernel.ErrHTTPResponseTooLarge) {
			t.Errorf("a response of 50 MiB + 1: %v; want ErrHTTPResponseTooLarge", err)
		}
	})
	t.Run("no_http", func(t *testing.T) {
		before := hits.Load()
		in := mustLoad(t, "http", nil)
		if _, err := call(t, in, "request", httpJSON(srv.URL+"/")); !errors.Is(err, kernel.ErrHTTPNotAllowed) {
			t.Errorf("HTTP with no allowed_hosts: %v; want ErrHTTPNotAllowed", err)
		}
		if n := hits.Load() - before; n != 0 {
			t.Errorf("the server was reached %d times", n)
		}
	})
	t.Run("no_wasi", func(t *testing.T) {
		if _, err := load(t, "import_wasi", nil); !errors.Is(err, runtime.ErrImport) {
			t.Errorf("a WASI import: %v; want ErrImport", err)
		}
	})
	t.Run("no_host_functions", func(t *testing.T) {
		if _, err := load(t, "import_user", nil); !errors.Is(err, runtime.ErrImport) {
			t.Errorf("a host function import: %v; want ErrImport", err)
		}
	})
	t.Run("no_paths", func(t *testing.T) {
		// Even with WASI, no directory is open: fd 3 does not exist (EBADF).
		in := mustLoad(t, "wasifs", func(_ *runtime.Manifest, o *runtime.PluginOptions) { o.WASI = true })
		var ge *runtime.GuestError
		if _, err := call(t, in, "read", []byte("inside.txt")); !errors.As(err, &ge) || ge.Code != 8 {
			t.Errorf("path_open with no allowed_paths: %v; want errno 8 (EBADF)", err)
		}
		// And allowed_paths without WASI is refused.
		fs := newFS(t)
		_, err := load(t, "wasifs", func(m *runtime.Manifest, _ *runtime.PluginOptions) {
			m.AllowedPaths = map[string]string{fs.mount: "/data"}
		})
		if !errors.Is(err, runtime.ErrManifest) {
			t.Errorf("allowed_paths without WASI: %v; want ErrManifest", err)
		}
	})
	t.Run("no_timeout", func(t *testing.T) {
		// There is no default timeout: a manifest without timeout_ms is
		// bounded only by the caller's context. SECURITY.md says so and
		// recommends setting one.
		if m := (runtime.Manifest{}); m.TimeoutMs != 0 {
			t.Errorf("the zero Manifest has timeout_ms %d", m.TimeoutMs)
		}
	})
}
