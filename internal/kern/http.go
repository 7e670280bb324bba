package kern

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// httpState is one instance's HTTP side: the allow-list, the client (a copy
// of the configured one whose redirects are checked) and the last response.
type httpState struct {
	allowed   []string
	client    *http.Client
	maxBytes  int64
	headersOn bool
	status    int32
	headers   []byte
}

func (s *httpState) init(k *Kernel, opts Options) {
	s.allowed = opts.AllowedHosts
	s.maxBytes = opts.MaxHTTPResponseBytes
	if s.maxBytes <= 0 {
		s.maxBytes = DefaultMaxHTTPResponseBytes
	}
	s.headersOn = opts.HTTPResponseHeaders
	var c http.Client
	if opts.HTTPClient != nil {
		c = *opts.HTTPClient
	}
	if len(s.allowed) > 0 {
		// The kernel's own transports: the private-address guard, and
		// connections that Kernel.Close closes.
		switch base := c.Transport.(type) {
		case nil:
			c.Transport = k.transport(nil, newDialPolicy(s.allowed), !opts.AllowPrivateNetworks)
		case *http.Transport:
			if !opts.AllowPrivateNetworks {
				c.Transport = k.transport(base, newDialPolicy(s.allowed), true)
			}
		}
	}
	next := c.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if !s.allows(req.URL) {
			return fmt.Errorf("%w: redirect to %q", ErrHTTPNotAllowed, req.URL.Host)
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	s.client = &c
}

func (s *httpState) reset() {
	s.status = 0
	s.headers = nil
}

// allows reports whether u's host matches one of the allowed patterns.
func (s *httpState) allows(u *url.URL) bool {
	host := strings.ToLower(u.Hostname())
	for _, p := range s.allowed {
		p = strings.ToLower(p)
		if MatchGlob(p, host) || MatchGlob(p, strings.ToLower(u.Host)) {
			return true
		}
	}
	return false
}

// MatchGlob reports whether s matches pattern, where '*' matches any run of
// characters and '?' any one character. It runs in O(len(pattern)*len(s)).
func MatchGlob(pattern, s string) bool {
	px, sx := 0, 0
	nextPx, nextSx := -1, -1
	for px < len(pattern) || sx < len(s) {
		if px < len(pattern) {
			switch c := pattern[px]; c {
			case '*':
				nextPx, nextSx = px, sx+1
				px++
				continue
			case '?':
				if sx < len(s) {
					px++
					sx++
					continue
				}
			default:
				if sx < len(s) && s[sx] == c {
					px++
					sx++
					continue
				}
			}
		}
		if nextSx > 0 && nextSx <= len(s) {
			px, sx = nextPx, nextSx
			continue
		}
		return false
	}
	return true
}

// httpRequestJSON is what the plug-in passes to http_request.
type httpRequestJSON struct {
	URL     string            `json:"url"`
	Method  string            `json:"method"`
	Headers map[string]string `json:"headers"`
}

func (in *Instance) hostHTTPRequest(ctx context.Context, stack []uint64) {
	reqHandle, bodyHandle := stack[0], stack[1]
	stack[0] = 0
	in.http.reset()
	body, err := in.httpRequest(ctx, reqHandle, bodyHandle)
	if err != nil {
		in.fail(err)
		return
	}
	stack[0] = in.writeOrFail(ctx, body)
}

func (in *Instance) httpRequest(ctx context.Context, reqHandle, bodyHandle uint64) ([]byte, error) {
	raw, err := in.Read(ctx, reqHandle)
	if err != nil {
		return nil, fmt.Errorf("%w: request: %w", ErrHTTPRequest, err)
	}
	var r httpRequestJSON
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("%w: request JSON: %w", ErrHTTPRequest, err)
	}
	u, err := url.Parse(r.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: url %q: want an absolute http(s) URL", ErrHTTPRequest, r.URL)
	}
	if !in.http.allows(u) {
		return nil, fmt.Errorf("%w: %q", ErrHTTPNotAllowed, u.Host)
	}
	method := strings.ToUpper(r.Method)
	if method == "" {
		method = http.MethodGet
	}
	var reqBody io.Reader
	if bodyHandle != 0 {
		b, err := in.Read(ctx, bodyHandle)
		if err != nil {
			return nil, fmt.Errorf("%w: body: %w", ErrHTTPRequest, err)
		}
		reqBody = bytes.NewReader(bytes.Clone(b))
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), reqBody)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrHTTPRequest, err)
	}
	for k, v := range r.Headers {
		req.Header.Set(k, v)
	}
	resp, err := in.http.client.Do(req)
	if err != nil {
		if errors.Is(err, ErrHTTPNotAllowed) {
			return nil, fmt.Errorf("%w (%w)", ErrHTTPNotAllowed, err)
		}
		return nil, fmt.Errorf("%w: %w", ErrHTTPRequest, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, in.http.maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading response: %w", ErrHTTPRequest, err)
	}
	if int64(len(body)) > in.http.maxBytes {
		return nil, fmt.Errorf("%w: more than %d bytes from %q", ErrHTTPResponseTooLarge, in.http.maxBytes, u.Host)
	}
	in.http.status = int32(resp.StatusCode)
	if in.http.headersOn {
		h := make(map[string]string, len(resp.Header))
		for k, v := range resp.Header {
			h[strings.ToLower(k)] = strings.Join(v, ",") // lower-case names, values joined with ",": as go-sdk does
		}
		in.http.headers, _ = json.Marshal(h)
	}
	return body, nil
}

func (in *Instance) hostHTTPStatusCode(_ context.Context, stack []uint64) {
	stack[0] = uint64(uint32(in.http.status))
}

func (in *Instance) hostHTTPHeaders(ctx context.Context, stack []uint64) {
	stack[0] = 0
	if in.http.headers != nil {
		stack[0] = in.writeOrFail(ctx, in.http.headers)
	}
}
