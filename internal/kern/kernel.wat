;; Tendril's kernel: the memory half of the Extism ABI (`extism:host/env`).
;;
;; One instance of this module sits beside every plug-in instance and owns the
;; memory that belongs neither to the host nor to the plug-in. The plug-in's
;; imports of `extism:host/env` resolve to this instance's exports, so the memory
;; functions below cost a wasm-to-wasm call, not a Go host call. The functions
;; that need the host (config, vars, HTTP, logs) are thin wrappers around Go
;; functions imported from `tendril:kernel-host`.
;;
;; Rebuild (the Go tests check that kernel.wasm matches this file):
;;   wat2wasm internal/kern/kernel.wat -o internal/kern/kernel.wasm
;;
;; Layout of the memory (all little-endian; offsets are "handles" to the guest):
;;   0   top        i64  end of the allocated region (next header goes here)
;;   8   input      i64  handle of this call's input (0: none)
;;   16  input_len  i64
;;   24  output     i64  handle given to output_set
;;   32  output_len i64
;;   40  error      i64  handle given to error_set (0: none)
;;   48  fault      i64  which ABI function rejected an argument (see kernel.go)
;;   56  fault_arg  i64  the rejected offset
;;   64  freed      i64  bytes held by free blocks below top
;;   128 heap: blocks of [capw u32][len u32][cap bytes of data], data 8-aligned;
;;       a handle is the address of a block's data; len 0 marks a free block;
;;       capw is cap | 1 when the block right below is free, and a free block
;;       ends with its cap (u32), so that free merges neighbours in O(1).
;; Every function is O(1) but alloc, whose search of free blocks stops after
;; 256 blocks (a guest that forges headers cannot make one call walk long),
;; and which zeroes its block 1 MiB at a time with a visit to Go in between.
;; Guests may read and write only the heap below top; everything above is
;; bounds-checked here, and a rejected argument traps after recording the fault.
(module
  (import "tendril:kernel-host" "config_get" (func $host_config_get (param i64) (result i64)))
  (import "tendril:kernel-host" "var_get" (func $host_var_get (param i64) (result i64)))
  (import "tendril:kernel-host" "var_set" (func $host_var_set (param i64 i64)))
  (import "tendril:kernel-host" "http_request" (func $host_http_request (param i64 i64) (result i64)))
  (import "tendril:kernel-host" "http_status_code" (func $host_http_status_code (result i32)))
  (import "tendril:kernel-host" "http_headers" (func $host_http_headers (result i64)))
  (import "tendril:kernel-host" "log" (func $host_log (param i32 i64)))
  (import "tendril:kernel-host" "get_log_level" (func $host_get_log_level (result i32)))
  (import "tendril:kernel-host" "yield" (func $host_yield))

  (memory (export "memory") 1)

  ;; fault records which function rejected which argument, then traps.
  (func $fault (param $code i64) (param $arg i64)
    (i64.store (i32.const 48) (local.get $code))
    (i64.store (i32.const 56) (local.get $arg))
    (unreachable))

  ;; in_heap reports whether [p, p+n) lies inside the heap below top.
  (func $in_heap (param $p i64) (param $n i64) (result i32)
    (local $top i64)
    (local.set $top (i64.load (i32.const 0)))
    (if (i64.lt_u (local.get $p) (i64.const 128)) (then (return (i32.const 0))))
    (if (i64.gt_u (local.get $p) (local.get $top)) (then (return (i32.const 0))))
    (i64.ge_u (i64.sub (local.get $top) (local.get $p)) (local.get $n)))

;; A block's header is [capw u32][len u32]: capw is the capacity (a multiple
  ;; of 8) with bit 0 set when the block right below is free (so free can
  ;; merge with it in O(1)); len is the length, 0 for a free block. A free
  ;; block also keeps its capacity in its last 4 bytes, where the block above
  ;; finds it. Guests can overwrite headers: every function below reads them
  ;; through checks that keep it inside [heap start, top) and bounded in work.
  (func $cap (param $b i64) (result i64)
    (i64.and
      (i64.extend_i32_u (i32.load (i32.wrap_i64 (i64.sub (local.get $b) (i64.const 8)))))
      (i64.const 0xFFFFFFF8)))

  (func $len (param $b i64) (result i64)
    (i64.extend_i32_u (i32.load (i32.wrap_i64 (i64.sub (local.get $b) (i64.const 4))))))

  ;; block_len is length's check, O(1): h is an 8-aligned handle in the heap
  ;; whose header says 0 < len <= cap and whose capacity ends at or below top.
  ;; Whatever the guest wrote, the bytes it describes are inside the heap,
  ;; below top: bytes of this call, never of a previous one.
  (func $block_len (param $h i64) (result i64)
    (local $top i64) (local $len i64)
    (local.set $top (i64.load (i32.const 0)))
    (if (i64.lt_u (local.get $h) (i64.const 136)) (then (return (i64.const 0))))
    (if (i64.gt_u (local.get $h) (local.get $top)) (then (return (i64.const 0))))
    (if (i32.wrap_i64 (i64.and (local.get $h) (i64.const 7))) (then (return (i64.const 0))))
    (local.set $len (call $len (local.get $h)))
    (if (i64.gt_u (local.get $len) (call $cap (local.get $h))) (then (return (i64.const 0))))
    (if (i64.gt_u (call $cap (local.get $h)) (i64.sub (local.get $top) (local.get $h))) (then (return (i64.const 0))))
    (local.get $len))

