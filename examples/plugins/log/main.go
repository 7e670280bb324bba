//go:build wasip1

// Command log is a plug-in that logs through the host, directly and through
// log/slog.
package main

import (
	"context"
	"log/slog"

	"github.com/tendril-wasm/tendril/pdk"
	"github.com/tendril-wasm/tendril/pdk/pdkslog"
)

// levels are the ABI's levels, most verbose first.
var levels = []pdk.Level{pdk.LevelTrace, pdk.LevelDebug, pdk.LevelInfo, pdk.LevelWarn, pdk.LevelError}

// log logs its input at each level, then reports in its output the levels
// that LogEnabled says the host accepts, as in "WARN,ERROR".
//
//go:wasmexport log
func log() int32 {
	return pdk.Run(func() error {
		msg := pdk.InputString()
		var enabled []byte
		for _, l := range levels {
			pdk.Log(l, msg)
			if pdk.LogEnabled(l) {
				if len(enabled) > 0 {
					enabled = append(enabled, ',')
				}
				enabled = append(enabled, l.String()...)
			}
		}
		pdk.Output(enabled)
		return nil
	})
}

// logger writes to the host's log through log/slog.
var logger = slog.New(pdkslog.NewHandler(nil))

// slog logs its input at each slog level with attributes and a group.
//
//go:wasmexport slog
func slogAll() int32 {
	return pdk.Run(func() error {
		msg := pdk.InputString()
		ctx := context.Background()
		l := logger.With("plugin", "log").WithGroup("g")
		for _, level := range []slog.Level{slog.LevelDebug - 4, slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError} {
			l.Log(ctx, level, msg, "n", 1, slog.Group("sub", "ok", true))
		}
		return nil
	})
}

// filtered drops records below warn, whatever the host accepts, and hides
// the attribute "secret".
var filtered = slog.New(pdkslog.NewHandler(&slog.HandlerOptions{
	Level: slog.LevelWarn,
	ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == "secret" {
			a.Value = slog.StringValue("***")
		}
		return a
	},
}))

// slog_options logs its input at info and warn through a handler with
// options.
//
//go:wasmexport slog_options
func slogOptions() int32 {
	return pdk.Run(func() error {
		msg := pdk.InputString()
		filtered.Info(msg, "secret", "hunter2")
		filtered.Warn(msg, "secret", "hunter2")
		return nil
	})
}

// level returns the host's log level, as in "INFO".
//
//go:wasmexport level
func level() int32 {
	return pdk.Run(func() error {
		pdk.OutputString(pdk.LogLevel().String())
		return nil
	})
}

func main() {}
