;; vars: tries to store more in vars than max_var_bytes allows.
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "store_u64" (func $store_u64 (param i64 i64)))
  (import "extism:host/env" "var_set" (func $var_set (param i64 i64)))

  ;; var_bomb sets 64 vars named "\x00".."\x3f", 64 KiB each (4 MiB in all).
  (func (export "var_bomb") (result i32)
    (local $i i32) (local $key i64) (local $val i64)
    (local.set $val (call $alloc (i64.const 0x10000)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (i32.const 64)))
        (local.set $key (call $alloc (i64.const 1)))
        (call $store_u8 (local.get $key) (local.get $i))
        (call $var_set (local.get $key) (local.get $val))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.const 0))

  ;; var_confetti sets 8-byte keys to 1-byte values, 120,000 times: 1.08 MB
  ;; of keys and values, cut off at max_var_bytes. What it costs the host per
  ;; var is more than those 9 bytes.
  (func (export "var_confetti") (result i32)
    (local $i i64) (local $key i64) (local $val i64)
    (local.set $key (call $alloc (i64.const 8)))
    (local.set $val (call $alloc (i64.const 1)))
    (call $store_u8 (local.get $val) (i32.const 0x76))
    (block $done
      (loop $next
        (br_if $done (i64.ge_u (local.get $i) (i64.const 120000)))
        (call $store_u64 (local.get $key) (local.get $i))
        (call $var_set (local.get $key) (local.get $val))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $next)))
    (i32.const 0)))
