//go:build wasip1

// Command lint is an editor plug-in: on on_open it reports problems of a
// Markdown document with their line numbers: trailing whitespace, lines
// longer than the configured limit ("max_line", default 100), headings that
// skip a level, headings used twice, and TODO markers.
package main

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tendril-wasm/tendril/codec/json"
	"github.com/tendril-wasm/tendril/pdk"
)

// Doc is the on_open event.
type Doc struct {
	Path string `json:"path"`
	Text string `json:"text"`
}

// Report is what an on_open handler answers.
type Report struct {
	Summary     string       `json:"summary"`
	Diagnostics []Diagnostic `json:"diagnostics,omitempty"`
}

// Diagnostic is one problem at a line (1-based) and column (1-based, in
// characters).
type Diagnostic struct {
	Line     int    `json:"line"`
	Col      int    `json:"col"`
	Severity string `json:"severity"` // "warning" or "info"
	Message  string `json:"message"`
}

//go:wasmexport tendril:codec/json
func declareCodec() int32 { return 0 }

//go:wasmexport tendril:description/Markdown%20lint%20with%20line%20numbers
func describe() int32 { return 0 }

//go:wasmexport on_open
func onOpen() int32 {
	return pdk.RunTyped(json.Codec{}, func(d Doc) (Report, error) {
		maxLine := 100
		if v, ok := pdk.GetConfig("max_line"); ok {
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				maxLine = n
			}
		}
		return lint(d.Text, maxLine), nil
	})
}

func lint(text string, maxLine int) Report {
	var r Report
	add := func(line, col int, sev, msg string) {
		r.Diagnostics = append(r.Diagnostics, Diagnostic{Line: line, Col: col, Severity: sev, Message: msg})
	}
	seen := map[string]int{}
	level, fence := 0, false
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		n := i + 1
		if strings.HasPrefix(line, "```") {
			fence = !fence
		}
		if trimmed := strings.TrimRight(line, " \t"); len(trimmed) < len(line) {
			add(n, utf8.RuneCountInString(trimmed)+1, "warning", "trailing whitespace")
		}
		if l := utf8.RuneCountInString(line); l > maxLine {
			add(n, maxLine+1, "warning", "line is "+strconv.Itoa(l)+" characters long (max "+strconv.Itoa(maxLine)+")")
		}
		if c := strings.Index(line, "TODO"); c >= 0 {
			add(n, utf8.RuneCountInString(line[:c])+1, "info", "TODO")
		}
		if fence {
			continue
		}
		h := strings.IndexFunc(line, func(r rune) bool { return r != '#' })
		if h <= 0 || h > 6 || line[h] != ' ' {
			continue
		}
		if level > 0 && h > level+1 {
			add(n, 1, "warning", "heading level "+strconv.Itoa(h)+" after level "+strconv.Itoa(level))
		}
		level = h
		title := strings.ToLower(strings.TrimSpace(line[h:]))
		if first, ok := seen[title]; ok {
			add(n, 1, "warning", "heading repeats line "+strconv.Itoa(first))
		} else {
			seen[title] = n
		}
	}
	switch len(r.Diagnostics) {
	case 0:
		r.Summary = "no problems"
	case 1:
		r.Summary = "1 problem"
	default:
		r.Summary = strconv.Itoa(len(r.Diagnostics)) + " problems"
	}
	return r
}

func main() {}
