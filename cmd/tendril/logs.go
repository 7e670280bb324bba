package main

import (
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/tendril-wasm/tendril/kernel"
)

// logLevel is a --log-level: the least severe level shown, or off.
type logLevel struct {
	level slog.Level
	off   bool
}

// parseLevel parses trace, debug, info, warn, error or off.
func parseLevel(s string) (logLevel, error) {
	switch strings.ToLower(s) {
	case "trace":
		return logLevel{level: kernel.LevelTrace}, nil
	case "debug":
		return logLevel{level: slog.LevelDebug}, nil
	case "info":
		return logLevel{level: slog.LevelInfo}, nil
	case "warn", "warning":
		return logLevel{level: slog.LevelWarn}, nil
	case "error":
		return logLevel{level: slog.LevelError}, nil
	case "off", "none":
		return logLevel{off: true}, nil
	}
	return logLevel{}, fmt.Errorf("want trace, debug, info, warn, error or off, got %q", s)
}

// newLogger writes plug-in logs to w as slog text, without timestamps (the
// lines are for a person watching the command). Off discards them, and
// plug-ins see that through get_log_level.
func newLogger(w io.Writer, l logLevel) *slog.Logger {
	if l.off {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{
		Level: l.level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) > 0 {
				return a
			}
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return kernel.ReplaceLevel(groups, a)
		},
	}))
}
