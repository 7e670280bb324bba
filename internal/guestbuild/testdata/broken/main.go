//go:build wasip1

// Command broken does not compile: the tests check that the compiler's
// message reaches the caller.
package main

//go:wasmexport run
func run() int32 { return notDefined() }

func main() {}
