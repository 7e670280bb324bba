package runtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"

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

// A raw host function works on the guest's values directly.
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
		Params:  []runtime.ValueType{runtime.ValueTypeI64, runtime.ValueTypeI64},
		Results: []runtime.ValueType{runtime.ValueTypeI64},
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

// Outputs belong to the caller: they stay valid after later calls and after
// the instance, the plug-in and the runtime are closed.
func ExampleInstance_Call_ownership() {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.Options{})
	if err != nil {
		log.Fatal(err)
	}
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
	out, err := inst.Call(ctx, "count_vowels", []byte("hello"))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := inst.Call(ctx, "count_vowels", []byte("another call")); err != nil {
		log.Fatal(err)
	}
	inst.Close(ctx)
	plugin.Close(ctx)
	rt.Close(ctx)
	fmt.Println(string(out))
	// Output: {"count":2,"total":2,"vowels":"aeiouAEIOU"}
}

// Resolve a function once, then call it with no lookup: CallFunction returns
// an output the caller owns; Invoke lends it to a callback, without a copy.
func ExampleInstance_Invoke() {
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
	countVowels, err := plugin.Function("count_vowels")
	if err != nil {
		log.Fatal(err)
	}
	inst, err := plugin.Instantiate(ctx)
	if err != nil {
		log.Fatal(err)
	}
	out, err := inst.CallFunction(ctx, countVowels, []byte("aaa"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(out))

	var total int
	for _, s := range []string{"e", "ii", "ooo"} {
		err := inst.Invoke(ctx, countVowels, []byte(s), func(out []byte) error {
			// out is valid only until this function returns.
			var r struct{ Total int }
			if err := json.Unmarshal(out, &r); err != nil {
				return err
			}
			total = r.Total
			return nil
		})
		if err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("total:", total)
	// Output:
	// {"count":3,"total":3,"vowels":"aeiouAEIOU"}
	// total: 9
}

// A bytes host function needs no wazero types: bytes in, bytes out. An
// error it returns reaches the guest (error_get); a guest that ignores it
// fails its call with it, and the instance stays usable.
func ExampleNewHostFunction() {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close(ctx)

	// host_multiple.wasm imports hostPurpleMessage and hostGreenMessage.
	decorate := func(mark string) runtime.HostFunction {
		return runtime.NewHostFunction(mark, func(_ context.Context, _ *runtime.Caller, in []byte) ([]byte, error) {
			if len(in) == 0 {
				return nil, errors.New("nothing to decorate")
			}
			return append([]byte("** "), in...), nil
		})
	}
	plugin, err := rt.Compile(ctx, runtime.Manifest{
		Wasm: []runtime.WasmSource{{Path: extismFile("host_multiple.wasm")}},
	}, runtime.PluginOptions{WASI: true, HostFunctions: []runtime.HostFunction{
		decorate("hostPurpleMessage"), decorate("hostGreenMessage"),
	}})
	if err != nil {
		log.Fatal(err)
	}
	inst, err := plugin.Instantiate(ctx)
	if err != nil {
		log.Fatal(err)
	}
	out, err := inst.Call(ctx, "say_purple", []byte("Jane"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(out))
	// Output: ** 👋 Hello from say_purple Jane
}

// Plug-ins that use the same module share its compiled code, whatever their
// config: the Runtime compiles it once.
func ExampleRuntime_CompileModule() {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close(ctx)

	wasm, err := os.ReadFile(extismFile("count_vowels.wasm"))
	if err != nil {
		log.Fatal(err)
	}
	// Holding a Module keeps its compiled code while plug-ins come and go.
	mod, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		log.Fatal(err)
	}
	defer mod.Close(ctx)

	for _, vowels := range []string{"aeiou", "y"} {
		plugin, err := rt.Compile(ctx, runtime.Manifest{
			Wasm:   []runtime.WasmSource{{Data: wasm}},
			Config: map[string]string{"vowels": vowels},
		}, runtime.PluginOptions{})
		if err != nil {
			log.Fatal(err)
		}
		inst, err := plugin.Instantiate(ctx)
		if err != nil {
			log.Fatal(err)
		}
		out, err := inst.Call(ctx, "count_vowels", []byte("yellow"))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(string(out))
		plugin.Close(ctx)
	}
	fmt.Printf("%+v\n", rt.Stats())
	// Output:
	// {"count":2,"total":2,"vowels":"aeiou"}
	// {"count":1,"total":1,"vowels":"y"}
	// {Compilations:1 LiveModules:1}
}
