package kern

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"syscall"
	"time"
)

// dialPolicy is the private-address guard of one allow-list: which private
// addresses it names. The guard runs in the dialer's ControlContext, on the
// address about to be connected, after DNS resolution: a name that resolves
// (or is rebound) to an internal address cannot get past it.
type dialPolicy struct {
	named     []netip.Addr // IP entries of the allow-list
	localhost bool         // the allow-list has "localhost" (loopback allowed)
}

// newDialPolicy reads the entries of an allow-list that name an address: an
// IP (with or without a port, IPv6 with or without brackets) or "localhost".
// Patterns with wildcards name nothing.
func newDialPolicy(allowed []string) dialPolicy {
	var p dialPolicy
	for _, e := range allowed {
		if host, _, err := net.SplitHostPort(e); err == nil {
			e = host
		}
		e = strings.TrimSuffix(strings.TrimPrefix(e, "["), "]")
		if a, err := netip.ParseAddr(e); err == nil {
			p.named = append(p.named, a.Unmap().WithZone(""))
		} else if strings.EqualFold(e, "localhost") {
			p.localhost = true
		}
	}
	slices.SortFunc(p.named, netip.Addr.Compare)
	p.named = slices.Compact(p.named)
	return p
}

// key identifies the policy: requests of instances with the same key may
// share connections.
func (p dialPolicy) key() string {
	var b strings.Builder
	if p.localhost {
		b.WriteString("localhost")
	}
	for _, a := range p.named {
		b.WriteByte(',')
		b.WriteString(a.String())
	}
	return b.String()
}

// allows reports whether the guard lets a connection to a through.
func (p dialPolicy) allows(a netip.Addr) bool {
	a = a.Unmap().WithZone("")
	if !isInternal(a) {
		return true
	}
	if p.localhost && a.IsLoopback() {
		return true
	}
	_, found := slices.BinarySearchFunc(p.named, a, netip.Addr.Compare)
	return found
}

// control is the dialer's ControlContext.
func (p dialPolicy) control(_ context.Context, _, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot check the address %q", ErrHTTPNotAllowed, address)
	}
	if !p.allows(ap.Addr()) {
		return fmt.Errorf("%w: %s is a loopback, private or link-local address that allowed_hosts does not name", ErrHTTPNotAllowed, ap.Addr())
	}
	return nil
}

var (
	sharedAddressSpace = netip.MustParsePrefix("100.64.0.0/10") // carrier-grade NAT, some clouds' metadata
	nat64              = netip.MustParsePrefix("64:ff9b::/96")
)

// isInternal reports whether a is a loopback, private, link-local,
// unspecified or carrier-grade-NAT address (an IPv4 address embedded in a
// NAT64 address counts as itself).
func isInternal(a netip.Addr) bool {
	if nat64.Contains(a) {
		b := a.As16()
		a = netip.AddrFrom4([4]byte(b[12:]))
	}
	return a.IsLoopback() || a.IsPrivate() || a.IsUnspecified() ||
		a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() ||
		sharedAddressSpace.Contains(a)
}

// transportKey identifies one transport the kernel made: a base transport
// (nil: the kernel's own defaults) under one dial policy.
type transportKey struct {
	base   *http.Transport
	policy string
}

// transport returns the transport for requests that start from base (nil:
// Go's defaults, without a proxy from the environment) under policy p when
// guard is set, making it on first use. Its dialer checks every address
// against p; the rest of base (TLS, proxy, pool and timeouts) is kept, but
// not a custom Dial, DialContext or DialTLSContext, which could not be
// checked.
func (k *Kernel) transport(base *http.Transport, p dialPolicy, guard bool) *http.Transport {
	key := transportKey{base: base, policy: "off"}
	if guard {
		key.policy = "guard:" + p.key()
	}
	k.httpMu.Lock()
	defer k.httpMu.Unlock()
	if t, ok := k.transports[key]; ok {
		return t
	}
	var t *http.Transport
	if base == nil {
		t = http.DefaultTransport.(*http.Transport).Clone()
		t.Proxy = nil
	} else {
		t = base.Clone()
	}
	if guard {
		d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, ControlContext: p.control}
		t.DialContext = d.DialContext
		t.Dial = nil    //nolint:staticcheck // cleared so that DialContext is used
		t.DialTLS = nil //nolint:staticcheck // idem
		t.DialTLSContext = nil
	}
	k.transports[key] = t
	return t
}

// CloseIdleConnections closes the idle connections of every transport the
// kernel made for plug-ins' requests (Close does it too). Connections in use
// close when their request ends.
func (k *Kernel) CloseIdleConnections() {
	k.httpMu.Lock()
	defer k.httpMu.Unlock()
	for _, t := range k.transports {
		t.CloseIdleConnections()
	}
}
