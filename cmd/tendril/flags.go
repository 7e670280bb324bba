package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// usageError is a command line the command cannot run: run prints it on
// one line, with a pointer to the command's --help, and exits 2.
type usageError struct {
	cmd string // "call", "inspect", ... or "" for tendril itself
	err error
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(cmd, format string, args ...any) error {
	return &usageError{cmd: cmd, err: fmt.Errorf(format, args...)}
}

// errHelp asks for a command's usage on stdout (exit 0).
type errHelp struct{ cmd string }

func (e *errHelp) Error() string { return "help requested" }

// newFlagSet returns a flag set for parse. Its flags are only ever set by
// parse, which writes its own messages.
func newFlagSet(cmd string) *flag.FlagSet {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parse parses args with fs, letting flags come before, between or after the
// positional arguments (the flag package alone stops at the first
// positional). A flag is -name or --name, its value the next argument or
// after "="; "--" ends the flags. It returns the positional arguments, or a
// usage error that names the flag as --name and says what value it wants.
func parse(cmd string, fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			positional = append(positional, a) // includes "-"
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(a[1:], "-"), "=")
		f := fs.Lookup(name)
		switch {
		case f == nil && (name == "h" || name == "help"):
			return nil, &errHelp{cmd: cmd}
		case f == nil:
			return nil, usagef(cmd, "unknown flag %s", flagName(name))
		case !hasValue && isBool(f):
			value = "true"
		case !hasValue && i+1 < len(args):
			i++
			value = args[i]
		case !hasValue:
			return nil, usagef(cmd, "%s needs a value", flagName(name))
		}
		if err := fs.Set(name, value); err != nil {
			return nil, usagef(cmd, "%s: %v", flagName(name), err)
		}
	}
	return positional, nil
}

// flagName spells a flag as the usage texts do: -o, --timeout.
func flagName(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// isBool reports whether the flag is a boolean one, which takes no value
// unless given with "=".
func isBool(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// The flag values. Each Set error says what the flag wants; parse puts the
// flag's name in front.

// boolValue is a flag that is on when given alone.
type boolValue bool

func (b *boolValue) String() string   { return strconv.FormatBool(bool(*b)) }
func (b *boolValue) IsBoolFlag() bool { return true }

func (b *boolValue) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("want true or false, got %q", s)
	}
	*b = boolValue(v)
	return nil
}

// durationValue is a flag holding a time.Duration.
type durationValue time.Duration

func (d *durationValue) String() string { return time.Duration(*d).String() }

func (d *durationValue) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("want a duration like 200ms or 2s, got %q", s)
	}
	*d = durationValue(v)
	return nil
}

// intValue is a flag holding a whole number from min to max.
type intValue struct {
	v        *int
	min, max int
}

func (n intValue) String() string {
	if n.v == nil {
		return ""
	}
	return strconv.Itoa(*n.v)
}

func (n intValue) Set(s string) error {
	v, err := strconv.Atoi(s)
	if err != nil || v < n.min || v > n.max {
		if n.max == math.MaxInt {
			return fmt.Errorf("want a whole number, %d or more, got %q", n.min, s)
		}
		return fmt.Errorf("want a whole number from %d to %d, got %q", n.min, n.max, s)
	}
	*n.v = v
	return nil
}

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(s string) error {
	*l = append(*l, s)
	return nil
}

// keyValues is a repeatable KEY=VALUE flag; a later KEY wins.
type keyValues map[string]string

func (kv keyValues) String() string { return "" }

func (kv keyValues) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want KEY=VALUE, got %q", s)
	}
	kv[k] = v
	return nil
}
