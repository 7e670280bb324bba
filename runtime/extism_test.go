package runtime_test

// These tests run the reference plug-ins shipped with github.com/extism/go-sdk
// v1.7.1 (TinyGo, Rust, C, standard Go and Haskell PDKs) through the Go API and
// check what that module's extism_test.go checks, plus the runtime's own
// contract: typed errors, broken instances, closing, manifests.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tetratelabs/wazero/api"

	"github.com/tendril-wasm/tendril/internal/testplugins"
	"github.com/tendril-wasm/tendril/kernel"
	"github.com/tendril-wasm/tendril/runtime"
)

var withWASI = runtime.PluginOptions{WASI: true}

func TestHello(t *testing.T) {
	t.Parallel()
	in := loadPlugin(t, extismManifest(t, "hello.wasm"), runtime.PluginOptions{})
	equal(t, "run_test", mustCall(t, in, "run_test", ""), "Hello, world!")
	equal(t, "second run_test", mustCall(t, in, "run_test", ""), "Hello, world!")
}

func TestCountVowels(t *testing.T) {
	t.Parallel()
	p := compile(t, newRuntime(t, runtime.Options{}), extismManifest(t, "count_vowels.wasm"), runtime.PluginOptions{})

	t.Run("count", func(t *testing.T) {
		in := instantiate(t, p)
		for _, c := range []struct {
			input string
			count int
		}{
			{"hello world", 3},
			{"aaaaaa", 6},
			{"", 0},
			{"bbbbbbb", 0},
		} {
			var got struct{ Count int }
			if err := json.Unmarshal([]byte(mustCall(t, in, "count_vowels", c.input)), &got); err != nil {
				t.Fatal(err)
			}
			equal(t, "count of "+strconv.Quote(c.input), got.Count, c.count)
		}
	})

	// The plug-in keeps a running total in a var: it survives between calls.
	t.Run("running total", func(t *testing.T) {
		in := instantiate(t, p)
		equal(t, "first call", mustCall(t, in, "count_vowels", "aaa"), `{"count":3,"total":3,"vowels":"aeiouAEIOU"}`)
		equal(t, "second call", mustCall(t, in, "count_vowels", "bbba"), `{"count":1,"total":4,"vowels":"aeiouAEIOU"}`)
	})
}

func TestFail(t *testing.T) {
	t.Parallel()
	in := loadPlugin(t, extismManifest(t, "fail.wasm"), runtime.PluginOptions{})
	for i := range 2 { // a guest error leaves the instance usable
		_, err := in.Call(context.Background(), "run_test", nil)
		ge := errorAs[*runtime.GuestError](t, err)
		equal(t, "Message", ge.Message, "Some error message")
		equal(t, "Function", ge.Function, "run_test")
		equal(t, "Code", ge.Code, 1)
		equal(t, "Error()", err.Error(), `plugin "fail": run_test: Some error message`)
		if errors.Is(err, runtime.ErrBroken) || in.Broken() != nil {
			t.Fatalf("call %d: a guest error broke the instance: %v", i, in.Broken())
		}
	}
}

