// Command editor-plugins is a small terminal text editor whose features are
// WebAssembly plug-ins, loaded with Tendril's ext package:
//
//   - on_open (a Notify hook): when a file opens, every plug-in that exports
//     on_open reports on it concurrently (word count and reading time, lint
//     diagnostics with line numbers);
//   - commands: a plug-in offers the command NAME by exporting command:NAME
//     (upper, lower, title, sort, uniq, reverse); a FirstWins hook asks the
//     plug-ins that offer it, in priority order, and the first answer edits
//     the selection;
//   - format (a Filter hook): on save the text passes through every plug-in
//     that exports format, in priority order (whitespace in C, then tables in
//     Go), and what comes out is written.
//
// The plug-ins are in plugins/: five in Go (package pdk, typed with a codec),
// built from source on first run and cached on disk by the hash of their
// sources (a second start loads them and their machine code from the
// cache), and one in C (plugins/whitespace, built by its build.sh with
// Debian's clang; the module is committed). While the editor runs in a
// terminal, editing a plug-in's source rebuilds and reloads it.
//
// Without a terminal, or with -cmd, -save or -save-as, it runs without one:
//
//	go run . -cmd sort:10-14 -cmd title -save-as /tmp/out.md sample.md
//
// opens sample.md, prints what on_open found, runs the commands, and writes
// the formatted text to /tmp/out.md. In a terminal, `go run . sample.md`
// opens the interactive editor (keys: see the help line at the bottom).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tendril-wasm/tendril/ext"
	"github.com/tendril-wasm/tendril/runtime"
	"golang.org/x/term"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// commandFlag is one -cmd NAME[:FROM[-TO]].
type commandFlag struct {
	name     string
	from, to int // 0, 0: the whole buffer
}

type commandFlags []commandFlag

func (c *commandFlags) String() string { return fmt.Sprint(*c) }

func (c *commandFlags) Set(s string) error {
	name, rng, hasRange := strings.Cut(s, ":")
	f := commandFlag{name: name}
	if name == "" {
		return errors.New("empty command name")
	}
	if hasRange {
		a, b, isRange := strings.Cut(rng, "-")
		var err error
		if f.from, err = strconv.Atoi(a); err != nil || f.from < 1 {
			return fmt.Errorf("bad line %q", a)
		}
		f.to = f.from
		if isRange {
			if f.to, err = strconv.Atoi(b); err != nil || f.to < f.from {
				return fmt.Errorf("bad line range %q", rng)
			}
		}
	}
	*c = append(*c, f)
	return nil
}

type config struct {
	file        string
	pluginsDirs string
	cacheDir    string
	commands    commandFlags
	save        bool
	saveAs      string
	list        bool
	interactive bool
	batch       bool
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("editor-plugins", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	fs.StringVar(&c.pluginsDirs, "plugins", "plugins", "the plug-ins `directories`, separated by "+string(filepath.ListSeparator))
	fs.StringVar(&c.cacheDir, "cache", defaultCacheDir(), "where built plug-ins and their machine code are kept")
	fs.Var(&c.commands, "cmd", "run a command: `NAME[:FROM[-TO]]` on lines FROM to TO (default all); repeatable")
	fs.BoolVar(&c.save, "save", false, "format and save the file (runs the format chain)")
	fs.StringVar(&c.saveAs, "save-as", "", "format and save to `path` instead of the file")
	fs.BoolVar(&c.list, "list", false, "list the plug-ins and the commands they offer")
	fs.BoolVar(&c.batch, "batch", false, "never start the interactive editor")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: editor-plugins [flags] FILE\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 && !(c.list && fs.NArg() == 0) {
		fs.Usage()
		return 2
	}
	c.file = fs.Arg(0)
	c.interactive = !c.batch && !c.list && !c.save && c.saveAs == "" && len(c.commands) == 0 &&
		term.IsTerminal(int(os.Stdin.Fd())) && term.IsTerminal(int(os.Stdout.Fd()))
	if err := start(ctx, c, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "editor-plugins: %v\n", err)
		return 1
	}
	return 0
}

func defaultCacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "tendril", "editor-plugins")
}

// app is what start sets up: the plug-ins, their registry and the editor.
type app struct {
	loader  *loader
	plugins []*plugin
	reg     *ext.Registry
	ed      *editor
}

