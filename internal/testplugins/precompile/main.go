// Command precompile compiles WebAssembly modules with Tendril's runtime
// into a wazero compilation cache directory, and nothing else. Tests run it
// (through testplugins.CompilationCache) because it is built without the
// race detector: under -race wazero's compiler runs ten to thirty times
// slower, and tests are about Tendril, not about wazero's compiler.
//
//	go run ./internal/testplugins/precompile -cache DIR module.wasm...
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/tendril-wasm/tendril/runtime"
)

func main() {
	cache := flag.String("cache", "", "the compilation cache directory")
	flag.Parse()
	if *cache == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: precompile -cache DIR module.wasm...")
		os.Exit(2)
	}
	if err := precompile(context.Background(), *cache, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "precompile:", err)
		os.Exit(1)
	}
}

func precompile(ctx context.Context, cache string, paths []string) error {
	rt, err := runtime.New(ctx, runtime.Options{CompilationCacheDir: cache})
	if err != nil {
		return err
	}
	defer rt.Close(ctx)
	for _, p := range paths {
		wasm, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		m, err := rt.CompileModule(ctx, wasm)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		_ = m.Close(ctx)
	}
	return nil
}
