package ext

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tendril-wasm/tendril/cache"
	"github.com/tendril-wasm/tendril/codec"
	"github.com/tendril-wasm/tendril/codec/json"
	"github.com/tendril-wasm/tendril/codec/msgpack"
	"github.com/tendril-wasm/tendril/internal/guestbuild"
	"github.com/tendril-wasm/tendril/runtime"
)

var (
	// ErrClosed: the registry was closed.
	ErrClosed = errors.New("ext: registry closed")
	// ErrNotRegistered: no plug-in of that name is registered (or it was
	// unregistered).
	ErrNotRegistered = errors.New("ext: plug-in not registered")
	// ErrRegistered: a plug-in of that name is already registered.
	ErrRegistered = errors.New("ext: plug-in already registered")
	// ErrSource: a Source names none or several of its fields, or a path that
	// is neither a module, a manifest nor a Go plug-in directory.
	ErrSource = errors.New("ext: invalid plug-in source")
)

// Options configure a Registry. The zero value means all defaults.
type Options struct {
	// Runtime compiles and runs the plug-ins; the registry does not close
	// it. Nil means a runtime the registry makes with RuntimeOptions and
	// closes with itself.
	Runtime *runtime.Runtime
	// RuntimeOptions configure the runtime the registry makes when Runtime
	// is nil. Set CompilationCacheDir for plug-ins written in standard Go:
	// they compile in seconds, in tens of milliseconds from that cache.
	RuntimeOptions runtime.Options
	// Cache keeps compiled modules (of Runtime), so that registering or
	// reloading a module compiled before costs no compilation. Nil means
	// a cache with cache.Options' defaults, made and closed by the registry.
	Cache *cache.Cache
	// Codecs are the codecs a plug-in may declare as its default (see
	// Metadata); hooks with no codec of their own speak it. The zero Set
	// means json, msgpack, raw and string.
	Codecs codec.Set
	// MaxCallDepth bounds chains of plug-in to plug-in calls (A calls B
	// calls C is depth 3). 0 means 8.
	MaxCallDepth int
	// WatchDebounce is how long a watched plug-in's files must stay quiet
	// before it is reloaded. 0 means 100ms.
	WatchDebounce time.Duration
	// OnReload, if set, is told of every reload the watcher made: err is nil
	// when the new version serves, else why the old one still does. It is
	// called from the watcher's goroutine.
	OnReload func(name string, err error)
}

// Registry holds plug-ins by name: each is compiled once per version, runs
// on a pool of instances, and may be reloaded while it serves calls. It is
// safe for concurrent use.
type Registry struct {
	rt       *runtime.Runtime
	ownRT    bool
	cache    *cache.Cache
	ownCache bool
	opts     Options

	mu      sync.Mutex
	plugins map[string]*Plugin
	closed  bool
	index   atomic.Pointer[handlerIndex] // nil when stale
	watch   *watcher                     // made on first use (reload.go)

	// epoch is when the registry was made: call durations are measured
	// against it.
	epoch time.Time
	// ctx is cancelled by Close, for work the registry starts on its own
	// (watch reloads).
	ctx    context.Context
	cancel context.CancelFunc
}

// New creates a Registry.
func New(ctx context.Context, opts Options) (*Registry, error) {
	r := &Registry{opts: opts, rt: opts.Runtime, plugins: map[string]*Plugin{}, epoch: time.Now()}
	if r.opts.MaxCallDepth <= 0 {
		r.opts.MaxCallDepth = 8
	}
	if r.opts.WatchDebounce <= 0 {
		r.opts.WatchDebounce = 100 * time.Millisecond
	}
	if r.opts.Codecs.Len() == 0 {
		set, err := codec.NewSet(json.Codec{}, msgpack.Codec{}, codec.Raw{}, codec.String{})
		if err != nil {
			return nil, err
		}
		r.opts.Codecs = set
	}
	if r.rt == nil {
		rt, err := runtime.New(ctx, opts.RuntimeOptions)
		if err != nil {
			return nil, err
		}
		r.rt, r.ownRT = rt, true
	}
	r.cache = opts.Cache
	if r.cache == nil {
		c, err := cache.New(r.rt, cache.Options{})
		if err != nil {
			if r.ownRT {
				_ = r.rt.Close(ctx)
			}
			return nil, err
		}
		r.cache, r.ownCache = c, true
	}
	r.ctx, r.cancel = context.WithCancel(context.WithoutCancel(ctx))
	return r, nil
}

