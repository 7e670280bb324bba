package main

import (
	"context"
	"os"
	"path/filepath"

	"github.com/tendril-wasm/tendril/internal/guestbuild"
)

// buildCmd runs tendril build.
func buildCmd(ctx context.Context, args []string, _ stdio) error {
	fs := newFlagSet("build")
	out := fs.String("o", "", "")
	pos, err := parse("build", fs, args)
	if err != nil {
		return err
	}
	dir := "."
	switch len(pos) {
	case 0:
	case 1:
		dir = pos[0]
	default:
		return usagef("build", "want one plug-in directory, got %d arguments", len(pos))
	}
	if *out == "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return err
		}
		*out = filepath.Base(abs) + ".wasm"
	}
	return guestbuild.Build(ctx, dir, *out)
}

// buildSource builds the Go plug-in in dir into a temporary file, for call.
func buildSource(ctx context.Context, dir string) (wasm string, cleanup func(), err error) {
	tmp, err := os.MkdirTemp("", "tendril-build-")
	if err != nil {
		return "", nil, err
	}
	cleanup = func() { os.RemoveAll(tmp) }
	abs, err := filepath.Abs(dir)
	if err != nil {
		cleanup()
		return "", nil, err
	}
	wasm = filepath.Join(tmp, filepath.Base(abs)+".wasm")
	if err := guestbuild.Build(ctx, dir, wasm); err != nil {
		cleanup()
		return "", nil, err
	}
	return wasm, cleanup, nil
}
