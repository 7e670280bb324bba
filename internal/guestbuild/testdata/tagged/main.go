//go:build wasip1

// Command tagged compiles only with the build tag tendriltest, which the
// tests pass through Options.Flags.
package main

//go:wasmexport run
func run() int32 { return tagged() }

func main() {}
