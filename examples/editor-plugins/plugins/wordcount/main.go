//go:build wasip1

// Command wordcount is an editor plug-in: on on_open it counts the document's
// words, lines and characters and estimates its reading time (238 words a
// minute, rounded up).
package main

import (
	"strconv"
	"strings"
	"unicode"
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
	Summary string `json:"summary"`
}

//go:wasmexport tendril:codec/json
func declareCodec() int32 { return 0 }

//go:wasmexport tendril:description/Counts%20words%20and%20estimates%20reading%20time
func describe() int32 { return 0 }

//go:wasmexport tendril:version/1.0.0
func version() int32 { return 0 }

// wordsPerMinute is an adult's silent reading speed for non-fiction.
const wordsPerMinute = 238

//go:wasmexport on_open
func onOpen() int32 {
	return pdk.RunTyped(json.Codec{}, func(d Doc) (Report, error) {
		words := len(strings.FieldsFunc(d.Text, func(r rune) bool {
			return unicode.IsSpace(r) || (unicode.IsPunct(r) && r != '\'' && r != '-')
		}))
		lines := strings.Count(d.Text, "\n")
		if d.Text != "" && !strings.HasSuffix(d.Text, "\n") {
			lines++
		}
		minutes := (words + wordsPerMinute - 1) / wordsPerMinute
		return Report{Summary: strconv.Itoa(words) + " words, " + strconv.Itoa(lines) + " lines, " +
			strconv.Itoa(utf8.RuneCountInString(d.Text)) + " characters; reading time " +
			strconv.Itoa(minutes) + " min"}, nil
	})
}

func main() {}
