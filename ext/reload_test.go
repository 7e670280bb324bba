package ext_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tendril-wasm/tendril/ext"
	tr "github.com/tendril-wasm/tendril/runtime"
)

// TestReloadInFlight: a call running when a reload happens finishes on the
// old version; calls after it run the new one; the old one is closed after
// its last call.
func TestReloadInFlight(t *testing.T) {
	ctx := context.Background()
	r := uncachedRegistry(t)
	entered, release := make(chan struct{}), make(chan struct{})
	wait := tr.NewHostFunction("wait", func(ctx context.Context, _ *tr.Caller, in []byte) ([]byte, error) {
		close(entered)
		<-release
		return append(in, " (old)"...), nil
	})
	p := register(t, r, "hot", "wait", ext.PluginOptions{HostFunctions: []tr.HostFunction{wait},
		Config: map[string]string{"tag2": " (new)"}})
	live := r.Runtime().Stats().LiveModules

	var old []byte
	var oldErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		old, oldErr = p.Call(ctx, "append", []byte("first"))
	}()
	<-entered
	require.NoError(t, r.Reload(ctx, "hot", ext.Source{Wasm: wasm(t, "tag2")}))
	out, err := p.Call(ctx, "append", []byte("second"))
	require.NoError(t, err)
	require.Equal(t, "second (new)", string(out))
	require.Equal(t, live+1, r.Runtime().Stats().LiveModules, "the old version lives while its call runs")

	close(release)
	<-done
	require.NoError(t, oldErr)
	require.Equal(t, "first (old)", string(old))
	require.Equal(t, live, r.Runtime().Stats().LiveModules, "the old version is closed after its last call")
	info, _ := p.Info()
	require.Equal(t, uint64(2), info.Version)
	require.Equal(t, "2.0.0", info.Metadata.Version)
	require.GreaterOrEqual(t, p.Stats().Reloads, uint64(1))
}

// TestReloadRefused: a new version that does not compile, imports what was
// not granted, or cannot start is refused, and the old one keeps serving.
func TestReloadRefused(t *testing.T) {
	ctx := context.Background()
	r := newRegistry(t, ext.Options{})
	p := register(t, r, "hot", "tag", ext.PluginOptions{Config: map[string]string{"tag": "!"}})
	for name, src := range map[string]ext.Source{
		"not wasm":    {Wasm: []byte("\x00asm garbage")},
		"not granted": {Wasm: wasm(t, "relay")},
		"start traps": {Wasm: wasm(t, "startfail")},
		"no source":   {Path: "testdata/none.wasm"},
	} {
		err := r.Reload(ctx, "hot", src)
		require.Error(t, err, name)
		require.Contains(t, err.Error(), "version 1 still serves", name)
		out, err := p.Call(ctx, "append", []byte("ok"))
		require.NoError(t, err, name)
		require.Equal(t, "ok!", string(out), name)
	}
	info, _ := p.Info()
	require.Equal(t, uint64(1), info.Version)
	require.ErrorIs(t, r.Reload(ctx, "nobody", ext.Source{}), ext.ErrNotRegistered)
}

