package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// bench runs tendril bench with the tests' compilation cache.
func bench(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	return tendril(t, stdin, append([]string{"bench", "--cache", filepath.Join(testDir, "cache")}, args...)...)
}

// TestBenchJSON runs a sweep end to end and reads its --json report.
func TestBenchJSON(t *testing.T) {
	r := bench(t, "", ref(t, "count_vowels.wasm"), "count_vowels", "--input", "hello, world",
		"--concurrency", "1,2", "--pool", "1,2", "--calls", "300", "--warmup", "10ms", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	require.Empty(t, r.stderr, "no progress bar when stderr is not a terminal")
	var rep benchReport
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep), r.stdout)
	require.Equal(t, "count_vowels", rep.Plugin)
	require.Equal(t, "count_vowels", rep.Function)
	require.Equal(t, len("hello, world"), rep.InputBytes)
	require.Positive(t, rep.CPUs)
	require.Len(t, rep.Results, 4)
	for i, want := range [][2]int{{1, 1}, {1, 2}, {2, 1}, {2, 2}} {
		res := rep.Results[i]
		require.Equal(t, want, [2]int{res.Goroutines, res.Pool})
		require.Equal(t, int64(300), res.Calls, "--calls is exact")
		require.Positive(t, res.Seconds)
		require.InDelta(t, float64(res.Calls)/res.Seconds, res.CallsPerSec, 1e-6*res.CallsPerSec)
		l := res.Latency
		require.Positive(t, l.P50)
		require.True(t, l.P50 <= l.P90 && l.P90 <= l.P99 && l.P99 <= l.Max, "%+v", l)
		require.Positive(t, l.Mean)
		require.GreaterOrEqual(t, res.AllocsPerCall, 0.0)
		require.Zero(t, res.Instances, "instances are made before the clock starts")
		if res.Goroutines <= res.Pool {
			require.Zero(t, res.Waits, "no goroutine waits with an instance each")
		}
	}
}

// TestBenchTable: the default output is a table, the input may come from
// a file or stdin, and --duration bounds a run.
func TestBenchTable(t *testing.T) {
	cv := ref(t, "count_vowels.wasm")
	file := writeFile(t, "input.txt", "aeiou")
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
	}{
		{"input-file", "", []string{"--input-file", file}},
		{"stdin", "aeiou", []string{"--stdin"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{cv, "count_vowels", "--duration", "50ms", "--warmup", "0s", "--concurrency", "2"}, tc.args...)
			r := bench(t, tc.stdin, args...)
			want{stdoutHas: []string{
				"plug-in count_vowels, function count_vowels, input 5 B;",
				"goroutines  pool  calls  calls/s  ",
				"p50", "p99", "allocs/call",
			}}.check(t, r)
			lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
			require.Len(t, lines, 4, r.stdout) // title, blank, header, one configuration
			fields := strings.Fields(lines[3])
			require.Equal(t, []string{"2", "2"}, fields[:2])
		})
	}
}

// TestBenchFailure: the first failed call stops the run, with the plug-in's
// error on one line.
func TestBenchFailure(t *testing.T) {
	r := bench(t, "", ref(t, "fail.wasm"), "run_test", "--calls", "10", "--warmup", "0s")
	want{code: 1, stderr: []string{"Some error message"}, oneLine: true}.check(t, r)
	r = bench(t, "", ref(t, "count_vowels.wasm"), "nope", "--calls", "10")
	want{code: 1, stderr: []string{`has no function "nope"`, "count_vowels"}, oneLine: true}.check(t, r)
}

func TestBenchUsage(t *testing.T) {
	cv := ref(t, "count_vowels.wasm")
	pointer := "Run 'tendril bench --help' for usage.\n"
	for _, tc := range []struct {
		name string
		args []string
		msg  string
	}{
		{"no arguments", []string{}, "want a plug-in and a function, got 0 arguments"},
		{"two inputs", []string{cv, "count_vowels", "--input", "a", "--stdin"}, "--input, --input-file and --stdin exclude each other"},
		{"duration and calls", []string{cv, "count_vowels", "--duration", "1s", "--calls", "5"}, "--duration and --calls exclude each other"},
		{"bad list", []string{cv, "count_vowels", "--concurrency", "1,x"}, `--concurrency: want whole numbers of 1 or more separated by commas, got "1,x"`},
		{"zero pool", []string{cv, "count_vowels", "--pool", "0"}, `--pool: want whole numbers of 1 or more`},
		{"zero duration", []string{cv, "count_vowels", "--duration", "0s"}, "--duration: want a duration over 0, got 0s"},
		{"bad warmup", []string{cv, "count_vowels", "--warmup", "soon"}, `--warmup: want a duration like 200ms or 2s, got "soon"`},
		{"zero calls", []string{cv, "count_vowels", "--calls", "0"}, `--calls: want a whole number, 1 or more, got "0"`},
		{"unknown flag", []string{cv, "count_vowels", "--loop", "3"}, "unknown flag --loop"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tendril(t, "", append([]string{"bench"}, tc.args...)...)
			want{code: 2, stderr: []string{tc.msg}, stderrNot: []string{"Usage:"}}.check(t, r)
			first, rest, _ := strings.Cut(r.stderr, "\n")
			require.True(t, strings.HasPrefix(first, "tendril bench: "), first)
			require.Equal(t, pointer, rest)
		})
	}
	r := tendril(t, "", "help", "bench")
	want{stdout: benchUsage}.check(t, r)
}
