package kernel_test

import (
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/tendril-wasm/tendril/kernel"
)

// A plug-in's trace logs print as TRACE with ReplaceLevel.
func ExampleReplaceLevel() {
	h := slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: kernel.LevelTrace,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{} // stable output for the example
			}
			return kernel.ReplaceLevel(groups, a)
		},
	})
	slog.New(h).Log(nil, kernel.LevelTrace, "entering count_vowels", "plugin", "vowels")
	// Output: level=TRACE msg="entering count_vowels" plugin=vowels
}

// A call that failed because the plug-in passed a bad offset wraps a *FaultError.
func ExampleFaultError() {
	var err error = fmt.Errorf("count_vowels: trap: %w", &kernel.FaultError{Function: "load_u64", Offset: 0x10000})
	var fe *kernel.FaultError
	if errors.As(err, &fe) {
		fmt.Println(fe.Function, fe.Offset)
	}
	// Output: load_u64 65536
}
