package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestCall runs the cases of the Go SDK's Extism suite that the flags of
// tendril call can express, against the same reference plug-ins. (Plug-ins
// in standard Go and Haskell are large: wazero takes seconds to compile them
// under -race, so TestBinary runs those.)
func TestCall(t *testing.T) {
	cv := ref(t, "count_vowels.wasm")
	tests := []struct {
		name  string
		args  []string
		stdin string
		want  want
	}{
		{"hello", []string{"call", ref(t, "hello.wasm"), "run_test"},
			"", want{stdout: "Hello, world!"}},
		{"count_vowels/input", []string{"call", cv, "count_vowels", "--input", "hello world"},
			"", want{stdout: `{"count":3,"total":3,"vowels":"aeiouAEIOU"}`}},
		{"count_vowels/many", []string{"call", cv, "count_vowels", "--input", "aaaaaa"},
			"", want{stdout: `{"count":6,"total":6,"vowels":"aeiouAEIOU"}`}},
		{"count_vowels/none", []string{"call", cv, "count_vowels", "--input", "bbbbbbb"},
			"", want{stdout: `{"count":0,"total":0,"vowels":"aeiouAEIOU"}`}},
		{"count_vowels/empty", []string{"call", cv, "count_vowels"},
			"", want{stdout: `{"count":0,"total":0,"vowels":"aeiouAEIOU"}`}},
		{"count_vowels/stdin", []string{"call", "--stdin", cv, "count_vowels"},
			"hello world", want{stdout: `{"count":3,"total":3,"vowels":"aeiouAEIOU"}`}},
		// Vars survive calls on one instance: the running total grows.
		{"count_vowels/loop", []string{"call", cv, "count_vowels", "--input", "aaa", "--loop", "2"},
			"", want{stdout: `{"count":3,"total":3,"vowels":"aeiouAEIOU"}` + "\n" +
				`{"count":3,"total":6,"vowels":"aeiouAEIOU"}` + "\n"}},
		{"count_vowels/loop 1 adds the newline", []string{"call", cv, "count_vowels", "--loop=1"},
			"", want{stdout: `{"count":0,"total":0,"vowels":"aeiouAEIOU"}` + "\n"}},
		{"fail", []string{"call", ref(t, "fail.wasm"), "run_test"},
			"", want{code: 1, stderr: []string{"Some error message"}, oneLine: true}},
		{"config", []string{"call", ref(t, "config.wasm"), "run_test", "--wasi", "--config", "thing=hello"},
			"", want{stdout: `{"config": "hello"}`}},
		{"config/value with =", []string{"call", ref(t, "config.wasm"), "run_test", "--wasi", "--config", "thing=a=b"},
			"", want{stdout: `{"config": "a=b"}`}},
		{"config/last wins", []string{"call", ref(t, "config.wasm"), "run_test", "--wasi", "--config", "thing=1", "--config=thing=2"},
			"", want{stdout: `{"config": "2"}`}},
		{"no WASI", []string{"call", ref(t, "config.wasm"), "run_test"},
			"", want{code: 1, stderr: []string{"wasi_snapshot_preview1", "--wasi"}, oneLine: true}},
		{"unknown function", []string{"call", cv, "i_dont_exist"},
			"", want{code: 1, stderr: []string{`no function "i_dont_exist"`, "count_vowels"}, oneLine: true}},
		{"exit/500", []string{"call", ref(t, "exit.wasm"), "_start", "--wasi", "--config", "code=500"},
			"", want{code: 1, stderr: []string{"exit code 500"}, oneLine: true}},
		{"exit/-1", []string{"call", ref(t, "exit.wasm"), "_start", "--wasi", "--config", "code=-1"},
			"", want{code: 1, stderr: []string{"exit code 4294967295"}, oneLine: true}},
		{"exit/abc", []string{"call", ref(t, "exit.wasm"), "_start", "--wasi", "--config", "code=abc"},
			"", want{code: 1, stderr: []string{"exit code 1"}, oneLine: true}},
		{"exit/no config", []string{"call", ref(t, "exit.wasm"), "_start", "--wasi"},
			"", want{code: 1, stderr: []string{"exit code 2"}, oneLine: true}},
		{"exit/0 is success", []string{"call", ref(t, "exit.wasm"), "_start", "--wasi", "--config", "code=0"},
			"", want{}},
		{"sleep/0", []string{"call", ref(t, "sleep.wasm"), "run_test", "--wasi", "--config", "duration=0", "--timeout", "10s"},
			"", want{stdout: "slept for 0 seconds"}},
		{"input_offset", []string{"call", ref(t, "input_offset.wasm"), "input_offset_length", "--wasi", "--input", "hello world"},
			"", want{stdout: "\x0b\x00\x00\x00\x00\x00\x00\x00"}},
		{"alloc", []string{"call", ref(t, "alloc.wasm"), "run_test", "--wasi"},
			"", want{}},
		{"var/loop", []string{"call", ref(t, "var.wasm"), "run_test", "--wasi", "--loop", "2"},
			"", want{stdout: "a: 0\na: 0\n"}},
		{"println goes to stderr", []string{"call", ref(t, "println.wasm"), "run_test", "--wasi"},
			"", want{stderr: []string{"this was printed from the plugin"}}},
		{"http/denied", []string{"call", ref(t, "http.wasm"), "run_test", "--wasi"},
			"", want{code: 1, stderr: []string{"not allowed", "jsonplaceholder.typicode.com"}, oneLine: true}},
		{"http/denied by pattern", []string{"call", ref(t, "http.wasm"), "run_test", "--wasi", "--allow-host", "google.*"},
			"", want{code: 1, stderr: []string{"not allowed", "jsonplaceholder.typicode.com"}, oneLine: true}},
		{"host functions cannot be granted", []string{"call", ref(t, "host.wasm"), "run_test", "--wasi"},
			"", want{code: 1, stderr: []string{"extism:host/user.mult"}, oneLine: true}},
		{"memory-max-pages/too few", []string{"call", cv, "count_vowels", "--memory-max-pages", "16"},
			"", want{code: 1, stderr: []string{"17 pages"}, oneLine: true}},
		{"memory-max-pages/enough", []string{"call", cv, "count_vowels", "--memory-max-pages", "32", "--input", "a"},
			"", want{stdout: `{"count":1,"total":1,"vowels":"aeiouAEIOU"}`}},
		{"flags first", []string{"call", "--input", "aei", "--loop", "1", cv, "count_vowels"},
			"", want{stdout: `{"count":3,"total":3,"vowels":"aeiouAEIOU"}` + "\n"}},
		{"flags between", []string{"call", cv, "-input=aei", "count_vowels"},
			"", want{stdout: `{"count":3,"total":3,"vowels":"aeiouAEIOU"}`}},
		{"input that looks like a flag", []string{"call", cv, "count_vowels", "--input", "--aei"},
			"", want{stdout: `{"count":3,"total":3,"vowels":"aeiouAEIOU"}`}},
		{"double dash ends flags", []string{"call", "--input", "a", "--", cv, "count_vowels"},
			"", want{stdout: `{"count":1,"total":1,"vowels":"aeiouAEIOU"}`}},
		{"no such file", []string{"call", filepath.Join(t.TempDir(), "nope.wasm"), "run_test"},
			"", want{code: 1, stderr: []string{"nope.wasm", "no such file"}, oneLine: true}},
		{"not wasm", []string{"call", writeFile(t, "not.wasm", "hello"), "run_test"},
			"", want{code: 1, stderr: []string{"not.wasm"}, oneLine: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.want.check(t, tendril(t, tc.stdin, tc.args...))
		})
	}
}

