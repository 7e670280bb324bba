//go:build wasip1

// Command lines is an editor plug-in offering commands on whole lines of the
// selection: sort (Markdown list items sort by their text, not their
// markers), uniq (drops repeated lines) and reverse.
package main

import (
	"slices"
	"strconv"
	"strings"

	"github.com/tendril-wasm/tendril/codec/json"
	"github.com/tendril-wasm/tendril/pdk"
)

// Selection is a command's input: the selected lines and the number of the
// first.
type Selection struct {
	Text string `json:"text"`
	Line int    `json:"line"`
}

// Edit is a command's answer: the text that replaces the selection and a
// message for the status line.
type Edit struct {
	Text    string `json:"text"`
	Message string `json:"message,omitempty"`
}

//go:wasmexport tendril:codec/json
func declareCodec() int32 { return 0 }

//go:wasmexport tendril:description/Sort%2C%20uniq%20and%20reverse%20lines
func describe() int32 { return 0 }

// key is what a line sorts by: its text without a list marker, folded.
func key(line string) string {
	t := strings.TrimLeft(line, " \t")
	for _, m := range []string{"- [ ] ", "- [x] ", "- ", "* ", "+ "} {
		if strings.HasPrefix(t, m) {
			t = t[len(m):]
			break
		}
	}
	return strings.ToLower(t)
}

//go:wasmexport command:sort
func sortLines() int32 {
	return pdk.RunTyped(json.Codec{}, func(s Selection) (Edit, error) {
		lines := strings.Split(s.Text, "\n")
		slices.SortStableFunc(lines, func(a, b string) int { return strings.Compare(key(a), key(b)) })
		return Edit{Text: strings.Join(lines, "\n"), Message: strconv.Itoa(len(lines)) + " lines sorted"}, nil
	})
}

//go:wasmexport command:uniq
func uniq() int32 {
	return pdk.RunTyped(json.Codec{}, func(s Selection) (Edit, error) {
		lines := strings.Split(s.Text, "\n")
		seen := map[string]bool{}
		out := lines[:0]
		for _, l := range lines {
			if !seen[l] || strings.TrimSpace(l) == "" {
				out = append(out, l)
			}
			seen[l] = true
		}
		return Edit{Text: strings.Join(out, "\n"), Message: strconv.Itoa(len(lines)-len(out)) + " repeated lines dropped"}, nil
	})
}

//go:wasmexport command:reverse
func reverse() int32 {
	return pdk.RunTyped(json.Codec{}, func(s Selection) (Edit, error) {
		lines := strings.Split(s.Text, "\n")
		slices.Reverse(lines)
		return Edit{Text: strings.Join(lines, "\n")}, nil
	})
}

func main() {}
