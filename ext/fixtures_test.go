package ext_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tendril-wasm/tendril/cache"
	"github.com/tendril-wasm/tendril/codec"
	"github.com/tendril-wasm/tendril/codec/json"

	"github.com/tendril-wasm/tendril/ext"
	"github.com/tendril-wasm/tendril/runtime"
)

// wasm returns the committed module testdata/<name>.wasm.
func wasm(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".wasm"))
	require.NoError(t, err)
	return b
}

// newRegistry makes a registry closed when the test ends.
func newRegistry(t testing.TB, opts ext.Options) *ext.Registry {
	t.Helper()
	ctx := context.Background()
	r, err := ext.New(ctx, opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, r.Close(ctx)) })
	return r
}

// register registers testdata/<file>.wasm as name.
func register(t testing.TB, r *ext.Registry, name, file string, opts ext.PluginOptions) *ext.Plugin {
	t.Helper()
	p, err := r.Register(context.Background(), name, ext.Source{Wasm: wasm(t, file)}, opts)
	require.NoError(t, err)
	return p
}

func priority(n int) *int { return &n }

// TestWatFixtures checks that every committed .wasm is what its .wat builds
// to, when wat2wasm is installed (CI has it).
func TestWatFixtures(t *testing.T) {
	tool, err := exec.LookPath("wat2wasm")
	if err != nil {
		t.Skip("wat2wasm not installed (Debian: wabt); the committed .wasm files are used as they are")
	}
	wats, err := filepath.Glob(filepath.Join("testdata", "*.wat"))
	require.NoError(t, err)
	require.NotEmpty(t, wats)
	for _, wat := range wats {
		out := filepath.Join(t.TempDir(), "out.wasm")
		msg, err := exec.Command(tool, wat, "-o", out).CombinedOutput()
		require.NoError(t, err, "%s: %s", wat, msg)
		got, err := os.ReadFile(out)
		require.NoError(t, err)
		want, err := os.ReadFile(strings.TrimSuffix(wat, ".wat") + ".wasm")
		require.NoError(t, err)
		require.True(t, bytes.Equal(got, want), "%s: committed .wasm is stale: run the Rebuild line in it", wat)
	}
}

func jsonCodec() codec.Codec { return json.Codec{} }

func stringCodec() codec.Codec { return codec.String{} }

// uncachedRegistry is a registry whose cache keeps no module, so that the
// runtime's LiveModules counts exactly the modules its plug-ins hold.
func uncachedRegistry(t testing.TB) *ext.Registry {
	t.Helper()
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, rt.Close(ctx)) })
	c, err := cache.New(rt, cache.Options{MaxBytes: 1})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Close(ctx)) })
	return newRegistry(t, ext.Options{Runtime: rt, Cache: c})
}
