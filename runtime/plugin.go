package runtime

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/tendril-wasm/tendril/internal/wasmbin"
	"github.com/tendril-wasm/tendril/kernel"
)

// PluginOptions are what the application grants a plug-in beyond its
// manifest. The zero value grants nothing: no WASI, no host functions.
type PluginOptions struct {
	// WASI gives the plug-in wasi_snapshot_preview1: real clocks, random
	// numbers, stdio to Stdout/Stderr, and the manifest's allowed_paths.
	WASI bool
	// Stdout and Stderr receive the plug-in's WASI output; nil discards it.
	Stdout, Stderr interface{ Write([]byte) (int, error) }
	// HostFunctions the plug-in may import.
	HostFunctions []HostFunction
	// HTTPResponseHeaders lets the plug-in read response headers (http_headers).
	HTTPResponseHeaders bool
	// AllowPrivateNetworks lets requests reach loopback, private and
	// link-local addresses that allowed_hosts does not name exactly (as an
	// IP, or "localhost"); by default they are refused at dial time, after
	// DNS. See kern.Options.AllowPrivateNetworks and RATIONALE.md.
	AllowPrivateNetworks bool
	// Name names the plug-in in errors and logs; "" means the main module's
	// name or file name, else "plugin".
	Name string
	// Logger receives this plug-in's logs, as given. Nil means the
	// runtime's Options.Logger with a "plugin" attribute.
	Logger *slog.Logger
	// Checks trades safety for guest speed, for code the application
	// trusts; the zero value, ChecksFull, is the safe default. See Checks.
	Checks Checks
}

// CompiledPlugin is a plug-in compiled once: its modules (shared with any
// other plug-in of the Runtime that uses the same bytes) bound to its
// manifest's config, limits and allow-lists and to the application's grants.
// Instantiate it as often as needed. It is safe for concurrent use.
type CompiledPlugin struct {
	node
	rt       *Runtime
	manifest Manifest
	opts     PluginOptions
	name     string
	modules  []linkedModule // in instantiation order, main last
	byName   map[string]int // manifest module name -> index in modules
	hostMods []api.Module   // host functions, one module per namespace
	hostNS   map[string]api.Module
	funcs    map[string]*Function
	mainDefs map[string]api.FunctionDefinition // the main module's exports
	names    []string                          // callable exports, sorted
	limit    uint64                            // bytes per linear memory
	maxOut   int64
	timeout  time.Duration
	logger   *slog.Logger
	// baseConfig is every module's wazero configuration without WASI:
	// anonymous, no start function (start-up runs under the deadline), and a
	// rand source that needs no seeding. Immutable, so shared by instances.
	baseConfig wazero.ModuleConfig
}

// linkedModule is one module of a plug-in.
type linkedModule struct {
	name  string // what other modules import it as
	field string // "wasm[i]"
	sm    *sharedModule
}

// Compile loads the manifest's modules (compiling those this Runtime has not
// compiled yet), checks their imports against the grants, and binds them.
// It fails with ErrManifest, a *LoadError, an *ImportError or ErrClosed.
func (r *Runtime) Compile(ctx context.Context, m Manifest, opts PluginOptions) (_ *CompiledPlugin, err error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if len(m.AllowedPaths) > 0 && !opts.WASI {
		return nil, fmt.Errorf("%w: allowed_paths: needs WASI (PluginOptions.WASI)", ErrManifest)
	}
	if err := r.enter(); err != nil {
		return nil, err
	}
	defer r.leave() // after the release below, if that runs
	p := &CompiledPlugin{
		rt:       r,
		manifest: m,
		opts:     opts,
		byName:   map[string]int{},
		hostNS:   map[string]api.Module{},
		maxOut:   m.Memory.MaxOutputBytes,
		timeout:  time.Duration(m.TimeoutMs) * time.Millisecond,
	}
	p.opts.HostFunctions = slices.Clone(opts.HostFunctions)
	if p.maxOut == 0 {
		p.maxOut = r.opts.MaxOutputBytes
	}
	pages := m.Memory.MaxPages
	if pages == 0 {
		pages = r.opts.MemoryLimitPages
	}
	p.limit = uint64(pages) * 65536
	p.name = opts.Name
	if p.name == "" {
		p.name = defaultName(m.Wasm[m.mainIndex()])
	}
	p.logger = opts.Logger
	if p.logger == nil {
		p.logger = r.opts.Logger.With("plugin", p.name)
	}
	p.baseConfig = wazero.NewModuleConfig().WithName("").WithStartFunctions().WithRandSource(rand.Reader)
	defer func() {
		if err != nil {
			_ = p.release(ctx)
		}
	}()
	if err := p.checkHostFunctions(); err != nil {
		return nil, err
	}
	if err := p.loadModules(ctx); err != nil {
		return nil, err
	}
	if err := p.buildHostModules(ctx); err != nil {
		return nil, err
	}
	p.bindFunctions()
	// Registered only once built: Runtime.Close never sees a half-made plug-in.
	if err := r.adopt(p); err != nil {
		return nil, err
	}
	return p, nil
}

