package runtime_test

import (
	"context"
	"fmt"
	"log"
	"sync"

	"github.com/tendril-wasm/tendril/runtime"
)

// A pool serves concurrent callers, each on an instance of its own.
// count_vowels keeps a running total in a var: VarsReset clears it between
// calls, so that every output depends on its input alone.
func ExamplePool() {
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

	// MinIdle instances are made now: a plug-in that cannot start fails here.
	pool, err := plugin.NewPool(ctx, runtime.PoolOptions{MaxInstances: 2, MinIdle: 1, Vars: runtime.VarsReset})
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close(ctx) // lets calls in flight finish

	countVowels, err := pool.Function("count_vowels") // resolved once
	if err != nil {
		log.Fatal(err)
	}
	inputs := []string{"a", "ab ab", "aeiou", "xyz"}
	outputs := make([]string, len(inputs))
	var wg sync.WaitGroup
	for i, in := range inputs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := pool.CallFunction(ctx, countVowels, []byte(in))
			if err != nil {
				log.Fatal(err)
			}
			outputs[i] = string(out)
		}()
	}
	wg.Wait()
	for _, out := range outputs {
		fmt.Println(out)
	}
	st := pool.Stats()
	fmt.Println("calls:", st.Calls, "instances at most:", st.MaxInstances)
	// Output:
	// {"count":1,"total":1,"vowels":"aeiouAEIOU"}
	// {"count":2,"total":2,"vowels":"aeiouAEIOU"}
	// {"count":5,"total":5,"vowels":"aeiouAEIOU"}
	// {"count":0,"total":0,"vowels":"aeiouAEIOU"}
	// calls: 4 instances at most: 2
}

// Borrow lends one instance for several calls: count_vowels's running
// total (a var) goes on across them.
func ExamplePool_Borrow() {
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
	pool, err := plugin.NewPool(ctx, runtime.PoolOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close(ctx)

	err = pool.Borrow(ctx, func(in *runtime.Instance) error {
		for _, s := range []string{"aa", "aaa"} {
			out, err := in.Call(ctx, "count_vowels", []byte(s))
			if err != nil {
				return err
			}
			fmt.Println(string(out))
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// {"count":2,"total":2,"vowels":"aeiouAEIOU"}
	// {"count":3,"total":5,"vowels":"aeiouAEIOU"}
}