;; zero clears [p, p+n), 1 MiB at a time with a visit to Go in between:
  ;; the guest's checks come after each kernel call, so the kernel's only
  ;; long work (zeroing a big block: up to 4 GiB in one alloc) gives the Go
  ;; scheduler and GC a safe point every 1 MiB, and yield fails the call
  ;; once its context is done.
  (func $zero (param $p i64) (param $n i64)
    (loop $chunk
      (if (i64.gt_u (local.get $n) (i64.const 0x100000))
        (then
          (memory.fill (i32.wrap_i64 (local.get $p)) (i32.const 0) (i32.const 0x100000))
          (local.set $p (i64.add (local.get $p) (i64.const 0x100000)))
          (local.set $n (i64.sub (local.get $n) (i64.const 0x100000)))
          (call $host_yield)
          (br $chunk))))
    (memory.fill (i32.wrap_i64 (local.get $p)) (i32.const 0) (i32.wrap_i64 (local.get $n))))

  ;; sub_freed lowers the free-bytes count, never below 0 (a guest that
  ;; forged headers can make it inexact; it only decides whether alloc looks
  ;; for a free block).
  (func $sub_freed (param $n i64)
    (local $f i64)
    (local.set $f (i64.load (i32.const 64)))
    (if (i64.lt_u (local.get $f) (local.get $n)) (then (local.set $f (local.get $n))))
    (i64.store (i32.const 64) (i64.sub (local.get $f) (local.get $n))))

  (func $alloc (export "alloc") (param $n i64) (result i64)
    (local $need i64) (local $b i64) (local $top i64) (local $cap i64) (local $end i64) (local $size i64)
    (local $steps i32) (local $r i64) (local $rcap i64)
    (if (i64.eqz (local.get $n)) (then (return (i64.const 0))))
    (if (i64.gt_u (local.get $n) (i64.const 0xFFFFFFF0)) (then (return (i64.const 0))))
    (local.set $need (i64.and (i64.add (local.get $n) (i64.const 7)) (i64.const -8)))
    (local.set $top (i64.load (i32.const 0)))
    ;; First fit among free blocks, only when enough bytes were freed to
    ;; possibly fit, and among the first 256 blocks at most: past them the
    ;; block comes from top, so that a guest that forged a long chain of
    ;; headers costs at most 256 steps per alloc.
    (if (i64.ge_u (i64.load (i32.const 64)) (local.get $need))
      (then
        (local.set $b (i64.const 136))
        (block $done
          (loop $scan
            (br_if $done (i64.ge_u (local.get $b) (local.get $top)))
            (br_if $done (i32.ge_u (local.get $steps) (i32.const 256)))
            (local.set $steps (i32.add (local.get $steps) (i32.const 1)))
            (local.set $cap (call $cap (local.get $b)))
            ;; The cap must also fit below top: b+need must never wrap into
            ;; the state area.
            (if (i32.and
                  (i32.and
                    (i64.eqz (call $len (local.get $b)))
                    (i64.ge_u (local.get $cap) (local.get $need)))
                  (i64.le_u (local.get $cap) (i64.sub (local.get $top) (local.get $b))))
              (then
                (if (i64.ge_u (i64.sub (local.get $cap) (local.get $need)) (i64.const 16))
                  (then
                    ;; Split: the rest stays a free block (with its footer);
                    ;; the block above it still has a free block below.
                    (local.set $r (i64.add (i64.add (local.get $b) (local.get $need)) (i64.const 8)))
                    (local.set $rcap (i64.sub (i64.sub (local.get $cap) (local.get $need)) (i64.const 8)))
                    (i32.store (i32.wrap_i64 (i64.sub (local.get $r) (i64.const 8))) (i32.wrap_i64 (local.get $rcap)))
                    (i32.store (i32.wrap_i64 (i64.sub (local.get $r) (i64.const 4))) (i32.const 0))
                    (i32.store (i32.wrap_i64 (i64.sub (i64.add (local.get $r) (local.get $rcap)) (i64.const 4)))
                      (i32.wrap_i64 (local.get $rcap)))
                    (i32.store (i32.wrap_i64 (i64.sub (local.get $b) (i64.const 8)))
                      (i32.or (i32.wrap_i64 (local.get $need))
                        (i32.and (i32.load (i32.wrap_i64 (i64.sub (local.get $b) (i64.const 8)))) (i32.const 1))))
                    (call $sub_freed (i64.add (local.get $need) (i64.const 8))))
                  (else
                    (call $sub_freed (local.get $cap))
                    ;; The block above no longer has a free block below.
                    (if (i64.le_u (i64.add (local.get $cap) (i64.const 8)) (i64.sub (local.get $top) (local.get $b)))
                      (then
                        (i32.store (i32.wrap_i64 (i64.add (local.get $b) (local.get $cap)))
                          (i32.and (i32.load (i32.wrap_i64 (i64.add (local.get $b) (local.get $cap)))) (i32.const -2)))))))
                (i32.store (i32.wrap_i64 (i64.sub (local.get $b) (i64.const 4))) (i32.wrap_i64 (local.get $n)))
                (call $zero (local.get $b) (local.get $n))
                (return (local.get $b))))
            (local.set $b (i64.add (i64.add (local.get $b) (local.get $cap)) (i64.const 8)))
            (br $scan)))))
    ;; Bump: a new block at top, growing the memory when needed.
    (local.set $b (i64.add (local.get $top) (i64.const 8)))
    (local.set $end (i64.add (local.get $b) (local.get $need)))
    (local.set $size (i64.shl (i64.extend_i32_u (memory.size)) (i64.const 16)))
    (if (i64.gt_u (local.get $end) (local.get $size))
      (then
        (if (i64.gt_u (local.get $end) (i64.const 0x100000000)) (then (return (i64.const 0))))
        (if (i32.eq
              (memory.grow (i32.wrap_i64
                (i64.shr_u (i64.add (i64.sub (local.get $end) (local.get $size)) (i64.const 65535)) (i64.const 16))))
              (i32.const -1))
          (then (return (i64.const 0))))))
    (i32.store (i32.wrap_i64 (local.get $top)) (i32.wrap_i64 (local.get $need)))
    (i32.store (i32.wrap_i64 (i64.add (local.get $top) (i64.const 4))) (i32.wrap_i64 (local.get $n)))
    (call $zero (local.get $b) (local.get $need))
    (i64.store (i32.const 0) (local.get $end))
    (local.get $b))

  ;; free marks a live block free in O(1), merging it with a free block right
  ;; above and right below; a free block that ends at top gives its space
  ;; back to the bump region. Handles that are not live blocks are ignored.
  (func $free (export "free") (param $h i64)
    (local $top i64) (local $cap i64) (local $n i64) (local $p i64) (local $pcap i64) (local $freed i64)
    (if (i64.eqz (call $block_len (local.get $h))) (then (return)))
    (local.set $top (i64.load (i32.const 0)))
    (local.set $cap (call $cap (local.get $h)))
    (i32.store (i32.wrap_i64 (i64.sub (local.get $h) (i64.const 4))) (i32.const 0))
    (local.set $freed (local.get $cap))
    ;; The block above, when it is free (its header is below top).
    (if (i64.le_u (i64.add (local.get $cap) (i64.const 8)) (i64.sub (local.get $top) (local.get $h)))
      (then
        (local.set $n (i64.add (i64.add (local.get $h) (local.get $cap)) (i64.const 8)))
        (if (i32.and
              (i64.eqz (call $len (local.get $n)))
              (i64.le_u (call $cap (local.get $n)) (i64.sub (local.get $top) (local.get $n))))
          (then
            (local.set $cap (i64.add (i64.add (local.get $cap) (i64.const 8)) (call $cap (local.get $n))))
            (local.set $freed (i64.add (local.get $freed) (i64.const 8)))))))
    ;; The block below, when the header says it is free: its footer gives
    ;; its capacity, and its own header must agree.
    (if (i32.and
          (i64.ge_u (local.get $h) (i64.const 152))
          (i32.and (i32.load (i32.wrap_i64 (i64.sub (local.get $h) (i64.const 8)))) (i32.const 1)))
      (then
        (local.set $pcap (i64.extend_i32_u (i32.load (i32.wrap_i64 (i64.sub (local.get $h) (i64.const 12))))))
        (if (i64.le_u (local.get $pcap) (i64.sub (local.get $h) (i64.const 144)))
          (then
            (local.set $p (i64.sub (i64.sub (local.get $h) (i64.const 8)) (local.get $pcap)))
            (if (i32.and
                  (i32.and (i64.ne (local.get $pcap) (i64.const 0)) (i64.eqz (call $len (local.get $p))))
                  (i64.eq (call $cap (local.get $p)) (local.get $pcap)))
              (then
                (local.set $h (local.get $p))
                (local.set $cap (i64.add (i64.add (local.get $pcap) (i64.const 8)) (local.get $cap)))
                (local.set $freed (i64.add (local.get $freed) (i64.const 8)))))))))
    (i64.store (i32.const 64) (i64.add (i64.load (i32.const 64)) (local.get $freed)))
    (if (i64.eq (i64.add (local.get $h) (local.get $cap)) (local.get $top))
      (then
        ;; The free block ends at top: top comes down to its header.
        (call $sub_freed (local.get $cap))
        (i64.store (i32.const 0) (i64.sub (local.get $h) (i64.const 8)))
        (return)))
    (i32.store (i32.wrap_i64 (i64.sub (local.get $h) (i64.const 8)))
      (i32.or (i32.wrap_i64 (local.get $cap))
        (i32.and (i32.load (i32.wrap_i64 (i64.sub (local.get $h) (i64.const 8)))) (i32.const 1))))
    (i32.store (i32.wrap_i64 (i64.sub (i64.add (local.get $h) (local.get $cap)) (i64.const 4))) (i32.wrap_i64 (local.get $cap)))
    ;; Tell the block above (when its header is below top) that a free block
    ;; lies below it.
    (if (i64.le_u (i64.add (local.get $cap) (i64.const 8)) (i64.sub (local.get $top) (local.get $h)))
      (then
        (i32.store (i32.wrap_i64 (i64.add (local.get $h) (local.get $cap)))
          (i32.or (i32.load (i32.wrap_i64 (i64.add (local.get $h) (local.get $cap)))) (i32.const 1))))))

  ;; length returns the length of a live block, or 0 when h is not one. O(1):
  ;; the header is checked, not found by walking the heap.
  (func $length (export "length") (param $h i64) (result i64)
    (call $block_len (local.get $h)))

  ;; length_unsafe is length: with an O(1) check there is nothing to save.
  (func (export "length_unsafe") (param $h i64) (result i64)
    (call $block_len (local.get $h)))

  (func (export "load_u8") (param $p i64) (result i32)
    (if (i32.eqz (call $in_heap (local.get $p) (i64.const 1))) (then (call $fault (i64.const 1) (local.get $p))))
    (i32.load8_u (i32.wrap_i64 (local.get $p))))

  (func (export "load_u64") (param $p i64) (result i64)
    (if (i32.eqz (call $in_heap (local.get $p) (i64.const 8))) (then (call $fault (i64.const 2) (local.get $p))))
    (i64.load (i32.wrap_i64 (local.get $p))))

  (func (export "store_u8") (param $p i64) (param $v i32)
    (if (i32.eqz (call $in_heap (local.get $p) (i64.const 1))) (then (call $fault (i64.const 3) (local.get $p))))
    (i32.store8 (i32.wrap_i64 (local.get $p)) (local.get $v)))

  (func (export "store_u64") (param $p i64) (param $v i64)
    (if (i32.eqz (call $in_heap (local.get $p) (i64.const 8))) (then (call $fault (i64.const 4) (local.get $p))))
    (i64.store (i32.wrap_i64 (local.get $p)) (local.get $v)))

  (func (export "input_offset") (result i64) (i64.load (i32.const 8)))
  (func (export "input_length") (result i64) (i64.load (i32.const 16)))

  (func (export "input_load_u8") (param $i i64) (result i32)
    (if (i64.ge_u (local.get $i) (i64.load (i32.const 16))) (then (call $fault (i64.const 5) (local.get $i))))
    (i32.load8_u (i32.wrap_i64 (i64.add (i64.load (i32.const 8)) (local.get $i)))))

  (func (export "input_load_u64") (param $i i64) (result i64)
    (local $n i64)
    (local.set $n (i64.load (i32.const 16)))
    (if (i32.or
          (i64.ge_u (local.get $i) (local.get $n))
          (i64.lt_u (i64.sub (local.get $n) (local.get $i)) (i64.const 8)))
      (then (call $fault (i64.const 6) (local.get $i))))
    (i64.load (i32.wrap_i64 (i64.add (i64.load (i32.const 8)) (local.get $i)))))

  (func (export "output_set") (param $p i64) (param $n i64)
    (if (i64.eqz (local.get $n))
      (then
        (i64.store (i32.const 24) (i64.const 0))
        (i64.store (i32.const 32) (i64.const 0))
        (return)))
    (if (i32.eqz (call $in_heap (local.get $p) (local.get $n))) (then (call $fault (i64.const 7) (local.get $p))))
    (i64.store (i32.const 24) (local.get $p))
    (i64.store (i32.const 32) (local.get $n)))

  (func (export "error_set") (param $h i64)
    (if (i64.eqz (local.get $h)) (then (i64.store (i32.const 40) (i64.const 0)) (return)))
    (if (i64.eqz (call $length (local.get $h))) (then (call $fault (i64.const 8) (local.get $h))))
    (i64.store (i32.const 40) (local.get $h)))

  (func (export "error_get") (result i64) (i64.load (i32.const 40)))

  (func (export "reset")
    (i64.store (i32.const 0) (i64.const 128))
    (i64.store (i32.const 8) (i64.const 0))
    (i64.store (i32.const 16) (i64.const 0))
    (i64.store (i32.const 24) (i64.const 0))
    (i64.store (i32.const 32) (i64.const 0))
    (i64.store (i32.const 40) (i64.const 0))
    (i64.store (i32.const 64) (i64.const 0)))

  (func (export "memory_bytes") (result i64)
    (i64.sub (i64.load (i32.const 0)) (i64.const 128)))

  ;; The host half. Wrapping (rather than re-exporting) the Go imports makes the
  ;; Go side see this kernel instance as its caller.
  (func (export "config_get") (param i64) (result i64) (call $host_config_get (local.get 0)))
  (func (export "var_get") (param i64) (result i64) (call $host_var_get (local.get 0)))
  (func (export "var_set") (param i64 i64) (call $host_var_set (local.get 0) (local.get 1)))
  (func (export "http_request") (param i64 i64) (result i64)
    (call $host_http_request (local.get 0) (local.get 1)))
  (func (export "http_status_code") (result i32) (call $host_http_status_code))
  (func (export "http_headers") (result i64) (call $host_http_headers))
  (func (export "log_trace") (param i64) (call $host_log (i32.const 0) (local.get 0)))
  (func (export "log_debug") (param i64) (call $host_log (i32.const 1) (local.get 0)))
  (func (export "log_info") (param i64) (call $host_log (i32.const 2) (local.get 0)))
  (func (export "log_warn") (param i64) (call $host_log (i32.const 3) (local.get 0)))
  (func (export "log_error") (param i64) (call $host_log (i32.const 4) (local.get 0)))
  (func (export "get_log_level") (result i32) (call $host_get_log_level))
)
