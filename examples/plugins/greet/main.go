//go:build wasip1

// Command greet is a plug-in that greets its input with the host's config
// "greeting" and counts its calls in the var "calls".
package main

import (
	"errors"
	"strconv"

	"github.com/tendril-wasm/tendril/pdk"
)

// greet answers "<greeting>, <input>!"; the greeting defaults to "Hello".
//
//go:wasmexport greet
func greet() int32 {
	return pdk.Run(func() error {
		name := pdk.InputString()
		if name == "" {
			return errors.New("greet: empty name")
		}
		greeting, ok := pdk.GetConfig("greeting")
		if !ok {
			greeting = "Hello"
		}
		calls := 1
		if v, ok := pdk.GetVar("calls"); ok {
			n, err := strconv.Atoi(string(v))
			if err != nil {
				return err
			}
			calls = n + 1
		}
		pdk.SetVar("calls", []byte(strconv.Itoa(calls)))
		pdk.OutputString(greeting + ", " + name + "!")
		return nil
	})
}

// calls returns the number of greetings so far, or "0".
//
//go:wasmexport calls
func calls() int32 {
	return pdk.Run(func() error {
		v, ok := pdk.GetVar("calls")
		if !ok {
			v = []byte("0")
		}
		pdk.Output(v)
		return nil
	})
}

// forget deletes the count of greetings.
//
//go:wasmexport forget
func forget() int32 {
	return pdk.Run(func() error {
		pdk.DeleteVar("calls")
		return nil
	})
}

// config returns the config value named by the input, or fails when the
// host has none.
//
//go:wasmexport config
func config() int32 {
	return pdk.Run(func() error {
		key := pdk.InputString()
		v, ok := pdk.GetConfig(key)
		if !ok {
			return errors.New("no config " + strconv.Quote(key))
		}
		pdk.OutputString(v)
		return nil
	})
}

func main() {}
