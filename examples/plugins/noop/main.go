//go:build wasip1

// Command noop is a plug-in with an export that does nothing, to measure the
// cost of a call.
package main

// noop returns 0 without touching its input.
//
//go:wasmexport noop
func noop() int32 { return 0 }

func main() {}
