package cache_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/tendril-wasm/tendril/cache"
	"github.com/tendril-wasm/tendril/runtime"
)

func Example() {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close(ctx)
	c, err := cache.New(rt, cache.Options{MaxEntries: 32})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close(ctx)

	wasm, err := os.ReadFile("testdata/echo.wasm")
	if err != nil {
		log.Fatal(err)
	}
	key := cache.KeyOf(wasm) // hash once; Get with it is a hit under a microsecond
	load := func(context.Context) ([]byte, error) { return wasm, nil }
	for range 3 { // three plug-ins, one compilation
		mod, err := c.Get(ctx, key, load)
		if err != nil {
			log.Fatal(err)
		}
		plugin, err := rt.Compile(ctx, runtime.Manifest{
			Wasm: []runtime.WasmSource{{Module: mod}},
		}, runtime.PluginOptions{})
		mod.Close(ctx) // the plug-in holds its own reference
		if err != nil {
			log.Fatal(err)
		}
		inst, err := plugin.Instantiate(ctx)
		if err != nil {
			log.Fatal(err)
		}
		out, err := inst.Call(ctx, "echo", []byte("hi"))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(string(out))
		plugin.Close(ctx)
	}
	st := c.Stats()
	fmt.Println("misses:", st.Misses, "hits:", st.Hits, "compilations:", rt.Stats().Compilations)
	// Output:
	// hi
	// hi
	// hi
	// misses: 1 hits: 2 compilations: 1
}
