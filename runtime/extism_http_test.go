package runtime_test

// HTTP through the host (http.wasm, http_headers.wasm from the go-sdk) and
// modules fetched by URL, all against httptest servers on loopback.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tendril-wasm/tendril/internal/testplugins"
	"github.com/tendril-wasm/tendril/kernel"
	"github.com/tendril-wasm/tendril/runtime"
)

// server is an httptest server on 127.0.0.1 that counts its requests.
type server struct {
	*httptest.Server
	hits atomic.Int32
	last atomic.Pointer[http.Request]
}

func newServer(t *testing.T, h http.HandlerFunc) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		s.last.Store(r)
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// toServer is a transport that sends every request to s, whatever its URL
// says: http.wasm asks for https://jsonplaceholder.typicode.com/todos/1.
type toServer struct {
	target *url.URL
	base   *http.Transport
}

func (t toServer) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.URL.Scheme, req.URL.Host = t.target.Scheme, t.target.Host
	return t.base.RoundTrip(req)
}

const todoJSON = `{"userId": 1, "id": 1, "title": "delectus aut autem", "completed": false}`

// TestHTTP is the go-sdk's TestHTTP_allowed and TestHTTP_denied, with the
// plug-in's request answered by a loopback server.
func TestHTTP(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(todoJSON))
	})
	target, _ := url.Parse(srv.URL)
	transport := &http.Transport{}
	t.Cleanup(transport.CloseIdleConnections)
	rt := newRuntime(t, runtime.Options{HTTPClient: &http.Client{Transport: toServer{target, transport}}})

	t.Run("allowed", func(t *testing.T) {
		m := extismManifest(t, "http.wasm")
		m.AllowedHosts = []string{"jsonplaceholder.*.com"}
		in := instantiate(t, compile(t, rt, m, withWASI))
		equal(t, "run_test", mustCall(t, in, "run_test", ""), todoJSON)
		r := srv.last.Load()
		equal(t, "request", r.Method+" "+r.Host+r.URL.Path, "GET jsonplaceholder.typicode.com/todos/1")
		equal(t, "request header some-name", r.Header.Get("some-name"), "some-value")
	})

	for _, c := range []struct {
		name    string
		allowed []string
	}{
		{"no hosts", nil},
		{"other host", []string{"google.*"}},
		{"the loopback address it would reach", []string{"127.0.0.1"}},
	} {
		t.Run("denied/"+c.name, func(t *testing.T) {
			m := extismManifest(t, "http.wasm")
			m.AllowedHosts = c.allowed
			in := instantiate(t, compile(t, rt, m, withWASI))
			before := srv.hits.Load()
			_, err := in.Call(context.Background(), "run_test", nil)
			errorIs(t, err, kernel.ErrHTTPNotAllowed)
			errorContains(t, err, "jsonplaceholder.typicode.com")
			equal(t, "requests the server got", srv.hits.Load()-before, 0)
		})
	}
}

// headersPlugin compiles http_headers.wasm, whose http_get takes
// {"url": ...}, requests it, and outputs the response headers it sees.
func headersPlugin(t *testing.T, rt *runtime.Runtime, allowed []string, headers bool, maxBytes *int64) *runtime.Instance {
	t.Helper()
	m := extismManifest(t, "http_headers.wasm")
	m.AllowedHosts = allowed
	m.Memory.MaxHTTPResponseBytes = maxBytes
	return instantiate(t, compile(t, rt, m, runtime.PluginOptions{HTTPResponseHeaders: headers}))
}

func httpGet(in *runtime.Instance, u string) (string, error) {
	req, _ := json.Marshal(map[string]string{"url": u})
	out, err := in.Call(context.Background(), "http_get", req)
	return string(out), err
}

