;; import_global imports a global from the kernel's module.
(module
  (import "extism:host/env" "top" (global $top (mut i64)))
  (func (export "run") (result i32) (global.set $top (i64.const 0)) (i32.const 0)))
