package benchmarks_test

// The plug-ins of examples/plugins, built from source with the guest kit,
// run unchanged on the reference host, github.com/extism/go-sdk.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	extism "github.com/extism/go-sdk"

	"github.com/tendril-wasm/tendril/internal/guestbuild/guesttest"
)

// pdkPlugin builds the example plug-in name from source and returns an
// instance of it on the reference host, closed when the test ends.
func pdkPlugin(t *testing.T, name string, m extism.Manifest, cfg extism.PluginConfig, funcs ...extism.HostFunction) *extism.Plugin {
	t.Helper()
	ctx := context.Background()
	wasm := guesttest.Build(t, filepath.Join("..", "examples", "plugins", name))
	m.Wasm = []extism.Wasm{extism.WasmFile{Path: wasm}}
	cfg.EnableWasi = true // standard-Go plug-ins are WASI reactors
	p, err := extism.NewPlugin(ctx, m, cfg, funcs)
	if err != nil {
		t.Fatalf("%s on go-sdk: %v", name, err)
	}
	t.Cleanup(func() { _ = p.Close(ctx) })
	return p
}

// pdkCall calls fn and returns a copy of its output, failing the test on error.
func pdkCall(t *testing.T, p *extism.Plugin, fn string, input []byte) []byte {
	t.Helper()
	rc, out, err := p.Call(fn, input)
	if err != nil || rc != 0 {
		t.Fatalf("%s(%.40q) on go-sdk = %d, %v", fn, input, rc, err)
	}
	return bytes.Clone(out)
}

func TestPDKCompatCountVowels(t *testing.T) {
	t.Parallel()
	p := pdkPlugin(t, "count_vowels", extism.Manifest{}, extism.PluginConfig{})
	total := 0
	for _, tt := range []struct {
		in    string
		count int
	}{{"aaa", 3}, {"bbba", 1}, {"", 0}, {"Hello, World!", 3}} {
		total += tt.count
		want := fmt.Sprintf(`{"count":%d,"total":%d,"vowels":"aeiouAEIOU"}`, tt.count, total)
		if got := string(pdkCall(t, p, "count_vowels", []byte(tt.in))); got != want {
			t.Errorf("count_vowels(%q) = %s, want %s", tt.in, got, want)
		}
	}
	if got := string(p.Var["total"]); got != fmt.Sprint(total) {
		t.Errorf(`var "total" = %q, want %d`, got, total)
	}
}

func TestPDKCompatEcho(t *testing.T) {
	t.Parallel()
	p := pdkPlugin(t, "echo", extism.Manifest{}, extism.PluginConfig{})
	for _, fn := range []string{"echo", "echo_string", "echo_copy"} {
		for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 1000, 1<<20 + 3} {
			in := make([]byte, n)
			for i := range in {
				in[i] = byte(i*7 + n)
			}
			if got := pdkCall(t, p, fn, in); !bytes.Equal(got, in) {
				t.Errorf("%s(%d bytes) returned %d different bytes", fn, n, len(got))
			}
		}
	}
}

func TestPDKCompatGreet(t *testing.T) {
	t.Parallel()
	p := pdkPlugin(t, "greet", extism.Manifest{Config: map[string]string{"greeting": "Hi"}}, extism.PluginConfig{})
	for _, name := range []string{"Ada", "Grace"} {
		if got := string(pdkCall(t, p, "greet", []byte(name))); got != "Hi, "+name+"!" {
			t.Errorf("greet(%q) = %q", name, got)
		}
	}
	if got := string(pdkCall(t, p, "calls", nil)); got != "2" || string(p.Var["calls"]) != "2" {
		t.Errorf("calls() = %q, var %q; want 2", got, p.Var["calls"])
	}
	pdkCall(t, p, "forget", nil)
	if _, ok := p.Var["calls"]; ok {
		t.Errorf("var calls survived forget")
	}
	if got := string(pdkCall(t, p, "config", []byte("greeting"))); got != "Hi" {
		t.Errorf("config(greeting) = %q", got)
	}
	if _, _, err := p.Call("config", []byte("missing")); err == nil || err.Error() != `no config "missing"` {
		t.Errorf("config(missing) error = %v", err)
	}
	if _, _, err := p.Call("greet", nil); err == nil || err.Error() != "greet: empty name" {
		t.Errorf("greet(empty) error = %v", err)
	}
}

func TestPDKCompatHTTP(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Greeting", "hi")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, r.Method+" "+r.Header.Get("X-Token")+" "+string(body))
	}))
	defer srv.Close()
	m := extism.Manifest{AllowedHosts: []string{"127.0.0.1"}}

	p := pdkPlugin(t, "http", m, extism.PluginConfig{EnableHttpResponseHeaders: true})
	if got := string(pdkCall(t, p, "get", []byte(srv.URL))); got != "201\nGET  " {
		t.Errorf("get = %q", got)
	}
	in, _ := json.Marshal(map[string]any{"method": "put", "url": srv.URL, "body": "data", "header": map[string]string{"X-Token": "t"}})
	var r struct {
		Status int
		Header map[string]string
		Body   string
	}
	if err := json.Unmarshal(pdkCall(t, p, "request", in), &r); err != nil {
		t.Fatal(err)
	}
	if r.Status != 201 || r.Body != "PUT t data" || r.Header["x-greeting"] != "hi" {
		t.Errorf("request = %+v", r)
	}

	p = pdkPlugin(t, "http", m, extism.PluginConfig{})
	if err := json.Unmarshal(pdkCall(t, p, "request", in), &r); err != nil || r.Header != nil {
		t.Errorf("headers without EnableHttpResponseHeaders = %v, %v", r.Header, err)
	}

	p = pdkPlugin(t, "http", extism.Manifest{AllowedHosts: []string{"example.com"}}, extism.PluginConfig{})
	if _, _, err := p.Call("get", []byte(srv.URL)); err == nil {
		t.Error("request to a host that is not allowed succeeded")
	}
}

