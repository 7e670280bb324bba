package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/tendril-wasm/tendril/internal/guestbuild"
)

// stdio is where a command reads and writes.
type stdio struct {
	in          io.Reader
	out, errOut io.Writer
}

// run runs the command line args (without the program name) and returns the
// exit status: 0 success, 1 failure, 2 usage error.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer func() {
		// Belt and braces: whatever happens, one line and status 1, never
		// a panic trace.
		if p := recover(); p != nil {
			fmt.Fprintf(stderr, "tendril: internal error: %s\n", oneLine(fmt.Sprint(p)))
			code = 1
		}
	}()
	sio := stdio{in: stdin, out: stdout, errOut: stderr}
	if len(args) == 0 {
		fmt.Fprint(stderr, mainUsage)
		return 2
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "call":
		err = callCmd(ctx, rest, sio)
	case "bench":
		err = benchCmd(ctx, rest, sio)
	case "inspect":
		err = inspectCmd(ctx, rest, sio)
	case "build":
		err = buildCmd(ctx, rest, sio)
	case "version", "-version", "--version":
		err = versionCmd(rest, sio)
	case "help", "-h", "-help", "--help":
		err = helpCmd(rest)
	default:
		err = usagef("", "unknown command %q", cmd)
	}
	return report(err, sio)
}

// report prints err and returns the exit status it means.
func report(err error, sio stdio) int {
	var (
		usage *usageError
		help  *errHelp
		build *guestbuild.BuildError
	)
	switch {
	case err == nil:
		return 0
	case errors.As(err, &help):
		text, _ := usageOf(help.cmd)
		fmt.Fprint(sio.out, text)
		return 0
	case errors.As(err, &usage):
		prefix := "tendril"
		if usage.cmd != "" {
			prefix += " " + usage.cmd
		}
		fmt.Fprintf(sio.errOut, "%s: %s\nRun '%s --help' for usage.\n", prefix, oneLine(usage.err.Error()), prefix)
		return 2
	case errors.As(err, &build):
		// The compiler's output is the useful part: keep its lines.
		fmt.Fprintf(sio.errOut, "tendril: build %s: go build failed: %v\n%s\n",
			build.Dir, build.Err, strings.TrimRight(build.Output, "\n"))
		return 1
	}
	fmt.Fprintf(sio.errOut, "tendril: %s\n", oneLine(err.Error()))
	return 1
}

// helpCmd prints the usage of tendril or of one command.
func helpCmd(args []string) error {
	switch len(args) {
	case 0:
		return &errHelp{}
	case 1:
		if _, ok := usageOf(args[0]); ok {
			return &errHelp{cmd: args[0]}
		}
		return usagef("", "help: unknown command %q", args[0])
	}
	return usagef("", "help: want at most one command, got %d arguments", len(args))
}

// oneLine makes s fit on one line of a terminal: it trims trailing space and
// escapes line breaks and other control characters (a plug-in chooses its
// error messages).
func oneLine(s string) string {
	s = strings.ToValidUTF8(strings.TrimRightFunc(s, unicode.IsSpace), "\uFFFD")
	if strings.IndexFunc(s, isControl) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case isControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isControl(r rune) bool { return r != '\t' && unicode.IsControl(r) }
