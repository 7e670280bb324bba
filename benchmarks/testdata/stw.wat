;; Guests that would hold up the Go garbage collector (stw_test.go):
;;   spin       loops until it is interrupted (a plug-in function)
;;   spin_n     loops n times (for plain wazero, which cannot interrupt it)
;;   grow       grows its memory from 64 KiB to 64 MiB, a MiB at a time,
;;              writing every new page (one memory.fill a page: a single
;;              instruction cannot be interrupted, and the first write to a
;;              page costs a page fault, slow on a loaded virtual machine)
(module
  (memory (export "memory") 1 1024)
  (global $sink (mut i64) (i64.const 0))

  (func (export "spin") (result i32)
    (local $i i64)
    (loop $l
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (global.set $sink (local.get $i))
      (br $l))
    (i32.const 0))

  (func (export "spin_n") (param $n i64)
    (local $i i64)
    (loop $l
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $l (i64.lt_u (local.get $i) (local.get $n))))
    (global.set $sink (local.get $i)))

  (func (export "grow") (result i32)
    (local $page i32) (local $end i32)
    (loop $l
      (local.set $page (memory.grow (i32.const 16)))
      (if (i32.lt_s (local.get $page) (i32.const 0)) (then (return (i32.const 1))))
      (local.set $end (i32.add (local.get $page) (i32.const 16)))
      (loop $fill
        (memory.fill (i32.mul (local.get $page) (i32.const 65536)) (i32.const 7) (i32.const 65536))
        (br_if $fill (i32.lt_u (local.tee $page (i32.add (local.get $page) (i32.const 1))) (local.get $end))))
      (br_if $l (i32.lt_u (memory.size) (i32.const 1009))))
    (i32.const 0)))
