package main

import (
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"
)

// Two modules too small to need a toolchain, in binary form.
var (
	// (module (func (export "run") unreachable))
	trapWasm = "\x00asm\x01\x00\x00\x00" +
		"\x01\x04\x01\x60\x00\x00" + // type: func () -> ()
		"\x03\x02\x01\x00" + // function 0 has type 0
		"\x07\x07\x01\x03run\x00\x00" + // export "run" = function 0
		"\x0a\x05\x01\x03\x00\x00\x0b" // code: unreachable end
	// (module (func (export "run") (loop (br 0))))
	spinWasm = "\x00asm\x01\x00\x00\x00" +
		"\x01\x04\x01\x60\x00\x00" +
		"\x03\x02\x01\x00" +
		"\x07\x07\x01\x03run\x00\x00" +
		"\x0a\x09\x01\x07\x00\x03\x40\x0c\x00\x0b\x0b" // code: loop br 0 end end
)

// TestBinary runs the built command: exit statuses, stdout that holds the
// output and nothing else, one line on stderr for a failure, never a panic
// trace.
func TestBinary(t *testing.T) {
	cv := ref(t, "count_vowels.wasm")
	tests := []struct {
		name  string
		args  []string
		stdin string
		want  want
	}{
		{"hello", []string{"call", ref(t, "hello.wasm"), "run_test"}, "", want{stdout: "Hello, world!"}},
		{"stdin", []string{"call", cv, "count_vowels", "--stdin"}, "hello world",
			want{stdout: `{"count":3,"total":3,"vowels":"aeiouAEIOU"}`}},
		{"loop", []string{"call", cv, "count_vowels", "--loop", "2", "--input", "aaa"}, "",
			want{stdout: `{"count":3,"total":3,"vowels":"aeiouAEIOU"}` + "\n" + `{"count":3,"total":6,"vowels":"aeiouAEIOU"}` + "\n"}},
		{"fail", []string{"call", ref(t, "fail.wasm"), "run_test"}, "",
			want{code: 1, stderr: []string{"Some error message"}, oneLine: true}},
		{"exit", []string{"call", ref(t, "exit.wasm"), "_start", "--wasi", "--config", "code=500"}, "",
			want{code: 1, stderr: []string{"exit code 500"}, oneLine: true}},
		{"trap", []string{"call", writeFile(t, "trap.wasm", trapWasm), "run"}, "",
			want{code: 1, stderr: []string{"run: trap", "unreachable"}, oneLine: true}},
		{"standard Go command", []string{"call", ref(t, "std_command.wasm"), "_start", "--wasi", "--input", "ben"}, "",
			want{stdout: "hello ben"}},
		{"haskell", []string{"call", "--wasi", "--config", "greeting=Howdy", ref(t, "hello_haskell.wasm"), "testing", "--input", "John"}, "",
			want{stdout: "Howdy, John"}},
		// The plug-in's own stdout is not the command's.
		{"println", []string{"call", ref(t, "println.wasm"), "run_test", "--wasi"}, "",
			want{stderr: []string{"this was printed from the plugin"}}},
		{"logs", []string{"call", ref(t, "log.wasm"), "run_test", "--wasi", "--log-level", "trace"}, "",
			want{stderr: []string{"level=TRACE", "this is an error log"}}},
		{"bad flag", []string{"call", "--bogus", ref(t, "hello.wasm"), "run_test"}, "",
			want{code: 2, stderr: []string{"tendril call: unknown flag --bogus\nRun 'tendril call --help' for usage.\n"}}},
		{"no command", nil, "", want{code: 2, stderr: []string{"Usage:", "tendril call"}}},
		{"inspect text", []string{"inspect", writeFile(t, "notes.txt", "not wasm\n")}, "",
			want{code: 1, stderr: []string{"notes.txt", "not a WebAssembly module"}, oneLine: true}},
		{"help", []string{"help"}, "", want{stdoutHas: []string{"tendril call", "tendril inspect", "tendril build"}}},
		{"version", []string{"version"}, "", want{stdoutHas: []string{"tendril ", "wazero v"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.want.check(t, exe(t, tc.stdin, tc.args...))
		})
	}
}

// TestBinaryTimeout checks that --timeout stops a guest sleeping in WASI and
// one spinning in a loop at the deadline: the call fails with "deadline
// exceeded", on an idle machine about 0.1 s after a call that does not sleep,
// and in any case long before the 20 s sleep would have ended.
func TestBinaryTimeout(t *testing.T) {
	sleep := ref(t, "sleep.wasm")
	spin := writeFile(t, "spin.wasm", spinWasm)
	nap := []string{"call", sleep, "run_test", "--wasi", "--timeout", "100ms", "--config"}
	exe(t, "", append(nap, "duration=0")...) // compile into the cache
	r, base := timed(func() result { return exe(t, "", append(nap, "duration=0")...) })
	want{stdout: "slept for 0 seconds"}.check(t, r)
	for _, args := range [][]string{
		append(nap, "duration="+sleepSeconds),
		{"call", spin, "run", "--timeout", "100ms"},
	} {
		r, elapsed := timed(func() result { return exe(t, "", args...) })
		want{code: 1, stderr: []string{"deadline exceeded"}, oneLine: true}.check(t, r)
		t.Logf("%s with --timeout 100ms: %v; a call that does not sleep: %v", filepath.Base(args[1]), elapsed, base)
		if elapsed > base+sleepFor/2 {
			t.Errorf("%s took %v with --timeout 100ms; a call that does not sleep, %v",
				filepath.Base(args[1]), elapsed, base)
		}
	}
}

// TestBinaryCache checks that the default compilation cache is in the
// user's cache directory.
func TestBinaryCache(t *testing.T) {
	if goruntime.GOOS != "linux" {
		t.Skip("the user's cache directory is $XDG_CACHE_HOME on Linux only")
	}
	home := t.TempDir()
	want{stdout: "Hello, world!"}.check(t, exeHome(t, home, "", "call", ref(t, "hello.wasm"), "run_test"))
	entries, err := os.ReadDir(filepath.Join(home, "cache", "tendril"))
	if err != nil || len(entries) == 0 {
		t.Errorf("no compilation cache: %v, %d entries", err, len(entries))
	}
	// --cache off leaves no trace; a cache that cannot be made is an error.
	want{stdout: "Hello, world!"}.check(t, exe(t, "", "call", "--cache", "off", ref(t, "hello.wasm"), "run_test"))
	file := writeFile(t, "file", "")
	r := exe(t, "", "call", "--cache", filepath.Join(file, "sub"), ref(t, "hello.wasm"), "run_test")
	want{code: 1, stderr: []string{"cache"}, oneLine: true}.check(t, r)
	if strings.Contains(r.stdout, "Hello") {
		t.Errorf("stdout = %q", r.stdout)
	}
}
