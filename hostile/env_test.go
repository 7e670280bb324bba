package hostile_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	goruntime "runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tendril-wasm/tendril/runtime"
)

// env is what every hostile case shares: one Runtime (hostile plug-ins and
// their neighbour live in it together), a neighbour instance, HTTP servers and
// a counter of the plug-in logs that reached the host.
type env struct {
	t    *testing.T
	rt   *runtime.Runtime
	logs *logCounter

	neighbour     *runtime.Instance
	neighbourEcho []byte // what echo and count return when all is well
	neighbourCnt  []byte

	// allowed is an HTTP server on 127.0.0.1 (the allow-list grants
	// "127.0.0.1"); denied is another one, addressed as "localhost", that
	// no case may reach. Keep-alives are off so that connections (and their
	// goroutines) end with each request.
	allowed, denied       *httptest.Server
	allowedURL, deniedURL string
	allowedHits           atomic.Int64
	deniedHits            atomic.Int64
	slowRelease           chan struct{}
}

const (
	neighbourInput = "neighbour: same bytes in, same bytes out, whatever happens next door"
	neighbourVowel = "a healthy neighbour counts its vowels"
)

func newEnv(t *testing.T) *env {
	ctx := context.Background()
	e := &env{t: t, logs: &logCounter{}, slowRelease: make(chan struct{})}
	var err error
	e.rt, err = runtime.New(ctx, runtime.Options{Logger: slog.New(e.logs)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.rt.Close(ctx); err != nil {
			t.Errorf("Runtime.Close: %v", err)
		}
	})

	e.allowed = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.allowedHits.Add(1)
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, e.deniedURL+"/stolen", http.StatusFound)
		case "/slow":
			select {
			case <-r.Context().Done():
			case <-e.slowRelease:
			case <-time.After(2 * time.Second):
			}
		default:
			fmt.Fprint(w, "hello from 127.0.0.1")
		}
	}))
	e.denied = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.deniedHits.Add(1)
		fmt.Fprint(w, "the denied server answered")
	}))
	for _, s := range []*httptest.Server{e.allowed, e.denied} {
		s.Config.SetKeepAlivesEnabled(false)
	}
	t.Cleanup(func() {
		close(e.slowRelease)
		e.allowed.Close()
		e.denied.Close()
	})
	e.allowedURL = e.allowed.URL
	e.deniedURL = strings.Replace(e.denied.URL, "127.0.0.1", "localhost", 1)

	p, err := e.rt.Compile(ctx, runtime.Manifest{Wasm: []runtime.WasmSource{{Data: wasm(t, "neighbour"), Name: "neighbour"}}}, runtime.PluginOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if e.neighbour, err = p.Instantiate(ctx); err != nil {
		t.Fatal(err)
	}
	echo, count, err := e.neighbourCall()
	if err != nil {
		t.Fatal(err)
	}
	if string(echo) != neighbourInput || binary.LittleEndian.Uint64(count) != 12 {
		t.Fatalf("neighbour: echo %q, count %x: the neighbour plug-in is wrong", echo, count)
	}
	e.neighbourEcho, e.neighbourCnt = echo, count
	return e
}

// neighbourCall runs the neighbour's two functions once; the outputs are copies.
func (e *env) neighbourCall() (echo, count []byte, err error) {
	ctx := context.Background()
	out, err := e.neighbour.Call(ctx, "echo", []byte(neighbourInput))
	if err != nil {
		return nil, nil, fmt.Errorf("echo: %w", err)
	}
	echo = bytes.Clone(out)
	out, err = e.neighbour.Call(ctx, "count", []byte(neighbourVowel))
	if err != nil {
		return nil, nil, fmt.Errorf("count: %w", err)
	}
	return echo, bytes.Clone(out), nil
}

// checkNeighbour asserts that the neighbour gives its usual results.
func (e *env) checkNeighbour(t *testing.T, when string) bool {
	t.Helper()
	echo, count, err := e.neighbourCall()
	if err != nil || !bytes.Equal(echo, e.neighbourEcho) || !bytes.Equal(count, e.neighbourCnt) {
		t.Errorf("neighbour %s: echo %q, count %x, err %v; want %q, %x", when, echo, count, err, e.neighbourEcho, e.neighbourCnt)
		return false
	}
	return true
}

