;; tag2: version 2 of tag, for reloads. Its config gives its behaviour:
;;   append  output = input ++ config "tag2" (a filter stage, a notify handler)
;;   answer  output = config "answer", or nothing when it has none (first-wins)
;; Its metadata exports declare version 2.0.0, a description and the codec
;; "string" (see ext/registry.go, Metadata).
;; Rebuild: wat2wasm tag2.wat -o tag2.wasm
(module
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "input_load_u8" (func $input_load_u8 (param i64) (result i32)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "length" (func $length (param i64) (result i64)))
  (import "extism:host/env" "load_u8" (func $load_u8 (param i64) (result i32)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "config_get" (func $config_get (param i64) (result i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (memory 1)
  (data (i32.const 0) "tag2")
  (data (i32.const 16) "answer")

  ;; block copies len bytes of guest memory at ptr into a new kernel block.
  (func $block (param $ptr i32) (param $len i32) (result i64)
    (local $h i64) (local $i i32)
    (local.set $h (call $alloc (i64.extend_i32_u (local.get $len))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (call $store_u8 (i64.add (local.get $h) (i64.extend_i32_u (local.get $i)))
          (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $h))

  (func (export "append") (result i32)
    (local $n i64) (local $t i64) (local $tl i64) (local $out i64) (local $i i64)
    (local.set $n (call $input_length))
    (local.set $t (call $config_get (call $block (i32.const 0) (i32.const 4))))
    (if (i64.ne (local.get $t) (i64.const 0))
      (then (local.set $tl (call $length (local.get $t)))))
    (if (i64.eqz (i64.add (local.get $n) (local.get $tl)))
      (then (return (i32.const 0))))
    (local.set $out (call $alloc (i64.add (local.get $n) (local.get $tl))))
    (block $done
      (loop $next
        (br_if $done (i64.ge_u (local.get $i) (local.get $n)))
        (call $store_u8 (i64.add (local.get $out) (local.get $i)) (call $input_load_u8 (local.get $i)))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $next)))
    (local.set $i (i64.const 0))
    (block $done
      (loop $next
        (br_if $done (i64.ge_u (local.get $i) (local.get $tl)))
        (call $store_u8 (i64.add (local.get $out) (i64.add (local.get $n) (local.get $i)))
          (call $load_u8 (i64.add (local.get $t) (local.get $i))))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $next)))
    (call $output_set (local.get $out) (i64.add (local.get $n) (local.get $tl)))
    (i32.const 0))

  (func (export "answer") (result i32)
    (local $a i64)
    (local.set $a (call $config_get (call $block (i32.const 16) (i32.const 6))))
    (if (i64.ne (local.get $a) (i64.const 0))
      (then (call $output_set (local.get $a) (call $length (local.get $a)))))
    (i32.const 0))

  (func $meta (result i32) (i32.const 0))
  (export "tendril:version/2.0.0" (func $meta))
  (export "tendril:description/Appends%20its%20tag" (func $meta))
  (export "tendril:codec/string" (func $meta)))
