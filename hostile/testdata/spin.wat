;; spin: burns CPU in a tight loop. Only an interrupt (timeout or context)
;; should stop it. It is bounded (2^30 iterations, about 2 s here) rather
;; than infinite so that a missed interrupt fails the test instead of hanging
;; the test binary: a guest spinning in compiled code cannot be preempted by
;; Go, so a stop-the-world GC waits for it and, meanwhile, nothing else in
;; the process runs, including the timer that would interrupt it.
(module
  (func (export "spin") (result i32)
    (local $i i64)
    (loop $spin
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $spin (i64.lt_u (local.get $i) (i64.const 0x40000000))))
    (i32.const 0)))
