package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tendril-wasm/tendril/runtime"
)

// callOptions are the flags of tendril call.
type callOptions struct {
	input    string
	stdin    bool
	wasi     bool
	config   keyValues
	hosts    stringList
	paths    stringList
	timeout  time.Duration
	maxPages int
	logLevel string
	loop     int
	cache    string

	// Derived from the flags by parseCall.
	plugin, function string
	set              map[string]bool // flags given on the command line
	mounts           map[string]string
	level            logLevel
}

// newCallOptions returns callOptions with their defaults.
func newCallOptions() callOptions {
	return callOptions{config: keyValues{}, mounts: map[string]string{}, set: map[string]bool{}, logLevel: "warn", loop: 1}
}

// pluginFlags defines the flags that say how to load and call the plug-in,
// which tendril call and tendril bench share.
func (o *callOptions) pluginFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.input, "input", "", "")
	fs.Var((*boolValue)(&o.stdin), "stdin", "")
	fs.Var((*boolValue)(&o.wasi), "wasi", "")
	fs.Var(o.config, "config", "")
	fs.Var(&o.hosts, "allow-host", "")
	fs.Var(&o.paths, "allow-path", "")
	fs.Var((*durationValue)(&o.timeout), "timeout", "")
	fs.Var(intValue{v: &o.maxPages, min: 1, max: 65536}, "memory-max-pages", "")
	fs.StringVar(&o.logLevel, "log-level", o.logLevel, "")
	fs.StringVar(&o.cache, "cache", "", "")
}

// parsePlugin parses the command line of cmd, whose flags include
// pluginFlags, and checks what they share: a plug-in and a function, a
// timeout, a log level, the allowed paths.
func (o *callOptions) parsePlugin(cmd string, fs *flag.FlagSet, args []string) error {
	pos, err := parse(cmd, fs, args)
	if err != nil {
		return err
	}
	fs.Visit(func(f *flag.Flag) { o.set[f.Name] = true })
	if len(pos) != 2 {
		return usagef(cmd, "want a plug-in and a function, got %d arguments", len(pos))
	}
	o.plugin, o.function = pos[0], pos[1]
	if o.timeout < 0 {
		return usagef(cmd, "--timeout: want a duration of 0 or more, got %v", o.timeout)
	}
	if o.level, err = parseLevel(o.logLevel); err != nil {
		return usagef(cmd, "--log-level: %v", err)
	}
	for _, p := range o.paths {
		host, guest, err := parseMount(p)
		if err != nil {
			return usagef(cmd, "--allow-path: %v", err)
		}
		o.mounts[host] = guest
	}
	return nil
}

// parseCall parses and checks the command line of tendril call.
func parseCall(args []string) (*callOptions, error) {
	o := newCallOptions()
	fs := newFlagSet("call")
	o.pluginFlags(fs)
	fs.Var(intValue{v: &o.loop, min: 1, max: math.MaxInt}, "loop", "")
	if err := o.parsePlugin("call", fs, args); err != nil {
		return nil, err
	}
	if o.set["input"] && o.stdin {
		return nil, usagef("call", "--input and --stdin exclude each other")
	}
	return &o, nil
}

// callCmd runs tendril call.
func callCmd(ctx context.Context, args []string, sio stdio) error {
	o, err := parseCall(args)
	if err != nil {
		return err
	}
	if fi, err := os.Stat(o.plugin); err == nil && fi.IsDir() {
		// A directory is a Go plug-in in source: build it, and grant it
		// WASI, which every standard-Go guest imports.
		wasm, cleanup, err := buildSource(ctx, o.plugin)
		if err != nil {
			return err
		}
		defer cleanup()
		o.plugin, o.wasi = wasm, true
	}
	m, name, err := loadPlugin(o.plugin)
	if err != nil {
		return err
	}
	o.apply(&m)
	input := []byte(o.input)
	if o.stdin && sio.in != nil {
		if input, err = io.ReadAll(sio.in); err != nil {
			return fmt.Errorf("reading stdin: %w", err)
		}
	}
	rt, err := newRuntime(ctx, o.cache, newLogger(sio.errOut, o.level))
	if err != nil {
		return err
	}
	defer rt.Close(context.WithoutCancel(ctx))
	// Allowed paths are reached through WASI only: granting them grants it.
	wasi := o.wasi || len(m.AllowedPaths) > 0
	p, err := rt.Compile(ctx, m, runtime.PluginOptions{WASI: wasi, Stdout: sio.errOut, Stderr: sio.errOut, Name: name})
	if err != nil {
		var ie *runtime.ImportError
		if !wasi && errors.As(err, &ie) && ie.WASI() {
			return fmt.Errorf("%s: %w (add --wasi)", o.plugin, err)
		}
		return fmt.Errorf("%s: %w", o.plugin, err)
	}
	fn, err := p.Function(o.function)
	if err != nil {
		return fmt.Errorf("plug-in %s has no function %q; it exports %s", p.Name(), o.function, exportList(p.Functions()))
	}
	in, err := p.Instantiate(ctx)
	if err != nil {
		return err
	}
	out := bufio.NewWriter(sio.out)
	err = o.calls(ctx, in, fn, input, out)
	if ferr := out.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("writing output: %w", ferr)
	}
	return err
}

// calls calls the function --loop times and writes the outputs. Errors
// name the plug-in and the function, as the library's do.
func (o *callOptions) calls(ctx context.Context, in *runtime.Instance, fn *runtime.Function, input []byte, out *bufio.Writer) error {
	write := func(res []byte) error {
		out.Write(res) // res is valid only in this function: written now
		if o.set["loop"] {
			out.WriteByte('\n')
		}
		return nil
	}
	for range o.loop {
		if err := in.Invoke(ctx, fn, input, write); err != nil {
			return err
		}
	}
	return nil
}

// newRuntime creates the runtime with a compilation cache: the one named by
// --cache, or by default one in the user's cache directory, which is only an
// optimisation (if it cannot be used, the runtime goes without).
func newRuntime(ctx context.Context, cache string, logger *slog.Logger) (*runtime.Runtime, error) {
	opts := runtime.Options{Logger: logger}
	explicit := cache != ""
	switch {
	case cache == "off":
	case explicit:
		opts.CompilationCacheDir = cache
	default:
		if dir, err := os.UserCacheDir(); err == nil {
			opts.CompilationCacheDir = filepath.Join(dir, "tendril")
		}
	}
	rt, err := runtime.New(ctx, opts)
	if err != nil && !explicit && opts.CompilationCacheDir != "" {
		opts.CompilationCacheDir = ""
		rt, err = runtime.New(ctx, opts)
	}
	return rt, err
}

// exportList lists function names for a message, at most a few of them.
func exportList(names []string) string {
	const most = 8
	if len(names) == 0 {
		return "no functions"
	}
	if len(names) > most {
		return strings.Join(names[:most], ", ") + fmt.Sprintf(" and %d more", len(names)-most)
	}
	return strings.Join(names, ", ")
}
