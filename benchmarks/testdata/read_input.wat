;; read_input: a minimal Extism guest that only moves its input, the way the
;; Extism PDKs do (input_load_u64 for each 8 bytes, input_load_u8 for the
;; tail, each word stored into the guest's own memory), and returns the XOR
;; of the input's little-endian 64-bit words (last one zero-padded) as its
;; 8-byte output. It isolates the cost of the ABI transfer from the guest's
;; own computation.
;;
;; Built at test time (benchmarks/helpers_test.go) with wabt:
;;   wat2wasm benchmarks/testdata/read_input.wat -o read_input.wasm
(module
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "input_load_u64" (func $input_load_u64 (param i64) (result i64)))
  (import "extism:host/env" "input_load_u8" (func $input_load_u8 (param i64) (result i32)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u64" (func $store_u64 (param i64 i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))

  (memory (export "memory") 1)

  ;; The input is copied to guest memory from here on.
  (global $base i32 (i32.const 1024))

  (func (export "read_input") (result i32)
    (local $n i64) (local $i i64) (local $acc i64) (local $w i64) (local $out i64) (local $pages i32)
    (local.set $n (call $input_length))
    ;; Grow the guest's memory to hold the copy.
    (local.set $pages
      (i32.wrap_i64 (i64.shr_u
        (i64.add (i64.add (local.get $n) (i64.const 1032)) (i64.const 65535))
        (i64.const 16))))
    (if (i32.gt_u (local.get $pages) (memory.size))
      (then
        (if (i32.eq (memory.grow (i32.sub (local.get $pages) (memory.size))) (i32.const -1))
          (then (return (i32.const 1))))))
    ;; 8 bytes per call while 8 remain.
    (block $words_done
      (loop $words
        (br_if $words_done (i64.gt_u (i64.add (local.get $i) (i64.const 8)) (local.get $n)))
        (local.set $w (call $input_load_u64 (local.get $i)))
        (i64.store (i32.add (global.get $base) (i32.wrap_i64 (local.get $i))) (local.get $w))
        (local.set $acc (i64.xor (local.get $acc) (local.get $w)))
        (local.set $i (i64.add (local.get $i) (i64.const 8)))
        (br $words)))
    ;; Then one byte per call.
    (block $bytes_done
      (loop $bytes
        (br_if $bytes_done (i64.ge_u (local.get $i) (local.get $n)))
        (local.set $w (i64.extend_i32_u (call $input_load_u8 (local.get $i))))
        (i32.store8 (i32.add (global.get $base) (i32.wrap_i64 (local.get $i))) (i32.wrap_i64 (local.get $w)))
        (local.set $acc (i64.xor (local.get $acc)
          (i64.shl (local.get $w) (i64.shl (i64.and (local.get $i) (i64.const 7)) (i64.const 3)))))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $bytes)))
    ;; The checksum is the output.
    (local.set $out (call $alloc (i64.const 8)))
    (if (i64.eqz (local.get $out)) (then (return (i32.const 2))))
    (call $store_u64 (local.get $out) (local.get $acc))
    (call $output_set (local.get $out) (i64.const 8))
    (i32.const 0))
)
