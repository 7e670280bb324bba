package kern_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	kernel "github.com/tendril-wasm/tendril/internal/kern"
)

// TestLogCaps: one call logs at most MaxLogRecords records and MaxLogBytes
// bytes, each record at most MaxLogMessage bytes; past a cap the rest of the
// call's logs are dropped, with one warning, and the next call starts afresh
// (issue 12: each log_* used to copy up to the whole kernel heap, uncapped).
func TestLogCaps(t *testing.T) {
	ctx := context.Background()
	k := newTestKernel(t)
	t.Run("records", func(t *testing.T) {
		rec := &recordHandler{level: kernel.LevelTrace}
		ki := newKinst(t, ctx, k, kernel.Options{Logger: slog.New(rec), MaxLogRecords: 5})
		for call := 0; call < 2; call++ {
			ki.reset(nil)
			h := ki.block("hello")
			for i := 0; i < 100; i++ {
				ki.must("log_info", h)
			}
			recs := rec.take()
			require.Len(t, recs, 6)
			for _, r := range recs[:5] {
				require.Equal(t, "hello", r.Message)
			}
			require.Contains(t, recs[5].Message, "truncated")
			require.Equal(t, slog.LevelWarn, recs[5].Level)
		}
	})
	t.Run("bytes", func(t *testing.T) {
		rec := &recordHandler{level: kernel.LevelTrace}
		ki := newKinst(t, ctx, k, kernel.Options{Logger: slog.New(rec), MaxLogBytes: 1000})
		ki.reset(nil)
		h := ki.block(strings.Repeat("x", 300))
		for i := 0; i < 10; i++ {
			ki.must("log_warn", h)
		}
		recs := rec.take()
		require.Len(t, recs, 4) // 3 × 300 bytes, then the warning
		require.Contains(t, recs[3].Message, "truncated")
	})
	t.Run("record size", func(t *testing.T) {
		rec := &recordHandler{level: kernel.LevelTrace}
		ki := newKinst(t, ctx, k, kernel.Options{Logger: slog.New(rec)})
		ki.reset(nil)
		h := ki.must("alloc", kernel.MaxLogMessage*3)
		ki.must("log_error", h)
		recs := rec.take()
		require.Len(t, recs, 1)
		require.Len(t, recs[0].Message, kernel.MaxLogMessage)
	})
	t.Run("disabled", func(t *testing.T) {
		rec := &recordHandler{level: kernel.LevelTrace}
		ki := newKinst(t, ctx, k, kernel.Options{Logger: slog.New(rec), MaxLogRecords: -1})
		ki.reset(nil)
		ki.must("log_error", ki.block("x"))
		recs := rec.take()
		require.Len(t, recs, 1)
		require.Contains(t, recs[0].Message, "truncated")
	})
}
