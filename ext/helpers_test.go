package ext_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tendril-wasm/tendril/internal/guestbuild/guesttest"
	"github.com/tendril-wasm/tendril/runtime"
)

// plugin builds the Go plug-in examples/plugins/<dir> (once per test
// binary) and returns an instance of it named name, closed with the test.
func plugin(t testing.TB, dir, name string, hosts ...runtime.HostFunction) *runtime.Instance {
	t.Helper()
	return pluginAt(t, filepath.Join("..", "examples", "plugins", dir), name, hosts...)
}

// pluginAt is plugin for a plug-in in any directory.
func pluginAt(t testing.TB, dir, name string, hosts ...runtime.HostFunction) *runtime.Instance {
	t.Helper()
	ctx := context.Background()
	wasm := guesttest.Build(t, dir)
	rt, err := runtime.New(ctx, runtime.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { rt.Close(ctx) })
	cp, err := rt.Compile(ctx, runtime.Manifest{Wasm: []runtime.WasmSource{{Path: wasm}}},
		runtime.PluginOptions{WASI: true, Name: name, HostFunctions: hosts})
	require.NoError(t, err)
	inst, err := cp.Instantiate(ctx)
	require.NoError(t, err)
	return inst
}