// checkHostFunctions refuses incomplete host functions, reserved namespaces,
// and namespaces a manifest module's name would shadow.
func (p *CompiledPlugin) checkHostFunctions() error {
	for _, h := range p.opts.HostFunctions {
		ns := h.namespace()
		if h.Name == "" || h.Func == nil {
			return fmt.Errorf("runtime: host function %q in %q: Name and Func are required", h.Name, ns)
		}
		if ns == kernel.ModuleName || ns == wasiName || strings.HasPrefix(ns, "tendril:") {
			return fmt.Errorf("runtime: host function %s.%s: namespace %q is reserved", ns, h.Name, ns)
		}
		for i := range p.manifest.Wasm {
			if p.manifest.moduleName(i) == ns {
				return fmt.Errorf("%w: wasm[%d].name: %q is the namespace of granted host functions", ErrManifest, i, ns)
			}
		}
	}
	return nil
}

func (p *CompiledPlugin) buildHostModules(ctx context.Context) error {
	byNS := map[string][]HostFunction{}
	var order []string
	for _, h := range p.opts.HostFunctions {
		ns := h.namespace()
		if _, ok := byNS[ns]; !ok {
			order = append(order, ns)
		}
		byNS[ns] = append(byNS[ns], h)
	}
	for _, ns := range order {
		b := p.rt.wz.NewHostModuleBuilder(ns)
		for _, h := range byNS[ns] {
			b.NewFunctionBuilder().WithGoModuleFunction(p.rt.goFunc(h), h.Params, h.Results).Export(h.Name)
		}
		c, err := b.Compile(ctx)
		if err != nil {
			return fmt.Errorf("runtime: host functions %q: %w", ns, err)
		}
		mod, err := p.rt.wz.InstantiateModule(ctx, c, wazero.NewModuleConfig().WithName(""))
		if err != nil {
			return fmt.Errorf("runtime: host functions %q: %w", ns, err)
		}
		p.hostMods = append(p.hostMods, mod)
		p.hostNS[ns] = mod
	}
	return nil
}

// provider is where an import module resolves. The one resolver: Compile
// checks imports with it and Instantiate links them with it, so the two
// agree by construction.
type provider struct {
	kind   providerKind
	module int // index in p.modules, for fromModule
}

type providerKind uint8

const (
	fromNothing providerKind = iota
	fromKernel
	fromWASI
	fromHost
	fromModule
)

// provide resolves an import module name. Manifest module names cannot be
// those of the kernel, WASI, Tendril or a granted host namespace (Validate
// and checkHostFunctions refuse them), so the order here decides nothing.
func (p *CompiledPlugin) provide(name string) provider {
	switch {
	case name == kernel.ModuleName:
		return provider{kind: fromKernel}
	case name == wasiName:
		if p.opts.WASI {
			return provider{kind: fromWASI}
		}
		return provider{}
	}
	if i, ok := p.byName[name]; ok {
		return provider{kind: fromModule, module: i}
	}
	if p.hasNamespace(name) {
		return provider{kind: fromHost}
	}
	return provider{}
}

func (p *CompiledPlugin) hasNamespace(ns string) bool {
	for _, h := range p.opts.HostFunctions {
		if h.namespace() == ns {
			return true
		}
	}
	return false
}

