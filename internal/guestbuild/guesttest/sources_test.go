package guesttest

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
)

func TestSources(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("..", "..", "..", "examples", "plugins", "echo"))
	if err != nil {
		t.Fatal(err)
	}
	files, dirs, err := sources(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Dir(filepath.Dir(filepath.Dir(dir)))
	for _, want := range []string{
		filepath.Join(dir, "main.go"),
		filepath.Join(root, "pdk", "io.go"),
		filepath.Join(root, "pdk", "internal", "flatjson", "flatjson.go"),
		filepath.Join(root, "go.mod"),
	} {
		if !slices.Contains(files, want) {
			t.Errorf("sources of echo miss %s (have %v)", want, files)
		}
	}
	if !slices.Contains(files, filepath.Join(root, "pdk", "doc.go")) {
		t.Errorf("sources of echo miss pdk/doc.go")
	}
	for _, want := range []string{dir, filepath.Join(root, "pdk")} {
		if !slices.Contains(dirs, want) {
			t.Errorf("package directories of echo miss %s (have %v)", want, dirs)
		}
	}
}
