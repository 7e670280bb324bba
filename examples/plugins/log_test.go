package plugins_test

import (
	"log/slog"
	"testing"

	"github.com/tendril-wasm/tendril/kernel"
	"github.com/tendril-wasm/tendril/runtime"
)

// levels are the slog levels of the ABI's trace, debug, info, warn, error.
var levels = []slog.Level{kernel.LevelTrace, slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError}

func TestLog(t *testing.T) {
	t.Parallel()
	var level slog.LevelVar
	rec := &recorder{level: &level}
	inst := start(t, "log", setup{runtime: runtime.Options{Logger: slog.New(rec)}})
	for _, tt := range []struct {
		min     slog.Level
		arrive  []slog.Level
		enabled string
		name    string
	}{
		{kernel.LevelTrace, levels, "TRACE,DEBUG,INFO,WARN,ERROR", "TRACE"},
		{slog.LevelInfo, levels[2:], "INFO,WARN,ERROR", "INFO"},
		{slog.LevelWarn, levels[3:], "WARN,ERROR", "WARN"},
		{slog.LevelError + 1, nil, "", "OFF"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// The plug-in follows the host's level between calls.
			level.Set(tt.min)
			rec.take()
			if got := string(call(t, inst, "level", nil)); got != tt.name {
				t.Errorf("level() = %q, want %q", got, tt.name)
			}

			if got := string(call(t, inst, "log", []byte("hello log"))); got != tt.enabled {
				t.Errorf("levels the plug-in sees enabled = %q, want %q", got, tt.enabled)
			}
			recs := rec.take()
			if len(recs) != len(tt.arrive) {
				t.Fatalf("%d records arrived, want %d: %v", len(recs), len(tt.arrive), recs)
			}
			for i, r := range recs {
				if r.Level != tt.arrive[i] || r.Message != "hello log" {
					t.Errorf("record %d = %v %q, want %v %q", i, r.Level, r.Message, tt.arrive[i], "hello log")
				}
			}

			call(t, inst, "slog", []byte("via slog"))
			recs = rec.take()
			if len(recs) != len(tt.arrive) {
				t.Fatalf("%d slog records arrived, want %d: %v", len(recs), len(tt.arrive), recs)
			}
			for i, r := range recs {
				want := "via slog plugin=log g.n=1 g.sub.ok=true"
				if r.Level != tt.arrive[i] || r.Message != want {
					t.Errorf("slog record %d = %v %q, want %v %q", i, r.Level, r.Message, tt.arrive[i], want)
				}
			}

			// A handler's own Level and ReplaceAttr apply on top of the host's.
			call(t, inst, "slog_options", []byte("opts"))
			recs = rec.take()
			if tt.min <= slog.LevelWarn {
				if len(recs) != 1 || recs[0].Level != slog.LevelWarn || recs[0].Message != "opts secret=***" {
					t.Errorf("slog_options records = %v, want one warning %q", recs, "opts secret=***")
				}
			} else if len(recs) != 0 {
				t.Errorf("slog_options records = %v, want none", recs)
			}
		})
	}
}
