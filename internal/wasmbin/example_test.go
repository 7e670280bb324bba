package wasmbin_test

import (
	"context"
	"fmt"

	"github.com/tetratelabs/wazero"

	"github.com/tendril-wasm/tendril/internal/wasmbin"
)

// Instrument a module (here an empty one) and find the interrupt flag the
// host sets to stop it.
func ExampleInstrumentModule() {
	empty := []byte("\x00asm\x01\x00\x00\x00")
	m, err := wasmbin.InstrumentModule(empty, wasmbin.Options{MaxTableElements: 1 << 16})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	mod, err := r.Instantiate(ctx, m.Binary)
	if err != nil {
		panic(err)
	}
	fmt.Println(mod.ExportedGlobal(wasmbin.InterruptExport).Get(), m.Start)
	// Output: 0 false
}
