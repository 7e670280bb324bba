//go:build wasip1

// Command tables is an editor plug-in in the format chain run on save: it
// aligns the columns of Markdown tables (pipes lined up, cells padded,
// delimiter rows of dashes keeping their alignment colons). It runs after
// the whitespace plug-in (priority 20).
package main

import (
	"strings"
	"unicode/utf8"

	"github.com/tendril-wasm/tendril/codec"
	"github.com/tendril-wasm/tendril/pdk"
)

//go:wasmexport tendril:codec/string
func declareCodec() int32 { return 0 }

//go:wasmexport tendril:priority/20
func priority() int32 { return 0 }

//go:wasmexport tendril:description/Aligns%20Markdown%20tables
func describe() int32 { return 0 }

//go:wasmexport format
func format() int32 {
	return pdk.RunTyped(codec.String{}, func(text string) (string, error) {
		lines := strings.Split(text, "\n")
		for i := 0; i < len(lines); {
			j := i
			for j < len(lines) && isRow(lines[j]) {
				j++
			}
			if j-i >= 2 && isDelimiter(lines[i+1]) {
				align(lines[i:j])
				i = j
				continue
			}
			i = max(j, i+1)
		}
		return strings.Join(lines, "\n"), nil
	})
}

func isRow(line string) bool {
	t := strings.TrimSpace(line)
	return len(t) > 1 && t[0] == '|'
}

func isDelimiter(line string) bool {
	for _, c := range cells(line) {
		c = strings.Trim(c, ":")
		if c == "" || strings.Trim(c, "-") != "" {
			return false
		}
	}
	return true
}

// cells splits a row into its trimmed cells.
func cells(line string) []string {
	t := strings.TrimSpace(line)
	t = strings.TrimPrefix(t, "|")
	t = strings.TrimSuffix(t, "|")
	cs := strings.Split(t, "|")
	for i, c := range cs {
		cs[i] = strings.TrimSpace(c)
	}
	return cs
}

// align rewrites the rows of one table (header, delimiter, body).
func align(rows []string) {
	table := make([][]string, len(rows))
	var width []int
	for i, r := range rows {
		table[i] = cells(r)
		for len(width) < len(table[i]) {
			width = append(width, 3)
		}
		if i == 1 {
			continue
		}
		for c, cell := range table[i] {
			width[c] = max(width[c], utf8.RuneCountInString(cell))
		}
	}
	for i, cs := range table {
		var b strings.Builder
		b.WriteString("|")
		for c := range width {
			cell := ""
			if c < len(cs) {
				cell = cs[c]
			}
			b.WriteString(" ")
			if i == 1 {
				b.WriteString(delimiter(cell, width[c]))
			} else {
				b.WriteString(cell)
				b.WriteString(strings.Repeat(" ", width[c]-utf8.RuneCountInString(cell)))
			}
			b.WriteString(" |")
		}
		rows[i] = b.String()
	}
}

// delimiter is a delimiter cell of width w keeping cell's colons.
func delimiter(cell string, w int) string {
	left, right := strings.HasPrefix(cell, ":"), strings.HasSuffix(cell, ":")
	d := []byte(strings.Repeat("-", w))
	if left {
		d[0] = ':'
	}
	if right {
		d[w-1] = ':'
	}
	return string(d)
}

func main() {}
