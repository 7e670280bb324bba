package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestBuild builds an example plug-in of the repository the way its README
// says, with the default output name, then calls and inspects it through the
// built command (compiling a standard-Go module in-process under -race is
// slow).
func TestBuild(t *testing.T) {
	example, err := filepath.Abs(filepath.Join("..", "..", "examples", "plugins", "count_vowels"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(example); err != nil {
		t.Fatalf("the example plug-in is missing: %v", err)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	want{}.check(t, tendril(t, "", "build", example))
	wasm := filepath.Join(dir, "count_vowels.wasm")
	if _, err := os.Stat(wasm); err != nil {
		t.Fatalf("build wrote no count_vowels.wasm: %v", err)
	}
	want{stdout: `{"count":3,"total":3,"vowels":"aeiouAEIOU"}` + "\n" + `{"count":3,"total":6,"vowels":"aeiouAEIOU"}` + "\n"}.check(t,
		exe(t, "", "call", wasm, "count_vowels", "--wasi", "--input", "hello world", "--loop", "2"))
	want{stdoutHas: []string{"count_vowels() -> i32", "WASI reactor (_initialize)", "WASI preview1: yes"}}.check(t,
		exe(t, "", "inspect", wasm))

	// -o names the output, before or after the directory.
	out := filepath.Join(dir, "sub.wasm")
	want{}.check(t, tendril(t, "", "build", example, "-o", out))
	if _, err := os.Stat(out); err != nil {
		t.Errorf("build -o wrote nothing: %v", err)
	}
}

// TestBuildErrors checks what a failed build prints.
func TestBuildErrors(t *testing.T) {
	broken := t.TempDir()
	for name, content := range map[string]string{
		"go.mod":  "module broken\n\ngo 1.24\n",
		"main.go": "package main\n\nfunc main() { undefinedThing() }\n",
	} {
		if err := os.WriteFile(filepath.Join(broken, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "out.wasm")
	tests := []struct {
		name string
		args []string
		want want
	}{
		{"compile error", []string{"build", "-o", out, broken},
			want{code: 1, stderr: []string{"tendril: build ", "undefinedThing"}}},
		{"no such directory", []string{"build", "-o", out, filepath.Join(broken, "nope")},
			want{code: 1, stderr: []string{"nope"}, oneLine: true}},
		{"two directories", []string{"build", broken, broken},
			want{code: 2, stderr: []string{"got 2 arguments", "tendril build --help"}, stderrNot: []string{"Usage:"}}},
		{"unknown flag", []string{"build", "--out", out, broken},
			want{code: 2, stderr: []string{"unknown flag --out", "tendril build --help"}, stderrNot: []string{"Usage:"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.want.check(t, tendril(t, "", tc.args...))
		})
	}
}
