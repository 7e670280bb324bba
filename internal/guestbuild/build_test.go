package guestbuild_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"

	"github.com/tendril-wasm/tendril/internal/guestbuild"
)

// echoDir is a plug-in of the repository.
var echoDir = filepath.Join("..", "..", "examples", "plugins", "echo")

func TestBuild(t *testing.T) {
	ctx := context.Background()
	out := filepath.Join(t.TempDir(), "echo.wasm")
	if err := guestbuild.Build(ctx, echoDir, out); err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(bin, []byte("\x00asm\x01\x00\x00\x00")) {
		t.Fatalf("%s is not a wasm module: % x", out, bin[:min(8, len(bin))])
	}
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	cm, err := rt.CompileModule(ctx, bin)
	if err != nil {
		t.Fatal(err)
	}
	exports := cm.ExportedFunctions()
	for _, name := range []string{"_initialize", "echo", "echo_string", "echo_copy"} {
		if _, ok := exports[name]; !ok {
			t.Errorf("module exports no %s", name)
		}
	}
	imports := map[string]bool{}
	for _, f := range cm.ImportedFunctions() {
		mod, name, _ := f.Import()
		imports[mod+"."+name] = true
	}
	for _, name := range []string{"extism:host/env.input_load_u64", "extism:host/env.output_set"} {
		if !imports[name] {
			t.Errorf("module does not import %s", name)
		}
	}
	if imports["extism:host/env.http_request"] {
		t.Error("echo imports http_request, which it does not use")
	}
}

func TestBuildErrors(t *testing.T) {
	ctx := context.Background()
	out := filepath.Join(t.TempDir(), "x.wasm")

	err := guestbuild.Build(ctx, filepath.Join("testdata", "broken"), out)
	var be *guestbuild.BuildError
	if !errors.As(err, &be) {
		t.Fatalf("broken plug-in: error %v, want a *BuildError", err)
	}
	for _, want := range []string{"main.go", "notDefined"} {
		if !strings.Contains(be.Output, want) || !strings.Contains(err.Error(), want) {
			t.Errorf("build error %q does not mention %q", err, want)
		}
	}

	if err := guestbuild.Build(ctx, filepath.Join("testdata", "missing"), out); err == nil {
		t.Error("missing directory built")
	}
	if err := guestbuild.Build(ctx, filepath.Join("testdata", "broken", "main.go"), out); err == nil {
		t.Error("a file given as the plug-in directory built")
	}

	err = guestbuild.Options{GoBinary: filepath.Join(t.TempDir(), "no-go")}.Build(ctx, echoDir, out)
	if !errors.Is(err, guestbuild.ErrNoGo) {
		t.Errorf("missing GoBinary: error %v, want ErrNoGo", err)
	}
}

func TestBuildFlags(t *testing.T) {
	ctx := context.Background()
	out := filepath.Join(t.TempDir(), "tagged.wasm")
	dir := filepath.Join("testdata", "tagged")
	if err := guestbuild.Build(ctx, dir, out); err == nil {
		t.Fatal("tagged plug-in built without its tag")
	}
	opts := guestbuild.Options{Flags: []string{"-tags=tendriltest"}, Env: []string{"GOFLAGS=-mod=readonly"}}
	if err := opts.Build(ctx, dir, out); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(out); err != nil {
		t.Fatal(err)
	}
}

func TestBuildNoToolchain(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("GOROOT", "")
	err := guestbuild.Build(context.Background(), echoDir, filepath.Join(t.TempDir(), "x.wasm"))
	if !errors.Is(err, guestbuild.ErrNoGo) {
		t.Fatalf("Build without a toolchain: %v, want ErrNoGo", err)
	}
}