// loadModules loads every module, checks its imports and memory, and orders
// them so that each comes after the modules it imports from.
func (p *CompiledPlugin) loadModules(ctx context.Context) error {
	m := &p.manifest
	opts := wasmOptions(p.limit, len(m.Wasm), p.opts.Checks)
	mods := make([]linkedModule, len(m.Wasm))
	// Release what was acquired if anything fails; p.modules takes over below.
	defer func() {
		if p.modules == nil {
			for _, lm := range mods {
				if lm.sm != nil {
					p.rt.modules.release(ctx, lm.sm)
				}
			}
		}
	}()
	byName := map[string]int{}
	for i := range m.Wasm {
		field := fmt.Sprintf("wasm[%d]", i)
		sm, err := p.acquire(ctx, &m.Wasm[i], opts, field)
		if err != nil {
			return err
		}
		mods[i] = linkedModule{name: m.moduleName(i), field: field, sm: sm}
		byName[mods[i].name] = i
		for _, mem := range sm.info.Memories {
			if mem.Min*65536 > p.limit {
				return fmt.Errorf("runtime: %s: memory needs %d pages at start, over memory.max_pages (%d)", field, mem.Min, p.limit/65536)
			}
		}
		var elems uint64
		for _, t := range sm.info.Tables {
			elems += t.Min
		}
		if elems > uint64(opts.MaxTableElements) {
			return fmt.Errorf("runtime: %s: tables need %d elements at start, over the limit of %d (memory.max_pages/8 KiB)", field, elems, opts.MaxTableElements)
		}
	}
	// The resolver needs module indexes in the final order: resolve by
	// manifest index first, then renumber.
	p.byName = byName
	deps := make([][]int, len(mods))
	for i, mod := range mods {
		for _, im := range mod.sm.info.Imports {
			pr := p.provide(im.Module)
			if pr.kind == fromModule && pr.module != i {
				deps[i] = append(deps[i], pr.module)
				continue
			}
			if im.Kind != wasmbin.KindFunc {
				return &ImportError{Field: mod.field, Kind: im.Kind.String(), Module: im.Module, Name: im.Name,
					Reason: "no module of the manifest provides it (the host provides functions only)"}
			}
		}
		for _, f := range mod.sm.compiled.ImportedFunctions() {
			ns, name, _ := f.Import()
			if err := p.checkImport(mods, i, ns, name, f); err != nil {
				return &ImportError{Field: mod.field, Kind: "function", Module: ns, Name: name, Reason: err.Error()}
			}
		}
	}
	order, err := topoOrder(deps, m.mainIndex())
	if err != nil {
		return fmt.Errorf("%w: wasm: %v", ErrManifest, err)
	}
	p.modules = make([]linkedModule, 0, len(order))
	p.byName = map[string]int{}
	for _, i := range order {
		p.byName[mods[i].name] = len(p.modules)
		p.modules = append(p.modules, mods[i])
	}
	return nil
}

// acquire gets a reference to the compiled module of w.
func (p *CompiledPlugin) acquire(ctx context.Context, w *WasmSource, opts wasmbin.Options, field string) (*sharedModule, error) {
	if mod := w.Module; mod != nil {
		switch {
		case mod.isClosed():
			return nil, fmt.Errorf("runtime: %s.module: %w", field, ErrClosed)
		case mod.rt != p.rt:
			return nil, fmt.Errorf("%w: %s.module: compiled by another Runtime", ErrManifest, field)
		case mod.sm.key.opts != opts:
			return nil, fmt.Errorf("%w: %s.module: compiled with other options than this plug-in needs (its memory limit, module count or Checks)", ErrManifest, field)
		case w.Hash != "" && !strings.EqualFold(w.Hash, mod.Hash()):
			return nil, &LoadError{Field: field + ".hash", Err: fmt.Errorf("module has SHA-256 %s, manifest's hash says %s", mod.Hash(), w.Hash)}
		}
		if err := p.rt.modules.addRef(mod.sm); err != nil {
			return nil, fmt.Errorf("runtime: %s.module: %w", field, err)
		}
		return mod.sm, nil
	}
	bin, err := w.load(ctx, p.rt.opts.HTTPClient, field)
	if err != nil {
		return nil, err
	}
	sm, err := p.rt.modules.acquire(ctx, p.rt, bin, opts, field)
	if err != nil {
		if le, ok := err.(*LoadError); ok && le.Source == "" {
			le.Source = w.source()
		}
		return nil, err
	}
	return sm, nil
}

