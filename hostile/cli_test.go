package hostile_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHostileCLI runs a subset of the hostile plug-ins through the tendril
// command, the way a user meets them: each call must fail with status 1 and
// exactly one line on stderr (no panic, no goroutine dump), print nothing on
// stdout, and end within its bound (which includes starting the process and
// compiling the plug-in, and stretches with the load: see lag_test.go).
func TestHostileCLI(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "cmd", "tendril", "*.go"))
	if len(files) == 0 {
		t.Skip("cmd/tendril does not exist yet")
	}
	for _, f := range files { // read them here so that go test's cache sees edits to the CLI
		if _, err := os.ReadFile(f); err != nil {
			t.Fatal(err)
		}
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build cmd/tendril: %v", err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "tendril")
	build := exec.Command(goTool, "build", "-o", bin, "./cmd/tendril")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/tendril: %v\n%s", err, out)
	}

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "the denied server answered")
	}))
	defer srv.Close()
	deniedURL := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	fs := newFS(t)
	for _, name := range []string{"spin", "grow", "recurse", "abi", "import_user", "exit", "output", "http", "wasifs", "tailcall", "vars", "blocks"} {
		if err := os.WriteFile(filepath.Join(dir, name+".wasm"), wasm(t, name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	manifest := filepath.Join(dir, "output.json")
	if err := os.WriteFile(manifest, []byte(`{"wasm":[{"path":"output.wasm"}],"memory":{"max_output_bytes":1024}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	const startup = 5 * time.Second // process start and compilation, under -race and load

	for _, c := range []struct {
		name   string
		args   []string // after "call"
		stdin  []byte
		stderr string // the one line must contain this
		bound  time.Duration
	}{
		{name: "loop_timeout", args: []string{"--timeout", "200ms", "spin.wasm", "spin"}, stderr: "deadline exceeded", bound: 200 * time.Millisecond},
		{name: "tail_call", args: []string{"--timeout", "200ms", "tailcall.wasm", "spin"}, stderr: "deadline exceeded", bound: 200 * time.Millisecond},
		{name: "memory_write_past_cap", args: []string{"--memory-max-pages", "16", "grow.wasm", "grow_then_write_past"}, stderr: "out of bounds memory access"},
		{name: "stack_overflow", args: []string{"recurse.wasm", "recurse"}, stderr: "stack overflow"},
		{name: "kernel_fault_2^64-1", args: []string{"--stdin", "abi.wasm", "load_u64"}, stdin: args(maxU64, 0), stderr: "load_u64"},
		{name: "kernel_fault_wrap", args: []string{"--stdin", "abi.wasm", "output_set"}, stdin: args(wrapNear, 16), stderr: "output_set"},
		{name: "freed_handle", args: []string{"blocks.wasm", "output_freed_last"}, stderr: "output_set"},
		{name: "ungranted_import", args: []string{"import_user.wasm", "run"}, stderr: "extism:host/user.steal"},
		{name: "wasi_exit_3", args: []string{"--wasi", "exit.wasm", "exit3"}, stderr: "exit code 3"},
		{name: "output_over_cap", args: []string{"--stdin", "output.json", "output_n"}, stdin: u64(1025), stderr: "max_output_bytes"},
		{name: "var_bomb", args: []string{"vars.wasm", "var_bomb"}, stderr: "max_var_bytes"},
		{name: "http_denied", args: []string{"--allow-host", "127.0.0.1", "--stdin", "http.wasm", "request"}, stdin: httpJSON(deniedURL), stderr: "not allowed"},
		{name: "path_dotdot", args: []string{"--allow-path", fs.mount + ":/data", "--input", "../secret.txt", "wasifs.wasm", "read"}, stderr: "read"},
		{name: "path_symlink", args: []string{"--allow-path", fs.mount + ":/data", "--input", "link_file", "wasifs.wasm", "read"}, stderr: "read"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), startup+c.bound+30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, append([]string{"call", "--cache", "off"}, c.args...)...)
			cmd.Dir = dir
			cmd.Stdin = bytes.NewReader(c.stdin)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			meter := startLagMeter()
			start := time.Now()
			err := cmd.Run()
			elapsed, lag := time.Since(start), meter.done()
			t.Logf("%v: exit %d after %v: %s", c.args, cmd.ProcessState.ExitCode(), elapsed.Round(time.Millisecond), strings.TrimSpace(stderr.String()))
			if code := cmd.ProcessState.ExitCode(); code != 1 {
				t.Errorf("exit status %d (%v), want 1", code, err)
			}
			line := stderr.String()
			if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") {
				t.Errorf("stderr has %d lines, want exactly one:\n%s", strings.Count(line, "\n"), line)
			}
			for _, bad := range []string{"panic", "goroutine ", "internal error"} {
				if strings.Contains(line, bad) {
					t.Errorf("stderr mentions %q: the host crashed:\n%s", bad, line)
				}
			}
			if !strings.Contains(line, c.stderr) {
				t.Errorf("stderr does not say %q:\n%s", c.stderr, line)
			}
			if strings.Contains(line, secretText) || strings.Contains(stdout.String(), secretText) {
				t.Errorf("the secret outside the sandbox leaked")
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout is not empty: %q", stdout.Bytes())
			}
			// A process that ran away spends both wall time and CPU time; a
			// process merely starved by a loaded machine spends wall time
			// only. So the bound holds when either measure is within it.
			cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			if msg := overBound(elapsed, startup+c.bound, lag); msg != "" && cpu > startup+c.bound {
				t.Errorf("%s; CPU time %v", msg, cpu.Round(time.Millisecond))
			}
		})
	}
}
