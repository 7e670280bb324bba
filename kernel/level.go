package kernel

import "log/slog"

// LevelTrace is the slog level of a plug-in's trace logs (log_trace): below
// slog.LevelDebug. slog's own handlers print it as "DEBUG-4"; give them
// [ReplaceLevel] to print "TRACE".
const LevelTrace = slog.Level(-8)

// ReplaceLevel is a slog.HandlerOptions.ReplaceAttr function that prints
// [LevelTrace] as "TRACE" and leaves every other attribute alone. Chain it
// with your own ReplaceAttr if you have one.
func ReplaceLevel(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.LevelKey {
		if l, ok := a.Value.Any().(slog.Level); ok && l == LevelTrace {
			a.Value = slog.StringValue("TRACE")
		}
	}
	return a
}
