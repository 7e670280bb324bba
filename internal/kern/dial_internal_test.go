package kern

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDialPolicy(t *testing.T) {
	tests := []struct {
		allowed []string
		addr    string
		want    bool
	}{
		{nil, "8.8.8.8", true},
		{nil, "2001:4860:4860::8888", true},
		{[]string{"*"}, "127.0.0.1", false},
		{[]string{"*"}, "10.1.2.3", false},
		{[]string{"*"}, "172.16.0.1", false},
		{[]string{"*"}, "192.168.1.1", false},
		{[]string{"*"}, "169.254.169.254", false}, // cloud metadata
		{[]string{"*"}, "100.100.100.200", false}, // shared address space (some clouds' metadata)
		{[]string{"*"}, "0.0.0.0", false},
		{[]string{"*"}, "::1", false},
		{[]string{"*"}, "::", false},
		{[]string{"*"}, "fe80::1", false},
		{[]string{"*"}, "fd00::1", false},
		{[]string{"*"}, "::ffff:127.0.0.1", false},  // IPv4-mapped
		{[]string{"*"}, "64:ff9b::a00:1", false},    // NAT64 of 10.0.0.1
		{[]string{"*"}, "64:ff9b::808:808", true},   // NAT64 of 8.8.8.8
		{[]string{"127.0.0.*"}, "127.0.0.1", false}, // a pattern names no address
		{[]string{"127.0.0.1"}, "127.0.0.1", true},
		{[]string{"127.0.0.1"}, "127.0.0.2", false},
		{[]string{"127.0.0.1:8080"}, "127.0.0.1", true},
		{[]string{"[::1]:8080"}, "::1", true},
		{[]string{"::1"}, "::1", true},
		{[]string{"10.0.0.5"}, "::ffff:10.0.0.5", true},
		{[]string{"localhost"}, "127.0.0.1", true},
		{[]string{"LocalHost"}, "::1", true},
		{[]string{"localhost"}, "10.0.0.1", false},
		{[]string{"localhost.example.com"}, "127.0.0.1", false},
	}
	for _, tt := range tests {
		p := newDialPolicy(tt.allowed)
		require.Equal(t, tt.want, p.allows(netip.MustParseAddr(tt.addr)), "allowed %q, address %s", tt.allowed, tt.addr)
		err := p.control(t.Context(), "tcp", netip.AddrPortFrom(netip.MustParseAddr(tt.addr), 80).String(), nil)
		require.Equal(t, tt.want, err == nil, "control: %v", err)
		if err != nil {
			require.ErrorIs(t, err, ErrHTTPNotAllowed)
		}
	}
	require.Equal(t, newDialPolicy([]string{"127.0.0.1", "::1", "127.0.0.1:9"}).key(), newDialPolicy([]string{"::1", "127.0.0.1"}).key())
}
