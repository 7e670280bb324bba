//go:build wasip1

// Command case is an editor plug-in offering commands that change letter
// case: upper and lower (the selection) and title (title-cases the Markdown
// headings of the selection, leaving short words lower-case).
package main

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

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

//go:wasmexport tendril:description/Upper%2C%20lower%20and%20title%20case
func describe() int32 { return 0 }

//go:wasmexport command:upper
func upper() int32 {
	return pdk.RunTyped(json.Codec{}, func(s Selection) (Edit, error) {
		return Edit{Text: strings.ToUpper(s.Text)}, nil
	})
}

//go:wasmexport command:lower
func lower() int32 {
	return pdk.RunTyped(json.Codec{}, func(s Selection) (Edit, error) {
		return Edit{Text: strings.ToLower(s.Text)}, nil
	})
}

// small are the words title case leaves lower-case unless they come first.
var small = map[string]bool{"a": true, "an": true, "and": true, "as": true, "at": true, "but": true,
	"by": true, "for": true, "in": true, "of": true, "on": true, "or": true, "the": true, "to": true, "with": true}

//go:wasmexport command:title
func title() int32 {
	return pdk.RunTyped(json.Codec{}, func(s Selection) (Edit, error) {
		lines := strings.Split(s.Text, "\n")
		n := 0
		for i, line := range lines {
			h := strings.IndexFunc(line, func(r rune) bool { return r != '#' })
			if h <= 0 || h > 6 || line[h] != ' ' {
				continue
			}
			words := strings.Fields(line[h:])
			for j, w := range words {
				lw := strings.ToLower(w)
				if j > 0 && small[lw] {
					words[j] = lw
					continue
				}
				r, size := utf8.DecodeRuneInString(w)
				words[j] = string(unicode.ToUpper(r)) + w[size:]
			}
			lines[i] = line[:h] + " " + strings.Join(words, " ")
			n++
		}
		return Edit{Text: strings.Join(lines, "\n"), Message: strconv.Itoa(n) + " headings title-cased"}, nil
	})
}

func main() {}
