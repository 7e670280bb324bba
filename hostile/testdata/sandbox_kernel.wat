;; sandbox_kernel: kernel calls that do the most work one call can do, and
;; guests that forge block headers (issue 12, points 1, 5 and 7).
;; Rebuild: wat2wasm hostile/testdata/sandbox_kernel.wat -o hostile/testdata/sandbox_kernel.wasm
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "free" (func $free (param i64)))
  (import "extism:host/env" "length" (func $length (param i64) (result i64)))
  (import "extism:host/env" "store_u64" (func $store_u64 (param i64 i64)))
  (import "extism:host/env" "input_offset" (func $input_offset (result i64)))
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "extism:host/env" "var_set" (func $var_set (param i64 i64)))
  (import "extism:host/env" "log_info" (func $log_info (param i64)))
  (import "extism:host/env" "http_request" (func $http_request (param i64 i64) (result i64)))
  (memory (export "memory") 1)

  ;; loop does the same forever.
  (func (export "loop") (result i32)
    (loop $again
      (call $free (call $alloc (i64.const 16000000)))
      (br $again))
    (i32.const 0))

  ;; forged_walk makes every alloc's first fit walk as far as it can: a 16 MB
  ;; block of zeros whose header says capacity 0 reads as a long chain of
  ;; empty free blocks; a freed block makes alloc look for a free one. Then it
  ;; allocates, forever.
  (func (export "forged_walk") (result i32)
    (local $b i64) (local $a i64)
    (local.set $b (call $alloc (i64.const 16000000)))
    (local.set $a (call $alloc (i64.const 64)))
    (drop (call $alloc (i64.const 8)))
    (call $free (local.get $a))
    (call $store_u64 (i64.sub (local.get $b) (i64.const 8)) (i64.const 0x0000000100000000))
    (loop $again
      (drop (call $alloc (i64.const 64)))
      (br $again))
    (i32.const 0))

  ;; forged_length forges the header of a 16-byte block (length and
  ;; capacity 1 MiB) after a call whose input was larger, then gives the
  ;; block to length (the output), log_info, var_set and http_request's body:
  ;; none may see a byte past top, where the previous input lies.
  (func (export "forged_length") (result i32)
    (local $h i64) (local $out i64)
    (local.set $h (call $alloc (i64.const 16)))
    (call $store_u64 (i64.sub (local.get $h) (i64.const 8)) (i64.const 0x0010000000100000))
    (local.set $out (call $alloc (i64.const 8)))
    (call $store_u64 (local.get $out) (call $length (local.get $h)))
    (call $log_info (local.get $h))
    (drop (call $http_request (call $input_offset) (local.get $h)))
    (call $var_set (local.get $out) (local.get $h))
    (call $output_set (local.get $out) (i64.const 8))
    (i32.const 0))

  ;; log_flood logs its input (a block) forever.
  (func (export "log_flood") (result i32)
    (loop $again
      (call $log_info (call $input_offset))
      (br $again))
    (i32.const 0))

  ;; request sends its input (the request JSON) to http_request and outputs
  ;; the response body.
  (func (export "request") (result i32)
    (local $body i64)
    (local.set $body (call $http_request (call $input_offset) (i64.const 0)))
    (if (i64.ne (local.get $body) (i64.const 0))
      (then (call $output_set (local.get $body) (call $length (local.get $body)))))
    (i32.const 0)))
