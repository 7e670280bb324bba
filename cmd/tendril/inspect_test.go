package main

import (
	"strings"
	"testing"
)

func TestInspect(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want want
	}{
		{"kernel", []string{"inspect", ref(t, "count_vowels.wasm")}, want{stdoutHas: []string{
			"extism:host/env\n", "    input_length() -> i64\n", "    count_vowels() -> i32\n",
			"memory: min 17 pages, no max", "Extism kernel (extism:host/env): 14 functions\n",
			"WASI preview1: no\n", "host functions: none\n",
			"kind: library (neither _start nor _initialize)\n",
		}}},
		{"WASI command", []string{"inspect", ref(t, "noop.wasm")}, want{stdoutHas: []string{
			"WASI preview1: yes", "kind: WASI command (_start)", "_start()",
		}}},
		{"host functions", []string{"inspect", ref(t, "host.wasm")}, want{stdoutHas: []string{
			"extism:host/user\n    mult(i64, i64) -> i64\n", "host functions: extism:host/user (1)",
		}}},
		{"linked module", []string{"inspect", ref(t, "main.wasm")}, want{stdoutHas: []string{
			"lib\n    capitalize(i64) -> i64\n", "host functions: lib (1)",
		}}},
		{"trap", []string{"inspect", writeFile(t, "trap.wasm", trapWasm)}, want{stdoutHas: []string{
			"imports:\n  none\n", "exports:\n  1 function:\n    run()\n  0 memories:\n",
			"Extism kernel (extism:host/env): 0 functions",
		}}},
		{"text file", []string{"inspect", writeFile(t, "notes.txt", "hello\nworld\n")},
			want{code: 1, stderr: []string{"notes.txt: not a WebAssembly module"}, oneLine: true}},
		{"truncated module", []string{"inspect", writeFile(t, "short.wasm", trapWasm[:20])},
			want{code: 1, stderr: []string{"short.wasm: invalid WebAssembly module"}, oneLine: true}},
		{"no such file", []string{"inspect", "nope.wasm"},
			want{code: 1, stderr: []string{"nope.wasm"}, oneLine: true}},
		{"no file", []string{"inspect"},
			want{code: 2, stderr: []string{"got 0 arguments", "tendril inspect --help"}, stderrNot: []string{"Usage:"}}},
		{"help", []string{"inspect", "--help"}, want{stdout: inspectUsage}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := tendril(t, "", tc.args...)
			tc.want.check(t, r)
			if r.code == 0 && !strings.HasPrefix(r.stdout, "module "+tc.args[1]) && tc.name != "help" {
				t.Errorf("stdout does not start with the module: %q", r.stdout)
			}
		})
	}
}
