module github.com/tendril-wasm/tendril/examples/editor-plugins

go 1.25.0

require (
	github.com/fsnotify/fsnotify v1.9.0
	github.com/gdamore/tcell/v2 v2.13.10
	github.com/stretchr/testify v1.9.0
	github.com/tendril-wasm/tendril v0.0.0
	golang.org/x/term v0.37.0
)

require (
	github.com/davecgh/go-spew v1.1.1 // indirect
	github.com/gdamore/encoding v1.0.1 // indirect
	github.com/hashicorp/golang-lru/v2 v2.0.7 // indirect
	github.com/lucasb-eyer/go-colorful v1.3.0 // indirect
	github.com/pmezard/go-difflib v1.0.0 // indirect
	github.com/rivo/uniseg v0.4.7 // indirect
	github.com/tetratelabs/wazero v1.12.0 // indirect
	github.com/vmihailenco/msgpack/v5 v5.4.1 // indirect
	github.com/vmihailenco/tagparser/v2 v2.0.0 // indirect
	golang.org/x/sys v0.44.0 // indirect
	golang.org/x/text v0.31.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)

replace github.com/tendril-wasm/tendril => ../..
