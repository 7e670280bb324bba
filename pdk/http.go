//go:build wasip1

package pdk

import (
	"errors"
	"maps"
	"slices"
	"strings"

	"github.com/tendril-wasm/tendril/pdk/internal/flatjson"
)

// HTTPRequest is an HTTP request the host makes for the plug-in. The host
// decides which hosts may be reached.
type HTTPRequest struct {
	// Method is the HTTP method; empty means GET.
	Method string
	// URL is the absolute URL to request.
	URL string
	// Header holds the request headers, one value per name.
	Header map[string]string
	// Body is the request body; empty means none.
	Body []byte
}

// HTTPResponse is the host's answer to an HTTPRequest.
type HTTPResponse struct {
	// Status is the HTTP status code.
	Status int
	// Header holds the response headers by lower-case name, repeated values
	// joined with a comma as the host joins them; nil when the host does not
	// report response headers.
	Header map[string]string
	// Body is the response body; nil when it is empty.
	Body []byte
}

// ErrHTTP is returned by Send when the host reports no response: it refused
// the request or the request failed.
var ErrHTTP = errors.New("pdk: HTTP request failed")

// Send asks the host to make the request and returns its response. Hosts
// that refuse a request may instead end the call with an error.
func (r HTTPRequest) Send() (HTTPResponse, error) {
	method := strings.ToUpper(r.Method)
	if method == "" {
		method = "GET"
	}
	req := allocBytes(describe(r.URL, method, r.Header))
	body := allocBytes(r.Body)
	var resp HTTPResponse
	resp.Body = take(extismHTTPRequest(req, body))
	resp.Status = int(extismHTTPStatusCode())
	headers := take(extismHTTPHeaders())
	release(body, req)
	if resp.Status == 0 {
		return HTTPResponse{}, ErrHTTP
	}
	if headers != nil {
		h, err := flatjson.ParseObject(headers)
		if err != nil {
			return resp, errors.New("pdk: HTTP response headers from the host: " + err.Error())
		}
		// Hosts differ in the case of names: Extism's go-sdk lower-cases
		// them, Go's canonical form capitalises them.
		resp.Header = make(map[string]string, len(h))
		for k, v := range h {
			resp.Header[strings.ToLower(k)] = v
		}
	}
	return resp, nil
}

// describe returns the JSON request description that http_request takes:
// {"url":...,"method":...,"headers":{...}}.
func describe(url, method string, header map[string]string) []byte {
	b := make([]byte, 0, 64+len(url))
	b = append(b, `{"url":`...)
	b = flatjson.AppendString(b, url)
	b = append(b, `,"method":`...)
	b = flatjson.AppendString(b, method)
	b = append(b, `,"headers":{`...)
	for i, k := range slices.Sorted(maps.Keys(header)) {
		if i > 0 {
			b = append(b, ',')
		}
		b = flatjson.AppendString(b, k)
		b = append(b, ':')
		b = flatjson.AppendString(b, header[k])
	}
	return append(b, "}}"...)
}
