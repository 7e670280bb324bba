// Package guestbuild builds plug-ins written in standard Go with the guest
// kit (package pdk) into WebAssembly modules.
//
// Build is what `tendril build` runs:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -buildvcs=false -o out.wasm .
//
// in the plug-in's directory, which gives a WASI reactor: the host
// instantiates it, calls _initialize once, then calls its //go:wasmexport
// functions as often as it likes. Only the Go toolchain is needed.
//
// Tests build the repository's plug-ins with package guesttest, which keeps
// package testing out of the tendril command.
package guestbuild
