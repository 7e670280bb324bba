//go:build wasip1

// Command boom is a plug-in whose exports fail in each way a Go export can:
// a panic, a runtime error and a returned error. The instance stays usable
// after each of them.
package main

import (
	"errors"
	"strconv"

	"github.com/tendril-wasm/tendril/pdk"
)

// boom panics with "boom: " and its input.
//
//go:wasmexport boom
func boom() int32 {
	return pdk.Run(func() error {
		panic("boom: " + pdk.InputString())
	})
}

// code is a named type, for panics with values that are not errors.
type code int

// point is a Stringer.
type point struct{ x, y int }

func (p point) String() string { return "(" + strconv.Itoa(p.x) + "," + strconv.Itoa(p.y) + ")" }

// panic_value panics with a value of the kind named by its input.
//
//go:wasmexport panic_value
func panicValue() int32 {
	return pdk.Run(func() error {
		switch pdk.InputString() {
		case "int":
			panic(42)
		case "float":
			panic(1.5)
		case "bool":
			panic(true)
		case "named":
			panic(code(7))
		case "stringer":
			panic(point{1, 2})
		case "error":
			panic(errors.New("an error"))
		case "struct":
			panic(struct{ a int }{1})
		case "nil":
			panic(nil)
		}
		return nil
	})
}

// set_error sets its input as the call's error without Run and returns 0;
// given "clear", it sets an error, clears it and succeeds.
//
//go:wasmexport set_error
func setError() int32 {
	in := pdk.InputString()
	if in == "clear" {
		pdk.SetError(errors.New("not for long"))
		pdk.SetError(nil)
		pdk.OutputString("cleared")
		return 0
	}
	pdk.SetError(errors.New(in))
	return 0
}

// nilMap is never made, so writing to it is a runtime error.
var nilMap map[string]int

// nil_map panics with a runtime error.
//
//go:wasmexport nil_map
func nilMapWrite() int32 {
	return pdk.Run(func() error {
		nilMap[pdk.InputString()]++
		return nil
	})
}

// fail returns an error whose message is its input.
//
//go:wasmexport fail
func fail() int32 {
	return pdk.Run(func() error {
		return errors.New(pdk.InputString())
	})
}

// calls counts the calls of count, in Go memory that survives the failures.
var calls int

// count returns how many times it has been called on this instance.
//
//go:wasmexport count
func count() int32 {
	return pdk.Run(func() error {
		calls++
		pdk.OutputString(strconv.Itoa(calls))
		return nil
	})
}

func main() {}
