package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/tendril-wasm/tendril/internal/kern"
	"github.com/tendril-wasm/tendril/internal/wasmbin"
)

// Defaults applied when an Options or Manifest field is zero.
const (
	// DefaultMemoryLimitPages bounds each linear memory: 4096 pages, 256 MiB.
	DefaultMemoryLimitPages = 4096
	// DefaultMaxOutputBytes caps a call's output: 64 MiB.
	DefaultMaxOutputBytes = 64 << 20
)

// Options configure a Runtime. The zero value means all defaults.
type Options struct {
	// CompilationCacheDir keeps compiled machine code on disk, so a later
	// process compiles the same modules in a fraction of the time. Empty
	// means in memory only.
	CompilationCacheDir string
	// MemoryLimitPages bounds each linear memory of a plug-in (and its
	// kernel) whose manifest sets no memory.max_pages. 0 means
	// DefaultMemoryLimitPages.
	MemoryLimitPages uint32
	// MaxOutputBytes caps a call's output when the manifest sets no
	// memory.max_output_bytes. 0 means DefaultMaxOutputBytes.
	MaxOutputBytes int64
	// Logger receives plug-in logs (with a "plugin" attribute; a plug-in
	// with its own PluginOptions.Logger logs there instead) and runtime
	// diagnostics. Nil discards them. Plug-ins see its level through
	// get_log_level; change it with a slog.LevelVar.
	Logger *slog.Logger
	// HTTPClient sends plug-ins' HTTP requests and fetches modules by URL.
	// Nil means a private client with Go's defaults, whose idle
	// connections Runtime.Close closes. A client given is never modified
	// (closing its connections is its owner's business).
	HTTPClient *http.Client
	// CompileWorkers is how many goroutines compile the functions of
	// modules, shared by the compilations running at the same time (each
	// gets at least one). 0 means runtime.GOMAXPROCS(0); 1 compiles on the
	// caller's goroutine only. Compiling on several goroutines returns
	// sooner but costs about a quarter more CPU (benchmarks/README.md).
	CompileWorkers int
}

// Runtime compiles modules and plug-ins. It owns a wazero runtime:
// closing it closes every Module, CompiledPlugin and Instance it made. It is
// safe for concurrent use.
type Runtime struct {
	node
	wz     wazero.Runtime
	kernel *kern.Kernel
	wasi   api.Module
	opts   Options
	cache  wazero.CompilationCache
	// ownClient is the HTTP client New made (Options.HTTPClient nil): Close
	// closes its idle connections.
	ownClient *http.Client

	modules moduleTable
	// ops is held (read) by Compile, CompileModule and Instantiate while
	// they use wazero; Close waits for them (write) before closing it.
	ops sync.RWMutex

	// callers maps a plug-in's modules to their Instance, for host functions.
	callers sync.Map // api.Module -> *Instance
}

// wasiName is WASI's import module.
const wasiName = "wasi_snapshot_preview1"

// wazeroWarmUp works around a data race in wazero v1.12.0, which fills a
// package variable (its version string) on first use without a lock:
// concurrent first calls to New would race on it. It holds no state of ours.
var wazeroWarmUp sync.Once

// New creates a Runtime.
func New(ctx context.Context, opts Options) (_ *Runtime, err error) {
	wazeroWarmUp.Do(func() { _ = wazero.NewRuntime(ctx).Close(ctx) })
	if opts.MemoryLimitPages > 65536 {
		return nil, fmt.Errorf("runtime: MemoryLimitPages %d is over 65536", opts.MemoryLimitPages)
	}
	if opts.MemoryLimitPages == 0 {
		opts.MemoryLimitPages = DefaultMemoryLimitPages
	}
	if opts.MaxOutputBytes <= 0 {
		opts.MaxOutputBytes = DefaultMaxOutputBytes
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	r := &Runtime{}
	if opts.HTTPClient == nil {
		// Not http.DefaultClient: no shared state, and no proxy taken from
		// the environment.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.Proxy = nil
		opts.HTTPClient = &http.Client{Transport: t}
		r.ownClient = opts.HTTPClient
	}
	if opts.CompileWorkers <= 0 {
		opts.CompileWorkers = runtime.GOMAXPROCS(0)
	}
	r.opts = opts
	cfg := wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2 |
		experimental.CoreFeaturesTailCall | experimental.CoreFeaturesExtendedConst)
	if opts.CompilationCacheDir != "" {
		if r.cache, err = wazero.NewCompilationCacheWithDir(opts.CompilationCacheDir); err != nil {
			return nil, fmt.Errorf("runtime: compilation cache: %w", err)
		}
		cfg = cfg.WithCompilationCache(r.cache)
	}
	r.wz = wazero.NewRuntimeWithConfig(ctx, cfg)
	defer func() {
		if err != nil {
			_ = r.Close(ctx)
		}
	}()
	if r.kernel, err = kern.New(ctx, r.wz); err != nil {
		return nil, err
	}
	wasi, err := wasi_snapshot_preview1.NewBuilder(r.wz).Compile(ctx)
	if err != nil {
		return nil, fmt.Errorf("runtime: WASI: %w", err)
	}
	if r.wasi, err = r.wz.InstantiateModule(ctx, wasi, wazero.NewModuleConfig().WithName("")); err != nil {
		return nil, fmt.Errorf("runtime: WASI: %w", err)
	}
	return r, nil
}

// Close closes every module handle, plug-in and instance, then the runtime,
// and closes the idle connections of the HTTP client it made. It is
// idempotent.
func (r *Runtime) Close(ctx context.Context) error {
	return r.close(ctx, func() error {
		r.ops.Lock() // in-flight Compile and Instantiate end first
		defer r.ops.Unlock()
		var errs []error
		r.modules.close()
		if r.kernel != nil {
			errs = append(errs, r.kernel.Close(ctx))
		}
		if r.wz != nil {
			errs = append(errs, r.wz.Close(ctx))
		}
		if r.cache != nil {
			errs = append(errs, r.cache.Close(ctx))
		}
		if r.ownClient != nil {
			r.ownClient.CloseIdleConnections()
		}
		return errors.Join(errs...)
	})
}

// enter starts an operation that uses wazero (see ops); leave ends it.
func (r *Runtime) enter() error {
	r.ops.RLock()
	if r.isClosed() {
		r.ops.RUnlock()
		return ErrClosed
	}
	return nil
}

func (r *Runtime) leave() { r.ops.RUnlock() }

// Stats are counters of a Runtime, for tests and monitoring.
type Stats struct {
	// Compilations counts the modules compiled since New; a module found
	// already compiled does not count.
	Compilations uint64
	// LiveModules is the number of compiled modules held now (by Module
	// handles and plug-ins).
	LiveModules int
}

// Stats returns the runtime's counters.
func (r *Runtime) Stats() Stats {
	c, live := r.modules.stats()
	return Stats{Compilations: c, LiveModules: live}
}

// defaultWasmOptions instruments a module for a plug-in with the runtime's
// default memory limit.
func (r *Runtime) defaultWasmOptions() wasmbin.Options {
	return wasmOptions(uint64(r.opts.MemoryLimitPages)*65536, 1, ChecksFull)
}

// wasmOptions instruments one of a plug-in's mods modules whose memories
// are bounded to limit bytes: all tables of an instance together may cost
// what a memory may (8 bytes an element), each module an equal share.
func wasmOptions(limit uint64, mods int, checks Checks) wasmbin.Options {
	return wasmbin.Options{
		MaxTableElements: uint32(min(max(limit/8, 10_000)/uint64(max(mods, 1)), 1<<32-1)),
		Checks:           checks.wasmbin(),
	}
}