func TestHTTPHeaders(t *testing.T) {
	t.Parallel()
	// b listens on 127.0.0.1 too, but a redirects to it by the name localhost.
	b := newServer(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("b")) })
	bURL, _ := url.Parse(b.URL)
	a := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, "http://localhost:"+bURL.Port()+"/", http.StatusFound)
		case "/big":
			w.Write(make([]byte, 1025))
		case "/exact":
			w.Write(make([]byte, 1024))
		default:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("X-Tendril", "yes")
			w.Write([]byte("<p>hello</p>"))
		}
	})
	rt := newRuntime(t, runtime.Options{})
	loopback := []string{"127.0.0.1"}

	t.Run("headers on", func(t *testing.T) {
		out, err := httpGet(headersPlugin(t, rt, loopback, true, nil), a.URL)
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]string
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("output %q: %v", out, err)
		}
		lower := map[string]string{}
		for k, v := range got {
			lower[strings.ToLower(k)] = v
		}
		equal(t, "content-type", lower["content-type"], "text/html; charset=utf-8")
		equal(t, "x-tendril", lower["x-tendril"], "yes")

		// The go-sdk (and Extism's Rust runtime) give header names in lower
		// case, and Extism plug-ins look them up so: the go-sdk's
		// TestHTTPHeaders_allowed checks headers["content-type"].
		if _, ok := got["content-type"]; !ok {
			t.Errorf("http_headers names are not lower case as in go-sdk: %v", got)
		}
	})

	t.Run("headers off", func(t *testing.T) {
		out, err := httpGet(headersPlugin(t, rt, loopback, false, nil), a.URL)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "http_get", out, "{}")
	})

	for _, c := range []struct {
		name    string
		allowed []string
		want    string // in the error
	}{
		{"no hosts", nil, "127.0.0.1"},
		{"other name for the same address", []string{"localhost"}, "127.0.0.1"},
	} {
		t.Run("denied/"+c.name, func(t *testing.T) {
			before := a.hits.Load()
			_, err := httpGet(headersPlugin(t, rt, c.allowed, true, nil), a.URL)
			errorIs(t, err, kernel.ErrHTTPNotAllowed)
			errorContains(t, err, c.want)
			equal(t, "requests the server got", a.hits.Load()-before, 0)
		})
	}

	t.Run("redirect to a denied host", func(t *testing.T) {
		beforeA, beforeB := a.hits.Load(), b.hits.Load()
		_, err := httpGet(headersPlugin(t, rt, loopback, true, nil), a.URL+"/redirect")
		errorIs(t, err, kernel.ErrHTTPNotAllowed)
		errorContains(t, err, "localhost")
		equal(t, "requests to the allowed host", a.hits.Load()-beforeA, 1)
		equal(t, "requests to the denied host", b.hits.Load()-beforeB, 0)
	})

	t.Run("redirect to an allowed host", func(t *testing.T) {
		beforeB := b.hits.Load()
		_, err := httpGet(headersPlugin(t, rt, []string{"127.0.0.1", "localhost"}, true, nil), a.URL+"/redirect")
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "requests to the redirect target", b.hits.Load()-beforeB, 1)
	})

	t.Run("response too large", func(t *testing.T) {
		in := headersPlugin(t, rt, loopback, true, ptr[int64](1024))
		_, err := httpGet(in, a.URL+"/big")
		errorIs(t, err, kernel.ErrHTTPResponseTooLarge)
	})

	t.Run("response at the limit", func(t *testing.T) {
		in := headersPlugin(t, rt, loopback, true, ptr[int64](1024))
		if _, err := httpGet(in, a.URL+"/exact"); err != nil {
			t.Fatal(err)
		}
	})
}

// TestWasmURL loads a plug-in over HTTP.
func TestWasmURL(t *testing.T) {
	t.Parallel()
	hello, err := os.ReadFile(testplugins.Extism(t, "hello.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(hello)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer t0ken" {
			http.Error(w, "who are you?", http.StatusForbidden)
			return
		}
		w.Write(hello)
	})
	rt := newRuntime(t, runtime.Options{})
	auth := map[string]string{"Authorization": "Bearer t0ken"}

	for _, c := range []struct {
		name string
		src  runtime.WasmSource
		want []string // in the error; nil means success
	}{
		{"fetched", runtime.WasmSource{URL: srv.URL + "/hello.wasm", Headers: auth}, nil},
		{"with its hash", runtime.WasmSource{URL: srv.URL + "/hello.wasm", Headers: auth, Hash: hex.EncodeToString(sum[:])}, nil},
		{"refused", runtime.WasmSource{URL: srv.URL + "/hello.wasm"}, []string{"wasm[0].url", "403"}},
		{"wrong hash", runtime.WasmSource{URL: srv.URL + "/hello.wasm", Headers: auth, Hash: strings.Repeat("ab", 32)}, []string{"wasm[0].hash"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := rt.Compile(context.Background(), runtime.Manifest{Wasm: []runtime.WasmSource{c.src}}, runtime.PluginOptions{})
			if c.want != nil {
				errorIs(t, err, runtime.ErrLoad)
				errorContains(t, err, c.want...)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { p.Close(context.Background()) })
			equal(t, "Name", p.Name(), "hello")
			equal(t, "run_test", mustCall(t, instantiate(t, p), "run_test", ""), "Hello, world!")
		})
	}
}
