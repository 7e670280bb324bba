package main

import (
	"context"
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