// Runtime is the runtime the registry's plug-ins run on.
func (r *Registry) Runtime() *runtime.Runtime { return r.rt }

// Close stops the watcher, closes every plug-in (calls still running are
// interrupted and fail with runtime.ErrClosed) and, if the registry made
// it, the runtime. It is idempotent.
func (r *Registry) Close(ctx context.Context) error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	plugins := r.plugins
	r.plugins = map[string]*Plugin{}
	w := r.watch
	r.mu.Unlock()
	r.cancel()
	var errs []error
	if w != nil {
		errs = append(errs, w.close())
	}
	for _, p := range plugins {
		errs = append(errs, p.retire(ctx, true))
	}
	r.index.Store(nil)
	if r.ownCache {
		errs = append(errs, r.cache.Close(ctx))
	}
	if r.ownRT {
		errs = append(errs, r.rt.Close(ctx))
	}
	return errors.Join(errs...)
}

// Source is where a plug-in's code comes from: exactly one field is set.
type Source struct {
	// Path is a WebAssembly module (".wasm"), an Extism manifest (".json";
	// its relative module paths are relative to it) or the directory of a
	// plug-in written in Go with package pdk, which the registry builds with
	// the Go toolchain (as `tendril build` does).
	Path string
	// Wasm is a module's bytes.
	Wasm []byte
	// Manifest is a manifest. Its allowed_hosts and allowed_paths are
	// ignored: only PluginOptions grants them.
	Manifest *runtime.Manifest
}

func (s Source) String() string {
	switch {
	case s.Path != "":
		return s.Path
	case s.Wasm != nil:
		return fmt.Sprintf("%d bytes of wasm", len(s.Wasm))
	case s.Manifest != nil:
		return "manifest"
	}
	return "no source"
}

// PluginOptions are what the application grants a plug-in and how it runs.
// The zero value grants nothing: no WASI, no host functions, no files, no
// network, no calls to other plug-ins. Grants last across reloads.
type PluginOptions struct {
	// WASI gives the plug-in WASI (plug-ins written in standard Go need it).
	WASI bool
	// HostFunctions the plug-in may import.
	HostFunctions []runtime.HostFunction
	// AllowedHosts are the hosts it may send HTTP requests to (globs).
	AllowedHosts []string
	// AllowedPaths maps host directories to guest paths ("ro:" before the
	// host directory mounts it read-only). Needs WASI.
	AllowedPaths map[string]string
	// Config is what the plug-in reads with config_get; it is added to (and
	// overrides) a manifest's config.
	Config map[string]string
	// Calls grants calls to other registered plug-ins through the host
	// function tendril/registry.call (see CallNamespace): target plug-in
	// name -> the functions it may call there, "*" for all.
	Calls map[string][]string
	// Timeout bounds every call of the plug-in; 0 means the manifest's
	// timeout_ms, if any. Hooks have their own timeout too.
	Timeout time.Duration
	// Pool configures the plug-in's pool of instances (one per version).
	// MinIdle is at least 1: a version whose instance cannot start is
	// refused by Register and Reload.
	Pool runtime.PoolOptions
	// Priority, when set, overrides the priority the plug-in declares.
	Priority *int
	// Watch reloads the plug-in when its Source.Path changes (a Go plug-in
	// directory: any file in it), after Options.WatchDebounce of quiet.
	Watch bool
}

// Metadata is what a plug-in declares about itself, read from the names of
// its exports without running it: an export "tendril:KEY/VALUE" (a function
// taking nothing and returning an i32, never called) declares KEY, its
// VALUE percent-decoded (so "tendril:description/Sorts%20lines"):
//
//	tendril:name/NAME          a display name (the registry's name is the app's)
//	tendril:version/VERSION    e.g. 1.2.0
//	tendril:description/TEXT   one line for people
//	tendril:codec/NAME         the default codec (CodecExportPrefix, DeclaredCodec)
//	tendril:priority/N         an integer; lower runs first (default 0)
//
// In Go, with package pdk:
//
//	//go:wasmexport tendril:version/1.2.0
//	func version() int32 { return 0 }
type Metadata struct {
	Name        string
	Version     string
	Description string
	Codec       string
	Priority    int
}

