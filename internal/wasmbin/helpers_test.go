package wasmbin

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// tool returns the path of a wabt tool, failing the test if it is missing:
// these tests must never be silently skipped.
func tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found in PATH (install wabt, e.g. `apt-get install wabt`): %v", name, err)
	}
	return p
}

// wat assembles testdata/<name>.wat with wat2wasm and the given flags.
func wat(t testing.TB, name string, flags ...string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), name+".wasm")
	args := append(append([]string{}, flags...), filepath.Join("testdata", name+".wat"), "-o", out)
	cmd := exec.Command(tool(t, "wat2wasm"), args...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("wat2wasm %s: %v\n%s", name, err, msg)
	}
	bin, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// runTool writes bin to a temporary file and runs a wabt tool on it,
// returning its standard output.
func runTool(t testing.TB, name string, bin []byte, flags ...string) []byte {
	t.Helper()
	f := filepath.Join(t.TempDir(), "module.wasm")
	if err := os.WriteFile(f, bin, 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(tool(t, name), append(append([]string{}, flags...), f)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, flags, err, stderr.Bytes())
	}
	return stdout.Bytes()
}

// watShape summarises the flat text format printed by wasm2wat.
type watShape struct {
	funcs, loops, unreachables int
	lines                      []string // trimmed
}

func shapeOf(t testing.TB, bin []byte, flags []string) watShape {
	t.Helper()
	text := runTool(t, "wasm2wat", bin, flags...)
	var s watShape
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		s.lines = append(s.lines, line)
		switch {
		case strings.HasPrefix(line, "(func "):
			s.funcs++
		case line == "loop" || strings.HasPrefix(line, "loop "):
			s.loops++
		case line == "unreachable":
			s.unreachables++
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return s
}

// checkShape verifies, through wasm2wat (an independent decoder), that
// out is in instrumented correctly: the interrupt global is exported, is
// the last global, and the four-instruction check opens every function
// body and every loop, and appears nowhere else.
// flags are wabt feature flags.
func checkShape(t testing.TB, in, out []byte, flags ...string) {
	t.Helper()
	before, after := shapeOf(t, in, flags), shapeOf(t, out, flags)
	gidx := -1
	const exportPrefix = `(export "` + InterruptExport + `" (global `
	for _, l := range after.lines {
		if rest, ok := strings.CutPrefix(l, exportPrefix); ok {
			n, err := strconv.Atoi(rest[:strings.IndexByte(rest+")", ')')])
			if err != nil {
				t.Fatalf("cannot parse %q", l)
			}
			gidx = n
		}
	}
	if gidx < 0 {
		t.Fatalf("no export %q in output", InterruptExport)
	}
	c := gidx + 1 // the countdown
	globalDecl := "(global (;" + strconv.Itoa(gidx) + ";) (mut i32) (i32.const 0))"
	countDecl := "(global (;" + strconv.Itoa(c) + ";) (mut i32) (i32.const " + strconv.Itoa(yieldEvery) + "))"
	var declared, countDeclared bool
	for _, l := range after.lines {
		declared = declared || l == globalDecl
		countDeclared = countDeclared || l == countDecl
		if strings.Contains(l, "(global (;"+strconv.Itoa(c+1)+";)") {
			t.Fatalf("global %d is not the last global: %q", c, l)
		}
	}
	if !declared || !countDeclared {
		t.Fatalf("missing %q or %q", globalDecl, countDecl)
	}

	get := "global.get " + strconv.Itoa(gidx)
	getC := "global.get " + strconv.Itoa(c)
	isCheck := func(i int) bool {
		ls := after.lines
		if i+18 >= len(ls) {
			return false
		}
		is := func(j int, prefix string) bool { return strings.HasPrefix(ls[i+j], prefix) }
		return ls[i] == get && is(1, "if") && ls[i+2] == "unreachable" && is(3, "end") &&
			ls[i+4] == getC && ls[i+5] == "i32.eqz" && is(6, "if") &&
			ls[i+7] == "i32.const "+strconv.Itoa(yieldEvery) && ls[i+8] == "global.set "+strconv.Itoa(c) &&
			is(9, "ref.null func") && ls[i+10] == "i32.const 0" && is(11, "table.grow") && ls[i+12] == "drop" &&
			ls[i+13] == "else" && ls[i+14] == getC && is(18, "end")
	}
	checks := 0
	for i, l := range after.lines {
		if l == get && isCheck(i) {
			checks++
		}
		switch {
		case strings.HasPrefix(l, "(func "):
			j := i + 1
			for j < len(after.lines) && strings.HasPrefix(after.lines[j], "(local") {
				j++
			}
			if !isCheck(j) {
				t.Fatalf("function at output line %d does not start with the check: %q", i+1, after.lines[j:min(j+4, len(after.lines))])
			}
		case l == "loop" || strings.HasPrefix(l, "loop "):
			if !isCheck(i + 1) {
				t.Fatalf("loop at output line %d is not followed by the check: %q", i+1, after.lines[i+1:min(i+5, len(after.lines))])
			}
		}
	}
	if after.funcs != before.funcs || after.loops != before.loops {
		t.Fatalf("funcs/loops changed: %d/%d -> %d/%d", before.funcs, before.loops, after.funcs, after.loops)
	}
	if want := before.funcs + before.loops; checks != want {
		t.Fatalf("found %d checks, want %d (functions + loops)", checks, want)
	}
	if got, want := after.unreachables-before.unreachables, checks; got != want {
		t.Fatalf("unreachable count grew by %d, want %d", got, want)
	}
}
