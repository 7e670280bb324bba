//go:build wasip1

// Command wordcount is a hook handler written in Go with package pdk, for
// the registry's tests: it declares its metadata through export names and
// handles the hook "on_open" and the command "command:upper".
package main

import (
	"strconv"
	"strings"

	"github.com/tendril-wasm/tendril/pdk"
)

// Metadata: the names say it all; the functions are never called.
//
//go:wasmexport tendril:version/0.1.0
func version() int32 { return 0 }

//go:wasmexport tendril:description/Counts%20words
func description() int32 { return 0 }

//go:wasmexport tendril:codec/string
func codec() int32 { return 0 }

//go:wasmexport tendril:priority/-5
func priority() int32 { return 0 }

// on_open answers the number of words of the document.
//
//go:wasmexport on_open
func onOpen() int32 {
	return pdk.Run(func() error {
		pdk.OutputString(strconv.Itoa(len(strings.Fields(pdk.InputString()))))
		return nil
	})
}

// command:upper upper-cases its input.
//
//go:wasmexport command:upper
func upper() int32 {
	return pdk.Run(func() error {
		pdk.OutputString(strings.ToUpper(pdk.InputString()))
		return nil
	})
}

func main() {}