// MetadataPrefix starts the names of metadata exports.
const MetadataPrefix = "tendril:"

// parseMetadata reads metadata from a plug-in's function names.
func parseMetadata(funcs []string) Metadata {
	var m Metadata
	for _, f := range funcs {
		key, val, ok := strings.Cut(strings.TrimPrefix(f, MetadataPrefix), "/")
		if !ok || !strings.HasPrefix(f, MetadataPrefix) {
			continue
		}
		if v, err := url.PathUnescape(val); err == nil {
			val = v
		}
		switch key {
		case "name":
			m.Name = val
		case "version":
			m.Version = val
		case "description":
			m.Description = val
		case "codec":
			m.Codec = val
		case "priority":
			if n, err := strconv.Atoi(val); err == nil {
				m.Priority = n
			}
		}
	}
	return m
}

// Stats are a plug-in's counters since it was registered, across reloads.
type Stats struct {
	Calls   uint64        // calls made (hooks included)
	Errors  uint64        // calls that failed
	Latency time.Duration // total time in calls
	Reloads uint64        // successful reloads
}

// MeanLatency is Latency divided by Calls.
func (s Stats) MeanLatency() time.Duration {
	if s.Calls == 0 {
		return 0
	}
	return s.Latency / time.Duration(s.Calls)
}

// Info describes a registered plug-in as it is now.
type Info struct {
	Name      string
	Metadata  Metadata
	Priority  int      // the one in force: PluginOptions.Priority or Metadata's
	Functions []string // callable exports, sorted (metadata exports included)
	Version   uint64   // 1 at Register, +1 per reload
	Source    string
	Stats     Stats
}

// Plugin is a registered plug-in. It implements runtime.Callable, so typed
// calls work on it; a reload swaps what runs under it, and Invoke resolves a
// *runtime.Function of an earlier version again by name. It is safe for
// concurrent use.
type Plugin struct {
	reg  *Registry
	name string
	opts PluginOptions

	cur      atomic.Pointer[version] // nil once unregistered
	reloadMu sync.Mutex              // one reload (or unregister) at a time
	src      Source                  // guarded by reloadMu

	calls, errs, reloads atomic.Uint64
	nanos                atomic.Int64
}

var _ runtime.Callable = (*Plugin)(nil)

// version is one compiled version of a plug-in and its instances.
type version struct {
	cp       *runtime.CompiledPlugin
	pool     *runtime.Pool
	meta     Metadata
	priority int
	codec    codec.Codec // nil: the registry's default for hooks
	funcs    []string
	gen      uint64
	source   string
	// refs is 1 while the version is current, plus one per call running on
	// it; the one that takes it to 0 closes the version.
	refs      atomic.Int64
	closeOnce sync.Once
	closeErr  error
}

// Name is the name the plug-in is registered under.
func (p *Plugin) Name() string { return p.name }

// Function resolves a function of the current version.
func (p *Plugin) Function(name string) (*runtime.Function, error) {
	v := p.cur.Load()
	if v == nil {
		return nil, fmt.Errorf("%w: %q", ErrNotRegistered, p.name)
	}
	return v.cp.Function(name)
}

// Invoke calls fn on the current version (see runtime.Callable); a call that
// has started finishes on its version even if a reload replaces it.
func (p *Plugin) Invoke(ctx context.Context, fn *runtime.Function, input []byte, out func([]byte) error) error {
	_, err := p.invoke(ctx, fn, input, out)
	return err
}

// invoke is Invoke that also returns the time the call took.
func (p *Plugin) invoke(ctx context.Context, fn *runtime.Function, input []byte, out func([]byte) error) (time.Duration, error) {
	v, err := p.acquire()
	if err != nil {
		return 0, err
	}
	start := time.Since(p.reg.epoch) // monotonic clock only: half time.Now's cost
	err = v.pool.Invoke(ctx, fn, input, out)
	d := time.Since(p.reg.epoch) - start
	v.release()
	p.nanos.Add(int64(d))
	p.calls.Add(1)
	if err != nil {
		p.errs.Add(1)
	}
	return d, err
}

