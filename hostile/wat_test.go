package hostile_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// watFlags are the wat2wasm flags of the sources that need some.
var watFlags = map[string][]string{
	"tailcall":  {"--enable-tail-call"},
	"flagclear": {"--no-check"}, // refers to a global that only instrumentation creates
}

var assembled struct {
	sync.Mutex
	bins map[string][]byte // by source text, so an edited source is rebuilt
}

// wasm assembles testdata/<name>.wat with wat2wasm, once per test binary and
// source text. The source is read here, inside the test, so that go test's
// cache sees edits to it. A missing wat2wasm fails the test: the suite must
// never be skipped silently.
func wasm(t testing.TB, name string) []byte {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", name+".wat"))
	if err != nil {
		t.Fatal(err)
	}
	flags := watFlags[name]
	key := string(src) + "\x00" + filepath.Join(flags...)
	assembled.Lock()
	defer assembled.Unlock()
	if bin, ok := assembled.bins[key]; ok {
		return bin
	}
	tool, err := exec.LookPath("wat2wasm")
	if err != nil {
		t.Fatalf("wat2wasm not found: install wabt (apt-get install wabt): %v", err)
	}
	dir, err := os.MkdirTemp("", "hostile-wat-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, name+".wasm")
	cmd := exec.Command(tool, append(append([]string{}, flags...), "-", "-o", out)...)
	cmd.Stdin = bytes.NewReader(src)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("wat2wasm testdata/%s.wat: %v\n%s", name, err, msg)
	}
	bin, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if assembled.bins == nil {
		assembled.bins = map[string][]byte{}
	}
	assembled.bins[key] = bin
	return bin
}