// TestReloadHammer fires hooks from several goroutines without pause while
// one of their plug-ins is reloaded many times, sometimes to a broken
// version: no call fails, every answer is the old or the new version's, and
// the replaced versions are all closed. Run it with -race.
func TestReloadHammer(t *testing.T) {
	ctx := context.Background()
	r := uncachedRegistry(t)
	cfg := map[string]string{"tag": "1", "tag2": "2"}
	register(t, r, "a-stable", "tag", ext.PluginOptions{Config: map[string]string{"tag": "S"}})
	p := register(t, r, "hot", "tag", ext.PluginOptions{Config: cfg})
	notify := ext.NewNotify[string, string](r, "append", ext.HookOptions{Codec: stringCodec()})
	filter := ext.NewFilter[string](r, "append", ext.HookOptions{Codec: stringCodec()})

	var fires, failures atomic.Int64
	var seen sync.Map
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range max(4, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if w%2 == 0 {
					res, err := notify.Fire(ctx, "x")
					if err != nil || res.Err() != nil || len(res.Outcomes) != 2 {
						failures.Add(1)
						t.Errorf("notify: %v %v", err, res.Err())
					} else if o, _ := res.Outcome("hot"); o.Value != "x1" && o.Value != "x2" {
						failures.Add(1)
						t.Errorf("notify: hot answered %q", o.Value)
					} else {
						seen.Store(o.Value, true)
					}
				} else {
					res, err := filter.Fire(ctx, "x")
					if err != nil || res.Err() != nil || (res.Value != "xS1" && res.Value != "xS2") {
						failures.Add(1)
						t.Errorf("filter: %v %q", err, res.Value)
					}
				}
				fires.Add(1)
			}
		})
	}
	// progress waits until the hooks fired n more times: reloads overlap
	// with fires however slow the machine is.
	progress := func(n int64) {
		for start := fires.Load(); fires.Load() < start+n; {
			time.Sleep(100 * time.Microsecond)
		}
	}
	versions := [][]byte{wasm(t, "tag2"), wasm(t, "tag")}
	reloads := 0
	for i := range 40 {
		progress(3)
		if i%8 == 7 {
			err := r.Reload(ctx, "hot", ext.Source{Wasm: wasm(t, "startfail")})
			require.Error(t, err)
			continue
		}
		require.NoError(t, r.Reload(ctx, "hot", ext.Source{Wasm: versions[reloads%2]}))
		reloads++
	}
	progress(3)
	close(stop)
	wg.Wait()
	require.Zero(t, failures.Load())
	for _, v := range []string{"x1", "x2"} {
		_, ok := seen.Load(v)
		require.True(t, ok, "never saw %s", v)
	}
	require.Equal(t, uint64(reloads), p.Stats().Reloads)
	info, _ := p.Info()
	require.Equal(t, uint64(reloads+1), info.Version)
	require.Zero(t, p.Stats().Errors)
	// tag (a-stable), and tag2 when hot runs it: replaced versions are closed.
	require.Equal(t, 1+reloads%2, r.Runtime().Stats().LiveModules, "replaced versions are closed")
	t.Logf("%d fires during %d reloads", fires.Load(), reloads)
}

// TestWatch: a plug-in registered with Watch is reloaded when its file
// changes; a broken file is reported and the old version keeps serving.
func TestWatch(t *testing.T) {
	ctx := context.Background()
	reloaded := make(chan error, 16)
	r := newRegistry(t, ext.Options{WatchDebounce: 50 * time.Millisecond,
		OnReload: func(name string, err error) { reloaded <- err }})
	file := filepath.Join(t.TempDir(), "hot.wasm")
	require.NoError(t, os.WriteFile(file, wasm(t, "tag"), 0o644))
	p, err := r.Register(ctx, "hot", ext.Source{Path: file},
		ext.PluginOptions{Watch: true, Config: map[string]string{"tag": "1", "tag2": "2"}})
	require.NoError(t, err)

	// Written in two steps, as editors and compilers do: usually one reload
	// (debounced); a slow machine may see the half-written file first.
	next := wasm(t, "tag2")
	require.NoError(t, os.WriteFile(file, next[:10], 0o644))
	require.NoError(t, os.WriteFile(file, next, 0o644))
	for err := range reloaded {
		if err == nil {
			break
		}
	}
	out, err := p.Call(ctx, "append", []byte("x"))
	require.NoError(t, err)
	require.Equal(t, "x2", string(out))

	require.NoError(t, os.WriteFile(file, []byte("not wasm"), 0o644))
	for err := range reloaded {
		if err != nil {
			break
		}
	}
	out, err = p.Call(ctx, "append", []byte("x"))
	require.NoError(t, err)
	require.Equal(t, "x2", string(out))
	require.GreaterOrEqual(t, p.Stats().Reloads, uint64(1))

	require.NoError(t, r.Unregister(ctx, "hot"))
	require.NoError(t, os.WriteFile(file, wasm(t, "tag"), 0o644))
	require.NoError(t, r.Close(ctx)) // stops the watcher; nothing reloads
	select {
	case err := <-reloaded:
		t.Fatalf("reload after unregister: %v", err)
	default:
	}
}

// TestReloadCached: going back to a version compiled before, or
// registering it again, compiles nothing: the registry's cache has it.
func TestReloadCached(t *testing.T) {
	ctx := context.Background()
	r := newRegistry(t, ext.Options{})
	register(t, r, "hot", "tag", ext.PluginOptions{})
	require.NoError(t, r.Reload(ctx, "hot", ext.Source{Wasm: wasm(t, "tag2")}))
	require.NoError(t, r.Reload(ctx, "hot", ext.Source{Wasm: wasm(t, "tag")}))
	require.NoError(t, r.Unregister(ctx, "hot"))
	register(t, r, "hot", "tag2", ext.PluginOptions{})
	require.Equal(t, uint64(2), r.Runtime().Stats().Compilations)
}
