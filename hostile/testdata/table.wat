;; table: tries to take host memory through tables, which live outside the
;; linear memory that memory.max_pages bounds. It stops by itself at 2^22
;; entries (32 MiB of host memory) so that the test survives a missing cap.
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u64" (func $store_u64 (param i64 i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (table $t 0 funcref)

  (func $ret (param $v i64)
    (local $h i64)
    (local.set $h (call $alloc (i64.const 8)))
    (call $store_u64 (local.get $h) (local.get $v))
    (call $output_set (local.get $h) (i64.const 8)))

  ;; table_grow grows the table 2^20 entries at a time until refused (or
  ;; 2^22), then outputs its size.
  (func (export "table_grow") (result i32)
    (block $stop
      (loop $more
        (br_if $stop (i32.ge_u (table.size $t) (i32.const 0x400000)))
        (br_if $stop (i32.eq (table.grow $t (ref.null func) (i32.const 0x100000)) (i32.const -1)))
        (br $more)))
    (call $ret (i64.extend_i32_u (table.size $t)))
    (i32.const 0)))
