package testplugins

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
)

// precompileMin is the size under which a module is not worth a process:
// the Extism reference plug-ins of a few hundred KiB compile in well under a
// second even under -race; standard-Go and Haskell ones (MiBs) do not.
const precompileMin = 512 << 10

var cache struct {
	once sync.Once
	dir  string
	err  error
}

// cacheDir returns the shared cache directory, creating it.
func cacheDir() (string, error) {
	cache.once.Do(func() {
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", "github.com/tetratelabs/wazero").Output()
		if err != nil {
			cache.err = fmt.Errorf("go list -m github.com/tetratelabs/wazero: %w", err)
			return
		}
		v := strings.TrimSpace(string(out))
		cache.dir = filepath.Join(os.TempDir(), "tendril-test-wazero-cache", "wazero-"+v)
		cache.err = os.MkdirAll(cache.dir, 0o755)
	})
	return cache.dir, cache.err
}

// precompiled records, per module content, that CompilationCache compiled it
// in this test binary.
var precompiled sync.Map // [sha256.Size]byte -> *sync.Once

// CompilationCache returns a directory for runtime.Options.CompilationCacheDir
// in which each module of wasmPaths is already compiled to machine code, by
// a helper (package precompile) built without the race detector. Under
// -race, wazero's compiler runs ten to thirty times slower than without: a
// standard-Go plug-in of a few MiB takes tens of seconds to compile, against
// about a second. Tests that compile such modules use the directory and
// load the machine code instead.
//
// The directory is shared by every test binary of the machine and kept
// between runs (os.TempDir()/tendril-test-wazero-cache/<wazero version>):
// wazero names its entries by the module's bytes, its version and the CPU,
// and writes them atomically, so sharing is safe, and a module is compiled
// once per machine, by whichever test meets it first. Modules under
// precompileMin are left to the tests. It is only a speed-up: a module the
// helper could not compile is logged and then compiled by the test.
//
// wazero keys its cache by its version as the running binary reports it,
// and a test binary reports none ("dev"): the helper is linked to report
// the same as the test binary that runs it, and the directory is named
// after the wazero version in go.mod, so that code compiled by one wazero is
// never loaded by another.
func CompilationCache(t testing.TB, wasmPaths ...string) string {
	t.Helper()
	return compilationCache(t, precompileMin, wasmPaths)
}

// CompilationCacheAll is CompilationCache for modules of any size: for
// small modules that still compile slowly under -race (a function of tens
// of thousands of straight-line instructions, say).
func CompilationCacheAll(t testing.TB, wasmPaths ...string) string {
	t.Helper()
	return compilationCache(t, 0, wasmPaths)
}

func compilationCache(t testing.TB, minSize int, wasmPaths []string) string {
	t.Helper()
	dir, err := cacheDir()
	if err != nil {
		t.Fatalf("testplugins: %v", err)
	}
	for _, p := range wasmPaths {
		wasm, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("testplugins: %v", err)
		}
		if !bytes.HasPrefix(wasm, []byte("\x00asm")) || len(wasm) < minSize {
			continue // not a module, or one that compiles fast enough under -race
		}
		once, _ := precompiled.LoadOrStore(sha256.Sum256(wasm), new(sync.Once))
		once.(*sync.Once).Do(func() {
			cmd := exec.Command("go", "run", "-ldflags=-X=github.com/tetratelabs/wazero/internal/version.version="+wazeroVersion(),
				"github.com/tendril-wasm/tendril/internal/testplugins/precompile", "-cache", dir, p)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Run(); err != nil {
				t.Logf("testplugins: precompiling %s failed, the test compiles it: %v\n%s", filepath.Base(p), err, out.Bytes())
			}
		})
	}
	return dir
}

// wazeroVersion is the version wazero finds for itself in this binary
// (internal/version.GetWazeroVersion): the wazero module's version in the
// build information, "dev" when there is none, as in a test binary.
func wazeroVersion() string {
	v := ""
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if strings.Contains(dep.Path, "github.com/tetratelabs/wazero") {
				v = dep.Version
			}
		}
		if v == "" || v == "(devel)" {
			v = info.Main.Version
		}
	}
	if v == "" || v == "(devel)" {
		v = "dev"
	}
	return v
}
