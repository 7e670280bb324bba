package guestbuild

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// testBuilds is the process's cache of ForTest builds. It is test tooling:
// the only package-level state in this package.
var testBuilds struct {
	mu     sync.Mutex
	builds map[string]*build // by absolute plug-in directory
}

// build is one plug-in built (or being built) by ForTest.
type build struct {
	once  sync.Once
	name  string   // file name for the module
	wasm  []byte   // the module
	files []string // source files the module is built from
	dirs  []string // directories of its packages
	err   error
}

// ForTest builds the Go plug-in in pkgDir and returns the path of the
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
// ForTest is safe for concurrent use; different plug-ins build in parallel.
func ForTest(t testing.TB, pkgDir string) string {
	t.Helper()
	dir, err := packageDir(pkgDir)
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
			t.Fatalf("guestbuild: reading plug-in sources: %v", err)
		}
	}
	for _, f := range b.files {
		if _, err := os.ReadFile(f); err != nil {
			t.Fatalf("guestbuild: reading plug-in sources: %v", err)
		}
	}
	path := filepath.Join(t.TempDir(), b.name)
	if err := os.WriteFile(path, b.wasm, 0o644); err != nil {
		t.Fatalf("guestbuild: %v", err)
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
	tmp, err := os.MkdirTemp("", "tendril-guestbuild-")
	if err != nil {
		b.err = fmt.Errorf("guestbuild: %w", err)
		return
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, b.name)
	if b.err = Build(ctx, dir, out); b.err != nil {
		return
	}
	if b.wasm, err = os.ReadFile(out); err != nil {
		b.err = fmt.Errorf("guestbuild: %w", err)
	}
}

// sources lists the files the plug-in in dir is built from: the Go and
// embedded files of every non-standard package in its build, each package's
// directory (so that added files count), and the go.mod of each module.
func sources(ctx context.Context, dir string) (files, dirs []string, err error) {
	out, err := Options{}.run(ctx, dir, "list", "-deps", "-json=Dir,Standard,GoFiles,CgoFiles,EmbedFiles,Module", ".")
	if err != nil {
		if errors.Is(err, ErrNoGo) {
			return nil, nil, err
		}
		return nil, nil, &BuildError{Dir: dir, Output: string(out), Err: err}
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
			return nil, nil, fmt.Errorf("guestbuild: reading go list output: %w", err)
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
