//go:build wasip1

// Command hostfunc is a plug-in that calls a function of its host,
// extism:host/user to_upper, which takes and returns a block of kernel memory.
package main

import (
	"errors"
	"fmt"

	"github.com/tendril-wasm/tendril/pdk"
)

// toUpper is the host's function: the upper-case of the block it is given.
//
//go:wasmimport extism:host/user to_upper
func toUpper(pdk.Handle) pdk.Handle

// upper returns the upper-case of its input, computed by the host.
//
//go:wasmexport upper
func upper() int32 {
	return pdk.Run(func() error {
		in := pdk.AllocString(pdk.InputString())
		defer in.Free()
		out := toUpper(in)
		defer out.Free()
		pdk.OutputString(out.Text())
		return nil
	})
}

// handles exercises kernel memory blocks directly: it copies its input into a
// block bit by bit and returns what it read back with a report of lengths.
//
//go:wasmexport handles
func memory() int32 {
	return pdk.Run(func() error {
		in := pdk.Input()
		h := pdk.Alloc(len(in) + 3)
		if n := h.Store(in); n != len(in) {
			return fmt.Errorf("stored %d of %d bytes", n, len(in))
		}
		// Store is clipped to the block: only 3 more bytes fit.
		if n := h.Store(append(append([]byte{}, in...), "+++++"...)); n != len(in)+3 {
			return fmt.Errorf("clipped store wrote %d bytes", n)
		}
		head := make([]byte, len(in))
		if n := h.Load(head); n != len(in) {
			return fmt.Errorf("loaded %d of %d bytes", n, len(in))
		}
		all := h.Bytes()
		h.Free()
		if h.Len() != 0 || h.Bytes() != nil {
			return errors.New("freed block still readable")
		}
		b := pdk.AllocBytes(head)
		defer b.Free()
		pdk.OutputString(fmt.Sprintf("len=%d head=%s all=%s copy=%s", len(all), head, all, b.Text()))
		return nil
	})
}

func main() {}
