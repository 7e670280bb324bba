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
;;   wat2wasm kernel/kernel.wat -o kernel/kernel.wasm
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
;;   128 heap: blocks of [cap u32][len u32][cap bytes of data], data 8-aligned;
;;       a handle is the address of a block's data; len 0 marks a free block.
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

  (func $cap (param $b i64) (result i64)
    (i64.extend_i32_u (i32.load (i32.wrap_i64 (i64.sub (local.get $b) (i64.const 8))))))

  (func $len (param $b i64) (result i64)
    (i64.extend_i32_u (i32.load (i32.wrap_i64 (i64.sub (local.get $b) (i64.const 4))))))

  (func $alloc (export "alloc") (param $n i64) (result i64)
    (local $need i64) (local $b i64) (local $top i64) (local $cap i64) (local $end i64) (local $size i64)
    (if (i64.eqz (local.get $n)) (then (return (i64.const 0))))
    (if (i64.gt_u (local.get $n) (i64.const 0xFFFFFFF0)) (then (return (i64.const 0))))
    (local.set $need (i64.and (i64.add (local.get $n) (i64.const 7)) (i64.const -8)))
    (local.set $top (i64.load (i32.const 0)))
    ;; First fit among free blocks, only when enough bytes were freed to possibly fit.
    (if (i64.ge_u (i64.load (i32.const 64)) (local.get $need))
      (then
        (local.set $b (i64.const 136))
        (block $done
          (loop $scan
            (br_if $done (i64.ge_u (local.get $b) (local.get $top)))
            (local.set $cap (call $cap (local.get $b)))
            ;; The cap must also fit below top: a guest can overwrite headers,
            ;; and b+need must never wrap into the state area.
            (if (i32.and
                  (i32.and
                    (i64.eqz (call $len (local.get $b)))
                    (i64.ge_u (local.get $cap) (local.get $need)))
                  (i64.le_u (local.get $cap) (i64.sub (local.get $top) (local.get $b))))
              (then
                (if (i64.ge_u (i64.sub (local.get $cap) (local.get $need)) (i64.const 16))
                  (then
                    ;; Split: the rest becomes a free block of its own.
                    (i32.store
                      (i32.wrap_i64 (i64.add (local.get $b) (local.get $need)))
                      (i32.wrap_i64 (i64.sub (i64.sub (local.get $cap) (local.get $need)) (i64.const 8))))
                    (i32.store
                      (i32.wrap_i64 (i64.add (i64.add (local.get $b) (local.get $need)) (i64.const 4)))
                      (i32.const 0))
                    (i32.store (i32.wrap_i64 (i64.sub (local.get $b) (i64.const 8))) (i32.wrap_i64 (local.get $need)))
                    (i64.store (i32.const 64)
                      (i64.sub (i64.load (i32.const 64)) (i64.add (local.get $need) (i64.const 8)))))
                  (else
                    (i64.store (i32.const 64) (i64.sub (i64.load (i32.const 64)) (local.get $cap)))))
                (i32.store (i32.wrap_i64 (i64.sub (local.get $b) (i64.const 4))) (i32.wrap_i64 (local.get $n)))
                (memory.fill (i32.wrap_i64 (local.get $b)) (i32.const 0) (i32.wrap_i64 (local.get $n)))
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
    (memory.fill (i32.wrap_i64 (local.get $b)) (i32.const 0) (i32.wrap_i64 (local.get $need)))
    (i64.store (i32.const 0) (local.get $end))
    (local.get $b))

  ;; free marks a live block free; freeing the last block (and any free run
  ;; right below it) gives the space back to the bump region. Unknown handles
  ;; are ignored.
  (func $free (export "free") (param $h i64)
    (local $b i64) (local $top i64) (local $cap i64) (local $run i64) (local $runfree i64)
    (local.set $top (i64.load (i32.const 0)))
    (if (i64.lt_u (local.get $h) (i64.const 136)) (then (return)))
    (if (i64.ge_u (local.get $h) (local.get $top)) (then (return)))
    (local.set $b (i64.const 136))
    (loop $walk
      (if (i64.ge_u (local.get $b) (local.get $top)) (then (return)))
      (if (i64.gt_u (local.get $b) (local.get $h)) (then (return)))
      (local.set $cap (call $cap (local.get $b)))
      (if (i64.eq (local.get $b) (local.get $h))
        (then
          (if (i64.eqz (call $len (local.get $b))) (then (return)))
          (i32.store (i32.wrap_i64 (i64.sub (local.get $b) (i64.const 4))) (i32.const 0))
          (if (i64.eq (i64.add (local.get $b) (local.get $cap)) (local.get $top))
            (then
              (if (i64.eqz (local.get $run))
                (then (i64.store (i32.const 0) (i64.sub (local.get $b) (i64.const 8))))
                (else
                  (i64.store (i32.const 0) (i64.sub (local.get $run) (i64.const 8)))
                  (i64.store (i32.const 64) (i64.sub (i64.load (i32.const 64)) (local.get $runfree))))))
            (else
              (i64.store (i32.const 64) (i64.add (i64.load (i32.const 64)) (local.get $cap)))))
          (return)))
      (if (i64.eqz (call $len (local.get $b)))
        (then
          (if (i64.eqz (local.get $run)) (then (local.set $run (local.get $b)) (local.set $runfree (i64.const 0))))
          (local.set $runfree (i64.add (local.get $runfree) (local.get $cap))))
        (else (local.set $run (i64.const 0))))
      (local.set $b (i64.add (i64.add (local.get $b) (local.get $cap)) (i64.const 8)))
      (br $walk)))

  ;; length returns the length of a live block, or 0 when h is not one.
  (func $length (export "length") (param $h i64) (result i64)
    (local $b i64) (local $top i64)
    (local.set $top (i64.load (i32.const 0)))
    (if (i64.lt_u (local.get $h) (i64.const 136)) (then (return (i64.const 0))))
    (if (i64.ge_u (local.get $h) (local.get $top)) (then (return (i64.const 0))))
    (local.set $b (i64.const 136))
    (loop $walk
      (if (i64.ge_u (local.get $b) (local.get $h))
        (then
          (if (i64.eq (local.get $b) (local.get $h)) (then (return (call $len (local.get $b)))))
          (return (i64.const 0))))
      (local.set $b (i64.add (i64.add (local.get $b) (call $cap (local.get $b))) (i64.const 8)))
      (br $walk))
    (i64.const 0))

  ;; length_unsafe trusts h to be a block: O(1), still never reads outside the heap.
  (func (export "length_unsafe") (param $h i64) (result i64)
    (if (i64.lt_u (local.get $h) (i64.const 136)) (then (return (i64.const 0))))
    (if (i64.gt_u (local.get $h) (i64.load (i32.const 0))) (then (return (i64.const 0))))
    (call $len (local.get $h)))

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
