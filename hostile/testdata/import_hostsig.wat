;; import_hostsig imports the granted host function "block" with another
;; signature.
(module
  (import "extism:host/user" "block" (func $block (param i64) (result i64)))
  (func (export "run") (result i32) (drop (call $block (i64.const 0))) (i32.const 0)))
