package ext_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tendril-wasm/tendril/ext"
	"github.com/tendril-wasm/tendril/internal/guestbuild"
	"github.com/tendril-wasm/tendril/internal/guestbuild/guesttest"
	"github.com/tendril-wasm/tendril/internal/testplugins"
	"github.com/tendril-wasm/tendril/runtime"
)

func TestRegister(t *testing.T) {
	ctx := context.Background()
	r := newRegistry(t, ext.Options{})

	t.Run("sources", func(t *testing.T) {
		dir := t.TempDir()
		file := filepath.Join(dir, "tag.wasm")
		require.NoError(t, os.WriteFile(file, wasm(t, "tag"), 0o644))
		manifest := filepath.Join(dir, "tag.json")
		require.NoError(t, os.WriteFile(manifest, []byte(`{"wasm":[{"path":"tag.wasm"}],"config":{"tag":"M"},"allowed_hosts":["*"]}`), 0o644))
		for _, tc := range []struct {
			name string
			src  ext.Source
			want string
		}{
			{"path", ext.Source{Path: file}, "hi!"},
			{"bytes", ext.Source{Wasm: wasm(t, "tag")}, "hi!"},
			{"manifest", ext.Source{Manifest: &runtime.Manifest{Wasm: []runtime.WasmSource{{Path: file}}, Config: map[string]string{"tag": "M"}}}, "hiM"},
			{"manifest file", ext.Source{Path: manifest}, "hiM"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				opts := ext.PluginOptions{}
				if tc.want == "hi!" {
					opts.Config = map[string]string{"tag": "!"}
				}
				p, err := r.Register(ctx, tc.name, tc.src, opts)
				require.NoError(t, err)
				defer func() { require.NoError(t, r.Unregister(ctx, tc.name)) }()
				out, err := p.Call(ctx, "append", []byte("hi"))
				require.NoError(t, err)
				require.Equal(t, tc.want, string(out))
			})
		}
	})

	t.Run("metadata", func(t *testing.T) {
		register(t, r, "tag", "tag", ext.PluginOptions{})
		defer r.Unregister(ctx, "tag")
		p, ok := r.Plugin("tag")
		require.True(t, ok)
		info, ok := p.Info()
		require.True(t, ok)
		require.Equal(t, ext.Metadata{Version: "1.0.0", Description: "Appends its tag", Codec: "string"}, info.Metadata)
		require.Equal(t, uint64(1), info.Version)
		require.Subset(t, info.Functions, []string{"append", "answer"})
		require.True(t, p.Handles("append"))
		require.False(t, p.Handles("on_save"))
		require.Equal(t, []string{"tag"}, names(r.List()))
	})

	t.Run("refused", func(t *testing.T) {
		register(t, r, "dup", "tag", ext.PluginOptions{})
		defer r.Unregister(ctx, "dup")
		for _, tc := range []struct {
			name string
			src  ext.Source
			opts ext.PluginOptions
			is   error
		}{
			{"dup", ext.Source{Wasm: wasm(t, "tag")}, ext.PluginOptions{}, ext.ErrRegistered},
			{"none", ext.Source{}, ext.PluginOptions{}, ext.ErrSource},
			{"two", ext.Source{Wasm: wasm(t, "tag"), Path: "x.wasm"}, ext.PluginOptions{}, ext.ErrSource},
			{"missing", ext.Source{Path: "testdata/none.wasm"}, ext.PluginOptions{}, ext.ErrSource},
			{"not wasm", ext.Source{Wasm: []byte("nope")}, ext.PluginOptions{}, runtime.ErrLoad},
			{"import not granted", ext.Source{Wasm: wasm(t, "relay")}, ext.PluginOptions{}, runtime.ErrImport},
			{"start traps", ext.Source{Wasm: wasm(t, "startfail")}, ext.PluginOptions{}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := r.Register(ctx, tc.name, tc.src, tc.opts)
				require.Error(t, err)
				if tc.is != nil {
					require.ErrorIs(t, err, tc.is)
				}
				if tc.name != "dup" {
					_, ok := r.Plugin(tc.name)
					require.False(t, ok)
				}
			})
		}
	})

	t.Run("unregister", func(t *testing.T) {
		p := register(t, r, "gone", "tag", ext.PluginOptions{})
		fn, err := p.Function("append")
		require.NoError(t, err)
		require.NoError(t, r.Unregister(ctx, "gone"))
		err = p.Invoke(ctx, fn, nil, func([]byte) error { return nil })
		require.ErrorIs(t, err, ext.ErrNotRegistered)
		require.ErrorIs(t, r.Unregister(ctx, "gone"), ext.ErrNotRegistered)
		_, ok := r.Plugin("gone")
		require.False(t, ok)
	})
}

