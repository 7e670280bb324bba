package kern

import (
	"context"
	"fmt"
	"log/slog"
	"math"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/tendril-wasm/tendril/kernel"
)

// LevelTrace is kernel.LevelTrace.
const LevelTrace = kernel.LevelTrace

// logLevels maps the ABI's levels (0 trace .. 4 error) to slog's.
var logLevels = [...]slog.Level{LevelTrace, slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError}

const i64, i32 = api.ValueTypeI64, api.ValueTypeI32

// hostModule declares the Go half of the kernel. Each function finds its
// kernel instance from the calling module (always a kernel, see kernel.wat).
func (k *Kernel) hostModule(r wazero.Runtime) wazero.HostModuleBuilder {
	b := r.NewHostModuleBuilder(hostModuleName)
	fn := func(name string, params, results []api.ValueType, f func(*Instance, context.Context, []uint64)) {
		b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, mod api.Module, stack []uint64) {
			in := k.lookup(mod)
			if in == nil {
				clear(stack)
				return
			}
			f(in, ctx, stack)
			if in.onDone != nil {
				select {
				case <-ctx.Done():
					in.onDone(ctx.Err())
				default:
				}
			}
		}), params, results).Export(name)
	}
	fn("config_get", []api.ValueType{i64}, []api.ValueType{i64}, (*Instance).hostConfigGet)
	fn("var_get", []api.ValueType{i64}, []api.ValueType{i64}, (*Instance).hostVarGet)
	fn("var_set", []api.ValueType{i64, i64}, nil, (*Instance).hostVarSet)
	fn("http_request", []api.ValueType{i64, i64}, []api.ValueType{i64}, (*Instance).hostHTTPRequest)
	fn("http_status_code", nil, []api.ValueType{i32}, (*Instance).hostHTTPStatusCode)
	fn("http_headers", nil, []api.ValueType{i64}, (*Instance).hostHTTPHeaders)
	fn("log", []api.ValueType{i32, i64}, nil, (*Instance).hostLog)
	fn("get_log_level", nil, []api.ValueType{i32}, (*Instance).hostGetLogLevel)
	fn("yield", nil, nil, (*Instance).hostYield)
	return b
}

func (in *Instance) hostConfigGet(ctx context.Context, stack []uint64) {
	key, err := in.Read(ctx, stack[0])
	stack[0] = 0
	if err != nil {
		return
	}
	if v, ok := in.config[string(key)]; ok {
		stack[0] = in.writeOrFail(ctx, []byte(v))
	}
}

func (in *Instance) hostLog(ctx context.Context, stack []uint64) {
	level := uint32(stack[0])
	if level >= uint32(len(logLevels)) || !in.logger.Enabled(ctx, logLevels[level]) {
		return
	}
	if in.logs.truncated {
		return // over this call's cap: dropped without reading the message
	}
	msg, err := in.Read(ctx, stack[1])
	if err != nil {
		return
	}
	if len(msg) > MaxLogMessage {
		msg = msg[:MaxLogMessage]
	}
	if in.logs.records >= in.logs.maxRecords || in.logs.bytes+int64(len(msg)) > in.logs.maxBytes {
		in.logs.truncated = true
		in.logger.LogAttrs(ctx, slog.LevelWarn, "kernel: plug-in logs truncated for the rest of this call",
			slog.Int("max_records", in.logs.maxRecords), slog.Int64("max_bytes", in.logs.maxBytes))
		return
	}
	in.logs.records++
	in.logs.bytes += int64(len(msg))
	in.logger.Log(ctx, logLevels[level], string(msg))
}

// MaxLogMessage bounds one log record: a longer message is cut to its
// first MaxLogMessage bytes.
const MaxLogMessage = 64 << 10

// logBudget is what a plug-in may still log during the current call.
type logBudget struct {
	maxRecords int
	maxBytes   int64
	records    int
	bytes      int64
	truncated  bool
}

func (l *logBudget) init(opts Options) {
	l.maxRecords, l.maxBytes = opts.MaxLogRecords, opts.MaxLogBytes
	if l.maxRecords == 0 {
		l.maxRecords = DefaultMaxLogRecords
	}
	if l.maxBytes == 0 {
		l.maxBytes = DefaultMaxLogBytes
	}
	l.maxRecords, l.maxBytes = max(l.maxRecords, 0), max(l.maxBytes, 0)
}

func (l *logBudget) reset() { l.records, l.bytes, l.truncated = 0, 0, false }

// hostYield is the kernel's visit to Go between two 1 MiB steps of its
// longest work (zeroing a big block): a point where the Go scheduler and
// garbage collector can stop the goroutine. Once the call's context is done
// it fails the call (the runtime reports the interrupt).
func (in *Instance) hostYield(ctx context.Context, _ []uint64) {
	if err := ctx.Err(); err != nil {
		panic(fmt.Errorf("kernel: interrupted while zeroing a block: %w", err))
	}
}

func (in *Instance) hostGetLogLevel(ctx context.Context, stack []uint64) {
	stack[0] = math.MaxInt32
	for i, l := range logLevels {
		if in.logger.Enabled(ctx, l) {
			stack[0] = uint64(i)
			return
		}
	}
}

// writeOrFail copies b into a new block; on failure it records the error and
// returns 0, which the plug-in sees as "none".
func (in *Instance) writeOrFail(ctx context.Context, b []byte) uint64 {
	h, err := in.Write(ctx, b)
	if err != nil {
		in.fail(fmt.Errorf("kernel: %w", err))
		return 0
	}
	return h
}
