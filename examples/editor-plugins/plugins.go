package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tendril-wasm/tendril/ext"
	"github.com/tendril-wasm/tendril/internal/guestbuild"
)

// A plugin is a directory of the plug-ins directory: either a Go plug-in
// (a main package built with package pdk; it is built from source) or a
// directory holding one prebuilt module, NAME/NAME.wasm (the C plug-in,
// built by its build.sh).
type plugin struct {
	name  string
	root  string // the plug-ins directory it is in, absolute
	dir   string // absolute
	goPkg bool
	wasm  string // the module to load: the built one (cache) or the prebuilt one
	hash  string // of the Go plug-in's sources, "" for a prebuilt module
	opts  ext.PluginOptions
}

// loader finds, builds (with a cache on disk) and registers the plug-ins of
// a directory, and rebuilds one when its sources change.
type loader struct {
	dirs     []string  // the plug-ins directories, absolute
	cacheDir string    // built modules: <cacheDir>/modules/<name>-<hash>.wasm
	progress io.Writer // where building says what it does
	goBin    string

	mu      sync.Mutex // serializes writes to progress
	plugins map[string]*plugin
}

func newLoader(dirs []string, cacheDir string, progress io.Writer) (*loader, error) {
	var abs []string
	for _, d := range dirs {
		a, err := filepath.Abs(d)
		if err != nil {
			return nil, err
		}
		abs = append(abs, a)
	}
	if err := os.MkdirAll(filepath.Join(cacheDir, "modules"), 0o755); err != nil {
		return nil, fmt.Errorf("editor: cache: %w", err)
	}
	goBin, _ := exec.LookPath("go")
	return &loader{dirs: abs, cacheDir: cacheDir, progress: progress, goBin: goBin, plugins: map[string]*plugin{}}, nil
}

func (l *loader) setProgress(w io.Writer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.progress = w
}

func (l *loader) printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.progress, format, args...)
}

// discover lists the plug-ins of the directories, sorted by name, and
// hashes the sources of the Go ones. A name met twice is an error.
func (l *loader) discover(ctx context.Context) ([]*plugin, error) {
	var ps []*plugin
	for _, root := range l.dirs {
		more, err := l.discoverDir(ctx, root)
		if err != nil {
			return nil, err
		}
		ps = append(ps, more...)
	}
	slices.SortFunc(ps, func(a, b *plugin) int { return strings.Compare(a.name, b.name) })
	for i := 1; i < len(ps); i++ {
		if ps[i].name == ps[i-1].name {
			return nil, fmt.Errorf("editor: two plug-ins named %q: %s and %s", ps[i].name, ps[i-1].dir, ps[i].dir)
		}
	}
	l.mu.Lock()
	for _, p := range ps {
		l.plugins[p.name] = p
	}
	l.mu.Unlock()
	return ps, nil
}

func (l *loader) discoverDir(ctx context.Context, root string) ([]*plugin, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("editor: plug-ins: %w", err)
	}
	var ps []*plugin
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		p := &plugin{name: e.Name(), root: root, dir: filepath.Join(root, e.Name())}
		prebuilt := filepath.Join(p.dir, p.name+".wasm")
		if _, err := os.Stat(prebuilt); err == nil {
			p.wasm = prebuilt
			if p.hash, err = fileHash(prebuilt); err != nil {
				return nil, err
			}
		} else if gos, _ := filepath.Glob(filepath.Join(p.dir, "*.go")); len(gos) > 0 {
			p.goPkg = true
			p.opts.WASI = true // standard Go needs WASI (clocks, random); nothing else is granted
		} else {
			continue
		}
		if p.name == "lint" {
			p.opts.Config = map[string]string{"max_line": "100"}
		}
		ps = append(ps, p)
	}
	if err := l.hashAll(ctx, root, ps); err != nil {
		return nil, err
	}
	return ps, nil
}

// hashAll sets the hash of each Go plug-in: its own files, the files of
// every package it imports outside the standard library (pdk, codec...),
// the go.mod and go.sum of its module and the Go version, so that a change
// to any of them builds it again.
// ps are in the plug-ins directory root.
func (l *loader) hashAll(ctx context.Context, root string, ps []*plugin) error {
	var dirs []string
	for _, p := range ps {
		if p.goPkg {
			dirs = append(dirs, p.dir)
		}
	}
	if len(dirs) == 0 {
		return nil
	}
	if l.goBin == "" {
		return guestbuild.ErrNoGo
	}
	// One go list for all plug-ins: a line per package "dir<TAB>files".
	args := append([]string{"list", "-deps", "-f",
		"{{if not .Standard}}{{.Dir}}\t{{join .GoFiles \" \"}} {{join .EmbedFiles \" \"}}\t{{if .Module}}{{.Module.GoMod}}{{end}}{{end}}"}, dirs...)
	cmd := exec.CommandContext(ctx, l.goBin, args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("editor: go list: %w\n%s", err, stderr.Bytes())
	}
	ver, err := exec.CommandContext(ctx, l.goBin, "env", "GOVERSION").Output()
	if err != nil {
		return fmt.Errorf("editor: go env: %w", err)
	}
	own := map[string]string{} // plug-in dir -> its files' hash
	common := sha256.New()     // everything the plug-ins share
	common.Write(ver)
	mods := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		dir, rest, _ := strings.Cut(sc.Text(), "\t")
		files, gomod, _ := strings.Cut(rest, "\t")
		if dir == "" {
			continue
		}
		h := sha256.New()
		for _, f := range strings.Fields(files) {
			if err := hashFile(h, filepath.Join(dir, f)); err != nil {
				return err
			}
		}
		if slices.Contains(dirs, dir) {
			own[dir] = hex.EncodeToString(h.Sum(nil))
		} else {
			common.Write(h.Sum(nil))
		}
		if gomod != "" && !mods[gomod] {
			mods[gomod] = true
			for _, f := range []string{gomod, strings.TrimSuffix(gomod, ".mod") + ".sum"} {
				if err := hashFile(common, f); err != nil && !errors.Is(err, os.ErrNotExist) {
					return err
				}
			}
		}
	}
	sum := common.Sum(nil)
	for _, p := range ps {
		if p.goPkg {
			h := sha256.Sum256([]byte(own[p.dir] + hex.EncodeToString(sum)))
			p.hash = hex.EncodeToString(h[:8])
		}
	}
	return nil
}