// Call calls the function name with input and returns its output, which the
// caller owns.
func (p *Plugin) Call(ctx context.Context, name string, input []byte) ([]byte, error) {
	fn, err := p.Function(name)
	if err != nil {
		return nil, err
	}
	var res []byte
	err = p.Invoke(ctx, fn, input, func(out []byte) error {
		res = slices.Clone(out)
		return nil
	})
	return res, err
}

// Handles reports whether the plug-in exports fn (so handles the hook fn).
func (p *Plugin) Handles(fn string) bool {
	v := p.cur.Load()
	if v == nil {
		return false
	}
	_, ok := slices.BinarySearch(v.funcs, fn)
	return ok
}

// Stats returns the plug-in's counters.
func (p *Plugin) Stats() Stats {
	return Stats{Calls: p.calls.Load(), Errors: p.errs.Load(),
		Latency: time.Duration(p.nanos.Load()), Reloads: p.reloads.Load()}
}

// Info describes the plug-in's current version; ok is false once it is
// unregistered.
func (p *Plugin) Info() (info Info, ok bool) {
	v := p.cur.Load()
	if v == nil {
		return Info{Name: p.name, Stats: p.Stats()}, false
	}
	return Info{Name: p.name, Metadata: v.meta, Priority: v.priority, Functions: slices.Clone(v.funcs),
		Version: v.gen, Source: v.source, Stats: p.Stats()}, true
}

// acquire returns the current version with a reference for one call.
func (p *Plugin) acquire() (*version, error) {
	for {
		v := p.cur.Load()
		if v == nil {
			return nil, fmt.Errorf("%w: %q", ErrNotRegistered, p.name)
		}
		// refs is 0 only for a version already replaced: cur has moved on.
		if n := v.refs.Load(); n > 0 && v.refs.CompareAndSwap(n, n+1) {
			return v, nil
		}
	}
}

// release drops a reference; the last one closes the version.
func (v *version) release() {
	if v.refs.Add(-1) == 0 {
		_ = v.close(context.Background(), false)
	}
}

// close closes the version; with force, calls still running are
// interrupted (closing the plug-in closes its pool at once).
func (v *version) close(ctx context.Context, force bool) error {
	v.closeOnce.Do(func() {
		if force {
			v.closeErr = v.cp.Close(ctx)
			return
		}
		v.closeErr = errors.Join(v.pool.Close(ctx), v.cp.Close(ctx))
	})
	return v.closeErr
}

// retire takes the plug-in out of service: calls running finish (or, with
// force, are interrupted) and its version is closed.
func (p *Plugin) retire(ctx context.Context, force bool) error {
	p.reloadMu.Lock()
	defer p.reloadMu.Unlock()
	v := p.cur.Swap(nil)
	if v == nil {
		return nil
	}
	if force {
		return v.close(ctx, true)
	}
	v.release()
	return nil
}

// Register compiles the plug-in from src, starts one instance of it (a
// plug-in that cannot start fails here) and registers it under name.
func (r *Registry) Register(ctx context.Context, name string, src Source, opts PluginOptions) (*Plugin, error) {
	if name == "" || strings.ContainsRune(name, 0) {
		return nil, fmt.Errorf("ext: register: invalid plug-in name %q", name)
	}
	r.mu.Lock()
	closed, taken := r.closed, r.plugins[name] != nil
	r.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	if taken {
		return nil, fmt.Errorf("%w: %q", ErrRegistered, name)
	}
	opts.HostFunctions = slices.Clone(opts.HostFunctions)
	p := &Plugin{reg: r, name: name, opts: opts, src: src}
	v, err := r.build(ctx, p, src, 1)
	if err != nil {
		return nil, fmt.Errorf("ext: register %q: %w", name, err)
	}
	p.cur.Store(v)
	r.mu.Lock()
	switch {
	case r.closed:
		err = ErrClosed
	case r.plugins[name] != nil:
		err = fmt.Errorf("%w: %q", ErrRegistered, name)
	default:
		r.plugins[name] = p
		r.index.Store(nil)
	}
	r.mu.Unlock()
	if err != nil {
		_ = p.retire(ctx, true)
		return nil, err
	}
	if opts.Watch && src.Path != "" {
		if err := r.watchPlugin(name, src.Path); err != nil {
			_ = r.Unregister(ctx, name)
			return nil, fmt.Errorf("ext: register %q: watch: %w", name, err)
		}
	}
	return p, nil
}

