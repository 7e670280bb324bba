;; flagclear: tries to defeat the interrupt. The runtime instruments every
;; module by appending one mutable i32 global (the interrupt flag) after the
;; module's own globals, and checks it at every loop header and function
;; entry. This module declares no global, yet refers to global 0: invalid as
;; written (build with wat2wasm --no-check), valid once instrumented, when
;; global 0 is the flag. Each iteration reads the flag at the loop header,
;; spends ~0.5 ms in one memory.fill (where a timer almost always fires), then
;; clears the flag before the next check. It runs about 1 s (2000 fills), then
;; returns: bounded, so a defeated interrupt shows as a success that should
;; have been an interrupt, not a hang.
(module
  (memory 64)
  (func (export "spin") (result i32)
    (local $i i32)
    (loop $spin
      (memory.fill (i32.const 0) (i32.const 0) (i32.const 0x400000))
      (global.set 0 (i32.const 0))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $spin (i32.lt_u (local.get $i) (i32.const 2000))))
    (i32.const 0)))