// fileHash is the hash of a file's contents.
func fileHash(path string) (string, error) {
	h := sha256.New()
	if err := hashFile(h, path); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func hashFile(h io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Fprintf(h, "%s\x00", filepath.Base(path))
	_, err = io.Copy(h, f)
	return err
}

// build makes sure the Go plug-in p is built, from the cache when its hash
// is there, and sets p.wasm. It says what it does on the progress writer.
func (l *loader) build(ctx context.Context, p *plugin) error {
	if !p.goPkg {
		return nil
	}
	out := filepath.Join(l.cacheDir, "modules", p.name+"-"+p.hash+".wasm")
	if _, err := os.Stat(out); err == nil {
		p.wasm = out
		return nil
	}
	l.printf("building plug-in %s from source (Go, wasip1)...\n", p.name)
	start := time.Now()
	tmp := out + ".tmp" + fmt.Sprint(os.Getpid())
	defer os.Remove(tmp)
	opts := guestbuild.Options{GoBinary: l.goBin, Flags: []string{"-ldflags=-s -w"}}
	if err := opts.Build(ctx, p.dir, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, out); err != nil { // atomic: concurrent editors share the cache
		return err
	}
	if fi, err := os.Stat(out); err == nil {
		l.printf("built plug-in %s in %.1fs (%d KiB, cached in %s)\n", p.name, time.Since(start).Seconds(), fi.Size()>>10, filepath.Dir(out))
	}
	p.wasm = out
	return nil
}

// buildAll builds the plug-ins that need it, two at a time.
func (l *loader) buildAll(ctx context.Context, ps []*plugin) error {
	sem := make(chan struct{}, 2)
	errs := make([]error, len(ps))
	var wg sync.WaitGroup
	for i, p := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[i] = l.build(ctx, p)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// registerAll registers the built plug-ins, compiling them concurrently.
func (l *loader) registerAll(ctx context.Context, reg *ext.Registry, ps []*plugin) error {
	errs := make([]error, len(ps))
	var wg sync.WaitGroup
	for i, p := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = reg.Register(ctx, p.name, ext.Source{Path: p.wasm}, p.opts)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// rebuild builds the plug-in name again from its sources (a Go plug-in) or
// reads its module again (a prebuilt one) and reloads it in reg. The old
// version keeps serving when anything fails.
func (l *loader) rebuild(ctx context.Context, reg *ext.Registry, name string) error {
	l.mu.Lock()
	old, ok := l.plugins[name]
	l.mu.Unlock()
	if !ok {
		return fmt.Errorf("editor: no plug-in %q", name)
	}
	p := *old
	if !p.goPkg {
		if err := l.runBuildScript(ctx, &p); err != nil {
			return err
		}
		sum, err := fileHash(p.wasm)
		if err != nil {
			return err
		}
		if sum == old.hash {
			return nil // the same module (a second event of one write, say)
		}
		p.hash = sum
	}
	if p.goPkg {
		if err := l.hashAll(ctx, p.root, []*plugin{&p}); err != nil {
			return err
		}
		if p.hash == old.hash {
			return nil // nothing that matters changed (an editor's backup file, say)
		}
		if err := l.build(ctx, &p); err != nil {
			return err
		}
	}
	if err := reg.Reload(ctx, name, ext.Source{Path: p.wasm}); err != nil {
		return err
	}
	l.mu.Lock()
	l.plugins[name] = &p
	l.mu.Unlock()
	return nil
}

// runBuildScript runs the build.sh of a prebuilt plug-in (the C one) when a
// file of its directory is newer than its module: an edited source is built
// and then reloaded. A build that fails leaves the module as it was.
func (l *loader) runBuildScript(ctx context.Context, p *plugin) error {
	script := filepath.Join(p.dir, "build.sh")
	if _, err := os.Stat(script); err != nil {
		return nil
	}
	mod, err := os.Stat(p.wasm)
	if err != nil {
		return err
	}
	entries, err := os.ReadDir(p.dir)
	if err != nil {
		return err
	}
	newer := false
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && !e.IsDir() && fi.ModTime().After(mod.ModTime()) {
			newer = true
		}
	}
	if !newer {
		return nil
	}
	l.printf("building plug-in %s (build.sh)...\n", p.name)
	out, err := exec.CommandContext(ctx, "sh", script).CombinedOutput()
	if err != nil {
		return fmt.Errorf("editor: %s: %w\n%s", script, err, out)
	}
	return nil
}
