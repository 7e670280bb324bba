package ext_test

import (
	"context"
	"fmt"
	"log"

	"github.com/tendril-wasm/tendril/codec"
	"github.com/tendril-wasm/tendril/ext"
	"github.com/tendril-wasm/tendril/runtime"
)

// A typed host function: the application writes a Go function of Go values
// and grants it to the plug-in. host_multiple.wasm (an Extism plug-in)
// imports hostGreenMessage and hostPurpleMessage; say_green sends the first
// its text and outputs what it answers.
func ExampleHostFunction() {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close(ctx)

	green := ext.HostFunction("hostGreenMessage", codec.String{},
		func(_ context.Context, msg string) (string, error) {
			return "🟢:" + msg, nil
		})
	purple := ext.HostFunction("hostPurpleMessage", codec.String{},
		func(_ context.Context, msg string) (string, error) {
			return "🟣:" + msg, nil
		})
	plugin, err := rt.Compile(ctx, runtime.Manifest{
		Wasm: []runtime.WasmSource{{Path: extismFile("host_multiple.wasm")}},
	}, runtime.PluginOptions{WASI: true, HostFunctions: []runtime.HostFunction{green, purple}})
	if err != nil {
		log.Fatal(err)
	}
	inst, err := plugin.Instantiate(ctx)
	if err != nil {
		log.Fatal(err)
	}
	out, err := ext.Call[string, string](ctx, inst, "say_green", "John Doe", codec.String{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(out)
	// Output: 🟢:🫱 Hey from say_green John Doe
}
