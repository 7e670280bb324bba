package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gdamore/tcell/v2"
)

// helpLine is the bottom line of the interactive editor.
const helpLine = "^S save  ^P command  ^Space/F3 mark  ^O on_open  F1 plug-ins  Esc clear  ^Q quit"

// view is the interactive editor's state on top of the editor.
type view struct {
	a      *app
	e      *editor
	s      tcell.Screen
	row    int // cursor line, 0-based
	col    int // cursor rune in the line
	top    int // first line shown
	left   int // first column shown
	mark   int // selection anchor line, -1 without a selection
	panel  []string
	status string
	prompt *[]rune // the command being typed, nil when not prompting
	quit   bool    // ^Q pressed once with unsaved changes
}

// reloadEvent tells the event loop that the watcher reloaded a plug-in.
type reloadEvent struct {
	tcell.EventTime
	name string
	err  error
}

// interactive runs the editor in the terminal until ^Q. Editing a plug-in's
// source meanwhile rebuilds and reloads it.
func interactive(ctx context.Context, a *app) error {
	s, err := tcell.NewScreen()
	if err != nil {
		return err
	}
	if err := s.Init(); err != nil {
		return err
	}
	defer s.Fini()
	v := &view{a: a, e: a.ed, s: s, mark: -1}
	// Rebuilds report on the status line, not on the terminal under it.
	a.loader.setProgress(io.Discard)
	w, err := watch(a.loader, a.reg, a.plugins, 300*time.Millisecond, func(name string, err error) {
		ev := &reloadEvent{name: name, err: err}
		ev.SetEventNow()
		_ = s.PostEvent(ev)
	})
	if err != nil {
		return err
	}
	defer w.close()
	v.showOpen(ctx)
	for {
		v.draw()
		switch ev := s.PollEvent().(type) {
		case nil:
			return nil
		case *tcell.EventResize:
			s.Sync()
		case *reloadEvent:
			switch {
			case errors.Is(ev.err, errReloading):
				v.status = "plug-in " + ev.name + " changed: rebuilding..."
			case ev.err != nil:
				v.status = "reload of " + ev.name + " failed; the old version serves"
				v.panel = strings.Split(ev.err.Error(), "\n")
			default:
				version := uint64(0)
				if p, ok := a.reg.Plugin(ev.name); ok {
					if info, ok := p.Info(); ok {
						version = info.Version
					}
				}
				v.status = fmt.Sprintf("reloaded plug-in %s (version %d)", ev.name, version)
			}
		case *tcell.EventKey:
			if v.key(ctx, ev) {
				return nil
			}
		}
	}
}

// selection is the range of lines commands run on (0-based, inclusive):
// the marked lines, else the whole buffer.
func (v *view) selection() (int, int) {
	if v.mark < 0 {
		return 0, max(0, v.e.numLines()-1)
	}
	return min(v.mark, v.row), max(v.mark, v.row)
}

func (v *view) showOpen(ctx context.Context) {
	res, err := v.e.fireOpen(ctx)
	if err != nil {
		v.status = err.Error()
		return
	}
	v.panel = v.panel[:0]
	for _, o := range res.Outcomes {
		switch {
		case o.Err != nil:
			v.panel = append(v.panel, fmt.Sprintf("%-10s failed: %v", o.Plugin, o.Err))
		case o.Answered:
			v.panel = append(v.panel, fmt.Sprintf("%-10s %s", o.Plugin, o.Value.Summary))
			for _, d := range o.Value.Diagnostics {
				v.panel = append(v.panel, fmt.Sprintf("  %d:%d: %s: %s", d.Line, d.Col, d.Severity, d.Message))
			}
		}
	}
	v.status = fmt.Sprintf("opened %s: on_open ran %d plug-ins", filepath.Base(v.e.path), len(res.Outcomes))
}

