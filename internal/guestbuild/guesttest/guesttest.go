// Package guesttest builds the Go plug-ins of the repository from source
// inside tests, once per test binary, so that tests run the plug-ins as they
// are now. It is test tooling, kept out of package guestbuild so that the
// tendril command does not link package testing.
package guesttest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tendril-wasm/tendril/internal/guestbuild"
)

// testBuilds is the process's cache of Build builds. It is test tooling:
// the only package-level state in this package.
var testBuilds struct {
	mu     sync.Mutex
	builds map[string]*build // by absolute plug-in directory
}

// build is one plug-in built (or being built) by Build.
type build struct {
	once  sync.Once
	name  string   // file name for the module
	wasm  []byte   // the module
	files []string // source files the module is built from
	dirs  []string // directories of its packages
	err   error
}

// Build builds the Go plug-in in pkgDir and returns the path of the
// module, a file in the test's t.TempDir. The first call for a pkgDir builds
// the plug-in; later calls in the same test binary copy that build. Every call
// reads each source file the plug-in is built from (its package and every
// non-standard package it imports, and their go.mod files) and lists their
// directories, so that go test's result cache notices edits to them.
//
// It fails the test, never skips it, when the plug-in does not build or the
// Go toolchain is missing. Nothing is left behind: builds happen in a
// temporary directory removed at once, and each copy goes when its test ends.
//
// Build is safe for concurrent use; different plug-ins build in parallel.
func Build(t testing.TB, pkgDir string) string {
	t.Helper()
	dir, err := filepath.Abs(pkgDir)
	if err != nil {
		t.Fatal(err)
	}
	b := cachedBuild(dir)
	b.once.Do(func() { b.build(dir) })
	if b.err != nil {
		t.Fatal(b.err)
	}
	for _, d := range b.dirs {
		if _, err := os.ReadDir(d); err != nil {
			t.Fatalf("guesttest: reading plug-in sources: %v", err)
		}
	}
	for _, f := range b.files {
		if _, err := os.ReadFile(f); err != nil {
			t.Fatalf("guesttest: reading plug-in sources: %v", err)
		}
	}
	path := filepath.Join(t.TempDir(), b.name)
	if err := os.WriteFile(path, b.wasm, 0o644); err != nil {
		t.Fatalf("guesttest: %v", err)
	}
	return path
}

// cachedBuild returns the cache entry of the plug-in in dir.
func cachedBuild(dir string) *build {
	testBuilds.mu.Lock()
	defer testBuilds.mu.Unlock()
	if testBuilds.builds == nil {
		testBuilds.builds = map[string]*build{}
	}
	b, ok := testBuilds.builds[dir]
	if !ok {
		b = &build{name: filepath.Base(dir) + ".wasm"}
		testBuilds.builds[dir] = b
	}
	return b
}

// build lists the plug-in's sources and builds it in a temporary directory,
// recording the outcome.
func (b *build) build(dir string) {
	ctx := context.Background()
	if b.files, b.dirs, b.err = sources(ctx, dir); b.err != nil {
		return
	}
	tmp, err := os.MkdirTemp("", "tendril-guesttest-")
	if err != nil {
		b.err = fmt.Errorf("guesttest: %w", err)
		return
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, b.name)
	if b.err = guestbuild.Build(ctx, dir, out); b.err != nil {
		return
	}
	if b.wasm, err = os.ReadFile(out); err != nil {
		b.err = fmt.Errorf("guesttest: %w", err)
	}
}

// sources lists the files the plug-in in dir is built from: the Go and
// embedded files of every non-standard package in its build, each package's
// directory (so that added files count), and the go.mod of each module.
func sources(ctx context.Context, dir string) (files, dirs []string, err error) {
	goBin, err := goTool()
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.CommandContext(ctx, goBin, "list", "-deps", "-json=Dir,Standard,GoFiles,CgoFiles,EmbedFiles,Module", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, nil, &guestbuild.BuildError{Dir: dir, Output: string(out) + stderr.String(), Err: err}
	}
	seen := map[string]bool{}
	add := func(f string) {
		if f != "" && !seen[f] {
			seen[f] = true
			files = append(files, f)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			Dir                           string
			Standard                      bool
			GoFiles, CgoFiles, EmbedFiles []string
			Module                        *struct{ GoMod string }
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, nil, fmt.Errorf("guesttest: reading go list output: %w", err)
		}
		if p.Standard {
			continue
		}
		dirs = append(dirs, p.Dir)
		for _, names := range [][]string{p.GoFiles, p.CgoFiles, p.EmbedFiles} {
			for _, n := range names {
				add(filepath.Join(p.Dir, n))
			}
		}
		if p.Module != nil {
			add(p.Module.GoMod)
		}
	}
	return files, dirs, nil
}

// goTool finds the go command as guestbuild.Build does: "go" from PATH,
// then $GOROOT/bin/go.
func goTool() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	if root := os.Getenv("GOROOT"); root != "" {
		if p, err := exec.LookPath(filepath.Join(root, "bin", "go")); err == nil {
			return p, nil
		}
	}
	return "", guestbuild.ErrNoGo
}