// setup builds (or finds in the cache) and registers the plug-ins.
func setup(ctx context.Context, c config, progress io.Writer) (*app, error) {
	begin := time.Now()
	l, err := newLoader(filepath.SplitList(c.pluginsDirs), c.cacheDir, progress)
	if err != nil {
		return nil, err
	}
	ps, err := l.discover(ctx)
	if err != nil {
		return nil, err
	}
	if err := l.buildAll(ctx, ps); err != nil {
		return nil, err
	}
	reg, err := ext.New(ctx, ext.Options{RuntimeOptions: runtime.Options{
		// Machine code of the plug-ins, kept between runs: a standard-Go
		// plug-in compiles in about a second, loads from here in tens of ms.
		CompilationCacheDir: filepath.Join(c.cacheDir, "wazero"),
	}})
	if err != nil {
		return nil, err
	}
	built := time.Now()
	if err := l.registerAll(ctx, reg, ps); err != nil {
		_ = reg.Close(ctx)
		return nil, err
	}
	fmt.Fprintf(progress, "loaded %d plug-ins in %.1fs (sources and builds %.1fs, compile and start %.1fs)\n",
		len(ps), time.Since(begin).Seconds(), built.Sub(begin).Seconds(), time.Since(built).Seconds())
	return &app{loader: l, plugins: ps, reg: reg, ed: newEditor(reg)}, nil
}

func start(ctx context.Context, c config, stdout, stderr io.Writer) error {
	a, err := setup(ctx, c, stderr)
	if err != nil {
		return err
	}
	defer a.reg.Close(ctx)
	if c.list {
		listPlugins(stdout, a)
		if c.file == "" {
			return nil
		}
	}
	if err := a.ed.load(c.file); err != nil {
		return err
	}
	if c.interactive {
		return interactive(ctx, a)
	}
	return batch(ctx, c, a, stdout)
}

func listPlugins(w io.Writer, a *app) {
	fmt.Fprintln(w, "plug-ins:")
	for _, info := range a.reg.List() {
		var hooks []string
		for _, f := range info.Functions {
			if f == hookOpen || f == hookFormat || strings.HasPrefix(f, commandPrefix) {
				hooks = append(hooks, f)
			}
		}
		fmt.Fprintf(w, "  %-10s %-48s priority %2d  %s\n", info.Name, info.Metadata.Description, info.Priority, strings.Join(hooks, " "))
	}
}

// numLines is the number of lines of the buffer, not counting the empty
// one after a final newline.
func (e *editor) numLines() int {
	if n := len(e.lines); n > 0 && e.lines[n-1] == "" {
		return n - 1
	}
	return len(e.lines)
}

// batch is the non-interactive mode: on_open's reports, the commands, the
// save, printed as it goes.
func batch(ctx context.Context, c config, a *app, w io.Writer) error {
	e := a.ed
	fmt.Fprintf(w, "opened %s (%d lines)\n", e.path, e.numLines())
	res, err := e.fireOpen(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "on_open:")
	for _, o := range res.Outcomes {
		switch {
		case o.Err != nil:
			fmt.Fprintf(w, "  %-10s failed: %v\n", o.Plugin, o.Err)
		case o.Answered:
			fmt.Fprintf(w, "  %-10s %s\n", o.Plugin, o.Value.Summary)
			for _, d := range o.Value.Diagnostics {
				fmt.Fprintf(w, "    %s:%d:%d: %s: %s\n", filepath.Base(e.path), d.Line, d.Col, d.Severity, d.Message)
			}
		}
	}
	for _, cf := range c.commands {
		from, to := cf.from, cf.to
		if from == 0 {
			from, to = 1, e.numLines()
		}
		r, err := e.run(ctx, cf.name, from, to)
		for _, f := range r.Failed {
			fmt.Fprintf(w, "  failed: %s\n", f)
		}
		if err != nil {
			return err
		}
		msg := ""
		if r.Message != "" {
			msg = ": " + r.Message
		}
		fmt.Fprintf(w, "command %s on lines %d-%d by %s%s\n", r.Name, r.From, r.To, r.Plugin, msg)
	}
	if !c.save && c.saveAs == "" {
		return nil
	}
	r, err := e.save(ctx, c.saveAs)
	if r != nil {
		var steps []string
		for _, o := range r.Outcomes {
			switch {
			case o.Err != nil:
				steps = append(steps, o.Plugin+" failed ("+o.Err.Error()+")")
			case o.Answered:
				steps = append(steps, o.Plugin)
			}
		}
		fmt.Fprintf(w, "format chain: %s\n", strings.Join(steps, " -> "))
	}
	if err != nil {
		return err
	}
	path := c.saveAs
	if path == "" {
		path = e.path
	}
	fmt.Fprintf(w, "saved %s (%d lines)\n", path, e.numLines())
	return nil
}
