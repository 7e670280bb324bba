;; Legacy exception handling (try/catch/catch_all/delegate/rethrow/throw).
;; wazero rejects these opcodes, so this module is only decoded and
;; checked with wasm-validate.
(module
  (tag $e (param i32))
  (func $thrower (param i32) (throw $e (local.get 0)))
  (func (export "eh") (param $n i32) (result i32)
    (local $s i32)
    (loop $l
      (try
        (do
          (try
            (do (call $thrower (local.get $n)))
            (delegate 0)))
        (catch $e
          (local.set $s (i32.add (local.get $s)))
          (try
            (do (throw $e (i32.const 3)))
            (catch_all (nop))))
        (catch_all (rethrow 0)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n)))
    (local.get $s)))
