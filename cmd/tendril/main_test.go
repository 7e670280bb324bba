package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero"

	"github.com/tendril-wasm/tendril/internal/testplugins"
)

var (
	// testDir holds the test binary's built CLI and compilation cache.
	testDir string
	// pkgDir is this package's directory (tests may change directory).
	pkgDir string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tendril-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testDir = dir
	if pkgDir, err = os.Getwd(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// wazero v1.12 caches its version in a package variable on first use,
	// unsynchronized: make that first use happen before the parallel tests.
	r := wazero.NewRuntime(context.Background())
	r.Close(context.Background())
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is what a run of the CLI gave.
type result struct {
	code           int
	stdout, stderr string
}

// tendril runs the CLI in-process. Calls share one compilation cache. (The
// reference plug-ins are small: compiling them under -race costs less than
// starting a process without it to compile them.)
func tendril(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	if len(args) > 0 && args[0] == "call" {
		args = append([]string{"call", "--cache", filepath.Join(testDir, "cache")}, args[1:]...)
	}
	var out, errOut bytes.Buffer
	code := run(t.Context(), args, strings.NewReader(stdin), &out, &errOut)
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// want is what a test expects of a run.
type want struct {
	code      int
	stdout    string   // exactly, unless stdoutHas is set
	stdoutHas []string // substrings of stdout
	stderr    []string // substrings of stderr; nil means stderr must be empty
	stderrNot []string // substrings stderr must not have
	oneLine   bool     // stderr is exactly one line
}

func (w want) check(t *testing.T, r result) {
	t.Helper()
	if r.code != w.code {
		t.Errorf("exit status %d, want %d\nstdout: %q\nstderr: %s", r.code, w.code, r.stdout, r.stderr)
	}
	if w.stdoutHas == nil && r.stdout != w.stdout {
		t.Errorf("stdout = %q, want %q", r.stdout, w.stdout)
	}
	for _, s := range w.stdoutHas {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("stdout lacks %q:\n%s", s, r.stdout)
		}
	}
	if w.stderr == nil && r.stderr != "" {
		t.Errorf("stderr = %q, want it empty", r.stderr)
	}
	for _, s := range w.stderr {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("stderr lacks %q: %q", s, r.stderr)
		}
	}
	for _, s := range slices.Concat(w.stderrNot, []string{"goroutine ", "panic:"}) {
		if strings.Contains(r.stderr, s) {
			t.Errorf("stderr has %q: %q", s, r.stderr)
		}
	}
	if w.oneLine && (strings.Count(r.stderr, "\n") != 1 || !strings.HasSuffix(r.stderr, "\n")) {
		t.Errorf("stderr is not one line: %q", r.stderr)
	}
}

// ref returns the path of a reference Extism plug-in.
func ref(t *testing.T, name string) string {
	t.Helper()
	return testplugins.Extism(t, name)
}

// testdata returns a new copy of the reference plug-ins' testdata directory
// (test.txt holds "hello world!"). Plug-ins must never get the module
// cache's own directory read-write: fs.wasm writes back what it read, and
// concurrent runs of it truncate the file.
func testdata(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testplugins.ExtismDir(t), "testdata", "test.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "hello world!" {
		t.Fatalf("the module cache's testdata/test.txt holds %q, not \"hello world!\": "+
			"restore it with go clean -modcache or from the module's zip", b)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "test.txt"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// binary builds the CLI once per test binary and returns its path.
func binary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binPath = filepath.Join(testDir, "tendril")
		cmd := exec.Command("go", "build", "-o", binPath, ".")
		cmd.Dir = pkgDir
		out, err := cmd.CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// exe runs the built CLI with the test's home directory, so its default
// --cache is the one the in-process tests share, and returns what it gave.
func exe(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	return exeHome(t, filepath.Join(testDir, "home"), stdin, args...)
}

// exeHome runs the built CLI with home as the user's home directory.
func exeHome(t *testing.T, home, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), binary(t), args...)
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CACHE_HOME="+filepath.Join(home, "cache"))
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}