// Unregister removes the plug-in: new calls fail with ErrNotRegistered,
// calls running finish, then its instances are closed.
func (r *Registry) Unregister(ctx context.Context, name string) error {
	r.mu.Lock()
	p := r.plugins[name]
	delete(r.plugins, name)
	r.index.Store(nil)
	w := r.watch
	r.mu.Unlock()
	if p == nil {
		return fmt.Errorf("%w: %q", ErrNotRegistered, name)
	}
	if w != nil {
		w.remove(name)
	}
	return p.retire(ctx, false)
}

// Plugin returns the plug-in registered under name.
func (r *Registry) Plugin(name string) (*Plugin, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.plugins[name]
	return p, ok
}

// List describes the registered plug-ins, sorted by name.
func (r *Registry) List() []Info {
	r.mu.Lock()
	ps := make([]*Plugin, 0, len(r.plugins))
	for _, p := range r.plugins {
		ps = append(ps, p)
	}
	r.mu.Unlock()
	infos := make([]Info, 0, len(ps))
	for _, p := range ps {
		if info, ok := p.Info(); ok {
			infos = append(infos, info)
		}
	}
	slices.SortFunc(infos, func(a, b Info) int { return strings.Compare(a.Name, b.Name) })
	return infos
}

// Handlers returns the plug-ins that export the function fn, in dispatch
// order: by priority (lower first), then by name. A hook named fn calls
// fn on each of them.
func (r *Registry) Handlers(fn string) []*Plugin { return slices.Clone(r.handlers(fn)) }

// Functions returns, for each plug-in that exports functions whose names
// start with prefix, those names, in Handlers order. An application finds
// the commands plug-ins offer this way ("command:sort_lines").
func (r *Registry) Functions(prefix string) map[string][]string {
	res := map[string][]string{}
	for _, info := range r.List() {
		for _, f := range info.Functions {
			if strings.HasPrefix(f, prefix) {
				res[info.Name] = append(res[info.Name], f)
			}
		}
	}
	return res
}

// handlerIndex maps a function name to the plug-ins exporting it, in
// dispatch order. It is rebuilt after every register, unregister and reload.
type handlerIndex struct {
	byFunc map[string][]*Plugin
}

// handlers is Handlers without the copy; the slice is shared, read-only.
func (r *Registry) handlers(fn string) []*Plugin {
	idx := r.index.Load()
	if idx == nil {
		idx = r.buildIndex()
	}
	return idx.byFunc[fn]
}

func (r *Registry) buildIndex() *handlerIndex {
	r.mu.Lock()
	defer r.mu.Unlock()
	if idx := r.index.Load(); idx != nil {
		return idx
	}
	type entry struct {
		p        *Plugin
		priority int
	}
	byFunc := map[string][]entry{}
	for _, p := range r.plugins {
		v := p.cur.Load()
		if v == nil {
			continue
		}
		for _, f := range v.funcs {
			byFunc[f] = append(byFunc[f], entry{p, v.priority})
		}
	}
	idx := &handlerIndex{byFunc: make(map[string][]*Plugin, len(byFunc))}
	for f, es := range byFunc {
		slices.SortFunc(es, func(a, b entry) int {
			if a.priority != b.priority {
				return a.priority - b.priority
			}
			return strings.Compare(a.p.name, b.p.name)
		})
		ps := make([]*Plugin, len(es))
		for i, e := range es {
			ps[i] = e.p
		}
		idx.byFunc[f] = ps
	}
	r.index.Store(idx)
	return idx
}

