//go:build wasip1

// Command http is a plug-in that makes HTTP requests through the host.
package main

import (
	"encoding/json"
	"strconv"

	"github.com/tendril-wasm/tendril/pdk"
)

// get fetches the URL given as input and returns "<status>\n<body>".
//
//go:wasmexport get
func get() int32 {
	return pdk.Run(func() error {
		resp, err := pdk.HTTPRequest{URL: pdk.InputString()}.Send()
		if err != nil {
			return err
		}
		pdk.Output(append(strconv.AppendInt(nil, int64(resp.Status), 10), append([]byte("\n"), resp.Body...)...))
		return nil
	})
}

// request is the input of the request export.
type request struct {
	Method string            `json:"method"`
	URL    string            `json:"url"`
	Header map[string]string `json:"header"`
	Body   string            `json:"body"`
}

// response is the output of the request export.
type response struct {
	Status int               `json:"status"`
	Header map[string]string `json:"header"`
	Body   string            `json:"body"`
}

// request makes the request described by the input, a JSON object
// {"method","url","header","body"}, and returns the response as a JSON object
// {"status","header","body"}.
//
//go:wasmexport request
func doRequest() int32 {
	return pdk.Run(func() error {
		var req request
		if err := json.Unmarshal(pdk.Input(), &req); err != nil {
			return err
		}
		resp, err := pdk.HTTPRequest{
			Method: req.Method,
			URL:    req.URL,
			Header: req.Header,
			Body:   []byte(req.Body),
		}.Send()
		if err != nil {
			return err
		}
		out, err := json.Marshal(response{Status: resp.Status, Header: resp.Header, Body: string(resp.Body)})
		if err != nil {
			return err
		}
		pdk.Output(out)
		return nil
	})
}

func main() {}
