// Command tendril runs WebAssembly plug-ins that speak the Extism ABI,
// benchmarks them, shows what a module imports and exports, and builds Go
// plug-ins.
//
// Usage:
//
//	tendril call [flags] <plugin.wasm | manifest.json | Go plug-in dir> <function>
//	tendril bench [flags] <plugin.wasm | manifest.json | Go plug-in dir> <function>
//	tendril inspect <plugin.wasm>
//	tendril build [-o out.wasm] <plugin dir>
//	tendril version
//	tendril help [command]
//
// # Call
//
//	Usage: tendril call [flags] <plugin.wasm | manifest.json | Go plug-in dir> <function>
//
//	Call calls a function of a plug-in and writes its output to stdout, unchanged
//	and alone. Plug-in logs, the plug-in's own WASI stdout and stderr, and errors
//	go to stderr. A file ending in .json is an Extism manifest: relative paths in
//	it (wasm paths, allowed_paths directories) are relative to its directory; the
//	flags override its timeout and max_pages and add to its config, hosts and paths.
//	A directory is a Go plug-in in source: it is built (as by tendril build) and
//	granted WASI.
//	Flags may come before or after the arguments; "--" ends them.
//
//	Flags:
//	  --input STRING         the call's input (default: empty)
//	  --stdin                read the call's input from stdin
//	  --wasi                 grant WASI preview1: real clocks, random numbers,
//	                         stdout and stderr (both to stderr), mounted paths;
//	                         plug-ins written in Go need it
//	  --config KEY=VALUE     a config value the plug-in reads (repeatable)
//	  --allow-host PATTERN   allow HTTP requests to hosts matching PATTERN;
//	                         "*" matches any run of characters (repeatable)
//	  --allow-path [ro:]HOSTDIR:GUESTDIR
//	                         mount HOSTDIR at GUESTDIR, read-only with "ro:";
//	                         implies --wasi (repeatable)
//	  --timeout DURATION     bound each call, e.g. 100ms or 2s (default: none)
//	  --memory-max-pages N   bound each linear memory to N pages of 64 KiB
//	                         (default: 4096, 256 MiB)
//	  --log-level LEVEL      show plug-in logs at LEVEL and above on stderr:
//	                         trace, debug, info, warn, error or off (default: warn)
//	  --loop N               call N times on one instance; each output is
//	                         followed by a newline
//	  --cache DIR            cache compiled code in DIR; "off" for no cache
//	                         (default: tendril in the user's cache directory)
//
//	Exit status: 0 on success; 1 when the plug-in cannot be loaded or the call
//	fails (one line on stderr: the plug-in's message, "exit code N" for a WASI
//	exit, "deadline exceeded" for a timeout); 2 for a usage error.
//
// For example, with a plug-in of this repository:
//
//	go run ./cmd/tendril build ./examples/plugins/count_vowels
//	go run ./cmd/tendril call count_vowels.wasm count_vowels --wasi --input "hello world"
//	{"count":3,"total":3,"vowels":"aeiouAEIOU"}
//
// # Bench
//
//	Usage: tendril bench [flags] <plugin.wasm | manifest.json | Go plug-in dir> <function>
//
//	Bench calls a function of a plug-in as an application does (a pool of
//	instances, the function resolved once, outputs lent without a copy) from
//	several goroutines at once, and prints calls/s, latency percentiles and
//	allocations per call for each configuration: every --concurrency with every
//	--pool size. Each configuration gets a new pool whose instances are all
//	created before the warm-up. A progress bar shows on stderr when it is a
//	terminal. The first failed call stops the benchmark. The plug-in is given
//	as to tendril call, with the same flags for what it is granted.
//
//	Flags:
//	  --input STRING         every call's input (default: empty)
//	  --input-file FILE      read the input from FILE
//	  --stdin                read the input from stdin
//	  --concurrency LIST     goroutines calling at once, e.g. 1,2,4 (default: 1)
//	  --pool LIST            instances in the pool, e.g. 1,2,4 (default: as many
//	                         as goroutines)
//	  --duration DURATION    measure each configuration this long (default: 2s)
//	  --calls N              measure N calls per configuration instead
//	  --warmup DURATION      call this long before measuring (default: 200ms)
//	  --json                 print the results as JSON
//	  --wasi, --config, --allow-host, --allow-path, --timeout,
//	  --memory-max-pages, --log-level, --cache
//	                         as for tendril call
//
//	Exit status: 0 on success; 1 when the plug-in cannot be loaded or a call
//	fails; 2 for a usage error.
//
// # Inspect
//
//	Usage: tendril inspect <plugin.wasm>
//
//	Inspect prints a module's imports grouped by module, its exports with their
//	signatures and memories, the ABIs it uses (the Extism kernel, WASI preview1,
//	host functions: imports from any other module, which an application grants
//	or a manifest links) and whether it is a WASI command (_start) or reactor
//	(_initialize). It compiles the module but never runs it.
//
// # Build
//
//	Usage: tendril build [-o out.wasm] <plugin dir>
//
//	Build compiles a plug-in written in Go with the guest kit (package pdk):
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared, in the plug-in's
//	directory. The default output is <name of the plug-in dir>.wasm in the
//	current directory; the default plug-in dir is ".".
//
//	Flags:
//	  -o FILE   write the module to FILE
package main
