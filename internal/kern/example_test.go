package kern_test

import (
	"context"
	"fmt"

	"github.com/tetratelabs/wazero"

	kernel "github.com/tendril-wasm/tendril/internal/kern"
)

// A host drives one call through a kernel instance: Reset with the input,
// let the guest work (here the host calls the kernel's exports itself, as a
// guest would through its extism:host/env imports), then read the output.
func Example() {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)

	k, err := kernel.New(ctx, r)
	if err != nil {
		panic(err)
	}
	in, err := k.Instantiate(ctx, kernel.Options{Config: map[string]string{"greeting": "hello"}})
	if err != nil {
		panic(err)
	}
	defer in.Close(ctx)

	if err := in.Reset([]byte("world")); err != nil {
		panic(err)
	}
	abi := in.Module()
	n, _ := abi.ExportedFunction("input_length").Call(ctx)
	first, _ := abi.ExportedFunction("input_load_u8").Call(ctx, 0)

	out, _ := in.Write(ctx, []byte(fmt.Sprintf("%d bytes, first %q", n[0], rune(first[0]))))
	if _, err := abi.ExportedFunction("output_set").Call(ctx, out, in.Length(ctx, out)); err != nil {
		panic(err)
	}
	fmt.Println(string(in.Output()))
	// Output: 5 bytes, first 'w'
}