// TestCallMounts runs the plug-ins that read and write /mnt/test.txt
// ("hello world!"), each on its own copy of it: fs.wasm writes back what it
// read, and read_write.wasm's try_write appends.
func TestCallMounts(t *testing.T) {
	tests := []struct {
		name     string
		plugin   string
		function string
		ro       bool
		flags    []string
		want     want
		file     string // test.txt afterwards
	}{
		{"fs", "fs.wasm", "run_test", false, []string{"--wasi"}, want{stdout: "hello world!"}, "hello world!"},
		{"fs/allow-path implies WASI", "fs.wasm", "run_test", false, nil, want{stdout: "hello world!"}, "hello world!"},
		{"fs/read-only", "fs.wasm", "run_test", true, nil,
			want{code: 1, stderr: []string{"open /mnt/test.txt"}}, "hello world!"},
		{"read_write/read", "read_write.wasm", "try_read", true, []string{"--wasi"},
			want{stdout: "hello world!"}, "hello world!"},
		{"read_write/write denied", "read_write.wasm", "try_write", true, []string{"--wasi", "--input", "hello hello!"},
			want{code: 1, stderr: []string{"Failed to write file"}, oneLine: true}, "hello world!"},
		{"read_write/write", "read_write.wasm", "try_write", false, []string{"--wasi", "--input", "hello hello!"},
			want{stdout: "hello world!hello hello!"}, "hello world!hello hello!"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := testdata(t)
			mount := dir + ":/mnt"
			if tc.ro {
				mount = "ro:" + mount
			}
			args := append([]string{"call", ref(t, tc.plugin), tc.function, "--allow-path", mount,
				"--config", "path=/mnt/test.txt"}, tc.flags...)
			tc.want.check(t, tendril(t, "", args...))
			if b, err := os.ReadFile(filepath.Join(dir, "test.txt")); err != nil || string(b) != tc.file {
				t.Errorf("test.txt = %q, %v; want %q", b, err, tc.file)
			}
		})
	}
}

