package main

import (
	"os"
	"strings"
	"testing"
)

func TestRunCommands(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want want
	}{
		{"no arguments", nil, want{code: 2, stderr: []string{mainUsage}}},
		{"help", []string{"help"}, want{stdout: mainUsage}},
		{"--help", []string{"--help"}, want{stdout: mainUsage}},
		{"help call", []string{"help", "call"}, want{stdout: callUsage}},
		{"help build", []string{"help", "build"}, want{stdout: buildUsage}},
		{"call -h", []string{"call", "-h"}, want{stdout: callUsage}},
		{"build --help", []string{"build", "--help"}, want{stdout: buildUsage}},
		{"help nothing", []string{"help", "nothing"}, want{code: 2, stderr: []string{"tendril: help: unknown command \"nothing\"\nRun 'tendril --help' for usage.\n"}, stderrNot: []string{"Usage:"}}},
		{"unknown command", []string{"frobnicate"}, want{code: 2, stderr: []string{"tendril: unknown command \"frobnicate\"\nRun 'tendril --help' for usage.\n"}, stderrNot: []string{"Usage:"}}},
		{"version", []string{"version"}, want{stdoutHas: []string{"tendril ", " go1.", " wazero "}}},
		{"version --help", []string{"version", "--help"}, want{stdoutHas: []string{"Usage: tendril version"}}},
		{"version extra", []string{"version", "x"}, want{code: 2, stderr: []string{"tendril version: want no arguments, got 1\nRun 'tendril version --help' for usage.\n"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.want.check(t, tendril(t, "", tc.args...))
		})
	}
}

func TestOneLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain message", "plain message"},
		{"trailing newline\n", "trailing newline"},
		{"two\nlines", `two\nlines`},
		{"crlf\r\nend", `crlf\r\nend`},
		{"bell\a and tab\t", `bell\x07 and tab`},
		{"bad utf-8 \xff!", "bad utf-8 \uFFFD!"},
	}
	for _, tc := range tests {
		if got := oneLine(tc.in); got != tc.want {
			t.Errorf("oneLine(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestDocMatchesUsage checks that the package documentation (go doc) shows
// the usage texts the command prints.
func TestDocMatchesUsage(t *testing.T) {
	b, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var doc strings.Builder
	for _, line := range strings.Split(string(b), "\n") {
		for _, prefix := range []string{"//\t", "// ", "//"} {
			if rest, ok := strings.CutPrefix(line, prefix); ok {
				line = rest
				break
			}
		}
		doc.WriteString(line + "\n")
	}
	for _, text := range []string{callUsage, benchUsage, inspectUsage, buildUsage} {
		if !strings.Contains(doc.String(), text) {
			t.Errorf("doc.go does not show this usage text:\n%s", text)
		}
	}
	for _, line := range strings.Split(mainUsage, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "tendril ") && !strings.Contains(doc.String(), strings.TrimSpace(line)) {
			t.Errorf("doc.go lacks %q", line)
		}
	}
}
