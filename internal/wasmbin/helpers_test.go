package wasmbin

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero"
)

// tool returns the path of a wabt tool, failing the test if it is missing:
// these tests must never be silently skipped.
func tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found in PATH (install wabt, e.g. `apt-get install wabt`): %v", name, err)
	}
	return p
}

// wat assembles testdata/<name>.wat with wat2wasm and the given flags.
func wat(t testing.TB, name string, flags ...string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), name+".wasm")
	args := append(append([]string{}, flags...), filepath.Join("testdata", name+".wat"), "-o", out)
	cmd := exec.Command(tool(t, "wat2wasm"), args...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("wat2wasm %s: %v\n%s", name, err, msg)
	}
	bin, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// runTool writes bin to a temporary file and runs a wabt tool on it,
// returning its standard output.
func runTool(t testing.TB, name string, bin []byte, flags ...string) []byte {
	t.Helper()
	f := filepath.Join(t.TempDir(), "module.wasm")
	if err := os.WriteFile(f, bin, 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(tool(t, name), append(append([]string{}, flags...), f)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, flags, err, stderr.Bytes())
	}
	return stdout.Bytes()
}

// validator is one interpreter runtime with every feature, shared by the
// tests: the interpreter validates exactly as the compiler does and
// compiles much faster.
var validator = sync.OnceValue(func() wazero.Runtime {
	return wazero.NewRuntimeWithConfig(context.Background(),
		wazero.NewRuntimeConfigInterpreter().WithCoreFeatures(allFeatures))
})

// mustCompile checks that wazero accepts bin.
func mustCompile(t testing.TB, bin []byte, what string) {
	t.Helper()
	cm, err := compile(validator(), bin)
	if err != nil {
		t.Fatalf("%s does not compile: %v", what, err)
	}
	cm.Close(context.Background())
}