// hammerNeighbour calls the neighbour in a loop until stop is closed and
// returns how many calls it made and how many gave a wrong result.
func (e *env) hammerNeighbour(stop <-chan struct{}) <-chan [2]int {
	res := make(chan [2]int, 1)
	go func() {
		var calls, bad int
		for {
			select {
			case <-stop:
				res <- [2]int{calls, bad}
				return
			default:
			}
			echo, count, err := e.neighbourCall()
			calls++
			if err != nil || !bytes.Equal(echo, e.neighbourEcho) || !bytes.Equal(count, e.neighbourCnt) {
				bad++
			}
			time.Sleep(time.Millisecond)
		}
	}()
	return res
}

// fsLayout is a directory tree for path-escape attacks:
//
//	root/secret.txt              "TOP-SECRET: outside the sandbox"
//	root/mount/                  what the plug-in is given, as /data
//	root/mount/inside.txt        "inside"
//	root/mount/sub/
//	root/mount/link_file   ->    root/secret.txt (absolute)
//	root/mount/link_rel    ->    ../secret.txt
//	root/mount/link_dir    ->    root
type fsLayout struct {
	root, mount, secret string
}

const secretText = "TOP-SECRET: outside the sandbox"

func newFS(t *testing.T) fsLayout {
	t.Helper()
	root := t.TempDir()
	l := fsLayout{root: root, mount: filepath.Join(root, "mount"), secret: filepath.Join(root, "secret.txt")}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(l.secret, []byte(secretText), 0o644))
	must(os.MkdirAll(filepath.Join(l.mount, "sub"), 0o755))
	must(os.WriteFile(filepath.Join(l.mount, "inside.txt"), []byte("inside"), 0o644))
	must(os.Symlink(l.secret, filepath.Join(l.mount, "link_file")))
	must(os.Symlink("../secret.txt", filepath.Join(l.mount, "link_rel")))
	must(os.Symlink(root, filepath.Join(l.mount, "link_dir")))
	return l
}

// secretIntact asserts the file outside the mount is unchanged and that no
// file appeared next to it.
func (l fsLayout) secretIntact(t *testing.T) {
	t.Helper()
	b, err := os.ReadFile(l.secret)
	if err != nil || string(b) != secretText {
		t.Errorf("the file outside the sandbox changed: %q, %v", b, err)
	}
	ents, _ := os.ReadDir(l.root)
	for _, e := range ents {
		if n := e.Name(); n != "secret.txt" && n != "mount" {
			t.Errorf("the plug-in created %s outside the sandbox", filepath.Join(l.root, n))
		}
	}
}

// logCounter is a slog handler, enabled at every level, that counts records.
type logCounter struct{ n atomic.Int64 }

func (h *logCounter) Enabled(context.Context, slog.Level) bool  { return true }
func (h *logCounter) Handle(context.Context, slog.Record) error { h.n.Add(1); return nil }
func (h *logCounter) WithAttrs([]slog.Attr) slog.Handler        { return h }
func (h *logCounter) WithGroup(string) slog.Handler             { return h }

// settleGoroutines waits up to 3 s for the goroutine count to come back to
// at most want, and fails with the goroutines' stacks otherwise.
func settleGoroutines(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second) // ends as soon as they settle
	for {
		n := goruntime.NumGoroutine()
		if n <= want {
			return
		}
		if time.Now().After(deadline) {
			var b strings.Builder
			_ = pprof.Lookup("goroutine").WriteTo(&b, 1)
			t.Errorf("goroutines left behind: %d, want <= %d\n%s", n, want, b.String())
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// heapAlloc is the live heap after a full collection.
func heapAlloc() uint64 {
	goruntime.GC()
	var ms goruntime.MemStats
	goruntime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// rssBytes is the process's resident memory (Linux; 0 elsewhere), once the
// Go heap's free pages are returned to the OS: what stays resident is live
// (Go heap or memory mapped outside it, like linear memories), not garbage
// that a collection or the scavenger happens not to have released yet.
func rssBytes() uint64 {
	debug.FreeOSMemory()
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	var size, resident uint64
	if _, err := fmt.Sscan(string(b), &size, &resident); err != nil {
		return 0
	}
	return resident * uint64(os.Getpagesize())
}

func u64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

func args(a, b uint64) []byte { return append(u64(a), u64(b)...) }

const (
	kib = 1 << 10
	mib = 1 << 20
)
