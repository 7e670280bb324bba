module github.com/tendril-wasm/tendril/benchmarks

go 1.25.0

replace github.com/tendril-wasm/tendril => ../