func names(infos []ext.Info) []string {
	var s []string
	for _, i := range infos {
		s = append(s, i.Name)
	}
	return s
}

func TestHandlersOrder(t *testing.T) {
	r := newRegistry(t, ext.Options{})
	register(t, r, "b", "tag", ext.PluginOptions{})
	register(t, r, "a", "tag", ext.PluginOptions{})
	register(t, r, "late", "tag", ext.PluginOptions{Priority: priority(10)})
	register(t, r, "early", "tag", ext.PluginOptions{Priority: priority(-10)})
	register(t, r, "trap", "trap", ext.PluginOptions{})
	var got []string
	for _, p := range r.Handlers("append") {
		got = append(got, p.Name())
	}
	require.Equal(t, []string{"early", "a", "b", "trap", "late"}, got)
	require.Empty(t, r.Handlers("on_nothing"))
	require.Equal(t, map[string][]string{"a": {"answer"}, "b": {"answer"}, "early": {"answer"}, "late": {"answer"}, "trap": {"answer"}},
		r.Functions("answ"))
}

func TestStats(t *testing.T) {
	ctx := context.Background()
	r := newRegistry(t, ext.Options{})
	good := register(t, r, "good", "tag", ext.PluginOptions{})
	bad := register(t, r, "bad", "trap", ext.PluginOptions{})
	for range 3 {
		_, err := good.Call(ctx, "append", []byte("x"))
		require.NoError(t, err)
		_, err = bad.Call(ctx, "append", []byte("x"))
		var te *runtime.TrapError
		require.ErrorAs(t, err, &te) // a new instance each time: the broken one is gone
	}
	gs, bs := good.Stats(), bad.Stats()
	require.Equal(t, uint64(3), gs.Calls)
	require.Equal(t, uint64(0), gs.Errors)
	require.Equal(t, uint64(3), bs.Calls)
	require.Equal(t, uint64(3), bs.Errors)
	require.Positive(t, gs.Latency)
	require.Positive(t, gs.MeanLatency())
}

func TestPluginCalls(t *testing.T) {
	ctx := context.Background()
	r := newRegistry(t, ext.Options{MaxCallDepth: 3})
	register(t, r, "tag", "tag", ext.PluginOptions{Config: map[string]string{"tag": "!"}})
	register(t, r, "r1", "relay", ext.PluginOptions{Calls: map[string][]string{"tag": {"append"}, "r2": {"*"}}})
	register(t, r, "r2", "relay", ext.PluginOptions{Calls: map[string][]string{"r1": {"relay"}, "r3": {"*"}}})
	register(t, r, "r3", "relay", ext.PluginOptions{Calls: map[string][]string{"tag": {"*"}}})
	r1, _ := r.Plugin("r1")
	call := func(req string) (string, error) {
		out, err := r1.Call(ctx, "relay", []byte(req))
		return string(out), err
	}

	out, err := call("tag\x00append\x00hi")
	require.NoError(t, err)
	require.Equal(t, "hi!", out)

	out, err = call("r2\x00relay\x00r3\x00relay\x00tag\x00append\x00deep") // depth 4 > 3
	require.ErrorIs(t, err, ext.ErrCallDepth)
	require.Empty(t, out)

	for _, tc := range []struct {
		req string
		is  error
	}{
		{"tag\x00answer\x00", ext.ErrCallDenied},
		{"r3\x00relay\x00x", ext.ErrCallDenied},
		{"r2\x00relay\x00r1\x00relay\x00tag\x00append\x00x", ext.ErrCallCycle},
		{"nonsense", nil},
	} {
		_, err := call(tc.req)
		require.Error(t, err)
		var ge *runtime.GuestError
		require.ErrorAs(t, err, &ge, "the relay leaves the error unhandled")
		if tc.is != nil {
			require.ErrorIs(t, err, tc.is)
		}
	}
	require.NoError(t, r.Unregister(ctx, "tag"))
	_, err = call("tag\x00append\x00hi")
	require.ErrorIs(t, err, ext.ErrNotRegistered)
}

