;; neighbour: the healthy plug-in that runs beside every hostile case, in the
;; same Runtime. Its results must not change, whatever its neighbour does.
(module
  (import "extism:host/env" "input_offset" (func $input_offset (result i64)))
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "input_load_u8" (func $input_load_u8 (param i64) (result i32)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u64" (func $store_u64 (param i64 i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (memory 1)

  ;; echo returns its input.
  (func (export "echo") (result i32)
    (call $output_set (call $input_offset) (call $input_length))
    (i32.const 0))

  ;; count returns the number of ASCII vowels in its input, as a u64 (LE).
  (func (export "count") (result i32)
    (local $i i64) (local $n i64) (local $c i32) (local $h i64)
    (block $done
      (loop $next
        (br_if $done (i64.ge_u (local.get $i) (call $input_length)))
        (local.set $c (i32.or (call $input_load_u8 (local.get $i)) (i32.const 0x20)))
        (if (i32.or (i32.or (i32.eq (local.get $c) (i32.const 0x61)) (i32.eq (local.get $c) (i32.const 0x65)))
                    (i32.or (i32.or (i32.eq (local.get $c) (i32.const 0x69)) (i32.eq (local.get $c) (i32.const 0x6f)))
                            (i32.eq (local.get $c) (i32.const 0x75))))
          (then (local.set $n (i64.add (local.get $n) (i64.const 1)))))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $next)))
    (local.set $h (call $alloc (i64.const 8)))
    (call $store_u64 (local.get $h) (local.get $n))
    (call $output_set (local.get $h) (i64.const 8))
    (i32.const 0)))
