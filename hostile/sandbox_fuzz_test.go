package hostile_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tendril-wasm/tendril/kernel"
	"github.com/tendril-wasm/tendril/runtime"
)

// FuzzModuleNames gives a manifest module an arbitrary name, beside a main
// module that imports the kernel's memory, and grants a host function in an
// arbitrary namespace (issue 12, point 2). Whatever the names:
//
//   - no panic;
//
//   - the plug-in never compiles: the kernel's memory is reachable neither
//     through the kernel nor through a module that takes its name;
//
//   - a name of the kernel, WASI or Tendril, or a granted namespace, is a
//     manifest error;
//
//   - without the kernel-memory import, a plug-in that compiles runs.
//
//     go test -run '^$' -fuzz '^FuzzModuleNames$' -fuzztime 60s ./hostile/
func FuzzModuleNames(f *testing.F) {
	for _, s := range [][2]string{
		{kernel.ModuleName, ""}, {"wasi_snapshot_preview1", ""}, {"tendril:kernel-host", ""},
		{runtime.DefaultHostNamespace, runtime.DefaultHostNamespace}, {"my:host", "my:host"},
		{"extism:host/env ", ""}, {"EXTISM:HOST/ENV", ""}, {"extism:host/env\x00", ""}, {"main", ""},
		{"", ""}, {"lib", "lib"}, {"wasi:io/streams", ""}, {"env", ""}, {"extism:host/user", "x"},
	} {
		f.Add(s[0], s[1])
	}
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.Options{})
	require.NoError(f, err)
	f.Cleanup(func() { _ = rt.Close(ctx) })
	mod, peek := sbWasmTB(f, "sandbox_shadow_mod"), sbWasmTB(f, "sandbox_shadow_main")
	f.Fuzz(func(t *testing.T, name, ns string) {
		opts := runtime.PluginOptions{WASI: true}
		if ns != "" {
			fn := runtime.NewHostFunction("f", func(context.Context, *runtime.Caller, []byte) ([]byte, error) { return nil, nil })
			fn.Namespace = ns
			opts.HostFunctions = []runtime.HostFunction{fn}
		}
		reserved := name == kernel.ModuleName || strings.HasPrefix(name, "wasi_") || strings.HasPrefix(name, "wasi:") ||
			strings.HasPrefix(name, "extism:") || strings.HasPrefix(name, "tendril:") || (ns != "" && name == ns)
		p, err := rt.Compile(ctx, runtime.Manifest{Wasm: []runtime.WasmSource{
			{Data: mod, Name: name}, {Data: peek, Name: "main"},
		}}, opts)
		if err == nil {
			_ = p.Close(ctx)
			t.Fatalf("module %q beside an import of the kernel's memory compiled", name)
		}
		if reserved && !errors.Is(err, runtime.ErrManifest) && !strings.Contains(err.Error(), "reserved") {
			t.Fatalf("module %q (namespace %q): %v; want a manifest error", name, ns, err)
		}
		p, err = rt.Compile(ctx, runtime.Manifest{Wasm: []runtime.WasmSource{
			{Data: mod, Name: name}, {Data: mod, Name: "main"},
		}}, opts)
		if err != nil {
			return // refusals are fine (reserved names, duplicates, namespaces); compiling is not required
		}
		defer p.Close(ctx)
		require.False(t, reserved, "module %q compiled", name)
		in, err := p.Instantiate(ctx)
		require.NoError(t, err)
		defer in.Close(ctx)
		_, err = in.Call(ctx, "run", nil)
		require.NoError(t, err)
	})
}

// sbWasmTB is sbWasm for a fuzz target (no wat2wasm check: TestSandbox*
// does it).
func sbWasmTB(tb testing.TB, name string) []byte {
	tb.Helper()
	if t, ok := tb.(*testing.T); ok {
		return sbWasm(t, name)
	}
	b, err := os.ReadFile(filepath.Join("testdata", name+".wasm"))
	require.NoError(tb, err)
	return b
}
