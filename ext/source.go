package ext

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tendril-wasm/tendril/internal/guestbuild"
	"github.com/tendril-wasm/tendril/runtime"
)

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
