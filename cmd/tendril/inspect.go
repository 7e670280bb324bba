package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/tendril-wasm/tendril/internal/kern"
	"github.com/tendril-wasm/tendril/kernel"
)

const wasiModule = "wasi_snapshot_preview1"

// inspectCmd runs tendril inspect.
func inspectCmd(ctx context.Context, args []string, sio stdio) error {
	pos, err := parse("inspect", newFlagSet("inspect"), args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("inspect", "want one module, got %d arguments", len(pos))
	}
	path := pos[0]
	bin, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := checkModule(path, bin); err != nil {
		return fmt.Errorf("inspect %w", err)
	}
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	mod, err := r.CompileModule(ctx, bin)
	if err != nil {
		return fmt.Errorf("inspect %s: invalid WebAssembly module: %w", path, err)
	}
	k, err := kern.New(ctx, r)
	if err != nil {
		return err
	}
	fmt.Fprintf(sio.out, "module %s (%d bytes)\n", path, len(bin))
	describe(sio.out, mod, k.Exports())
	return nil
}

// describe writes what a module imports and exports and which ABIs it uses.
// kernelABI is the kernel's functions, to check the module's kernel imports.
func describe(w io.Writer, mod wazero.CompiledModule, kernelABI map[string]api.FunctionDefinition) {
	// Imports, grouped by module in the order the binary first names them.
	var (
		order  []string
		byMod  = map[string][]string{}
		counts = map[string]int{}
		odd    []string // kernel imports the kernel does not provide as imported
	)
	add := func(module, line string) {
		if _, ok := byMod[module]; !ok {
			order = append(order, module)
		}
		byMod[module] = append(byMod[module], line)
	}
	for _, f := range mod.ImportedFunctions() {
		module, name, _ := f.Import()
		add(module, signature(name, f))
		counts[module]++
		if module == kernel.ModuleName {
			if k, ok := kernelABI[name]; !ok || !slices.Equal(k.ParamTypes(), f.ParamTypes()) ||
				!slices.Equal(k.ResultTypes(), f.ResultTypes()) {
				odd = append(odd, name)
			}
		}
	}
	for _, m := range mod.ImportedMemories() {
		module, name, _ := m.Import()
		add(module, "memory "+name+": "+pages(m))
	}
	fmt.Fprintf(w, "\nimports:\n")
	if len(order) == 0 {
		fmt.Fprintf(w, "  none\n")
	}
	for _, module := range order {
		fmt.Fprintf(w, "  %s\n", module)
		for _, line := range byMod[module] {
			fmt.Fprintf(w, "    %s\n", line)
		}
	}

	fmt.Fprintf(w, "\nexports:\n")
	funcs := mod.ExportedFunctions()
	names := sortedKeys(funcs)
	fmt.Fprintf(w, "  %s:\n", plural(len(names), "function"))
	for _, name := range names {
		fmt.Fprintf(w, "    %s\n", signature(name, funcs[name]))
	}
	mems := mod.ExportedMemories()
	fmt.Fprintf(w, "  %s:\n", plural(len(mems), "memory"))
	for _, name := range sortedKeys(mems) {
		fmt.Fprintf(w, "    %s: %s\n", name, pages(mems[name]))
	}

	fmt.Fprintf(w, "\nABI:\n")
	line := fmt.Sprintf("  Extism kernel (%s): %s", kernel.ModuleName, plural(counts[kernel.ModuleName], "function"))
	if len(odd) > 0 {
		line += fmt.Sprintf("; not in Tendril's kernel (or another signature): %s", strings.Join(odd, ", "))
	}
	fmt.Fprintln(w, line)
	wasi := "no"
	if counts[wasiModule] > 0 {
		wasi = fmt.Sprintf("yes (%s)", plural(counts[wasiModule], "function"))
	}
	fmt.Fprintf(w, "  WASI preview1: %s\n", wasi)
	var host []string
	for _, module := range order {
		if module != kernel.ModuleName && module != wasiModule && counts[module] > 0 {
			host = append(host, fmt.Sprintf("%s (%d)", module, counts[module]))
		}
	}
	if len(host) == 0 {
		host = []string{"none"}
	}
	fmt.Fprintf(w, "  host functions: %s\n", strings.Join(host, ", "))
	fmt.Fprintf(w, "  kind: %s\n", kind(funcs))
}

// kind says whether the module looks like a WASI command or reactor.
func kind(funcs map[string]api.FunctionDefinition) string {
	_, start := funcs["_start"]
	_, init := funcs["_initialize"]
	switch {
	case start && init:
		return "both a WASI command (_start) and a reactor (_initialize)"
	case start:
		return "WASI command (_start)"
	case init:
		return "WASI reactor (_initialize)"
	}
	return "library (neither _start nor _initialize)"
}

// signature formats a function as "name(i64, i32) -> i64".
func signature(name string, f api.FunctionDefinition) string {
	s := name + "(" + typeList(f.ParamTypes()) + ")"
	switch rs := f.ResultTypes(); len(rs) {
	case 0:
	case 1:
		s += " -> " + api.ValueTypeName(rs[0])
	default:
		s += " -> (" + typeList(rs) + ")"
	}
	return s
}

func typeList(ts []api.ValueType) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = api.ValueTypeName(t)
	}
	return strings.Join(names, ", ")
}

// pages formats a memory's limits in 64 KiB pages.
func pages(m api.MemoryDefinition) string {
	s := fmt.Sprintf("min %d pages", m.Min())
	if max, ok := m.Max(); ok {
		return s + fmt.Sprintf(", max %d", max)
	}
	return s + ", no max"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// plural formats "1 function", "2 functions", "0 memories".
func plural(n int, noun string) string {
	switch {
	case n == 1:
		return "1 " + noun
	case strings.HasSuffix(noun, "y"):
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(noun, "y"))
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
