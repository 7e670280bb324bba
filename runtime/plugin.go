package runtime

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
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
	// Name labels the plug-in's logs; "" means the main module's file name or "plugin".
	Name string
}

// CompiledPlugin is a plug-in compiled once: instantiate it as often as
// needed. It is safe for concurrent use.
type CompiledPlugin struct {
	rt       *Runtime
	manifest Manifest
	opts     PluginOptions
	name     string
	modules  []compiledModule // linked modules in instantiation order, main last
	hostMods []api.Module     // host functions, one module per namespace
	resolve  map[string]api.Module
	exports  map[string]api.FunctionDefinition
	limit    uint64 // bytes per linear memory
	maxOut   int64
	timeout  time.Duration
	logger   *slog.Logger
	// baseConfig is every module's wazero configuration without WASI:
	// anonymous, no start function (start-up runs under the deadline), and a
	// rand source that needs no seeding. Immutable, so shared by instances.
	baseConfig wazero.ModuleConfig

	mu        sync.Mutex
	closed    bool
	instances map[*Instance]struct{}
}

type compiledModule struct {
	name     string
	compiled wazero.CompiledModule
	start    bool // has a start function, exported as wasmbin.StartExport
}

// Compile loads, checks and compiles the manifest's modules.
func (r *Runtime) Compile(ctx context.Context, m Manifest, opts PluginOptions) (_ *CompiledPlugin, err error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if len(m.AllowedPaths) > 0 && !opts.WASI {
		return nil, fmt.Errorf("%w: allowed_paths: needs WASI (PluginOptions.WASI)", ErrManifest)
	}
	p := &CompiledPlugin{
		rt:        r,
		manifest:  m,
		opts:      opts,
		resolve:   map[string]api.Module{},
		instances: map[*Instance]struct{}{},
		maxOut:    m.Memory.MaxOutputBytes,
		timeout:   time.Duration(m.TimeoutMs) * time.Millisecond,
	}
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
	p.logger = r.opts.Logger.With("plugin", p.name)
	p.baseConfig = wazero.NewModuleConfig().WithName("").WithStartFunctions().WithRandSource(rand.Reader)
	if err := r.track(p); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = p.Close(ctx)
		}
	}()
	if err := p.buildHostModules(ctx); err != nil {
		return nil, err
	}
	if err := p.compileModules(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *CompiledPlugin) buildHostModules(ctx context.Context) error {
	byNS := map[string][]HostFunction{}
	var order []string
	for _, h := range p.opts.HostFunctions {
		ns := h.namespace()
		if h.Name == "" || h.Func == nil {
			return fmt.Errorf("runtime: host function %q in %q: Name and Func are required", h.Name, ns)
		}
		if ns == kernel.ModuleName || ns == "wasi_snapshot_preview1" {
			return fmt.Errorf("runtime: host function %s.%s: namespace %q is reserved", ns, h.Name, ns)
		}
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
		p.resolve[ns] = mod
	}
	if p.opts.WASI {
		p.resolve["wasi_snapshot_preview1"] = p.rt.wasi
	}
	return nil
}

