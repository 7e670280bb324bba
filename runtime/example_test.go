package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/tetratelabs/wazero/api"

	"github.com/tendril-wasm/tendril/runtime"
)

// The examples run Extism's reference plug-ins; extismFile finds them in the
// Go module cache (github.com/extism/go-sdk@v1.7.1/wasm/).

func Example() {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close(ctx) // closes every plug-in and instance it made

	// Compile once...
	plugin, err := rt.Compile(ctx, runtime.Manifest{
		Wasm: []runtime.WasmSource{{Path: extismFile("hello.wasm")}},
	}, runtime.PluginOptions{})
	if err != nil {
		log.Fatal(err)
	}

	// ...then instantiate as often as needed. An instance runs one call at a time.
	inst, err := plugin.Instantiate(ctx)
	if err != nil {
		log.Fatal(err)
	}
	out, err := inst.Call(ctx, "run_test", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(out))
	// Output: Hello, world!
}

// An instance keeps its vars between calls: count_vowels keeps a running total.
func ExampleInstance_Call() {
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
	for _, s := range []string{"Hello, world!", "aeiou"} {
		out, err := inst.Call(ctx, "count_vowels", []byte(s))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(string(out))
	}
	// Output:
	// {"count":3,"total":3,"vowels":"aeiouAEIOU"}
	// {"count":5,"total":8,"vowels":"aeiouAEIOU"}
}

// A plug-in that fails its call returns a *GuestError; the instance stays usable.
func ExampleGuestError() {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close(ctx)

	plugin, err := rt.Compile(ctx, runtime.Manifest{
		Wasm: []runtime.WasmSource{{Path: extismFile("fail.wasm")}},
	}, runtime.PluginOptions{})
	if err != nil {
		log.Fatal(err)
	}
	inst, err := plugin.Instantiate(ctx)
	if err != nil {
		log.Fatal(err)
	}
	_, err = inst.Call(ctx, "run_test", nil)
	var ge *runtime.GuestError
	if errors.As(err, &ge) {
		fmt.Printf("%s failed: %s\n", ge.Function, ge.Message)
	}
	fmt.Println("broken:", inst.Broken() != nil)
	// Output:
	// run_test failed: Some error message
	// broken: false
}

// Host functions are Go functions the application grants to plug-ins.
// host.wasm imports mult from extism:host/user and prints what it returns.
func ExampleHostFunction() {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close(ctx)

	mult := runtime.HostFunction{
		Name:    "mult",
		Params:  []api.ValueType{api.ValueTypeI64, api.ValueTypeI64},
		Results: []api.ValueType{api.ValueTypeI64},
		Func: func(_ context.Context, _ *runtime.Caller, stack []uint64) error {
			stack[0] = stack[0] * stack[1]
			return nil
		},
	}
	plugin, err := rt.Compile(ctx, runtime.Manifest{
		Wasm: []runtime.WasmSource{{Path: extismFile("host.wasm")}},
	}, runtime.PluginOptions{WASI: true, HostFunctions: []runtime.HostFunction{mult}})
	if err != nil {
		log.Fatal(err)
	}
	inst, err := plugin.Instantiate(ctx)
	if err != nil {
		log.Fatal(err)
	}
	out, err := inst.Call(ctx, "run_test", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(out))
	// Output: 42 x 2 = 84
}

// ParseManifest reads Extism's JSON manifest strictly; errors name the field.
func ExampleParseManifest() {
	_, err := runtime.ParseManifest([]byte(`{"wasm": [{"path": "a.wasm", "url": "https://example.com/a.wasm"}]}`))
	fmt.Println(err)
	fmt.Println(errors.Is(err, runtime.ErrManifest))

	m, err := runtime.ParseManifest([]byte(`{
		"wasm": [{"path": "plugin.wasm"}],
		"config": {"greeting": "Howdy"},
		"allowed_hosts": ["*.example.com"],
		"timeout_ms": 500
	}`))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Config["greeting"], m.AllowedHosts, m.TimeoutMs)
	// Output:
	// runtime: invalid manifest: wasm[0]: exactly one of path, url or data is required
	// true
	// Howdy [*.example.com] 500
}
