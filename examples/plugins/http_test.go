package plugins_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tendril-wasm/tendril/runtime"
)

// server answers /hello with "hello" and /echo with a description of the
// request; it listens on 127.0.0.1.
func server(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Greeting", "hi")
		_, _ = io.WriteString(w, "hello")
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, r.Method+" "+r.Header.Get("X-Token")+" "+string(body))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("test server at %s, want 127.0.0.1", srv.URL)
	}
	return srv
}

func TestHTTP(t *testing.T) {
	t.Parallel()
	srv := server(t)
	inst := start(t, "http", setup{
		manifest: runtime.Manifest{AllowedHosts: []string{"127.0.0.1"}},
		plugin:   runtime.PluginOptions{HTTPResponseHeaders: true},
	})
	t.Run("get", func(t *testing.T) {
		if got := string(call(t, inst, "get", []byte(srv.URL+"/hello"))); got != "200\nhello" {
			t.Errorf("get(/hello) = %q, want %q", got, "200\nhello")
		}
		if got := string(call(t, inst, "get", []byte(srv.URL+"/missing"))); !strings.HasPrefix(got, "404\n") {
			t.Errorf("get(/missing) = %q, want status 404", got)
		}
	})
	t.Run("request", func(t *testing.T) {
		r := request(t, inst, "post", srv.URL+"/echo", "the body", map[string]string{"X-Token": "secret"})
		if r.Status != http.StatusCreated || r.Body != "POST secret the body" {
			t.Errorf("POST /echo = %d %q, want 201 %q", r.Status, r.Body, "POST secret the body")
		}
		if got := r.Header["x-multi"]; got != "a, b" && got != "a,b" {
			t.Errorf("header x-multi = %q, want a and b (headers %v)", got, r.Header)
		}
		r = request(t, inst, "", srv.URL+"/hello", "", nil)
		if r.Status != 200 || r.Body != "hello" || r.Header["x-greeting"] != "hi" {
			t.Errorf("GET /hello = %+v", r)
		}
	})
	t.Run("denied", func(t *testing.T) {
		// Only 127.0.0.1 is allowed, not localhost.
		denied := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/hello"
		if _, err := inst.Call(context.Background(), "get", []byte(denied)); err == nil {
			t.Fatal("get of a host that is not allowed succeeded")
		}
	})
}

// response is the output of the plug-in's request export.
type response struct {
	Status int
	Header map[string]string
	Body   string
}

func request(t *testing.T, inst *runtime.Instance, method, url, body string, header map[string]string) response {
	t.Helper()
	in, _ := json.Marshal(map[string]any{"method": method, "url": url, "body": body, "header": header})
	var r response
	if err := json.Unmarshal(call(t, inst, "request", in), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestHTTPNoResponseHeaders(t *testing.T) {
	t.Parallel()
	srv := server(t)
	inst := start(t, "http", setup{manifest: runtime.Manifest{AllowedHosts: []string{"127.0.0.1"}}})
	if r := request(t, inst, "GET", srv.URL+"/hello", "", nil); r.Header != nil {
		t.Errorf("headers without HTTPResponseHeaders = %v, want none", r.Header)
	}
}
