package runtime_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tendril-wasm/tendril/kernel"
	"github.com/tendril-wasm/tendril/runtime"
)

// Run locally for a minute, in CI for a few seconds:
//
//	go test -run '^$' -fuzz '^FuzzParseManifest$' -fuzztime 60s ./runtime/
//
// The seed corpus is testdata/fuzz/FuzzParseManifest/ (written from
// manifestSeeds by TestParseManifestSeedFiles -update-seeds); it runs as a
// plain test.

// FuzzParseManifest: whatever the bytes, ParseManifest does not panic, and
//   - on failure the error wraps runtime.ErrManifest and the manifest is zero;
//   - on success the input was one valid JSON document, Validate passes, and
//     json.Marshal of the result parses back to an equal manifest (empty and
//     nil maps, slices and data are equal) which marshals to the same bytes.
func FuzzParseManifest(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParseManifest(t, data)
	})
}

func checkParseManifest(t *testing.T, data []byte) {
	t.Helper()
	m, err := runtime.ParseManifest(data)
	if err != nil {
		if !errors.Is(err, runtime.ErrManifest) {
			t.Fatalf("ParseManifest(%q) = %v: does not wrap ErrManifest", data, err)
		}
		if !reflect.DeepEqual(m, runtime.Manifest{}) {
			t.Fatalf("ParseManifest(%q) failed but returned %+v", data, m)
		}
		return
	}
	if !json.Valid(data) {
		t.Fatalf("ParseManifest(%q) accepted invalid JSON", data)
	}
	if err := m.Validate(); err != nil {
		t.Fatalf("ParseManifest(%q) returned a manifest that fails Validate: %v", data, err)
	}
	for _, w := range m.Wasm { // no module may shadow the kernel, WASI or Tendril
		if w.Name == kernel.ModuleName || strings.HasPrefix(w.Name, "wasi_") || strings.HasPrefix(w.Name, "wasi:") ||
			strings.HasPrefix(w.Name, "tendril:") || strings.HasPrefix(w.Name, "extism:") {
			t.Fatalf("ParseManifest(%q) accepted a module named %q", data, w.Name)
		}
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatalf("json.Marshal(%+v): %v", m, err)
	}
	m2, err := runtime.ParseManifest(out)
	if err != nil {
		t.Fatalf("ParseManifest(%q) does not parse its own json.Marshal %s: %v", data, out, err)
	}
	if a, b := normalizeManifest(m), normalizeManifest(m2); !reflect.DeepEqual(a, b) {
		t.Fatalf("round trip of %q changed the manifest:\n%+v\n%+v", data, a, b)
	}
	out2, err := json.Marshal(m2)
	if err != nil || !bytes.Equal(out, out2) {
		t.Fatalf("round trip of %q: marshals to %s then %s (%v)", data, out, out2, err)
	}
}

// normalizeManifest makes empty and nil maps, slices and data equal: JSON's
// omitempty cannot tell them apart, and neither can the runtime.
func normalizeManifest(m runtime.Manifest) runtime.Manifest {
	m.Wasm = append([]runtime.WasmSource(nil), m.Wasm...)
	for i := range m.Wasm {
		w := &m.Wasm[i]
		if len(w.Data) == 0 {
			w.Data = nil
		}
		if len(w.Headers) == 0 {
			w.Headers = nil
		}
	}
	if len(m.Config) == 0 {
		m.Config = nil
	}
	if len(m.AllowedHosts) == 0 {
		m.AllowedHosts = nil
	}
	if len(m.AllowedPaths) == 0 {
		m.AllowedPaths = nil
	}
	return m
}

