package runtime

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/tendril-wasm/tendril/kernel"
)

// Manifest describes a plug-in; its JSON form is Extism's manifest. The zero
// value of every field but Wasm means the default.
type Manifest struct {
	// Wasm lists the modules. The one named "main" is the plug-in; without
	// one, the last. The others are linked: a module imports another's
	// exports under that module's Name.
	Wasm []WasmSource `json:"wasm"`
	// Memory bounds the plug-in's memory, vars, HTTP responses and output.
	Memory MemoryLimits `json:"memory,omitzero"`
	// Config is what the plug-in reads with config_get.
	Config map[string]string `json:"config,omitempty"`
	// AllowedHosts are glob patterns of hosts the plug-in may send HTTP
	// requests to ("*.example.com"). Empty means no HTTP.
	AllowedHosts []string `json:"allowed_hosts,omitempty"`
	// AllowedPaths maps host directories to guest paths ("ro:" before the
	// host directory mounts it read-only). Needs WASI.
	AllowedPaths map[string]string `json:"allowed_paths,omitempty"`
	// TimeoutMs bounds every call, in milliseconds; 0 means no bound beyond
	// the caller's context.
	TimeoutMs uint64 `json:"timeout_ms,omitempty"`
}

// MemoryLimits are the manifest's "memory" object.
type MemoryLimits struct {
	// MaxPages bounds each linear memory, in 64 KiB pages; 0 means the
	// runtime's default (Options.MemoryLimitPages).
	MaxPages uint32 `json:"max_pages,omitempty"`
	// MaxVarBytes bounds the vars; nil means 1 MiB, 0 disables vars.
	MaxVarBytes *int64 `json:"max_var_bytes,omitempty"`
	// MaxHTTPResponseBytes caps an HTTP response body; nil or 0 means 50 MiB.
	MaxHTTPResponseBytes *int64 `json:"max_http_response_bytes,omitempty"`
	// MaxOutputBytes caps a call's output (a Tendril extension); 0 means
	// the runtime's default (Options.MaxOutputBytes).
	MaxOutputBytes int64 `json:"max_output_bytes,omitempty"`
}

// WasmSource is one module: exactly one of Path, URL, Data or Module.
type WasmSource struct {
	Path string `json:"path,omitempty"`
	URL  string `json:"url,omitempty"`
	// Data is the module's bytes (base64 in JSON). Empty but not nil is an
	// empty module, which fails to load with a clear message.
	Data []byte `json:"data,omitzero"`
	// Module is a module this Runtime already compiled (CompileModule): no
	// bytes are read or hashed. It must have been compiled with the options
	// the plug-in needs: CompileModule's are those of a one-module manifest
	// with no memory.max_pages and the default Checks. Not part of the JSON
	// form.
	Module  *Module           `json:"-"`
	Headers map[string]string `json:"headers,omitempty"`
	Method  string            `json:"method,omitempty"`
	// Name is the module's name for linking ("main" for the plug-in).
	Name string `json:"name,omitempty"`
	// Hash is the expected hex SHA-256 of the module; a mismatch is an error.
	Hash string `json:"hash,omitempty"`
}

// ParseManifest decodes a JSON manifest strictly: unknown fields and bad
// values are errors that name the field.
func ParseManifest(data []byte) (Manifest, error) {
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return Manifest{}, fmt.Errorf("%w: %s", ErrManifest, strings.TrimPrefix(err.Error(), "json: "))
	}
	// Not dec.More(): it reports false before a stray '}' or ']'.
	if _, err := dec.Token(); err != io.EOF {
		return Manifest{}, fmt.Errorf("%w: trailing data after the manifest", ErrManifest)
	}
	if err := m.Validate(); err != nil {
		return Manifest{}, err
	}
	return m, nil
}

