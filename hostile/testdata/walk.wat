;; walk: fills the kernel's memory with millions of 1-byte blocks, then asks
;; for the length of the last one forever. Each length call walks every block
;; inside the kernel (not instrumented); the interrupt lands between calls.
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "length" (func $length (param i64) (result i64)))
  (func (export "walk") (result i32)
    (local $h i64) (local $last i64)
    (block $full
      (loop $fill
        (local.set $h (call $alloc (i64.const 1)))
        (br_if $full (i64.eqz (local.get $h)))
        (local.set $last (local.get $h))
        (br $fill)))
    (loop $forever
      (drop (call $length (local.get $last)))
      (br $forever))
    (i32.const 0)))
