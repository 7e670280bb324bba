;; import_user imports a host function nobody granted.
(module
  (import "extism:host/user" "steal" (func $steal (param i64) (result i64)))
  (func (export "run") (result i32) (drop (call $steal (i64.const 0))) (i32.const 0)))
