;; start: a wasm start function (run by instantiation itself) that burns
;; about 1 s of CPU (2000 fills of 4 MiB), then returns. It is bounded so
;; that a missing interrupt shows as a failed test, not a hung one.
(module
  (memory 64)
  (func $start
    (local $i i32)
    (loop $spin
      (memory.fill (i32.const 0) (i32.const 0) (i32.const 0x400000))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $spin (i32.lt_u (local.get $i) (i32.const 2000)))))
  (start $start)
  (func (export "run") (result i32) (i32.const 0)))
