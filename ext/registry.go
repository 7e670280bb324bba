package ext

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tendril-wasm/tendril/cache"
	"github.com/tendril-wasm/tendril/codec"
	"github.com/tendril-wasm/tendril/codec/json"
	"github.com/tendril-wasm/tendril/codec/msgpack"
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
