package hostile_test

import (
	"os"
	"path/filepath"
	"testing"
)

// wasm returns testdata/<name>.wasm, the committed build of
// testdata/<name>.wat (scripts/gen-wasm.sh rebuilds it, and its --check,
// which CI runs, fails when the two differ). The file is read here, inside
// the test, so that go test's cache sees edits to it.
func wasm(t testing.TB, name string) []byte {
	t.Helper()
	bin, err := os.ReadFile(filepath.Join("testdata", name+".wasm"))
	if err != nil {
		t.Fatalf("%v (scripts/gen-wasm.sh builds it from %s.wat)", err, name)
	}
	return bin
}