// TestCallUsage checks that a bad command line exits 2 with one line that
// says what is wrong (flags spelled --name, the format a value wants), and a
// pointer to --help, not the whole usage.
func TestCallUsage(t *testing.T) {
	cv := ref(t, "count_vowels.wasm")
	pointer := "Run 'tendril call --help' for usage.\n"
	tests := []struct {
		name string
		args []string
		msg  string
	}{
		{"unknown flag", []string{"call", cv, "count_vowels", "--bogus"}, "unknown flag --bogus"},
		{"missing function", []string{"call", cv}, "got 1 arguments"},
		{"no arguments", []string{"call"}, "got 0 arguments"},
		{"too many arguments", []string{"call", cv, "count_vowels", "extra"}, "got 3 arguments"},
		{"missing flag value", []string{"call", cv, "count_vowels", "--input"}, "--input needs a value"},
		{"input and stdin", []string{"call", cv, "count_vowels", "--input", "a", "--stdin"}, "exclude"},
		{"bad config", []string{"call", cv, "count_vowels", "--config", "novalue"}, `--config: want KEY=VALUE, got "novalue"`},
		{"empty config key", []string{"call", cv, "count_vowels", "--config", "=v"}, "KEY=VALUE"},
		{"bad allow-path", []string{"call", cv, "count_vowels", "--allow-path", "/tmp"}, `--allow-path: want [ro:]HOSTDIR:GUESTDIR, got "/tmp"`},
		{"bad log level", []string{"call", cv, "count_vowels", "--log-level", "loud"}, "loud"},
		{"bad timeout", []string{"call", cv, "count_vowels", "--timeout", "100"}, `--timeout: want a duration like 200ms or 2s, got "100"`},
		{"timeout in words", []string{"call", cv, "count_vowels", "--timeout=soon"}, `--timeout: want a duration like 200ms or 2s, got "soon"`},
		{"negative timeout", []string{"call", cv, "count_vowels", "--timeout", "-1s"}, "--timeout: want a duration of 0 or more, got -1s"},
		{"zero loop", []string{"call", cv, "count_vowels", "--loop", "0"}, `--loop: want a whole number, 1 or more, got "0"`},
		{"loop not a number", []string{"call", cv, "count_vowels", "--loop", "many"}, `--loop: want a whole number, 1 or more, got "many"`},
		{"bad bool", []string{"call", cv, "count_vowels", "--wasi=maybe"}, `--wasi: want true or false, got "maybe"`},
		{"single dash spelled double", []string{"call", cv, "count_vowels", "-timeout", "x"}, `--timeout: want a duration`},
		{"zero pages", []string{"call", cv, "count_vowels", "--memory-max-pages", "0"}, `--memory-max-pages: want a whole number from 1 to 65536, got "0"`},
		{"too many pages", []string{"call", cv, "count_vowels", "--memory-max-pages", "65537"}, `--memory-max-pages: want a whole number from 1 to 65536, got "65537"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tendril(t, "", tc.args...)
			want{code: 2, stderr: []string{tc.msg}, stderrNot: []string{"Usage:", "parse error", " -timeout"}}.check(t, r)
			first, rest, _ := strings.Cut(r.stderr, "\n")
			if !strings.HasPrefix(first, "tendril call: ") {
				t.Errorf("first line %q, want the error", first)
			}
			if rest != pointer {
				t.Errorf("after the error: %q, want %q", rest, pointer)
			}
		})
	}
}

// TestCallTimeout checks that --timeout stops a plug-in sleeping for 20 s
// (sleep.wasm) at the deadline: the call fails with "deadline exceeded" long
// before the sleep would have ended. On an idle machine it takes about 0.1 s
// more than the same call without sleeping; the bound, half the sleep, holds
// however loaded the machine is.
func TestCallTimeout(t *testing.T) {
	sleep := ref(t, "sleep.wasm")
	args := []string{"call", sleep, "run_test", "--wasi", "--timeout", "100ms", "--config"}
	tendril(t, "", append(args, "duration=0")...) // compile into the cache
	r, base := timed(func() result { return tendril(t, "", append(args, "duration=0")...) })
	want{stdout: "slept for 0 seconds"}.check(t, r)
	r, elapsed := timed(func() result { return tendril(t, "", append(args, "duration="+sleepSeconds)...) })
	want{code: 1, stderr: []string{"deadline exceeded"}, oneLine: true}.check(t, r)
	t.Logf("--timeout 100ms: %v; the same call without sleeping: %v", elapsed, base)
	if elapsed > base+sleepFor/2 {
		t.Errorf("the call took %v with --timeout 100ms, %v without sleeping: the sleep was not cut short", elapsed, base)
	}
}

// A sleep that --timeout must cut short.
const (
	sleepSeconds = "20"
	sleepFor     = 20 * time.Second
)

// timed runs f and says how long it took.
func timed(f func() result) (result, time.Duration) {
	start := time.Now()
	r := f()
	return r, time.Since(start)
}

// TestCallLogLevel checks which of log.wasm's five logs reach stderr.
func TestCallLogLevel(t *testing.T) {
	logs := []string{"this is a trace log", "this is a debug log", "this is an info log",
		"this is a warning log", "this is an error log"}
	tests := []struct {
		level string // "" for the default
		shown int    // logs[shown:] are shown
	}{
		{"trace", 0}, {"debug", 1}, {"info", 2}, {"warn", 3}, {"", 3}, {"error", 4}, {"off", 5},
	}
	for _, tc := range tests {
		t.Run("level="+tc.level, func(t *testing.T) {
			t.Parallel()
			args := []string{"call", ref(t, "log.wasm"), "run_test", "--wasi"}
			if tc.level != "" {
				args = append(args, "--log-level", tc.level)
			}
			w := want{stderr: logs[tc.shown:], stderrNot: logs[:tc.shown]}
			if tc.shown == len(logs) {
				w.stderr = nil // nothing at all
			}
			r := tendril(t, "", args...)
			w.check(t, r)
			if tc.level == "trace" && !strings.Contains(r.stderr, "level=TRACE") {
				t.Errorf("trace logs are not labelled TRACE: %q", r.stderr)
			}
		})
	}
}

// TestCallHTTP runs http_headers.wasm, which requests the URL of its input,
// against a local server.
func TestCallHTTP(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("X-Test", "yes")
		w.Write([]byte("hi"))
	}))
	defer srv.Close()
	req, _ := json.Marshal(map[string]string{"url": srv.URL})
	plugin := ref(t, "http_headers.wasm")

	// Allowed: the request reaches the server. (The CLI does not grant
	// response headers, so the plug-in sees none: "{}".)
	r := tendril(t, "", "call", plugin, "http_get", "--wasi", "--input", string(req), "--allow-host", "127.0.0.1")
	want{stdout: "{}"}.check(t, r)
	if hits.Load() != 1 {
		t.Errorf("the server got %d requests, want 1", hits.Load())
	}

	// Denied: without --allow-host, or with one that does not match.
	for _, extra := range [][]string{nil, {"--allow-host", "example.com"}} {
		args := append([]string{"call", plugin, "http_get", "--wasi", "--input", string(req)}, extra...)
		want{code: 1, stderr: []string{"not allowed", "127.0.0.1"}, oneLine: true}.check(t, tendril(t, "", args...))
	}
	if hits.Load() != 1 {
		t.Errorf("the server got %d requests, want 1", hits.Load())
	}
}

// TestCallManifest runs plug-ins described by manifest files, whose relative
// paths are relative to the manifest, not to the working directory.
func TestCallManifest(t *testing.T) {
	dir := t.TempDir()
	rel := func(path string) string {
		r, err := filepath.Rel(dir, path)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	manifest := func(name string, m map[string]any) string {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	wasm := func(name string) []map[string]any {
		return []map[string]any{{"path": rel(ref(t, name))}}
	}
	hello := manifest("hello.json", map[string]any{"wasm": wasm("hello.wasm")})
	linked := manifest("linked.json", map[string]any{"wasm": []map[string]any{
		{"path": rel(ref(t, "lib.wasm")), "name": "lib"},
		{"path": rel(ref(t, "main.wasm")), "name": "main"},
	}})
	config := manifest("config.json", map[string]any{"wasm": wasm("config.wasm"), "config": map[string]string{"thing": "manifest"}})
	fs := manifest("fs.json", map[string]any{"wasm": wasm("fs.wasm"), "allowed_paths": map[string]string{rel(testdata(t)): "/mnt"}})
	sleep := manifest("sleep.json", map[string]any{"wasm": wasm("sleep.wasm"), "config": map[string]string{"duration": "3"}, "timeout_ms": 100})
	slow := manifest("slow.json", map[string]any{"wasm": wasm("sleep.wasm"), "config": map[string]string{"duration": "3"}, "timeout_ms": 60000})
	pages := manifest("pages.json", map[string]any{"wasm": wasm("count_vowels.wasm"), "memory": map[string]any{"max_pages": 16}})
	bad := manifest("bad.json", map[string]any{"wasm": wasm("hello.wasm"), "colour": "blue"})
	missing := manifest("missing.json", map[string]any{"wasm": []map[string]any{{"path": "nope.wasm"}}})

	tests := []struct {
		name string
		args []string
		want want
	}{
		{"relative path", []string{"call", hello, "run_test"}, want{stdout: "Hello, world!"}},
		{"module linking", []string{"call", linked, "run_test", "--wasi", "--input", "benjamin"}, want{stdout: "Hello, BENJAMIN"}},
		{"config", []string{"call", config, "run_test", "--wasi"}, want{stdout: `{"config": "manifest"}`}},
		{"config overridden", []string{"call", config, "run_test", "--wasi", "--config", "thing=flag"}, want{stdout: `{"config": "flag"}`}},
		{"relative allowed path", []string{"call", fs, "run_test"}, want{stdout: "hello world!"}},
		{"timeout", []string{"call", sleep, "run_test", "--wasi"}, want{code: 1, stderr: []string{"deadline exceeded"}, oneLine: true}},
		{"timeout overridden", []string{"call", slow, "run_test", "--wasi", "--timeout", "100ms"}, want{code: 1, stderr: []string{"deadline exceeded"}, oneLine: true}},
		{"max pages", []string{"call", pages, "count_vowels"}, want{code: 1, stderr: []string{"17 pages"}, oneLine: true}},
		{"max pages overridden", []string{"call", pages, "count_vowels", "--memory-max-pages", "20"}, want{stdout: `{"count":0,"total":0,"vowels":"aeiouAEIOU"}`}},
		{"unknown field", []string{"call", bad, "run_test"}, want{code: 1, stderr: []string{"bad.json", "colour"}, oneLine: true}},
		{"missing module", []string{"call", missing, "run_test"}, want{code: 1, stderr: []string{"nope.wasm"}, oneLine: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.want.check(t, tendril(t, "", tc.args...))
		})
	}
}

// TestRecover checks the last line of defence: a panic in the CLI is one
// line on stderr and status 1.
func TestRecover(t *testing.T) {
	var errOut strings.Builder
	code := run(t.Context(), []string{"version"}, nil, panicWriter{}, &errOut)
	want{code: 1, stderr: []string{"internal error", "writer exploded"}, oneLine: true}.check(t,
		result{code: code, stderr: errOut.String()})
}

type panicWriter struct{}

func (panicWriter) Write([]byte) (int, error) { panic("writer exploded") }

// writeFile writes a file into a new temporary directory.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCallNotWasm checks that a file that is not a WebAssembly module gets a
// message that says what it is, on one line.
func TestCallNotWasm(t *testing.T) {
	for _, tc := range []struct{ name, content, msg string }{
		{"empty.wasm", "", "empty.wasm: empty file, want a WebAssembly module"},
		{"text.wasm", ";; a module\n(module)\n", "text.wasm: WebAssembly text, not a binary module: assemble it first (wat2wasm "},
		{"manifest.wasm", `{"wasm":[]}`, "manifest.wasm: not a WebAssembly module; a manifest must be a file ending in .json"},
		{"notes.wasm", "hello\n", `notes.wasm: not a WebAssembly module (a .wasm file starts with \0asm)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tendril(t, "", "call", writeFile(t, tc.name, tc.content), "run")
			want{code: 1, stderr: []string{tc.msg}, oneLine: true}.check(t, r)
		})
	}
}
