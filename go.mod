module github.com/tendril-wasm/tendril

go 1.25.0

require (
	github.com/stretchr/testify v1.9.0 // indirect
	github.com/tetratelabs/wazero v1.12.0 // indirect
	golang.org/x/sys v0.44.0 // indirect
)
