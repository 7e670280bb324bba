package main

import (
	"fmt"
	"runtime/debug"
)

// versionCmd prints the versions of tendril, Go and wazero.
func versionCmd(args []string, sio stdio) error {
	pos, err := parse("version", newFlagSet("version"), args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("version", "want no arguments, got %d", len(pos))
	}
	tendril, goVersion, wazero := "(unknown)", "(unknown)", "(unknown)"
	if info, ok := debug.ReadBuildInfo(); ok {
		goVersion = info.GoVersion
		if info.Main.Version != "" {
			tendril = info.Main.Version
		}
		for _, d := range info.Deps {
			if d.Path == "github.com/tetratelabs/wazero" {
				wazero = d.Version
			}
		}
	}
	fmt.Fprintf(sio.out, "tendril %s %s wazero %s\n", tendril, goVersion, wazero)
	return nil
}
