package guesttest_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/tendril-wasm/tendril/internal/guestbuild/guesttest"
)

// echoDir is a plug-in of the repository.
var echoDir = filepath.Join("..", "..", "..", "examples", "plugins", "echo")

func TestBuild(t *testing.T) {
	var paths [4]string
	var wg sync.WaitGroup
	for i := range paths {
		wg.Go(func() { paths[i] = guesttest.Build(t, echoDir) })
	}
	wg.Wait()
	first, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths[1:] {
		if p == paths[0] {
			t.Errorf("two calls returned the same file %s", p)
		}
		b, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(b, first) {
			t.Errorf("%s differs from %s (%v)", p, paths[0], err)
		}
	}
	if filepath.Base(paths[0]) != "echo.wasm" {
		t.Errorf("module file %s, want echo.wasm", paths[0])
	}
}

// fatalTB records how a test would end, without ending the real test.
type fatalTB struct {
	testing.TB
	mu    sync.Mutex
	ended string
}

func (f *fatalTB) end(how string) {
	f.mu.Lock()
	f.ended = how
	f.mu.Unlock()
	runtime.Goexit()
}

func (f *fatalTB) Helper()                        {}
func (f *fatalTB) Fatal(args ...any)              { f.end("fatal: " + fmt.Sprint(args...)) }
func (f *fatalTB) Fatalf(format string, a ...any) { f.end("fatal: " + fmt.Sprintf(format, a...)) }
func (f *fatalTB) FailNow()                       { f.end("fatal") }
func (f *fatalTB) Skip(args ...any)               { f.end("skip") }
func (f *fatalTB) Skipf(string, ...any)           { f.end("skip") }
func (f *fatalTB) SkipNow()                       { f.end("skip") }

// run calls Build on f in a goroutine of its own and reports how it ended.
func (f *fatalTB) run(pkgDir string) string {
	done := make(chan struct{})
	go func() {
		defer close(done)
		guesttest.Build(f, pkgDir)
	}()
	<-done
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ended
}

func TestBuildFailsWithoutToolchain(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("GOROOT", "")
	f := &fatalTB{TB: t}
	// A directory of its own, so that no cached build answers.
	got := f.run(t.TempDir())
	if !strings.HasPrefix(got, "fatal: ") || !strings.Contains(got, "toolchain") {
		t.Errorf("Build without a toolchain ended with %q, want a fatal error about the toolchain", got)
	}
}

func TestBuildFailsOnBuildError(t *testing.T) {
	f := &fatalTB{TB: t}
	got := f.run(filepath.Join("..", "testdata", "broken"))
	if !strings.HasPrefix(got, "fatal: ") || !strings.Contains(got, "notDefined") {
		t.Errorf("Build of a broken plug-in ended with %q, want a fatal error with the compiler's message", got)
	}
}