// manifestSeeds are real manifests (the go-sdk tests', Extism's documented
// shapes) and broken ones.
var manifestSeeds = []string{
	// go-sdk's TestJsonManifest.
	`{
		"wasm": [{"path": "wasm/sleep.wasm"}],
		"memory": {"max_pages": 100},
		"config": {"key1": "value1", "key2": "value2", "duration": "3"},
		"timeout_ms": 100
	}`,
	// Module linking (go-sdk's TestModuleLinking).
	`{"wasm": [{"path": "wasm/lib.wasm", "name": "lib"}, {"path": "wasm/main.wasm", "name": "main"}]}`,
	`{"wasm": [{"path": "lib.wasm"}, {"path": "main.wasm"}]}`,
	// allowed_paths, read-only mounts (TestFS, TestReadOnlyMount).
	`{"wasm": [{"path": "wasm/fs.wasm"}], "allowed_paths": {"testdata": "/mnt"}}`,
	`{"wasm": [{"path": "wasm/read_write.wasm"}], "allowed_paths": {"ro:testdata": "/mnt", "/tmp": "/tmp"}}`,
	// HTTP (TestHTTP): allowed hosts.
	`{"wasm": [{"path": "wasm/http.wasm"}], "allowed_hosts": ["jsonplaceholder.*.com", "extism.org"]}`,
	// Memory limits, all of them.
	`{"wasm": [{"path": "x.wasm"}], "memory": {"max_pages": 65536, "max_var_bytes": 0, "max_http_response_bytes": 10, "max_output_bytes": 20}}`,
	`{"wasm": [{"path": "x.wasm"}], "memory": {"max_var_bytes": null, "max_http_response_bytes": 0}}`,
	`{"wasm": [{"path": "x.wasm"}], "memory": {}}`,
	// Hash (TestHashMismatch's shape, with a real SHA-256).
	`{"wasm": [{"path": "wasm/alloc.wasm", "name": "code", "hash": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}]}`,
	`{"wasm": [{"path": "wasm/alloc.wasm", "hash": "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"}]}`,
	// URL with method and headers; inline data.
	`{"wasm": [{"url": "https://example.com/plugin.wasm", "method": "POST", "headers": {"Authorization": "Bearer x"}, "name": "main"}]}`,
	`{"wasm": [{"data": "AGFzbQEAAAA="}], "config": {}, "allowed_hosts": [], "allowed_paths": {}}`,
	`{"wasm": [{"data": "", "path": "p.wasm", "headers": {}}]}`,
	// Broken: structure.
	``,
	`null`,
	`{}`,
	`[]`,
	`{"wasm": null}`,
	`{"wasm": []}`,
	`{"wasm": [{}]}`,
	`{"wasm": [{"path": "a", "url": "http://b"}]}`,
	`{"wasm": [{"path": "x"}], "bogus": 1}`,
	`{"wasm": [{"path": "x", "sha": "y"}]}`,
	`{"wasm": [{"path": "x"}]`,
	`{"wasm": [{"path": "x"}]} {}`,
	`{"wasm": [{"path": "x"}]}}`,
	`{"wasm": [{"path": "x"}]}]`,
	`{"wasm": [{"path": "x"}]} trailing`,
	`{"WASM": [{"PATH": "x"}]}`,
	`{"wasm": [{"path": "x"}], "wasm": [{"url": "http://y"}]}`,
	// Broken: values.
	`{"wasm": [{"path": "x"}], "timeout_ms": "100"}`,
	`{"wasm": [{"path": "x"}], "timeout_ms": -1}`,
	`{"wasm": [{"path": "x"}], "timeout_ms": 1e400}`,
	`{"wasm": [{"path": "x"}], "memory": {"max_pages": 65537}}`,
	`{"wasm": [{"path": "x"}], "memory": {"max_pages": 4294967296}}`,
	`{"wasm": [{"path": "x"}], "memory": {"max_var_bytes": -1}}`,
	`{"wasm": [{"path": "x"}], "memory": {"max_http_response_bytes": -1}}`,
	`{"wasm": [{"path": "x"}], "memory": {"max_output_bytes": -9223372036854775808}}`,
	`{"wasm": [{"url": "ftp://x/y.wasm"}]}`,
	`{"wasm": [{"url": "HTTP://x/y.wasm"}]}`,
	`{"wasm": [{"path": "x", "hash": "abc"}]}`,
	`{"wasm": [{"path": "x", "hash": "zz3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8"}]}`,
	`{"wasm": [{"data": "not base64!"}]}`,
	`{"wasm": [{"path": "a", "name": "m"}, {"path": "b", "name": "m"}, {"path": "c"}]}`,
	`{"wasm": [{"path": "a", "name": "main"}, {"path": "b", "name": "main"}]}`,
	`{"wasm": [{"path": "a", "name": "module1"}, {"path": "b"}, {"path": "c", "name": "main"}]}`,
	`{"wasm": [{"path": "x"}], "allowed_hosts": [""]}`,
	`{"wasm": [{"path": "x"}], "allowed_paths": {"ro:": "/mnt"}}`,
	`{"wasm": [{"path": "x"}], "allowed_paths": {"/tmp": ""}}`,
	`{"wasm": [{"path": "x"}], "config": {"k": 1}}`,
	"{\"wasm\": [{\"path\": \"\xff\xfe\"}], \"config\": {\"\xc3\": \"\\ud800\"}}",
	`{"wasm": [{"path": "x"}], "config": {"a": "\u0000<>&\u2028"}}`,
	strings.Repeat("[", 20000),
	`{"wasm": [` + strings.Repeat(`{"path": "x"},`, 50) + `{"path": "x"}]}`,
}

var updateSeeds = flag.Bool("update-seeds", false, "rewrite testdata/fuzz/FuzzParseManifest from manifestSeeds")

// TestParseManifestSeedFiles keeps the committed seed corpus in step with
// manifestSeeds.
func TestParseManifestSeedFiles(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzParseManifest")
	for i, s := range manifestSeeds {
		path := filepath.Join(dir, fmt.Sprintf("seed-%02d", i))
		content := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s)
		if *updateSeeds {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if got, err := os.ReadFile(path); err != nil || string(got) != content {
			t.Errorf("%s is missing or stale (go test ./runtime -run TestParseManifestSeedFiles -update-seeds): %v", path, err)
		}
	}
}

// TestFuzzRegression_ManifestTrailingBracket: a stray '}' or ']' after the
// manifest was accepted, because dec.More() reports false before a closing
// bracket; "strictly" must mean exactly one JSON document.
func TestFuzzRegression_ManifestTrailingBracket(t *testing.T) {
	for _, s := range []string{
		`{"wasm":[{"path":"x"}]}}`,
		`{"wasm":[{"path":"x"}]}]`,
		`{"wasm":[{"path":"x"}]} ]]}`,
	} {
		checkParseManifest(t, []byte(s))
		if _, err := runtime.ParseManifest([]byte(s)); !errors.Is(err, runtime.ErrManifest) {
			t.Errorf("ParseManifest(%q) = %v, want ErrManifest (trailing data)", s, err)
		}
	}
}
