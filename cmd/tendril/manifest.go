package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tendril-wasm/tendril/runtime"
)

// loadPlugin reads a manifest (a .json file) or wraps a wasm file in one.
// name is the plug-in's name for its logs ("" lets the runtime choose).
func loadPlugin(path string) (m runtime.Manifest, name string, err error) {
	if !strings.EqualFold(filepath.Ext(path), ".json") {
		bin, err := os.ReadFile(path)
		if err != nil {
			return m, "", err
		}
		if err := checkModule(path, bin); err != nil {
			return m, "", err
		}
		name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		return runtime.Manifest{Wasm: []runtime.WasmSource{{Data: bin}}}, name, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return m, "", err
	}
	if m, err = runtime.ParseManifest(data); err != nil {
		return m, "", fmt.Errorf("%s: %w", path, err)
	}
	// Relative paths in a manifest are relative to its directory.
	dir := filepath.Dir(path)
	for i, w := range m.Wasm {
		if w.Path != "" && !filepath.IsAbs(w.Path) {
			m.Wasm[i].Path = filepath.Join(dir, w.Path)
		}
	}
	if len(m.AllowedPaths) > 0 {
		paths := make(map[string]string, len(m.AllowedPaths))
		for host, guest := range m.AllowedPaths {
			h, ro := strings.CutPrefix(host, "ro:")
			if !filepath.IsAbs(h) {
				h = filepath.Join(dir, h)
			}
			if ro {
				h = "ro:" + h
			}
			paths[h] = guest
		}
		m.AllowedPaths = paths
	}
	return m, "", nil
}

// apply applies the flags to the manifest: they override its timeout and
// page limit and add to its config, hosts and paths.
func (o *callOptions) apply(m *runtime.Manifest) {
	if len(o.config) > 0 && m.Config == nil {
		m.Config = map[string]string{}
	}
	for k, v := range o.config {
		m.Config[k] = v
	}
	m.AllowedHosts = append(m.AllowedHosts, o.hosts...)
	if len(o.mounts) > 0 && m.AllowedPaths == nil {
		m.AllowedPaths = map[string]string{}
	}
	for host, guest := range o.mounts {
		m.AllowedPaths[host] = guest
	}
	if o.set["timeout"] {
		// Round up: a bound under 1ms must not become "no bound".
		m.TimeoutMs = uint64((o.timeout + time.Millisecond - 1) / time.Millisecond)
	}
	if o.set["memory-max-pages"] {
		m.Memory.MaxPages = uint32(o.maxPages)
	}
}

// parseMount splits "[ro:]HOSTDIR:GUESTDIR" at its last colon (a host
// directory may have one, C:\data; a guest directory does not).
func parseMount(s string) (host, guest string, err error) {
	rest, ro := strings.CutPrefix(s, "ro:")
	i := strings.LastIndexByte(rest, ':')
	if i <= 0 || i == len(rest)-1 {
		return "", "", fmt.Errorf("want [ro:]HOSTDIR:GUESTDIR, got %q", s)
	}
	host, guest = rest[:i], rest[i+1:]
	if ro {
		host = "ro:" + host
	}
	return host, guest, nil
}

// checkModule tells a person what is wrong when a file given as a plug-in is
// not a WebAssembly binary, before the runtime sees it.
func checkModule(path string, bin []byte) error {
	text := bytes.TrimLeft(bin, " \t\r\n")
	switch {
	case len(bin) == 0:
		return fmt.Errorf("%s: empty file, want a WebAssembly module", path)
	case bytes.HasPrefix(bin, []byte("\x00asm")):
		return nil
	case bytes.HasPrefix(text, []byte("(module")) || bytes.HasPrefix(text, []byte(";;")):
		return fmt.Errorf("%s: WebAssembly text, not a binary module: assemble it first (wat2wasm %s)", path, path)
	case bytes.HasPrefix(text, []byte("{")):
		return fmt.Errorf("%s: not a WebAssembly module; a manifest must be a file ending in .json", path)
	}
	return fmt.Errorf("%s: not a WebAssembly module (a .wasm file starts with \\0asm)", path)
}