// build compiles src for p and starts its first instance.
func (r *Registry) build(ctx context.Context, p *Plugin, src Source, gen uint64) (*version, error) {
	m, mods, err := r.manifest(ctx, src, p.opts)
	defer func() {
		for _, mod := range mods { // the plug-in holds its own reference
			_ = mod.Close(ctx)
		}
	}()
	if err != nil {
		return nil, err
	}
	hfs := p.opts.HostFunctions
	if len(p.opts.Calls) > 0 {
		hfs = append(slices.Clone(hfs), r.callHost(p.name, p.opts.Calls))
	}
	cp, err := r.rt.Compile(ctx, m, runtime.PluginOptions{WASI: p.opts.WASI, HostFunctions: hfs, Name: p.name})
	if err != nil {
		return nil, err
	}
	popts := p.opts.Pool
	popts.MinIdle = max(popts.MinIdle, 1)
	pool, err := cp.NewPool(ctx, popts)
	if err != nil {
		_ = cp.Close(ctx)
		return nil, err
	}
	v := &version{cp: cp, pool: pool, funcs: cp.Functions(), gen: gen, source: src.String()}
	v.meta = parseMetadata(v.funcs)
	v.priority = v.meta.Priority
	if p.opts.Priority != nil {
		v.priority = *p.opts.Priority
	}
	if c, ok := r.opts.Codecs.Lookup(v.meta.Codec); ok {
		v.codec = c
	}
	v.refs.Store(1)
	return v, nil
}

// manifest makes the manifest of a plug-in from its source and grants.
// Modules of the cache it uses are returned, for the caller to close once
// the plug-in is compiled.
func (r *Registry) manifest(ctx context.Context, src Source, opts PluginOptions) (m runtime.Manifest, mods []*runtime.Module, err error) {
	n := 0
	for _, set := range []bool{src.Path != "", src.Wasm != nil, src.Manifest != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return m, nil, fmt.Errorf("%w: exactly one of Path, Wasm or Manifest is required", ErrSource)
	}
	var mod *runtime.Module
	switch {
	case src.Wasm != nil:
		mod, err = r.cache.Module(ctx, src.Wasm)
	case src.Manifest != nil:
		m = *src.Manifest
		m.Wasm = slices.Clone(m.Wasm)
	default:
		m, mod, err = r.loadPath(ctx, src.Path)
	}
	if err != nil {
		return m, nil, err
	}
	if mod != nil {
		m.Wasm = []runtime.WasmSource{{Module: mod}}
		mods = append(mods, mod)
	}
	config := make(map[string]string, len(m.Config)+len(opts.Config))
	for k, v := range m.Config {
		config[k] = v
	}
	for k, v := range opts.Config {
		config[k] = v
	}
	m.Config = config
	m.AllowedHosts = slices.Clone(opts.AllowedHosts)
	m.AllowedPaths = opts.AllowedPaths
	if opts.Timeout > 0 {
		m.TimeoutMs = uint64(max(opts.Timeout.Milliseconds(), 1))
	}
	return m, mods, nil
}

// loadPath reads a manifest, or returns the module of a file or of a Go
// plug-in directory (built).
func (r *Registry) loadPath(ctx context.Context, path string) (runtime.Manifest, *runtime.Module, error) {
	var m runtime.Manifest
	fi, err := os.Stat(path)
	if err != nil {
		return m, nil, fmt.Errorf("%w: %w", ErrSource, err)
	}
	switch {
	case fi.IsDir():
		tmp, err := os.MkdirTemp("", "tendril-ext-")
		if err != nil {
			return m, nil, err
		}
		defer os.RemoveAll(tmp)
		out := filepath.Join(tmp, "plugin.wasm")
		if err := guestbuild.Build(ctx, path, out); err != nil {
			return m, nil, err
		}
		wasm, err := os.ReadFile(out)
		if err != nil {
			return m, nil, err
		}
		mod, err := r.cache.Module(ctx, wasm)
		return m, mod, err
	case strings.EqualFold(filepath.Ext(path), ".json"):
		data, err := os.ReadFile(path)
		if err != nil {
			return m, nil, err
		}
		if m, err = runtime.ParseManifest(data); err != nil {
			return m, nil, err
		}
		for i, w := range m.Wasm {
			if w.Path != "" && !filepath.IsAbs(w.Path) {
				m.Wasm[i].Path = filepath.Join(filepath.Dir(path), w.Path)
			}
		}
		return m, nil, nil
	}
	mod, err := r.cache.File(ctx, path)
	return m, mod, err
}