func TestPDKCompatHostFunction(t *testing.T) {
	t.Parallel()
	upper := extism.NewHostFunctionWithStack("to_upper", func(ctx context.Context, p *extism.CurrentPlugin, stack []uint64) {
		b, err := p.ReadBytes(stack[0])
		if err != nil {
			panic(err)
		}
		if stack[0], err = p.WriteBytes(bytes.ToUpper(b)); err != nil {
			panic(err)
		}
	}, []extism.ValueType{extism.ValueTypeI64}, []extism.ValueType{extism.ValueTypeI64})
	p := pdkPlugin(t, "hostfunc", extism.Manifest{}, extism.PluginConfig{}, upper)
	for _, in := range []string{"a", "hello, world", strings.Repeat("long input ", 100)} {
		if got := string(pdkCall(t, p, "upper", []byte(in))); got != strings.ToUpper(in) {
			t.Errorf("upper(%.20q) = %.20q", in, got)
		}
	}
	if got, want := string(pdkCall(t, p, "handles", []byte("0123456789abcdef"))), "len=19 head=0123456789abcdef all=0123456789abcdef+++ copy=0123456789abcdef"; got != want {
		t.Errorf("handles = %q, want %q", got, want)
	}
}

func TestPDKCompatPanic(t *testing.T) {
	t.Parallel()
	p := pdkPlugin(t, "boom", extism.Manifest{}, extism.PluginConfig{})
	for i, tt := range []struct{ fn, in, want string }{
		{"boom", "kaboom", "panic: boom: kaboom"},
		{"nil_map", "k", "panic: assignment to entry in nil map"},
		{"fail", "it failed", "it failed"},
	} {
		rc, _, err := p.Call(tt.fn, []byte(tt.in))
		if rc != 1 || err == nil || err.Error() != tt.want {
			t.Errorf("%s(%q) = %d, %v; want 1, %q", tt.fn, tt.in, rc, err, tt.want)
		}
		if got := string(pdkCall(t, p, "count", nil)); got != fmt.Sprint(i+1) {
			t.Errorf("count() after %s = %q, want %d", tt.fn, got, i+1)
		}
	}
	if _, _, err := p.Call("panic_value", []byte("named")); err == nil || err.Error() != "panic: main.code(7)" {
		t.Errorf("panic_value(named) error = %v", err)
	}
	if rc, _, err := p.Call("set_error", []byte("raw")); rc != 0 || err == nil || err.Error() != "raw" {
		t.Errorf("set_error(raw) = %d, %v; want 0, raw", rc, err)
	}
	if got := string(pdkCall(t, p, "set_error", []byte("clear"))); got != "cleared" {
		t.Errorf("set_error(clear) = %q", got)
	}
}

func TestPDKCompatNoop(t *testing.T) {
	t.Parallel()
	p := pdkPlugin(t, "noop", extism.Manifest{}, extism.PluginConfig{})
	if out := pdkCall(t, p, "noop", []byte("x")); len(out) != 0 {
		t.Errorf("noop output = %q", out)
	}
}

// TestPDKCompatLog sets go-sdk's process-wide log level, so it does not run
// in parallel and restores the level when done.
func TestPDKCompatLog(t *testing.T) {
	p := pdkPlugin(t, "log", extism.Manifest{}, extism.PluginConfig{})
	var (
		mu   sync.Mutex
		msgs []string
	)
	p.SetLogger(func(l extism.LogLevel, msg string) {
		mu.Lock()
		defer mu.Unlock()
		msgs = append(msgs, l.String()+" "+msg)
	})
	defer extism.SetLogLevel(0) // unset: go-sdk's default
	extism.SetLogLevel(extism.LogLevelWarn)
	if got := string(pdkCall(t, p, "log", []byte("hi"))); got != "WARN,ERROR" {
		t.Errorf("levels the plug-in sees enabled = %q, want WARN,ERROR", got)
	}
	pdkCall(t, p, "slog", []byte("s"))
	pdkCall(t, p, "slog_options", []byte("o"))
	want := []string{"WARN hi", "ERROR hi", "WARN s plugin=log g.n=1 g.sub.ok=true", "ERROR s plugin=log g.n=1 g.sub.ok=true", "WARN o secret=***"}
	mu.Lock()
	var got []string
	for _, m := range msgs {
		if !strings.HasPrefix(m, "DEBUG Calling") && !strings.Contains(m, "runtime") {
			got = append(got, m)
		}
	}
	mu.Unlock()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("logged %q, want %q", got, want)
	}
	extism.SetLogLevel(extism.LogLevelTrace)
	if got := string(pdkCall(t, p, "level", nil)); got != "TRACE" {
		t.Errorf("level() = %q, want TRACE", got)
	}
}
