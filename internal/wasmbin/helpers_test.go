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

// wat returns testdata/<name>.wasm, the committed build of
// testdata/<name>.wat (scripts/gen-wasm.sh rebuilds them, with the flags in
// testdata/wat2wasm.flags; the flags given here document them).
func wat(t testing.TB, name string, flags ...string) []byte {
	t.Helper()
	bin, err := os.ReadFile(filepath.Join("testdata", name+".wasm"))
	if err != nil {
		t.Fatalf("%v (scripts/gen-wasm.sh builds it from testdata/%s.wat)", err, name)
	}
	return bin
}

// validate checks bin with wabt's wasm-validate, an independent decoder,
// when wabt is installed (CI has it; `go test` needs only Go).
func validate(t testing.TB, bin []byte, flags ...string) {
	t.Helper()
	if _, err := exec.LookPath("wasm-validate"); err != nil {
		return
	}
	runTool(t, "wasm-validate", bin, flags...)
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