func (v *view) showPlugins() {
	v.panel = v.panel[:0]
	for _, info := range v.a.reg.List() {
		v.panel = append(v.panel, fmt.Sprintf("%-10s v%d prio %2d  %s", info.Name, info.Version, info.Priority, info.Metadata.Description))
	}
	names := v.e.commandNames()
	keys := make([]string, 0, len(names))
	for k := range names {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	v.panel = append(v.panel, "commands: "+strings.Join(keys, " "))
}

// key handles a key; it returns true to quit.
func (v *view) key(ctx context.Context, ev *tcell.EventKey) bool {
	if v.prompt != nil {
		v.promptKey(ctx, ev)
		return false
	}
	e := v.e
	line := []rune(e.lines[v.row])
	v.col = min(v.col, len(line))
	if ev.Key() != tcell.KeyCtrlQ {
		v.quit = false
	}
	switch ev.Key() {
	case tcell.KeyCtrlQ:
		if e.dirty && !v.quit {
			v.quit = true
			v.status = "unsaved changes: ^Q again to quit without saving"
			return false
		}
		return true
	case tcell.KeyCtrlS:
		r, err := e.save(ctx, "")
		steps := []string{}
		if r != nil {
			for _, o := range r.Outcomes {
				if o.Err != nil {
					steps = append(steps, o.Plugin+" failed")
				} else if o.Answered {
					steps = append(steps, o.Plugin)
				}
			}
		}
		if err != nil {
			v.status = "save failed: " + err.Error()
		} else {
			v.status = fmt.Sprintf("saved %s (format: %s)", filepath.Base(e.path), strings.Join(steps, " -> "))
		}
		v.row = min(v.row, len(e.lines)-1)
	case tcell.KeyCtrlP:
		v.prompt = &[]rune{}
	case tcell.KeyCtrlO:
		v.showOpen(ctx)
	case tcell.KeyF1:
		v.showPlugins()
	case tcell.KeyCtrlSpace, tcell.KeyF3:
		if v.mark >= 0 {
			v.mark = -1
		} else {
			v.mark = v.row
		}
	case tcell.KeyEscape:
		v.mark, v.panel = -1, nil
	case tcell.KeyUp:
		v.extend(ev)
		v.row = max(0, v.row-1)
	case tcell.KeyDown:
		v.extend(ev)
		v.row = min(len(e.lines)-1, v.row+1)
	case tcell.KeyPgUp:
		v.row = max(0, v.row-v.height())
	case tcell.KeyPgDn:
		v.row = min(len(e.lines)-1, v.row+v.height())
	case tcell.KeyLeft:
		if v.col > 0 {
			v.col--
		} else if v.row > 0 {
			v.row--
			v.col = len([]rune(e.lines[v.row]))
		}
	case tcell.KeyRight:
		if v.col < len(line) {
			v.col++
		} else if v.row < len(e.lines)-1 {
			v.row, v.col = v.row+1, 0
		}
	case tcell.KeyHome, tcell.KeyCtrlA:
		v.col = 0
	case tcell.KeyEnd, tcell.KeyCtrlE:
		v.col = len(line)
	case tcell.KeyEnter:
		e.lines[v.row] = string(line[:v.col])
		e.lines = slices.Insert(e.lines, v.row+1, string(line[v.col:]))
		v.row, v.col, e.dirty = v.row+1, 0, true
	case tcell.KeyBackspace, tcell.KeyBackspace2:
		switch {
		case v.col > 0:
			e.lines[v.row] = string(line[:v.col-1]) + string(line[v.col:])
			v.col--
		case v.row > 0:
			v.col = len([]rune(e.lines[v.row-1]))
			e.lines[v.row-1] += e.lines[v.row]
			e.lines = slices.Delete(e.lines, v.row, v.row+1)
			v.row--
		}
		e.dirty = true
	case tcell.KeyDelete:
		switch {
		case v.col < len(line):
			e.lines[v.row] = string(line[:v.col]) + string(line[v.col+1:])
		case v.row < len(e.lines)-1:
			e.lines[v.row] += e.lines[v.row+1]
			e.lines = slices.Delete(e.lines, v.row+1, v.row+2)
		}
		e.dirty = true
	case tcell.KeyTab:
		v.insert(line, '\t')
	case tcell.KeyRune:
		v.insert(line, ev.Rune())
	}
	return false
}

// extend starts a selection when Shift is held with Up or Down.
func (v *view) extend(ev *tcell.EventKey) {
	if ev.Modifiers()&tcell.ModShift != 0 && v.mark < 0 {
		v.mark = v.row
	}
}

func (v *view) insert(line []rune, r rune) {
	v.e.lines[v.row] = string(line[:v.col]) + string(r) + string(line[v.col:])
	v.col++
	v.e.dirty = true
}

// promptKey edits the command prompt; Enter runs the command on the
// selection, Tab completes its name.
func (v *view) promptKey(ctx context.Context, ev *tcell.EventKey) {
	p := *v.prompt
	switch ev.Key() {
	case tcell.KeyEscape, tcell.KeyCtrlP:
		v.prompt = nil
	case tcell.KeyBackspace, tcell.KeyBackspace2:
		if len(p) > 0 {
			*v.prompt = p[:len(p)-1]
		}
	case tcell.KeyTab:
		var match []string
		for name := range v.e.commandNames() {
			if strings.HasPrefix(name, string(p)) {
				match = append(match, name)
			}
		}
		sort.Strings(match)
		if len(match) == 1 {
			*v.prompt = []rune(match[0])
		} else {
			v.status = "commands: " + strings.Join(match, " ")
		}
	case tcell.KeyEnter:
		v.prompt = nil
		from, to := v.selection()
		r, err := v.e.run(ctx, strings.TrimSpace(string(p)), from+1, to+1)
		if err != nil {
			v.status = err.Error()
			return
		}
		v.status = fmt.Sprintf("%s on lines %d-%d by %s", r.Name, r.From, r.To, r.Plugin)
		if r.Message != "" {
			v.status += ": " + r.Message
		}
		v.row = min(v.row, len(v.e.lines)-1)
	case tcell.KeyRune:
		*v.prompt = append(p, ev.Rune())
	}
}

// height is the number of text lines on screen.
func (v *view) height() int {
	_, h := v.s.Size()
	return max(1, h-2-v.panelHeight())
}

func (v *view) panelHeight() int {
	_, h := v.s.Size()
	return min(len(v.panel), max(0, h/2-1))
}

func (v *view) draw() {
	s := v.s
	s.Clear()
	w, h := s.Size()
	text := v.height()
	if v.row < v.top {
		v.top = v.row
	}
	if v.row >= v.top+text {
		v.top = v.row - text + 1
	}
	const gutter = 5
	cols := max(1, w-gutter)
	line := []rune(v.e.lines[v.row])
	v.col = min(v.col, len(line))
	if v.col < v.left {
		v.left = v.col
	}
	if v.col >= v.left+cols {
		v.left = v.col - cols + 1
	}
	from, to := -1, -1
	if v.mark >= 0 {
		from, to = v.selection()
	}
	dim := tcell.StyleDefault.Foreground(tcell.ColorGray)
	sel := tcell.StyleDefault.Reverse(true)
	for y := 0; y < text; y++ {
		i := v.top + y
		if i >= len(v.e.lines) {
			s.PutStrStyled(0, y, "    ~", dim)
			continue
		}
		s.PutStrStyled(0, y, fmt.Sprintf("%4d ", i+1), dim)
		st := tcell.StyleDefault
		if i >= from && i <= to {
			st = sel
		}
		r := []rune(strings.ReplaceAll(v.e.lines[i], "\t", " "))
		if v.left < len(r) {
			s.PutStrStyled(gutter, y, string(r[v.left:min(len(r), v.left+cols)]), st)
		}
	}
	ph := v.panelHeight()
	for i := 0; i < ph; i++ {
		s.PutStrStyled(0, text+i, v.panel[i], tcell.StyleDefault.Foreground(tcell.ColorYellow))
	}
	name := filepath.Base(v.e.path)
	if v.e.dirty {
		name += " [+]"
	}
	bar := fmt.Sprintf(" %s  %d:%d  %d plug-ins | %s", name, v.row+1, v.col+1, len(v.a.reg.List()), v.status)
	bar += strings.Repeat(" ", max(0, w-len([]rune(bar))))
	s.PutStrStyled(0, h-2, bar, tcell.StyleDefault.Reverse(true))
	if v.prompt != nil {
		p := "command: " + string(*v.prompt)
		s.PutStr(0, h-1, p)
		s.ShowCursor(len([]rune(p)), h-1)
	} else {
		s.PutStrStyled(0, h-1, helpLine, dim)
		s.ShowCursor(gutter+v.col-v.left, v.row-v.top)
	}
	s.Show()
}
