;; grow: tries to take more linear memory than it was granted.
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u64" (func $store_u64 (param i64 i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "extism:host/env" "input_load_u64" (func $input_load_u64 (param i64) (result i64)))
  (memory 1)

  (func $ret (param $v i64)
    (local $h i64)
    (local.set $h (call $alloc (i64.const 8)))
    (call $store_u64 (local.get $h) (local.get $v))
    (call $output_set (local.get $h) (i64.const 8)))

  ;; grow_until_refused grows one page at a time until memory.grow returns
  ;; -1, touches the last byte, and outputs the final size in pages.
  (func (export "grow_until_refused") (result i32)
    (block $refused
      (loop $more
        (br_if $refused (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
        (br $more)))
    (i32.store8 (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 1)) (i32.const 0xff))
    (call $ret (i64.extend_i32_u (memory.size)))
    (i32.const 0))

  ;; grow_by grows by the u64 in the input and outputs what memory.grow
  ;; returned (sign-extended: -1 when refused).
  (func (export "grow_by") (result i32)
    (call $ret (i64.extend_i32_s (memory.grow (i32.wrap_i64 (call $input_load_u64 (i64.const 0))))))
    (i32.const 0))

  ;; grow_then_write_past grows until refused, then writes one byte past the
  ;; end: a trap, never a write into someone else's memory.
  (func (export "grow_then_write_past") (result i32)
    (block $refused
      (loop $more
        (br_if $refused (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
        (br $more)))
    (i32.store8 (i32.shl (memory.size) (i32.const 16)) (i32.const 0xff))
    (i32.const 0))

  ;; alloc_until_refused takes kernel memory 1 MiB at a time until alloc
  ;; returns 0, and outputs how many blocks it got.
  (func (export "alloc_until_refused") (result i32)
    (local $n i64)
    (block $refused
      (loop $more
        (br_if $refused (i64.eqz (call $alloc (i64.const 0x100000))))
        (local.set $n (i64.add (local.get $n) (i64.const 1)))
        (br $more)))
    (call $ret (local.get $n))
    (i32.const 0)))