// TestGoPlugin registers a plug-in written in Go from its directory: the
// registry builds it, reads its metadata and finds its hooks and commands.
func TestGoPlugin(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go plug-in")
	}
	ctx := context.Background()
	// The registry builds the plug-in itself; Go builds are reproducible, so
	// its build is this one, compiled to machine code without -race
	// (testplugins.CompilationCache).
	cache := testplugins.CompilationCache(t, guesttest.Build(t, filepath.Join("testdata", "wordcount")))
	r := newRegistry(t, ext.Options{RuntimeOptions: runtime.Options{CompilationCacheDir: cache}})
	p, err := r.Register(ctx, "wordcount", ext.Source{Path: filepath.Join("testdata", "wordcount")}, ext.PluginOptions{WASI: true})
	require.NoError(t, err)
	info, _ := p.Info()
	require.Equal(t, ext.Metadata{Version: "0.1.0", Description: "Counts words", Codec: "string", Priority: -5}, info.Metadata)
	require.Equal(t, -5, info.Priority)
	require.Equal(t, map[string][]string{"wordcount": {"command:upper"}}, r.Functions("command:"))

	onOpen := ext.NewNotify[string, string](r, "on_open", ext.HookOptions{})
	res, err := onOpen.Fire(ctx, "one two  three")
	require.NoError(t, err)
	require.NoError(t, res.Err())
	require.Equal(t, "3", res.Outcomes[0].Value)
	out, err := p.Call(ctx, "command:upper", []byte("shout"))
	require.NoError(t, err)
	require.Equal(t, "SHOUT", string(out))
	require.True(t, slices.Contains(info.Functions, "on_open"))
}

// TestClose: Close is idempotent, leaves a runtime it was given open, and
// everything after it fails cleanly.
func TestClose(t *testing.T) {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.Options{})
	require.NoError(t, err)
	defer rt.Close(ctx)
	r, err := ext.New(ctx, ext.Options{Runtime: rt})
	require.NoError(t, err)
	p := register(t, r, "a", "tag", ext.PluginOptions{})
	require.NoError(t, r.Close(ctx))
	require.NoError(t, r.Close(ctx))
	_, err = p.Call(ctx, "append", nil)
	require.ErrorIs(t, err, ext.ErrNotRegistered)
	_, err = r.Register(ctx, "b", ext.Source{Wasm: wasm(t, "tag")}, ext.PluginOptions{})
	require.ErrorIs(t, err, ext.ErrClosed)
	require.Empty(t, r.List())
	_, err = rt.CompileModule(ctx, wasm(t, "tag")) // still open
	require.NoError(t, err)
}

// TestGoPluginWatch: editing the source of a Go plug-in registered with
// Watch rebuilds and reloads it; a source that does not compile is refused
// and the old version keeps serving.
func TestGoPluginWatch(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go plug-in three times")
	}
	ctx := context.Background()
	// A module of its own beside the repository's, so the test edits a copy;
	// go build may fill in its go.mod.
	t.Setenv("GOFLAGS", "-mod=mod")
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("testdata", "wordcount", "main.go"))
	require.NoError(t, err)
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module wordcount\n\ngo 1.25\n\n"+
		"require github.com/tendril-wasm/tendril v0.0.0\n\nreplace github.com/tendril-wasm/tendril => "+root+"\n"), 0o644))
	main := filepath.Join(dir, "main.go")
	edited := strings.Replace(string(src), "strconv.Itoa(len(strings.Fields(pdk.InputString())))",
		`"words: " + strconv.Itoa(len(strings.Fields(pdk.InputString())))`, 1)
	require.NotEqual(t, string(src), edited)

	// Both versions built here first and compiled to machine code without
	// -race (testplugins.CompilationCache): Go builds are reproducible, so
	// the registry's own builds of them load that code.
	var built []string
	for i, version := range []string{edited, string(src)} {
		require.NoError(t, os.WriteFile(main, []byte(version), 0o644))
		out := filepath.Join(t.TempDir(), fmt.Sprintf("v%d.wasm", i))
		require.NoError(t, guestbuild.Build(ctx, dir, out))
		built = append(built, out)
	}
	cache := testplugins.CompilationCache(t, built...)

	reloaded := make(chan error, 8)
	r := newRegistry(t, ext.Options{RuntimeOptions: runtime.Options{CompilationCacheDir: cache},
		OnReload: func(_ string, err error) { reloaded <- err }})
	p, err := r.Register(ctx, "wordcount", ext.Source{Path: dir}, ext.PluginOptions{WASI: true, Watch: true})
	require.NoError(t, err)
	onOpen := ext.NewNotify[string, string](r, "on_open", ext.HookOptions{})
	count := func() string {
		res, err := onOpen.Fire(ctx, "one two three")
		require.NoError(t, err)
		require.NoError(t, res.Err())
		return res.Outcomes[0].Value
	}
	require.Equal(t, "3", count())

	require.NoError(t, os.WriteFile(main, []byte(edited), 0o644))
	for err := range reloaded { // a slow machine may see the file half-written first
		if err == nil {
			break
		}
	}
	require.Equal(t, "words: 3", count())

	require.NoError(t, os.WriteFile(main, []byte(edited+"\nfunc broken( {\n"), 0o644))
	for err := range reloaded {
		if err != nil {
			var be *guestbuild.BuildError
			require.ErrorAs(t, err, &be)
			break
		}
	}
	require.Equal(t, "words: 3", count())
	info, _ := p.Info()
	require.GreaterOrEqual(t, info.Version, uint64(2))
}