func TestConfig(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, runtime.Options{})
	for _, c := range []struct {
		name   string
		config map[string]string
		want   string
	}{
		{"set", map[string]string{"thing": "hello"}, `{"config": "hello"}`},
		{"unset", nil, `{"config": "<unset by host>"}`},
		{"other keys only", map[string]string{"other": "x"}, `{"config": "<unset by host>"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := extismManifest(t, "config.wasm")
			m.Config = c.config
			in := instantiate(t, compile(t, rt, m, withWASI))
			equal(t, "run_test", mustCall(t, in, "run_test", ""), c.want)
		})
	}
}

func TestAlloc(t *testing.T) {
	t.Parallel()
	in := loadPlugin(t, extismManifest(t, "alloc.wasm"), runtime.PluginOptions{})
	for range 3 {
		mustCall(t, in, "run_test", "")
	}
}

func TestInputOffset(t *testing.T) {
	t.Parallel()
	in := loadPlugin(t, extismManifest(t, "input_offset.wasm"), runtime.PluginOptions{})
	for _, input := range []string{"hello world", "x", strings.Repeat("y", 100_000)} {
		out := mustCall(t, in, "input_offset_length", input)
		if len(out) != 8 {
			t.Fatalf("output %q: want 8 bytes", out)
		}
		equal(t, "length read at input_offset", binary.LittleEndian.Uint64([]byte(out)), uint64(len(input)))
	}
}

func TestUnknownFunction(t *testing.T) {
	t.Parallel()
	p := compile(t, newRuntime(t, runtime.Options{}), extismManifest(t, "alloc.wasm"), runtime.PluginOptions{})
	in := instantiate(t, p)

	exists := func(c interface {
		Function(string) (*runtime.Function, error)
	}, name string) bool {
		_, err := c.Function(name)
		return err == nil
	}
	equal(t, "CompiledPlugin.Function(run_test)", exists(p, "run_test"), true)
	equal(t, "CompiledPlugin.Function(i_dont_exist)", exists(p, "i_dont_exist"), false)
	equal(t, "Instance.Function(run_test)", exists(in, "run_test"), true)
	equal(t, "Instance.Function(i_dont_exist)", exists(in, "i_dont_exist"), false)

	_, err := in.Call(context.Background(), "i_dont_exist", nil)
	errorIs(t, err, runtime.ErrFunctionNotFound)
	errorContains(t, err, "i_dont_exist")
	mustCall(t, in, "run_test", "") // still usable

	// An export that takes parameters is no plug-in function.
	cfg := loadPlugin(t, extismManifest(t, "config.wasm"), withWASI)
	_, err = cfg.Call(context.Background(), "malloc", nil)
	errorIs(t, err, runtime.ErrFunctionNotFound)
	errorContains(t, err, "malloc", "signature")
}

func TestExit(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, runtime.Options{})
	for _, c := range []struct {
		name string
		code *string // config "code"; nil leaves it unset
		want uint32
	}{
		{"500", ptr("500"), 500},
		{"not a number", ptr("abc"), 1},
		{"unset", nil, 2},
		{"negative", ptr("-1"), 0xffffffff},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := extismManifest(t, "exit.wasm")
			if c.code != nil {
				m.Config = map[string]string{"code": *c.code}
			}
			in := instantiate(t, compile(t, rt, m, withWASI))
			_, err := in.Call(context.Background(), "_start", nil)
			ee := errorAs[*runtime.ExitError](t, err)
			equal(t, "Code", ee.Code, c.want)
			equal(t, "Function", ee.Function, "_start")
			if errors.Is(err, runtime.ErrBroken) {
				t.Errorf("the call that exited returned ErrBroken: %v", err)
			}
			assertBroken(t, in, "_start", err)
		})
	}

	t.Run("0 is success", func(t *testing.T) {
		m := extismManifest(t, "exit.wasm")
		m.Config = map[string]string{"code": "0"}
		in := instantiate(t, compile(t, rt, m, withWASI))
		mustCall(t, in, "_start", "")
		// proc_exit closed the module even though the call succeeded.
		_, err := in.Call(context.Background(), "_start", nil)
		errorIs(t, err, runtime.ErrBroken)
	})
}

// assertBroken checks that in is broken by cause: the next call fails at
// once with ErrBroken, wrapping cause.
func assertBroken(t *testing.T, in *runtime.Instance, fn string, cause error) {
	t.Helper()
	if in.Broken() == nil {
		t.Fatalf("Broken() = nil after %v", cause)
	}
	start := time.Now()
	_, err := in.Call(context.Background(), fn, nil)
	elapsed := time.Since(start)
	errorIs(t, err, runtime.ErrBroken)
	if !strings.Contains(err.Error(), cause.Error()) {
		t.Errorf("ErrBroken %q does not say why (%q)", err, cause)
	}
	if elapsed > 100*time.Millisecond {
		t.Errorf("call on a broken instance took %v; want it to return at once", elapsed)
	}
	errorIs(t, in.Broken(), runtime.ErrBroken)
}

var valI64 = api.ValueTypeI64

func TestHostFunctions(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, runtime.Options{})

	t.Run("host", func(t *testing.T) {
		mult := runtime.HostFunction{
			Name:    "mult",
			Params:  []api.ValueType{valI64, valI64},
			Results: []api.ValueType{valI64},
			Func: func(_ context.Context, _ *runtime.Caller, stack []uint64) error {
				stack[0] = api.EncodeI32(api.DecodeI32(stack[0]) * api.DecodeI32(stack[1]))
				return nil
			},
		}
		in := instantiate(t, compile(t, rt, extismManifest(t, "host.wasm"),
			runtime.PluginOptions{WASI: true, HostFunctions: []runtime.HostFunction{mult}}))
		equal(t, "run_test", mustCall(t, in, "run_test", ""), "42 x 2 = 84")
	})

	t.Run("host_memory", func(t *testing.T) {
		toUpper := runtime.HostFunction{
			Namespace: "host",
			Name:      "to_upper",
			Params:    []api.ValueType{valI64},
			Results:   []api.ValueType{valI64},
			Func: func(_ context.Context, c *runtime.Caller, stack []uint64) error {
				b, err := c.ReadBytes(stack[0])
				if err != nil {
					return err
				}
				if err := c.Free(stack[0]); err != nil {
					return err
				}
				stack[0], err = c.WriteBytes(bytes.ToUpper(b))
				return err
			},
		}
		in := instantiate(t, compile(t, rt, extismManifest(t, "host_memory.wasm"),
			runtime.PluginOptions{WASI: true, HostFunctions: []runtime.HostFunction{toUpper}}))
		equal(t, "run_test", mustCall(t, in, "run_test", "Frodo"), "HELLO FRODO!")
		equal(t, "second run_test", mustCall(t, in, "run_test", "Sam"), "HELLO SAM!")
	})

	t.Run("host_multiple", func(t *testing.T) {
		prefix := func(name, prefix string) runtime.HostFunction {
			return runtime.HostFunction{
				Name:    name,
				Params:  []api.ValueType{valI64},
				Results: []api.ValueType{valI64},
				Func: func(_ context.Context, c *runtime.Caller, stack []uint64) error {
					s, err := c.ReadString(stack[0])
					if err != nil {
						return err
					}
					stack[0], err = c.WriteString(prefix + s)
					return err
				},
			}
		}
		in := instantiate(t, compile(t, rt, extismManifest(t, "host_multiple.wasm"), runtime.PluginOptions{
			WASI:          true,
			HostFunctions: []runtime.HostFunction{prefix("hostPurpleMessage", "🟣:"), prefix("hostGreenMessage", "🟢:")},
		}))
		equal(t, "say_green", mustCall(t, in, "say_green", "John Doe"), "🟢:🫱 Hey from say_green John Doe")
		equal(t, "say_purple", mustCall(t, in, "say_purple", "Jane Doe"), "🟣:👋 Hello from say_purple Jane Doe")
	})

	t.Run("error", func(t *testing.T) {
		errNope := errors.New("nope")
		for _, c := range []struct {
			name string
			f    func(context.Context, *runtime.Caller, []uint64) error
		}{
			{"returned", func(context.Context, *runtime.Caller, []uint64) error { return errNope }},
			{"panicked", func(context.Context, *runtime.Caller, []uint64) error { panic(errNope) }},
		} {
			t.Run(c.name, func(t *testing.T) {
				mult := runtime.HostFunction{Name: "mult", Params: []api.ValueType{valI64, valI64}, Results: []api.ValueType{valI64}, Func: c.f}
				in := instantiate(t, compile(t, rt, extismManifest(t, "host.wasm"),
					runtime.PluginOptions{WASI: true, HostFunctions: []runtime.HostFunction{mult}}))
				_, err := in.Call(context.Background(), "run_test", nil)
				he := errorAs[*runtime.HostFunctionError](t, err)
				equal(t, "Host", he.Host, runtime.DefaultHostNamespace+".mult")
				equal(t, "Function", he.Function, "run_test")
				errorContains(t, err, "nope")
				if c.name == "returned" {
					errorIs(t, err, errNope)
				}
				assertBroken(t, in, "run_test", err)
			})
		}
	})

	t.Run("not granted", func(t *testing.T) {
		for _, c := range []struct {
			name  string
			funcs []runtime.HostFunction
			want  string
		}{
			{"missing", nil, "extism:host/user.mult"},
			{"wrong namespace", []runtime.HostFunction{{Namespace: "other", Name: "mult", Params: []api.ValueType{valI64, valI64}, Results: []api.ValueType{valI64},
				Func: func(context.Context, *runtime.Caller, []uint64) error { return nil }}}, "extism:host/user.mult"},
			{"wrong signature", []runtime.HostFunction{{Name: "mult", Params: []api.ValueType{valI64}, Results: []api.ValueType{valI64},
				Func: func(context.Context, *runtime.Caller, []uint64) error { return nil }}}, "signature"},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := rt.Compile(context.Background(), extismManifest(t, "host.wasm"), runtime.PluginOptions{WASI: true, HostFunctions: c.funcs})
				errorIs(t, err, runtime.ErrImport)
				errorContains(t, err, c.want)
			})
		}
	})
}

// uintToLEBytes and uintFromLEBytes are the go-sdk test's var encoding.
func uintToLEBytes(n uint32) []byte { return binary.LittleEndian.AppendUint32(nil, n) }

func uintFromLEBytes(t *testing.T, b []byte) uint32 {
	t.Helper()
	if len(b) != 4 {
		t.Fatalf("var is %d bytes (%x), want 4", len(b), b)
	}
	return binary.LittleEndian.Uint32(b)
}

func TestVar(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, runtime.Options{})

	t.Run("survives calls", func(t *testing.T) {
		in := instantiate(t, compile(t, rt, extismManifest(t, "var.wasm"), withWASI))
		if err := in.SetVar("a", uintToLEBytes(10)); err != nil {
			t.Fatal(err)
		}
		mustCall(t, in, "run_test", "")
		equal(t, "a after one call", uintFromLEBytes(t, in.Var("a")), 20)
		mustCall(t, in, "run_test", "")
		equal(t, "a after two calls", uintFromLEBytes(t, in.Var("a")), 40)
	})

	t.Run("max_var_bytes 0", func(t *testing.T) {
		m := extismManifest(t, "var.wasm")
		m.Memory.MaxVarBytes = ptr[int64](0)
		in := instantiate(t, compile(t, rt, m, withWASI))
		errorIs(t, in.SetVar("a", uintToLEBytes(10)), kernel.ErrVarLimit)
		_, err := in.Call(context.Background(), "run_test", nil)
		errorIs(t, err, kernel.ErrVarLimit)
	})

	t.Run("max_var_bytes too small", func(t *testing.T) {
		m := extismManifest(t, "var.wasm")
		m.Memory.MaxVarBytes = ptr[int64](4) // "a" + 4 bytes is 5
		in := instantiate(t, compile(t, rt, m, withWASI))
		errorIs(t, in.SetVar("a", uintToLEBytes(10)), kernel.ErrVarLimit)
		equal(t, "var after a refused SetVar", in.Var("a") == nil, true)
	})
}

func TestLogLevels(t *testing.T) {
	t.Parallel()
	var level slog.LevelVar
	rec := &recorder{Level: &level}
	rt := newRuntime(t, runtime.Options{Logger: slog.New(rec.handler())})
	in := instantiate(t, compile(t, rt, extismManifest(t, "log.wasm"), withWASI))

	all := []logRecord{
		{Level: kernel.LevelTrace, Msg: "this is a trace log"},
		{Level: slog.LevelDebug, Msg: "this is a debug log"},
		{Level: slog.LevelInfo, Msg: "this is an info log"},
		{Level: slog.LevelWarn, Msg: "this is a warning log"},
		{Level: slog.LevelError, Msg: "this is an error log"},
	}
	for _, c := range []struct {
		level slog.Level
		want  []logRecord
	}{
		{slog.LevelWarn, all[3:]},
		{kernel.LevelTrace, all},
		{slog.LevelInfo, all[2:]},
		{slog.LevelError + 1, nil},
		{slog.LevelWarn, all[3:]}, // and back, on the same instance
	} {
		level.Set(c.level)
		rec.take()
		mustCall(t, in, "run_test", "")
		var got []logRecord
		for _, r := range rec.take() {
			if strings.HasPrefix(r.Msg, "this is ") {
				got = append(got, r)
			}
		}
		if len(got) != len(c.want) {
			t.Errorf("at level %v: got %d plug-in logs %v, want %v", c.level, len(got), got, c.want)
			continue
		}
		for i, r := range got {
			if r.Level != c.want[i].Level || r.Msg != c.want[i].Msg {
				t.Errorf("at level %v: log %d = %v %q, want %v %q", c.level, i, r.Level, r.Msg, c.want[i].Level, c.want[i].Msg)
			}
			equal(t, "plugin attribute", r.Attrs["plugin"], "log")
		}
	}
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, runtime.Options{})
	sleep := func(t *testing.T, timeoutMs uint64, seconds string) *runtime.Instance {
		m := extismManifest(t, "sleep.wasm")
		m.TimeoutMs = timeoutMs
		m.Config = map[string]string{"duration": seconds}
		return instantiate(t, compile(t, rt, m, withWASI))
	}
	// Compile the module once before the parallel subtests: their own
	// compiles of it in rt are then cache hits.
	compile(t, rt, extismManifest(t, "sleep.wasm"), withWASI)

	for _, c := range []struct {
		name        string
		timeoutMs   uint64        // the manifest's bound
		deadline    time.Duration // the context's, if not 0
		cancelAfter time.Duration // cancels the context, if not 0
		cause       error
		text        string
	}{
		{name: "manifest timeout_ms", timeoutMs: 100, cause: context.DeadlineExceeded, text: "deadline exceeded"},
		{name: "context canceled", cancelAfter: 100 * time.Millisecond, cause: context.Canceled, text: "canceled"},
		{name: "context deadline", deadline: 100 * time.Millisecond, cause: context.DeadlineExceeded, text: "deadline exceeded"},
		{name: "context deadline before timeout_ms", timeoutMs: 60_000, deadline: 100 * time.Millisecond,
			cause: context.DeadlineExceeded, text: "deadline exceeded"},
		{name: "timeout_ms before context deadline", timeoutMs: 100, deadline: time.Minute,
			cause: context.DeadlineExceeded, text: "deadline exceeded"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			in := sleep(t, c.timeoutMs, "3")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if c.deadline != 0 {
				ctx, cancel = context.WithTimeout(ctx, c.deadline)
				defer cancel()
			}
			if c.cancelAfter != 0 {
				time.AfterFunc(c.cancelAfter, cancel)
			}
			start := time.Now()
			_, err := in.Call(ctx, "run_test", nil)
			if elapsed := time.Since(start); elapsed > time.Second {
				t.Errorf("interrupted call took %v, want about 100ms", elapsed)
			}
			errorIs(t, err, c.cause)
			ie := errorAs[*runtime.InterruptError](t, err)
			equal(t, "Function", ie.Function, "run_test")
			errorContains(t, err, c.text)
			assertBroken(t, in, "run_test", err)
		})
	}

	t.Run("within the bound", func(t *testing.T) {
		t.Parallel()
		in := sleep(t, 10_000, "0")
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for range 3 {
			out, err := in.Call(ctx, "run_test", nil)
			if err != nil {
				t.Fatal(err)
			}
			equal(t, "run_test", string(out), "slept for 0 seconds")
		}
	})

	t.Run("done before the call", func(t *testing.T) {
		t.Parallel()
		in := sleep(t, 0, "0")
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := in.Call(ctx, "run_test", nil)
		errorIs(t, err, context.Canceled)
	})

	// Cancelling the context given to Compile and Instantiate does not
	// affect later calls.
	t.Run("compile context", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		m := extismManifest(t, "sleep.wasm")
		m.Config = map[string]string{"duration": "0"}
		p, err := rt.Compile(ctx, m, withWASI)
		if err != nil {
			t.Fatal(err)
		}
		in, err := p.Instantiate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer in.Close(context.Background())
		cancel()
		equal(t, "run_test", mustCall(t, in, "run_test", ""), "slept for 0 seconds")
	})
}

// TestJSONManifest is the go-sdk's TestJsonManifest: its manifest, parsed,
// with the module's path made absolute.
func TestJSONManifest(t *testing.T) {
	t.Parallel()
	path, _ := json.Marshal(testplugins.Extism(t, "sleep.wasm"))
	js := strings.Replace(`
	{
		"wasm": [
		  {
			"path": "wasm/sleep.wasm"
		  }
		],
		"memory": {
		  "max_pages": 100
		},
		"config": {
		  "key1": "value1",
		  "key2": "value2",
		  "duration": "3"
		},
		"timeout_ms": 100
	}
	`, `"wasm/sleep.wasm"`, string(path), 1)
	m, err := runtime.ParseManifest([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "TimeoutMs", m.TimeoutMs, 100)
	equal(t, "Memory.MaxPages", m.Memory.MaxPages, 100)
	equal(t, "Config[key2]", m.Config["key2"], "value2")

	in := loadPlugin(t, m, withWASI)
	start := time.Now()
	_, err = in.Call(context.Background(), "run_test", nil)
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("call took %v, want about 100ms", elapsed)
	}
	errorIs(t, err, context.DeadlineExceeded)
	errorAs[*runtime.InterruptError](t, err)
	errorContains(t, err, "deadline exceeded")
}

func TestFS(t *testing.T) {
	t.Parallel()
	testdata := filepath.Join(testplugins.ExtismDir(t), "testdata")
	rt := newRuntime(t, runtime.Options{})

	t.Run("fs", func(t *testing.T) {
		m := extismManifest(t, "fs.wasm")
		m.AllowedPaths = map[string]string{testdata: "/mnt"}
		in := instantiate(t, compile(t, rt, m, withWASI))
		equal(t, "run_test", mustCall(t, in, "run_test", ""), "hello world!")
	})

	t.Run("no mount", func(t *testing.T) {
		in := instantiate(t, compile(t, rt, extismManifest(t, "fs.wasm"), withWASI))
		if out, err := in.Call(context.Background(), "run_test", nil); err == nil {
			t.Fatalf("read /mnt/test.txt without a mount: %q", out)
		}
	})

	t.Run("allowed_paths needs WASI", func(t *testing.T) {
		m := extismManifest(t, "fs.wasm")
		m.AllowedPaths = map[string]string{testdata: "/mnt"}
		_, err := rt.Compile(context.Background(), m, runtime.PluginOptions{})
		errorIs(t, err, runtime.ErrManifest)
		errorContains(t, err, "allowed_paths", "WASI")
	})

	// The module cache is read-only: write to a copy, so that a refused
	// write proves the mount is read-only.
	for _, c := range []struct {
		name     string
		readOnly bool
	}{
		{"read-only mount", true},
		{"read-write mount", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := copyDir(t, testdata)
			host := dir
			if c.readOnly {
				host = "ro:" + dir
			}
			m := extismManifest(t, "read_write.wasm")
			m.AllowedPaths = map[string]string{host: "/mnt"}
			m.Config = map[string]string{"path": "/mnt/test.txt"}
			in := instantiate(t, compile(t, rt, m, withWASI))

			equal(t, "try_read", mustCall(t, in, "try_read", ""), "hello world!")
			_, err := in.Call(context.Background(), "try_write", []byte("hello hello!"))
			b, rerr := os.ReadFile(filepath.Join(dir, "test.txt"))
			if rerr != nil {
				t.Fatal(rerr)
			}
			if c.readOnly {
				errorAs[*runtime.GuestError](t, err)
				errorContains(t, err, "Failed to write file")
				equal(t, "file after a refused write", string(b), "hello world!")
				return
			}
			if err != nil {
				t.Fatalf("try_write: %v", err)
			}
			equal(t, "file after the write", string(b), "hello world!hello hello!") // it appends
		})
	}
}

// TestStdCommand runs a standard-Go WASI command (slow to compile).
func TestStdCommand(t *testing.T) {
	t.Parallel()
	in := loadPlugin(t, extismManifest(t, "std_command.wasm"), withWASI)
	equal(t, "_start", mustCall(t, in, "_start", "ben"), "hello ben")
}

// TestHelloHaskell runs a Haskell reactor: _initialize then hs_init.
func TestHelloHaskell(t *testing.T) {
	t.Parallel()
	m := extismManifest(t, "hello_haskell.wasm")
	m.Config = map[string]string{"greeting": "Howdy"}
	in := loadPlugin(t, m, withWASI)
	equal(t, "testing", mustCall(t, in, "testing", "John"), "Howdy, John")
	equal(t, "second testing", mustCall(t, in, "testing", "Jane"), "Howdy, Jane")
}

func TestModuleLinking(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, runtime.Options{})
	lib := runtime.WasmSource{Path: testplugins.Extism(t, "lib.wasm"), Name: "lib"}
	main := runtime.WasmSource{Path: testplugins.Extism(t, "main.wasm"), Name: "main"}
	p := compile(t, rt, runtime.Manifest{Wasm: []runtime.WasmSource{lib, main}}, withWASI)

	t.Run("one call", func(t *testing.T) {
		in := instantiate(t, p)
		equal(t, "run_test", mustCall(t, in, "run_test", "benjamin"), "Hello, BENJAMIN")
	})

	t.Run("3 instances x 3 calls", func(t *testing.T) {
		var ins []*runtime.Instance
		for range 3 { // all alive together
			ins = append(ins, instantiate(t, p))
		}
		for j := range 3 {
			for i, in := range ins {
				equal(t, "instance "+strconv.Itoa(i)+" call "+strconv.Itoa(j),
					mustCall(t, in, "run_test", "benjamin"), "Hello, BENJAMIN")
			}
		}
	})

	t.Run("main listed first", func(t *testing.T) {
		p := compile(t, rt, runtime.Manifest{Wasm: []runtime.WasmSource{main, lib}}, withWASI)
		equal(t, "run_test", mustCall(t, instantiate(t, p), "run_test", "benjamin"), "Hello, BENJAMIN")
	})

	t.Run("library missing", func(t *testing.T) {
		_, err := rt.Compile(context.Background(), runtime.Manifest{Wasm: []runtime.WasmSource{main}}, withWASI)
		errorIs(t, err, runtime.ErrImport)
		errorContains(t, err, "lib.capitalize")
	})
}

// TestConcurrentInstances runs 100 instances of one CompiledPlugin, each in
// its own goroutine (run it with -race).
func TestConcurrentInstances(t *testing.T) {
	t.Parallel()
	p := compile(t, newRuntime(t, runtime.Options{}), extismManifest(t, "count_vowels.wasm"), runtime.PluginOptions{})
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in, err := p.Instantiate(ctx)
			if err != nil {
				t.Errorf("instance %d: %v", i, err)
				return
			}
			defer in.Close(ctx)
			for _, c := range []struct{ input, want string }{
				{"aaa", `{"count":3,"total":3,"vowels":"aeiouAEIOU"}`},
				{"bbba", `{"count":1,"total":4,"vowels":"aeiouAEIOU"}`},
			} {
				out, err := in.Call(ctx, "count_vowels", []byte(c.input))
				if err != nil {
					t.Errorf("instance %d: %v", i, err)
					return
				}
				if string(out) != c.want {
					t.Errorf("instance %d: count_vowels(%q) = %s, want %s", i, c.input, out, c.want)
				}
			}
		}()
	}
	wg.Wait()
}

func TestHash(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, runtime.Options{})
	path := testplugins.Extism(t, "alloc.wasm")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	good := hex.EncodeToString(sum[:])

	for _, c := range []struct {
		name, hash string
		want       []string // error text; nil means success
	}{
		{"match", good, nil},
		{"match in upper case", strings.ToUpper(good), nil},
		{"mismatch", strings.Repeat("0", 64), []string{"wasm[0].hash", good}},
		{"not hex", "------", []string{"wasm[0].hash"}},
		{"too short", good[:10], []string{"wasm[0].hash"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := runtime.Manifest{Wasm: []runtime.WasmSource{{Path: path, Hash: c.hash}}}
			p, err := rt.Compile(context.Background(), m, runtime.PluginOptions{})
			if c.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				defer p.Close(context.Background())
				mustCall(t, instantiate(t, p), "run_test", "")
				return
			}
			if c.name == "mismatch" {
				errorIs(t, err, runtime.ErrLoad)
			} else {
				errorIs(t, err, runtime.ErrManifest)
			}
			errorContains(t, err, c.want...)
		})
	}
}

func TestManifestErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, json string
		want       string // the field the error names
	}{
		{"path and url", `{"wasm":[{"path":"x","url":"http://y"}]}`, "wasm[0]"},
		{"neither path, url nor data", `{"wasm":[{"path":"x"},{"name":"y"}]}`, "wasm[1]"},
		{"no modules", `{"wasm":[]}`, "wasm"},
		{"unknown field", `{"wasm":[{"path":"x"}],"bogus":1}`, "bogus"},
		{"unknown field of a module", `{"wasm":[{"path":"x","sha":"y"}]}`, "sha"},
		{"wrong type", `{"wasm":[{"path":"x"}],"timeout_ms":"100"}`, "timeout_ms"},
		{"max_pages over 65536", `{"wasm":[{"path":"x"}],"memory":{"max_pages":65537}}`, "memory.max_pages"},
		{"negative max_var_bytes", `{"wasm":[{"path":"x"}],"memory":{"max_var_bytes":-1}}`, "memory.max_var_bytes"},
		{"negative max_http_response_bytes", `{"wasm":[{"path":"x"}],"memory":{"max_http_response_bytes":-1}}`, "memory.max_http_response_bytes"},
		{"url scheme", `{"wasm":[{"url":"ftp://x/y.wasm"}]}`, "wasm[0].url"},
		{"bad hash", `{"wasm":[{"path":"x","hash":"abc"}]}`, "wasm[0].hash"},
		{"duplicate name", `{"wasm":[{"path":"a","name":"m"},{"path":"b","name":"m"},{"path":"c"}]}`, "wasm[1].name"},
		{"two mains", `{"wasm":[{"path":"a","name":"main"},{"path":"b","name":"main"}]}`, "wasm[1].name"},
		{"empty allowed host", `{"wasm":[{"path":"x"}],"allowed_hosts":[""]}`, "allowed_hosts[0]"},
		{"empty allowed path", `{"wasm":[{"path":"x"}],"allowed_paths":{"ro:":"/mnt"}}`, "allowed_paths"},
		{"trailing data", `{"wasm":[{"path":"x"}]} {}`, "trailing"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := runtime.ParseManifest([]byte(c.json))
			errorIs(t, err, runtime.ErrManifest)
			errorContains(t, err, c.want)
		})
	}

	t.Run("valid", func(t *testing.T) {
		m, err := runtime.ParseManifest([]byte(`{
			"wasm": [{"path": "lib.wasm", "name": "lib"}, {"data": "AGFzbQEAAAA=", "name": "main"}],
			"memory": {"max_pages": 65536, "max_var_bytes": 0, "max_http_response_bytes": 10, "max_output_bytes": 20},
			"config": {"k": "v"},
			"allowed_hosts": ["*.example.com"],
			"allowed_paths": {"ro:/tmp": "/mnt"},
			"timeout_ms": 5
		}`))
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "Wasm[1].Data", string(m.Wasm[1].Data), "\x00asm\x01\x00\x00\x00")
		if m.Memory.MaxVarBytes == nil || *m.Memory.MaxVarBytes != 0 {
			t.Errorf("max_var_bytes 0 parsed as %v, want a pointer to 0", m.Memory.MaxVarBytes)
		}
		equal(t, "MaxHTTPResponseBytes", *m.Memory.MaxHTTPResponseBytes, 10)
		equal(t, "MaxOutputBytes", m.Memory.MaxOutputBytes, 20)
		equal(t, "AllowedPaths", m.AllowedPaths["ro:/tmp"], "/mnt")
	})

	t.Run("Compile", func(t *testing.T) {
		rt := newRuntime(t, runtime.Options{})
		empty := filepath.Join(t.TempDir(), "empty.wasm")
		notWasm := filepath.Join(t.TempDir(), "text.wasm")
		if err := os.WriteFile(empty, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(notWasm, []byte("hello, not wasm"), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name string
			m    runtime.Manifest
			is   error
			want string
		}{
			{"no modules", runtime.Manifest{}, runtime.ErrManifest, "wasm"},
			{"missing file", runtime.Manifest{Wasm: []runtime.WasmSource{{Path: filepath.Join(t.TempDir(), "nope.wasm")}}}, runtime.ErrLoad, "wasm[0].path"},
			{"empty file", runtime.Manifest{Wasm: []runtime.WasmSource{{Path: empty}}}, runtime.ErrLoad, "empty file"},
			{"empty data", runtime.Manifest{Wasm: []runtime.WasmSource{{Data: []byte{}}}}, runtime.ErrLoad, "empty file"},
			{"not wasm", runtime.Manifest{Wasm: []runtime.WasmSource{{Path: notWasm}}}, runtime.ErrLoad, "not a WebAssembly module (bad magic)"},
			{"max_pages", runtime.Manifest{Wasm: []runtime.WasmSource{{Path: "x"}}, Memory: runtime.MemoryLimits{MaxPages: 1 << 17}}, runtime.ErrManifest, "memory.max_pages"},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := rt.Compile(context.Background(), c.m, runtime.PluginOptions{})
				errorIs(t, err, c.is)
				errorContains(t, err, c.want)
			})
		}
	})
}

func TestWASINotGranted(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, runtime.Options{})
	_, err := rt.Compile(context.Background(), extismManifest(t, "config.wasm"), runtime.PluginOptions{})
	errorIs(t, err, runtime.ErrImport)
	errorContains(t, err, "wasi_snapshot_preview1", "WASI")
	var ie *runtime.ImportError
	if !errors.As(err, &ie) || !ie.WASI() || ie.Kind != "function" || ie.Field != "wasm[0]" {
		t.Fatalf("want an *ImportError for a WASI function of wasm[0], got %#v", ie)
	}
}

func TestClose(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := extismManifest(t, "hello.wasm")
	p1 := compile(t, rt, m, runtime.PluginOptions{})
	p2 := compile(t, rt, m, runtime.PluginOptions{})

	t.Run("Instance", func(t *testing.T) {
		in, err := p1.Instantiate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		mustCall(t, in, "run_test", "")
		for range 2 {
			if err := in.Close(ctx); err != nil {
				t.Fatalf("Close: %v", err)
			}
		}
		_, err = in.Call(ctx, "run_test", nil)
		errorIs(t, err, runtime.ErrClosed)
		mustCall(t, instantiate(t, p1), "run_test", "") // the plug-in is still fine
	})

	t.Run("CompiledPlugin", func(t *testing.T) {
		in, err := p2.Instantiate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := p2.Close(ctx); err != nil {
				t.Fatalf("Close: %v", err)
			}
		}
		_, err = in.Call(ctx, "run_test", nil)
		errorIs(t, err, runtime.ErrClosed)
		if err := in.Close(ctx); err != nil {
			t.Errorf("Instance.Close after CompiledPlugin.Close: %v", err)
		}
		_, err = p2.Instantiate(ctx)
		errorIs(t, err, runtime.ErrClosed)
	})

	t.Run("Runtime", func(t *testing.T) {
		in, err := p1.Instantiate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := rt.Close(ctx); err != nil {
				t.Fatalf("Close: %v", err)
			}
		}
		_, err = in.Call(ctx, "run_test", nil)
		errorIs(t, err, runtime.ErrClosed)
		_, err = p1.Instantiate(ctx)
		errorIs(t, err, runtime.ErrClosed)
		_, err = rt.Compile(ctx, m, runtime.PluginOptions{})
		errorIs(t, err, runtime.ErrClosed)
		if err := p1.Close(ctx); err != nil {
			t.Errorf("CompiledPlugin.Close after Runtime.Close: %v", err)
		}
		if err := in.Close(ctx); err != nil {
			t.Errorf("Instance.Close after Runtime.Close: %v", err)
		}
	})
}

func TestMemoryLimits(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, runtime.Options{})

	t.Run("max_pages under the module's minimum", func(t *testing.T) {
		m := extismManifest(t, "hello.wasm") // needs 2 pages
		m.Memory.MaxPages = 1
		_, err := rt.Compile(context.Background(), m, runtime.PluginOptions{})
		errorContains(t, err, "wasm[0]", "max_pages")
	})

	t.Run("input over max_pages", func(t *testing.T) {
		m := extismManifest(t, "count_vowels.wasm")
		m.Memory.MaxPages = 32 // 2 MiB for each memory, the kernel's too
		in := instantiate(t, compile(t, rt, m, runtime.PluginOptions{}))
		_, err := in.Call(context.Background(), "count_vowels", make([]byte, 4<<20))
		errorIs(t, err, kernel.ErrOutOfMemory)
		if in.Broken() != nil {
			t.Fatalf("a refused input broke the instance: %v", in.Broken())
		}
		equal(t, "count_vowels after", mustCall(t, in, "count_vowels", "aaa"), `{"count":3,"total":3,"vowels":"aeiouAEIOU"}`)
	})

	t.Run("max_output_bytes", func(t *testing.T) {
		m := extismManifest(t, "hello.wasm")
		m.Memory.MaxOutputBytes = 5
		in := instantiate(t, compile(t, rt, m, runtime.PluginOptions{}))
		_, err := in.Call(context.Background(), "run_test", nil)
		errorIs(t, err, runtime.ErrOutputTooLarge)
	})

	t.Run("Options.MaxOutputBytes", func(t *testing.T) {
		rt := newRuntime(t, runtime.Options{MaxOutputBytes: 13})
		in := instantiate(t, compile(t, rt, extismManifest(t, "hello.wasm"), runtime.PluginOptions{}))
		equal(t, "13 bytes", mustCall(t, in, "run_test", ""), "Hello, world!")
		m := extismManifest(t, "hello.wasm")
		m.Memory.MaxOutputBytes = 12 // the manifest's wins
		in = instantiate(t, compile(t, rt, m, runtime.PluginOptions{}))
		_, err := in.Call(context.Background(), "run_test", nil)
		errorIs(t, err, runtime.ErrOutputTooLarge)
	})

	t.Run("Options.MemoryLimitPages over 65536", func(t *testing.T) {
		_, err := runtime.New(context.Background(), runtime.Options{MemoryLimitPages: 65537})
		errorContains(t, err, "MemoryLimitPages")
	})
}

// TestStaleInterrupt hammers one instance with calls whose context is
// cancelled as they end: the next call, under a context nobody cancels, must
// never be interrupted by the previous call's context.
func TestStaleInterrupt(t *testing.T) {
	t.Parallel()
	p := compile(t, newRuntime(t, runtime.Options{}), extismManifest(t, "hello.wasm"), runtime.PluginOptions{})
	in := instantiate(t, p)
	live, stop := context.WithCancel(context.Background())
	defer stop()
	bad := 0
	// The window is narrow: hammer for a second (about a million calls
	// without -race) to see it at least once in almost every run.
	for i, end := 0, time.Now().Add(time.Second); time.Now().Before(end); i++ {
		ctx, cancel := context.WithCancel(context.Background())
		go cancel()
		if _, err := in.Call(ctx, "run_test", nil); err != nil {
			errorIs(t, err, context.Canceled)
			in = instantiate(t, p)
			continue
		}
		if _, err := in.Call(live, "run_test", nil); err != nil {
			if bad++; bad <= 3 {
				t.Errorf("call %d, whose context is live, failed: %v", i, err)
			}
			in = instantiate(t, p)
		}
	}
	if bad > 0 {
		t.Errorf("%d calls whose context is live were interrupted", bad)
	}
}

// closeDuringCallEnv makes the test binary run closeDuringCall as a child.
const closeDuringCallEnv = "TENDRIL_TEST_CLOSE_DURING_CALL"

// TestCloseDuringCall closes the Runtime, or the CompiledPlugin, while one of
// its instances runs a call in another goroutine (both are safe for
// concurrent use, and closing them closes their instances). Neither the call
// nor Close may crash the process or race; both must return. Each case runs
// in a child process, so that a crash fails this test rather than ending the
// test binary.
func TestCloseDuringCall(t *testing.T) {
	if which := os.Getenv(closeDuringCallEnv); which != "" {
		closeDuringCall(t, which)
		return
	}
	t.Parallel()
	for _, which := range []string{"Runtime", "CompiledPlugin"} {
		t.Run(which, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestCloseDuringCall$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), closeDuringCallEnv+"="+which)
			out, err := cmd.CombinedOutput()
			if err != nil {
				if i := bytes.Index(out, []byte("\ngoroutine 1 ")); i > 0 {
					out = out[:i] // the crashing goroutine is enough
				}
				t.Errorf("closing the %s during a call: child process: %v\n%s", which, err, out)
			}
		})
	}
}

func closeDuringCall(t *testing.T, which string) {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := extismManifest(t, "sleep.wasm")
	m.Config = map[string]string{"duration": "1"}
	p := compile(t, rt, m, withWASI)
	in, err := p.Instantiate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	called := make(chan error, 1)
	go func() {
		_, err := in.Call(ctx, "run_test", nil)
		called <- err
	}()
	time.Sleep(100 * time.Millisecond)
	closed := make(chan error, 1)
	go func() {
		if which == "Runtime" {
			closed <- rt.Close(ctx)
		} else {
			closed <- p.Close(ctx)
		}
	}()
	timeout := time.After(5 * time.Second)
	for range 2 {
		select {
		case err := <-called:
			t.Logf("the call returned %v", err)
		case err := <-closed:
			if err != nil {
				t.Errorf("%s.Close: %v", which, err)
			}
		case <-timeout:
			t.Fatalf("the call or %s.Close did not return", which)
		}
	}
	_, err = in.Call(ctx, "run_test", nil)
	errorIs(t, err, runtime.ErrClosed)
	if err := rt.Close(ctx); err != nil {
		t.Error(err)
	}
}
