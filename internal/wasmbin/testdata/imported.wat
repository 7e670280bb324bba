;; Imports two globals (and other kinds) and defines two, so the
;; interrupt global must get index 4.
(module
  (import "env" "tick" (func $tick))
  (import "env" "g0" (global $g0 i32))
  (import "env" "tab" (table 2 funcref))
  (import "env" "g1" (global $g1 (mut i64)))
  (import "env" "mem" (memory 1))
  (global $own (mut i32) (global.get $g0))
  (global $seven i32 (i32.const 7))
  (export "own" (global $own))

  ;; spin counts iterations in g1 (through the imported function) and own.
  (func (export "spin")
    (loop $l
      (call $tick)
      (global.set $own (i32.add (global.get $own) (global.get $seven)))
      (br $l)))

  (func (export "get_own") (result i32) (global.get $own)))
