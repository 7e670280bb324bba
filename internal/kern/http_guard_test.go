package kern_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	kernel "github.com/tendril-wasm/tendril/internal/kern"
)

// TestHTTPPrivateAddressGuard: by default a request reaches a loopback
// address only when allowed_hosts names it (the IP, or "localhost"); the
// check runs on the address being dialled, after DNS, so a name the
// allow-list matches by pattern ("*", "local*") and that resolves to
// 127.0.0.1 is refused without reaching the server.
func TestHTTPPrivateAddressGuard(t *testing.T) {
	ctx := context.Background()
	k := newTestKernel(t)
	fx := newHTTPFixture(t)
	_, port, _ := net.SplitHostPort(fx.srv.Listener.Addr().String())
	byName := "http://localhost:" + port + "/hello"
	tests := []struct {
		name    string
		opts    kernel.Options
		url     string
		allowed bool
	}{
		{"IP named", kernel.Options{AllowedHosts: []string{"127.0.0.1"}}, fx.url("/hello"), true},
		{"IP by wildcard", kernel.Options{AllowedHosts: []string{"*"}}, fx.url("/hello"), false},
		{"name by wildcard", kernel.Options{AllowedHosts: []string{"*"}}, byName, false},
		{"name by pattern", kernel.Options{AllowedHosts: []string{"local*"}}, byName, false},
		{"localhost named", kernel.Options{AllowedHosts: []string{"localhost"}}, byName, true},
		{"guard off", kernel.Options{AllowedHosts: []string{"*"}, AllowPrivateNetworks: true}, byName, true},
		{"app transport, guarded", kernel.Options{AllowedHosts: []string{"*"}, HTTPClient: &http.Client{Transport: &http.Transport{}}}, byName, false},
		{"app transport, named", kernel.Options{AllowedHosts: []string{"127.0.0.1"}, HTTPClient: &http.Client{Transport: &http.Transport{}}}, fx.url("/hello"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ki := newKinst(t, ctx, k, tt.opts)
			ki.reset(nil)
			hits := fx.hitCount()
			h := ki.must("http_request", ki.block(reqJSON(tt.url, "GET", nil)), 0)
			if tt.allowed {
				require.NoError(t, ki.in.HostError())
				require.Equal(t, "hello GET  ", ki.str(h))
				return
			}
			require.ErrorIs(t, ki.in.HostError(), kernel.ErrHTTPNotAllowed)
			require.Contains(t, ki.in.HostError().Error(), "does not name")
			require.Zero(t, h)
			require.Equal(t, hits, fx.hitCount(), "the server was reached")
		})
	}
}

// TestKernelCloseClosesIdleConnections: the connections plug-ins' requests
// opened are closed by Kernel.CloseIdleConnections and Kernel.Close, not left
// to the server's timeout (issue 12, point 6).
func TestKernelCloseClosesIdleConnections(t *testing.T) {
	ctx := context.Background()
	var open atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			open.Add(1)
		case http.StateClosed, http.StateHijacked:
			open.Add(-1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	for _, closeFn := range []string{"CloseIdleConnections", "Close"} {
		t.Run(closeFn, func(t *testing.T) {
			k := newTestKernel(t)
			for i := 0; i < 3; i++ {
				ki := newKinst(t, ctx, k, kernel.Options{AllowedHosts: []string{"127.0.0.1"}})
				ki.reset(nil)
				ki.must("http_request", ki.block(reqJSON(srv.URL+"/", "GET", nil)), 0)
				require.NoError(t, ki.in.HostError())
				require.NoError(t, ki.in.Close(ctx))
			}
			require.Positive(t, open.Load(), "an idle connection stays open after the instances close")
			if closeFn == "Close" {
				require.NoError(t, k.Close(ctx))
			} else {
				k.CloseIdleConnections()
			}
			require.Eventually(t, func() bool { return open.Load() == 0 }, waitFor, waitTick)
		})
	}
}

// waitFor bounds how long a test waits for the server to see a connection
// close: generous, so that a loaded machine does not fail the test; the
// connection otherwise stays open until the end of the test.
const (
	waitFor  = 20 * time.Second
	waitTick = 5 * time.Millisecond
)
