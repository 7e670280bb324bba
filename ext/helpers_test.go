package ext_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tendril-wasm/tendril/internal/guestbuild/guesttest"
	"github.com/tendril-wasm/tendril/internal/testplugins"
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
	// Machine code compiled without -race (testplugins.CompilationCache).
	rt, err := runtime.New(ctx, runtime.Options{CompilationCacheDir: testplugins.CompilationCache(t, wasm)})
	require.NoError(t, err)
	t.Cleanup(func() { rt.Close(ctx) })
	cp, err := rt.Compile(ctx, runtime.Manifest{Wasm: []runtime.WasmSource{{Path: wasm}}},
		runtime.PluginOptions{WASI: true, Name: name, HostFunctions: hosts})
	require.NoError(t, err)
	inst, err := cp.Instantiate(ctx)
	require.NoError(t, err)
	return inst
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
