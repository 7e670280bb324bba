package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// The editor runs as a program, as people run it: built once per test
// binary (without -race, so that wazero compiles the plug-ins at full
// speed), with a plug-in cache shared by test runs (entries are keyed by
// the plug-ins' source hash, so a stale one is never used).
var editorBuild struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if editorBuild.dir != "" {
		_ = os.RemoveAll(editorBuild.dir)
	}
	os.Exit(code)
}

// editorBinary builds the editor and returns its path. It reads the
// plug-ins' sources so that go test's cache notices edits to them.
func editorBinary(t *testing.T) string {
	t.Helper()
	require.NoError(t, filepath.WalkDir("plugins", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			_, err = os.ReadFile(path)
		}
		return err
	}))
	editorBuild.once.Do(func() {
		editorBuild.dir, editorBuild.err = os.MkdirTemp("", "tendril-editor-test-")
		if editorBuild.err != nil {
			return
		}
		editorBuild.bin = filepath.Join(editorBuild.dir, "editor-plugins")
		out, err := exec.Command("go", "build", "-o", editorBuild.bin, ".").CombinedOutput()
		if err != nil {
			editorBuild.err = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	require.NoError(t, editorBuild.err)
	return editorBuild.bin
}

// testCache is the plug-in cache of the tests, kept between runs.
func testCache() string { return filepath.Join(os.TempDir(), "tendril-test-editor-cache") }

// runEditor runs the editor with args in dir and returns its standard
// output and error, failing the test if it fails.
func runEditor(t *testing.T, dir string, args ...string) (stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(editorBinary(t), append([]string{"-cache", testCache()}, args...)...)
	cmd.Dir = dir
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	require.NoError(t, cmd.Run(), "stderr:\n%s", e.String())
	return o.String(), e.String()
}

// TestBatch runs the README's demo: open the sample, print what on_open
// found, sort the list, title-case the headings and save the formatted
// text elsewhere. Its output and the saved file are what testdata holds.
func TestBatch(t *testing.T) {
	out := filepath.Join(t.TempDir(), "sample.out.md")
	before, err := os.ReadFile("sample.md")
	require.NoError(t, err)

	stdout, stderr := runEditor(t, ".", "-cmd", "sort:9-14", "-cmd", "title", "-save-as", out, "sample.md")

	want, err := os.ReadFile("testdata/batch.want.txt")
	require.NoError(t, err)
	require.Equal(t, strings.Replace(string(want), "testdata/sample.want.md", out, 1), stdout)
	require.Contains(t, stderr, "loaded 6 plug-ins")
	saved, err := os.ReadFile(out)
	require.NoError(t, err)
	wantSaved, err := os.ReadFile("testdata/sample.want.md")
	require.NoError(t, err)
	require.Equal(t, string(wantSaved), string(saved))
	after, err := os.ReadFile("sample.md")
	require.NoError(t, err)
	require.Equal(t, before, after, "the sample itself is not modified")

	// A second start finds every plug-in in the cache: nothing is built.
	_, stderr = runEditor(t, ".", "-list", "-batch")
	require.NotContains(t, stderr, "building")
	require.Contains(t, stderr, "loaded 6 plug-ins")
}

// TestBatchSave formats a file in place, and says which commands exist.
func TestBatchSave(t *testing.T) {
	doc := filepath.Join(t.TempDir(), "doc.md")
	require.NoError(t, os.WriteFile(doc, []byte("b   \na\t\n\n\n|x|y|\n|-|-|\n|long cell|1|"), 0o644))

	stdout, _ := runEditor(t, ".", "-cmd", "sort:1-2", "-cmd", "upper:1", "-save", doc)

	require.Contains(t, stdout, "command sort on lines 1-2 by lines: 2 lines sorted\n")
	require.Contains(t, stdout, "command upper on lines 1-1 by case\n")
	require.Contains(t, stdout, "format chain: whitespace -> tables\n")
	saved, err := os.ReadFile(doc)
	require.NoError(t, err)
	require.Equal(t, "A\nb\n\n| x         | y   |\n| --------- | --- |\n| long cell | 1   |\n", string(saved))

	stdout, _ = runEditor(t, ".", "-list")
	for _, line := range []string{
		"case       Upper, lower and title case",
		"whitespace Trims trailing space, blank lines and ends with a newline priority 10  format",
	} {
		require.Contains(t, stdout, line)
	}
}

// TestBatchUnknownCommand fails cleanly.
func TestBatchUnknownCommand(t *testing.T) {
	cmd := exec.Command(editorBinary(t), "-cache", testCache(), "-cmd", "nope", "sample.md")
	out, err := cmd.CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(out), `no plug-in offers the command "nope"`)
}

// TestWhitespaceModule checks that the committed C plug-in is what its
// build.sh builds. It needs clang and lld (Debian: apt-get install clang
// lld): without them it skips, unless TENDRIL_CI=1.
func TestWhitespaceModule(t *testing.T) {
	needClang(t)
	dir := filepath.Join(t.TempDir(), "whitespace")
	require.NoError(t, os.Mkdir(dir, 0o755))
	for _, f := range []string{"build.sh", "whitespace.c"} {
		data, err := os.ReadFile(filepath.Join("plugins/whitespace", f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), data, 0o755))
	}
	out, err := exec.CommandContext(context.Background(), "sh", filepath.Join(dir, "build.sh")).CombinedOutput()
	require.NoError(t, err, "%s", out)
	built, err := os.ReadFile(filepath.Join(dir, "whitespace.wasm"))
	require.NoError(t, err)
	committed, err := os.ReadFile("plugins/whitespace/whitespace.wasm")
	require.NoError(t, err)
	require.True(t, bytes.Equal(built, committed),
		"plugins/whitespace/whitespace.wasm is not what build.sh builds: run plugins/whitespace/build.sh and commit it")
}

// needClang skips the test without clang and lld, unless TENDRIL_CI=1.
func needClang(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"clang", "wasm-ld"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("TENDRIL_CI") == "1" {
				t.Fatalf("%s not found (apt-get install clang lld)", tool)
			}
			t.Skipf("%s not found (apt-get install clang lld); set TENDRIL_CI=1 to make this a failure", tool)
		}
	}
}
