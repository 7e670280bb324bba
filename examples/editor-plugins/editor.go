package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tendril-wasm/tendril/codec"
	"github.com/tendril-wasm/tendril/codec/json"
	"github.com/tendril-wasm/tendril/ext"
)

// The editor's hooks. Plug-ins handle a hook by exporting a function of its
// name; the registry finds them from their exports.
const (
	// hookOpen is fired (Notify) when a file is opened: each handler gets a
	// Doc and answers a Report.
	hookOpen = "on_open"
	// hookFormat is the filter chain run on save: text in, text out.
	hookFormat = "format"
	// commandPrefix starts the exports that are commands: command:NAME gets
	// a Selection and answers an Edit; the first handler that answers wins.
	commandPrefix = "command:"
)

// Doc is the on_open event.
type Doc struct {
	Path string `json:"path"`
	Text string `json:"text"`
}

// Report is an on_open handler's answer.
type Report struct {
	Summary     string       `json:"summary"`
	Diagnostics []Diagnostic `json:"diagnostics,omitempty"`
}

// Diagnostic is a problem a plug-in found at a line and column (1-based).
type Diagnostic struct {
	Line     int    `json:"line"`
	Col      int    `json:"col"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
}

// Selection is a command's input: the selected lines, joined, and the
// number of the first.
type Selection struct {
	Text string `json:"text"`
	Line int    `json:"line"`
}

// Edit is a command's answer: what replaces the selection, and a message.
type Edit struct {
	Text    string `json:"text"`
	Message string `json:"message,omitempty"`
}

// editor is a text buffer with plug-ins: a file's lines, the hooks fired
// into the registry's plug-ins, and the commands they offer. It is not safe
// for concurrent use, except that the registry underneath may reload
// plug-ins at any time.
type editor struct {
	reg    *ext.Registry
	open   *ext.Hook[Doc, Report]
	format *ext.Hook[string, string]

	mu       sync.Mutex // guards commands
	commands map[string]*ext.Hook[Selection, Edit]

	path  string
	lines []string
	dirty bool
}

// hookTimeout bounds each plug-in's call: a plug-in that hangs is reported
// and the editor goes on.
const hookTimeout = 10 * time.Second

func newEditor(reg *ext.Registry) *editor {
	return &editor{
		reg:      reg,
		open:     ext.NewNotify[Doc, Report](reg, hookOpen, ext.HookOptions{Timeout: hookTimeout, Codec: json.Codec{}}),
		format:   ext.NewFilter[string](reg, hookFormat, ext.HookOptions{Timeout: hookTimeout, Codec: codec.String{}}),
		commands: map[string]*ext.Hook[Selection, Edit]{},
	}
}

// load reads path into the buffer (a missing file is a new, empty one).
func (e *editor) load(path string) error {
	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	e.path = path
	e.setText(string(data))
	e.dirty = false
	return nil
}

func (e *editor) text() string { return strings.Join(e.lines, "\n") }

func (e *editor) setText(s string) { e.lines = strings.Split(s, "\n") }

// fireOpen fires on_open with the buffer.
func (e *editor) fireOpen(ctx context.Context) (*ext.Result[Report], error) {
	return e.open.Fire(ctx, Doc{Path: e.path, Text: e.text()})
}

// commandNames lists the commands the plug-ins offer, sorted, each with the
// plug-ins that offer it in the order they are asked.
func (e *editor) commandNames() map[string][]string {
	out := map[string][]string{}
	for plugin, fns := range e.reg.Functions(commandPrefix) {
		for _, fn := range fns {
			out[strings.TrimPrefix(fn, commandPrefix)] = append(out[strings.TrimPrefix(fn, commandPrefix)], plugin)
		}
	}
	for name, ps := range out {
		handlers := e.reg.Handlers(commandPrefix + name)
		sort.SliceStable(ps, func(i, j int) bool { return index(handlers, ps[i]) < index(handlers, ps[j]) })
	}
	return out
}

func index(ps []*ext.Plugin, name string) int {
	for i, p := range ps {
		if p.Name() == name {
			return i
		}
	}
	return len(ps)
}

func (e *editor) command(name string) *ext.Hook[Selection, Edit] {
	e.mu.Lock()
	defer e.mu.Unlock()
	h, ok := e.commands[name]
	if !ok {
		h = ext.NewFirstWins[Selection, Edit](e.reg, commandPrefix+name, ext.HookOptions{Timeout: hookTimeout, Codec: json.Codec{}})
		e.commands[name] = h
	}
	return h
}

// commandResult says what a command did.
type commandResult struct {
	Name     string
	From, To int    // the lines it ran on, 1-based, inclusive
	Plugin   string // the plug-in whose answer was applied
	Message  string
	Failed   []string // plug-ins that failed before one answered
}

// run runs the command name on lines from..to (1-based, inclusive; clamped
// to the buffer) and replaces them with the winner's answer.
func (e *editor) run(ctx context.Context, name string, from, to int) (commandResult, error) {
	from = max(1, min(from, len(e.lines)))
	to = max(from, min(to, len(e.lines)))
	res := commandResult{Name: name, From: from, To: to}
	h := e.command(name)
	if len(h.Handlers()) == 0 {
		return res, fmt.Errorf("no plug-in offers the command %q", name)
	}
	r, err := h.Fire(ctx, Selection{Text: strings.Join(e.lines[from-1:to], "\n"), Line: from})
	if err != nil {
		return res, err
	}
	for _, o := range r.Outcomes {
		if o.Err != nil {
			res.Failed = append(res.Failed, fmt.Sprintf("%s: %v", o.Plugin, o.Err))
		}
	}
	if r.Winner == "" {
		return res, fmt.Errorf("command %s: no plug-in answered: %v", name, r.Err())
	}
	res.Plugin, res.Message = r.Winner, r.Value.Message
	repl := strings.Split(r.Value.Text, "\n")
	e.lines = append(e.lines[:from-1], append(repl, e.lines[to:]...)...)
	e.dirty = true
	return res, nil
}

// save runs the format chain over the buffer, puts the result in the
// buffer and writes it to path (the file's own path when empty).
func (e *editor) save(ctx context.Context, path string) (*ext.Result[string], error) {
	if path == "" {
		path = e.path
	}
	r, err := e.format.Fire(ctx, e.text())
	if err != nil {
		return nil, err
	}
	e.setText(r.Value)
	if err := os.WriteFile(path, []byte(r.Value), 0o644); err != nil {
		return r, err
	}
	if path == e.path {
		e.dirty = false
	}
	return r, nil
}
