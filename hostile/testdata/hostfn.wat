;; hostfn: calls host functions the application granted ("block", "boom").
(module
  (import "extism:host/user" "block" (func $block))
  (import "extism:host/user" "boom" (func $boom))
  (func (export "call_block") (result i32) (call $block) (i32.const 0))
  (func (export "call_boom") (result i32) (call $boom) (i32.const 0)))
