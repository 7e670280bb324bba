// Package testplugins locates the real plug-ins that tests run against: the
// compiled Extism plug-ins shipped in the github.com/extism/go-sdk module,
// fetched into the Go module cache at test time (never copied into this repo).
package testplugins

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// ExtismSDK is the module whose wasm/ folder holds the reference plug-ins.
const ExtismSDK = "github.com/extism/go-sdk@v1.7.1"

var (
	once sync.Once
	dir  string
	err  error
)

// ExtismDir returns the directory of ExtismSDK in the module cache,
// downloading it if needed. It fails the test (never skips) when the Go
// toolchain or the module proxy is unavailable.
func ExtismDir(t testing.TB) string {
	t.Helper()
	once.Do(func() {
		cmd := exec.Command("go", "mod", "download", "-json", ExtismSDK)
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
		var out []byte
		if out, err = cmd.Output(); err != nil {
			if ee, ok := err.(*exec.ExitError); ok {
				err = &downloadError{err: err, out: string(out) + string(ee.Stderr)}
			}
			return
		}
		var info struct{ Dir, Error string }
		if err = json.Unmarshal(out, &info); err == nil && info.Dir == "" {
			err = &downloadError{out: info.Error}
		}
		dir = info.Dir
	})
	if err != nil {
		t.Fatalf("testplugins: go mod download %s: %v", ExtismSDK, err)
	}
	return dir
}

// Extism returns the path of one of the reference plug-ins, e.g. "hello.wasm".
func Extism(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(ExtismDir(t), "wasm", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("testplugins: %v", err)
	}
	return p
}

type downloadError struct {
	err error
	out string
}

func (e *downloadError) Error() string {
	if e.err == nil {
		return e.out
	}
	return e.err.Error() + ": " + e.out
}
