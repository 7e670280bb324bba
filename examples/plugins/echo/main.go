//go:build wasip1

// Command echo is a plug-in whose output is its input.
package main

import "github.com/tendril-wasm/tendril/pdk"

// buf is reused across calls.
var buf []byte

// echo returns its input as bytes, reusing one buffer across calls.
//
//go:wasmexport echo
func echo() int32 {
	return pdk.Run(func() error {
		buf = pdk.AppendInput(buf[:0])
		pdk.Output(buf)
		return nil
	})
}

// echo_string returns its input through strings.
//
//go:wasmexport echo_string
func echoString() int32 {
	return pdk.Run(func() error {
		pdk.OutputString(pdk.InputString())
		return nil
	})
}

// echo_copy returns its input through a fresh copy.
//
//go:wasmexport echo_copy
func echoCopy() int32 {
	return pdk.Run(func() error {
		pdk.Output(pdk.Input())
		return nil
	})
}

func main() {}
