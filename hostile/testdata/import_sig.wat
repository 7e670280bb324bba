;; import_sig imports a kernel function with the wrong signature (i32
;; instead of i64 offsets), hoping to confuse the callee.
(module
  (import "extism:host/env" "load_u64" (func $load (param i32) (result i64)))
  (func (export "run") (result i32) (drop (call $load (i32.const 0))) (i32.const 0)))