// Validate checks the manifest without loading anything.
func (m *Manifest) Validate() error {
	if len(m.Wasm) == 0 {
		return fmt.Errorf("%w: wasm: at least one module is required", ErrManifest)
	}
	names := map[string]bool{}
	for i, w := range m.Wasm {
		field := fmt.Sprintf("wasm[%d]", i)
		n := 0
		for _, set := range []bool{w.Path != "", w.URL != "", w.Data != nil, w.Module != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			return fmt.Errorf("%w: %s: exactly one of path, url or data is required", ErrManifest, field)
		}
		if w.Hash != "" {
			if b, err := hex.DecodeString(w.Hash); err != nil || len(b) != sha256.Size {
				return fmt.Errorf("%w: %s.hash: want 64 hex digits of SHA-256, got %q", ErrManifest, field, w.Hash)
			}
		}
		if w.URL != "" && !strings.HasPrefix(w.URL, "http://") && !strings.HasPrefix(w.URL, "https://") {
			return fmt.Errorf("%w: %s.url: want an http(s) URL, got %q", ErrManifest, field, w.URL)
		}
		name := m.moduleName(i)
		if reservedName(name) {
			return fmt.Errorf("%w: %s.name: %q is reserved (the kernel, WASI or Tendril import from it)", ErrManifest, field, name)
		}
		if names[name] {
			return fmt.Errorf("%w: %s.name: module name %q is used twice", ErrManifest, field, name)
		}
		names[name] = true
	}
	if m.Memory.MaxPages > 65536 {
		return fmt.Errorf("%w: memory.max_pages: %d is over 65536 (4 GiB)", ErrManifest, m.Memory.MaxPages)
	}
	if v := m.Memory.MaxVarBytes; v != nil && *v < 0 {
		return fmt.Errorf("%w: memory.max_var_bytes: %d is negative", ErrManifest, *v)
	}
	if v := m.Memory.MaxHTTPResponseBytes; v != nil && *v < 0 {
		return fmt.Errorf("%w: memory.max_http_response_bytes: %d is negative", ErrManifest, *v)
	}
	if m.Memory.MaxOutputBytes < 0 {
		return fmt.Errorf("%w: memory.max_output_bytes: %d is negative", ErrManifest, m.Memory.MaxOutputBytes)
	}
	for host, guest := range m.AllowedPaths {
		if strings.TrimPrefix(host, "ro:") == "" || guest == "" {
			return fmt.Errorf("%w: allowed_paths: %q -> %q: both sides must be non-empty", ErrManifest, host, guest)
		}
	}
	for i, h := range m.AllowedHosts {
		if h == "" {
			return fmt.Errorf("%w: allowed_hosts[%d]: empty pattern", ErrManifest, i)
		}
	}
	return nil
}

// mainIndex is the module named "main", else the last one.
func (m *Manifest) mainIndex() int {
	for i, w := range m.Wasm {
		if w.Name == "main" {
			return i
		}
	}
	return len(m.Wasm) - 1
}

// moduleName is the name other modules import module i under.
func (m *Manifest) moduleName(i int) string {
	if i == m.mainIndex() {
		return "main"
	}
	if m.Wasm[i].Name != "" {
		return m.Wasm[i].Name
	}
	return fmt.Sprintf("module%d", i)
}

// load fetches a module's bytes and checks its hash. Failures are *LoadError.
func (w *WasmSource) load(ctx context.Context, client *http.Client, field string) ([]byte, error) {
	var (
		b   []byte
		err error
	)
	switch {
	case w.Data != nil:
		b = w.Data
	case w.Path != "":
		if b, err = os.ReadFile(w.Path); err != nil {
			return nil, &LoadError{Field: field + ".path", Source: w.Path, Err: err}
		}
	default:
		if b, err = w.fetch(ctx, client); err != nil {
			return nil, &LoadError{Field: field + ".url", Source: w.URL, Err: err}
		}
	}
	if w.Hash != "" {
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); !strings.EqualFold(got, w.Hash) {
			return nil, &LoadError{Field: field + ".hash", Source: w.source(),
				Err: fmt.Errorf("module has SHA-256 %s, manifest's hash says %s", got, w.Hash)}
		}
	}
	return b, nil
}

// source is the path or URL of the module, for errors.
func (w *WasmSource) source() string {
	if w.Data != nil {
		return ""
	}
	if w.Path != "" {
		return w.Path
	}
	return w.URL
}

// reservedName reports whether a manifest module may not take name: the
// kernel's, WASI's and Tendril's own import modules. (Granted host function
// namespaces are checked by Compile.)
func reservedName(name string) bool {
	return name == kernel.ModuleName || name == wasiName ||
		strings.HasPrefix(name, "wasi_") || strings.HasPrefix(name, "wasi:") || strings.HasPrefix(name, "extism:") || strings.HasPrefix(name, "tendril:")
}

// maxModuleBytes bounds a module fetched by URL.
const maxModuleBytes = 256 << 20

func (w *WasmSource) fetch(ctx context.Context, client *http.Client) ([]byte, error) {
	method := w.Method
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequestWithContext(ctx, method, w.URL, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range w.Headers {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", w.URL, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxModuleBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxModuleBytes {
		return nil, fmt.Errorf("module at %s is over %d bytes", w.URL, maxModuleBytes)
	}
	return b, nil
}