// compileModules compiles every module, checks its imports and memory, and
// orders them so that each comes after the modules it imports from.
func (p *CompiledPlugin) compileModules(ctx context.Context) error {
	m := &p.manifest
	type loaded struct {
		name     string
		field    string
		info     *wasmbin.Module
		compiled wazero.CompiledModule
	}
	mods := make([]loaded, len(m.Wasm))
	byName := map[string]int{}
	maxTable := uint32(min(max(p.limit/8, 10_000), 1<<32-1)) // a table may cost what a memory may
	for i := range m.Wasm {
		field := fmt.Sprintf("wasm[%d]", i)
		bin, err := m.Wasm[i].load(ctx, p.rt.opts.HTTPClient, field)
		if err != nil {
			return err
		}
		info, err := wasmbin.InstrumentModule(bin, wasmbin.Options{MaxTableElements: maxTable})
		if err != nil {
			return fmt.Errorf("runtime: %s: not a usable wasm module: %w", field, err)
		}
		for _, mem := range info.Memories {
			if mem.Min*65536 > p.limit {
				return fmt.Errorf("runtime: %s: memory needs %d pages at start, over memory.max_pages (%d)", field, mem.Min, p.limit/65536)
			}
		}
		for _, t := range info.Tables {
			if t.Min > uint64(maxTable) {
				return fmt.Errorf("runtime: %s: table needs %d elements at start, over the limit of %d (memory.max_pages/8 KiB)", field, t.Min, maxTable)
			}
		}
		mods[i] = loaded{name: m.moduleName(i), field: field, info: info}
		byName[mods[i].name] = i
	}
	// Check imports before compiling: only functions come from the host;
	// anything may come from another module of the manifest.
	deps := make([][]int, len(mods))
	for i, mod := range mods {
		for _, im := range mod.info.Imports {
			if j, ok := byName[im.Module]; ok && j != i {
				deps[i] = append(deps[i], j)
				continue
			}
			if im.Kind != wasmbin.KindFunc {
				return &ImportError{Field: mod.field, Kind: im.Kind.String(), Module: im.Module, Name: im.Name,
					Reason: "no module of the manifest provides it (the host provides functions only)"}
			}
		}
	}
	for i := range mods {
		c, err := p.rt.wz.CompileModule(ctx, mods[i].info.Binary)
		if err != nil {
			return fmt.Errorf("runtime: %s: compile: %w", mods[i].field, err)
		}
		mods[i].compiled = c
		mods[i].info.Binary = nil                                                      // wazero keeps what it needs
		p.modules = append(p.modules, compiledModule{name: mods[i].name, compiled: c}) // for Close on failure
	}
	for i, mod := range mods {
		for _, f := range mod.compiled.ImportedFunctions() {
			ns, name, _ := f.Import()
			if j, ok := byName[ns]; ok && j != i {
				ex, ok := mods[j].compiled.ExportedFunctions()[name]
				if !ok {
					return &ImportError{Field: mod.field, Kind: "function", Module: ns, Name: name,
						Reason: fmt.Sprintf("module %q does not export it", ns)}
				}
				if !sameSig(ex, f) {
					return &ImportError{Field: mod.field, Kind: "function", Module: ns, Name: name,
						Reason: fmt.Sprintf("module %q exports it with another signature", ns)}
				}
				continue
			}
			if err := p.checkImport(ns, name, f); err != nil {
				return &ImportError{Field: mod.field, Kind: "function", Module: ns, Name: name, Reason: err.Error()}
			}
		}
	}
	order, err := topoOrder(deps, m.mainIndex())
	if err != nil {
		return fmt.Errorf("%w: wasm: %v", ErrManifest, err)
	}
	p.modules = p.modules[:0]
	for _, i := range order {
		p.modules = append(p.modules, compiledModule{name: mods[i].name, compiled: mods[i].compiled, start: mods[i].info.Start})
	}
	main := p.modules[len(p.modules)-1].compiled
	p.exports = map[string]api.FunctionDefinition{}
	for name, def := range main.ExportedFunctions() {
		if callable(def) {
			p.exports[name] = def
		}
	}
	return nil
}

func (p *CompiledPlugin) checkImport(ns, name string, f api.FunctionDefinition) error {
	switch ns {
	case kernel.ModuleName:
		ex, ok := p.rt.kernel.Exports()[name]
		if !ok {
			return errors.New("the kernel has no such function")
		}
		if !sameSig(ex, f) {
			return errors.New("signature differs from the kernel's")
		}
		return nil
	case "wasi_snapshot_preview1":
		if !p.opts.WASI {
			return errors.New("WASI is not enabled for this plug-in (PluginOptions.WASI)")
		}
		return nil
	}
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

// FunctionExists reports whether the plug-in exports a function of that name
// that can be called as a plug-in function (no parameters, no result or an i32).
func (p *CompiledPlugin) FunctionExists(name string) bool {
	_, ok := p.exports[name]
	return ok
}

// Functions lists the plug-in's callable functions, sorted.
func (p *CompiledPlugin) Functions() []string {
	names := make([]string, 0, len(p.exports))
	for n := range p.exports {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Name is the plug-in's name, as its logs carry it.
func (p *CompiledPlugin) Name() string { return p.name }

// Close closes every instance of the plug-in, then the plug-in. It is idempotent.
func (p *CompiledPlugin) Close(ctx context.Context) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	insts := make([]*Instance, 0, len(p.instances))
	for i := range p.instances {
		insts = append(insts, i)
	}
	p.mu.Unlock()
	var errs []error
	for _, i := range insts {
		errs = append(errs, i.Close(ctx))
	}
	for _, m := range p.modules {
		errs = append(errs, m.compiled.Close(ctx))
	}
	for _, m := range p.hostMods {
		errs = append(errs, m.Close(ctx))
	}
	p.rt.untrack(p)
	return errors.Join(errs...)
}