// checkImport checks one function import of module i against its provider.
func (p *CompiledPlugin) checkImport(mods []linkedModule, i int, ns, name string, f api.FunctionDefinition) error {
	pr := p.provide(ns)
	switch pr.kind {
	case fromModule:
		if pr.module == i {
			return errors.New("a module cannot import from itself")
		}
		ex, ok := mods[pr.module].sm.compiled.ExportedFunctions()[name]
		if !ok {
			return fmt.Errorf("module %q does not export it", ns)
		}
		if !sameSig(ex, f) {
			return fmt.Errorf("module %q exports it with another signature", ns)
		}
	case fromKernel:
		ex, ok := p.rt.kernel.Exports()[name]
		if !ok {
			return errors.New("the kernel has no such function")
		}
		if !sameSig(ex, f) {
			return errors.New("signature differs from the kernel's")
		}
	case fromWASI:
	case fromHost:
		for _, h := range p.opts.HostFunctions {
			if h.namespace() == ns && h.Name == name {
				if !slices.Equal(h.Params, f.ParamTypes()) || !slices.Equal(h.Results, f.ResultTypes()) {
					return fmt.Errorf("host function has signature %v -> %v, plug-in wants %v -> %v",
						h.Params, h.Results, f.ParamTypes(), f.ResultTypes())
				}
				return nil
			}
		}
		return errors.New("no such host function was granted")
	default:
		if ns == wasiName {
			return errors.New("WASI is not enabled for this plug-in (PluginOptions.WASI)")
		}
		return errors.New("no such host function was granted")
	}
	return nil
}

func sameSig(a, b api.FunctionDefinition) bool {
	return slices.Equal(a.ParamTypes(), b.ParamTypes()) && slices.Equal(a.ResultTypes(), b.ResultTypes())
}

// topoOrder returns module indexes so that dependencies come first and main last.
func topoOrder(deps [][]int, main int) ([]int, error) {
	state := make([]int, len(deps)) // 0 new, 1 visiting, 2 done
	var order []int
	var visit func(int) error
	visit = func(i int) error {
		switch state[i] {
		case 1:
			return fmt.Errorf("modules import each other in a cycle (at module %d)", i)
		case 2:
			return nil
		}
		state[i] = 1
		for _, j := range deps[i] {
			if err := visit(j); err != nil {
				return err
			}
		}
		state[i] = 2
		if i != main {
			order = append(order, i)
		}
		return nil
	}
	for i := range deps {
		if err := visit(i); err != nil {
			return nil, err
		}
	}
	return append(order, main), nil
}

// callable reports whether def has a plug-in function's type: () -> () or () -> i32.
func callable(def api.FunctionDefinition) bool {
	res := def.ResultTypes()
	return len(def.ParamTypes()) == 0 && (len(res) == 0 || (len(res) == 1 && res[0] == api.ValueTypeI32))
}

// bindFunctions makes one Function per callable export of the main module.
func (p *CompiledPlugin) bindFunctions() {
	p.mainDefs = p.modules[len(p.modules)-1].sm.compiled.ExportedFunctions()
	p.funcs = map[string]*Function{}
	for name, def := range p.mainDefs {
		if callable(def) {
			p.names = append(p.names, name)
		}
	}
	slices.Sort(p.names)
	for i, name := range p.names {
		def := p.mainDefs[name]
		p.funcs[name] = &Function{plugin: p, name: name, index: i, results: len(def.ResultTypes())}
	}
}

// Function resolves a function of the plug-in once; call it on any of the
// plug-in's instances with Instance.CallFunction or Instance.Invoke. It fails
// with ErrFunctionNotFound when the plug-in exports no callable function of
// that name (plug-in functions take nothing and return nothing or an i32).
func (p *CompiledPlugin) Function(name string) (*Function, error) {
	if f, ok := p.funcs[name]; ok {
		return f, nil
	}
	if def, ok := p.mainDefs[name]; ok {
		return nil, fmt.Errorf("%s: %w: it has signature %v -> %v; plug-in functions take nothing and return nothing or an i32",
			callPrefix(p.name, name), ErrFunctionNotFound, def.ParamTypes(), def.ResultTypes())
	}
	return nil, fmt.Errorf("%s: %w", callPrefix(p.name, name), ErrFunctionNotFound)
}

// Functions lists the plug-in's callable functions, sorted.
func (p *CompiledPlugin) Functions() []string { return slices.Clone(p.names) }

// Name is the plug-in's name, as its errors and logs carry it.
func (p *CompiledPlugin) Name() string { return p.name }

// Close closes every instance of the plug-in, then the plug-in; its modules
// are released when no other plug-in or Module handle uses them. It is
// idempotent.
func (p *CompiledPlugin) Close(ctx context.Context) error {
	return p.close(ctx, func() error {
		p.rt.drop(p)
		return p.release(ctx)
	})
}

// release drops the plug-in's modules and host functions.
func (p *CompiledPlugin) release(ctx context.Context) error {
	var errs []error
	for _, m := range p.modules {
		errs = append(errs, p.rt.modules.release(ctx, m.sm))
	}
	for _, m := range p.hostMods {
		errs = append(errs, m.Close(ctx))
	}
	return errors.Join(errs...)
}
