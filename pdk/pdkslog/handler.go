//go:build wasip1

package pdkslog

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"unsafe"

	"github.com/tendril-wasm/tendril/pdk"
)

// Handler is a slog.Handler that writes records to the host's log. A
// record's level picks the ABI level (below slog.LevelDebug is trace, then
// debug, info, warn, error) and its message and attributes become the text
// "message key=value ..." in slog's text format; the host adds the time and
// level itself. Records at levels the host does not accept are dropped
// before they are formatted.
//
// It is safe for concurrent use, like any slog.Handler.
type Handler struct {
	text slog.Handler // formats attributes into sink
	sink *sink
	min  slog.Leveler
}

// sink receives the text of one record at a time; handlers derived with
// WithAttrs and WithGroup share it.
type sink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write implements io.Writer for the text handler.
func (s *sink) Write(p []byte) (int, error) {
	return s.buf.Write(p)
}

// NewHandler returns a handler that writes to the host's log. opts may be
// nil; its Level, when set, drops records below it in addition to the host's
// own level, and its AddSource and ReplaceAttr work as for
// slog.NewTextHandler. The time, level and message are never written as
// attributes.
func NewHandler(opts *slog.HandlerOptions) *Handler {
	var o slog.HandlerOptions
	if opts != nil {
		o = *opts
	}
	replace := o.ReplaceAttr
	o.ReplaceAttr = func(groups []string, a slog.Attr) slog.Attr {
		if len(groups) == 0 {
			switch a.Key {
			case slog.TimeKey, slog.LevelKey, slog.MessageKey:
				return slog.Attr{}
			}
		}
		if replace != nil {
			return replace(groups, a)
		}
		return a
	}
	min := o.Level
	o.Level = slog.Level(-1 << 30) // Enabled filters.
	s := &sink{}
	return &Handler{text: slog.NewTextHandler(s, &o), sink: s, min: min}
}

// Enabled reports whether the host accepts records at level and the
// handler's options allow it.
func (h *Handler) Enabled(_ context.Context, level slog.Level) bool {
	if h.min != nil && level < h.min.Level() {
		return false
	}
	return pdk.LogEnabled(Level(level))
}

// Handle formats r and sends it to the host's log.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	s := h.sink
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf.Reset()
	s.buf.WriteString(r.Message)
	s.buf.WriteByte(' ')
	if err := h.text.Handle(ctx, r); err != nil {
		return err
	}
	msg := bytes.TrimRight(s.buf.Bytes(), " \n")
	// Log copies the message into kernel memory before it returns.
	pdk.Log(Level(r.Level), unsafe.String(unsafe.SliceData(msg), len(msg)))
	return nil
}

// WithAttrs returns a handler that adds attrs to every record.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &Handler{text: h.text.WithAttrs(attrs), sink: h.sink, min: h.min}
}

// WithGroup returns a handler that puts later attributes in the group name.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{text: h.text.WithGroup(name), sink: h.sink, min: h.min}
}

// Level returns the ABI level that holds the slog level l.
func Level(l slog.Level) pdk.Level {
	switch {
	case l < slog.LevelDebug:
		return pdk.LevelTrace
	case l < slog.LevelInfo:
		return pdk.LevelDebug
	case l < slog.LevelWarn:
		return pdk.LevelInfo
	case l < slog.LevelError:
		return pdk.LevelWarn
	}
	return pdk.LevelError
}
