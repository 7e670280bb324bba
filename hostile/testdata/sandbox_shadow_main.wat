;; sandbox_shadow_main: imports the kernel's memory, which a manifest may
;; only offer through a module of its own; with one named "extism:host/env"
;; (sandbox_shadow_mod) it used to link to the real kernel's memory at
;; instantiation (issue 12, point 2). `peek` returns the kernel's top.
;; Rebuild: wat2wasm hostile/testdata/sandbox_shadow_main.wat -o hostile/testdata/sandbox_shadow_main.wasm
(module
  (import "extism:host/env" "memory" (memory 1))
  (func (export "peek") (result i32)
    (i32.load (i32.const 0))))
