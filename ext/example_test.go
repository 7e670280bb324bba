package ext_test

import (
	"context"
	"fmt"
	"log"

	"github.com/tendril-wasm/tendril/codec"
	"github.com/tendril-wasm/tendril/codec/json"
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

// vowels is what count_vowels.wasm (an Extism plug-in) answers, in JSON.
type vowels struct {
	Count  int    `json:"count"`
	Total  int    `json:"total"`
	Vowels string `json:"vowels"`
}

// A typed call: count_vowels takes text and answers JSON, so the codec is a
// Pair (most plug-ins speak one codec both ways: pass it alone).
func ExampleCall() {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close(ctx)

	plugin, err := rt.Compile(ctx, runtime.Manifest{
		Wasm: []runtime.WasmSource{{Path: extismFile("count_vowels.wasm")}},
	}, runtime.PluginOptions{})
	if err != nil {
		log.Fatal(err)
	}
	inst, err := plugin.Instantiate(ctx)
	if err != nil {
		log.Fatal(err)
	}
	textToJSON := ext.Pair{Encode: codec.String{}, Decode: json.Codec{}}
	v, err := ext.Call[string, vowels](ctx, inst, "count_vowels", "Hello, world!", textToJSON)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%+v\n", v)

	// Output that does not decode is an error naming the plug-in, the
	// function, the codec and the Go type; never a zero value passed on.
	_, err = ext.Call[string, []int](ctx, inst, "count_vowels", "Hello", textToJSON)
	fmt.Println(err)
	// Output:
	// {Count:3 Total:3 Vowels:aeiouAEIOU}
	// ext: plugin "count_vowels": count_vowels: output: codec: json: cannot decode []int: json: cannot unmarshal object into Go value of type []int
}

// A Func is bound once (function handle, codec, buffers) and called often,
// from any number of goroutines when the Callable allows it (an instance
// serializes its calls; a pool or a registered plug-in runs them side by
// side).
func ExampleFunc() {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close(ctx)

	plugin, err := rt.Compile(ctx, runtime.Manifest{
		Wasm: []runtime.WasmSource{{Path: extismFile("count_vowels.wasm")}},
	}, runtime.PluginOptions{})
	if err != nil {
		log.Fatal(err)
	}
	inst, err := plugin.Instantiate(ctx)
	if err != nil {
		log.Fatal(err)
	}
	count, err := ext.NewFunc[string, vowels](inst, "count_vowels",
		ext.Pair{Encode: codec.String{}, Decode: json.Codec{}})
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range []string{"Hello, world!", "aeiou", "xyz"} {
		v, err := count.Call(ctx, s)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(v.Count, v.Total) // the plug-in keeps a running total
	}
	// Output:
	// 3 3
	// 5 8
	// 0 8
}
