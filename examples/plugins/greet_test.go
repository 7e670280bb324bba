package plugins_test

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/tendril-wasm/tendril/runtime"
)

// greetConfig is the config of the greet plug-in in the tests.
var greetConfig = map[string]string{
	"greeting": "Hi",
	"long":     "a value longer than eight bytes, to cross several words",
	"seven":    "1234567",
}

func TestGreet(t *testing.T) {
	t.Parallel()
	cp := compile(t, "greet", setup{manifest: runtime.Manifest{Config: greetConfig}})
	t.Run("vars", func(t *testing.T) { testGreetVars(t, instantiate(t, cp)) })
	t.Run("config", func(t *testing.T) { testGreetConfig(t, instantiate(t, cp)) })
}

func testGreetVars(t *testing.T, inst *runtime.Instance) {
	for i, name := range []string{"Ada", "Grace", "Linus"} {
		if got, want := string(call(t, inst, "greet", []byte(name))), "Hi, "+name+"!"; got != want {
			t.Errorf("greet(%q) = %q, want %q", name, got, want)
		}
		if got, want := string(inst.Var("calls")), string(rune('1'+i)); got != want {
			t.Errorf(`after %d greetings var "calls" = %q, want %q`, i+1, got, want)
		}
	}
	if got := string(call(t, inst, "calls", nil)); got != "3" {
		t.Errorf("calls() = %q, want 3", got)
	}
	// The host and the plug-in share the vars.
	if err := inst.SetVar("calls", []byte("41")); err != nil {
		t.Fatal(err)
	}
	call(t, inst, "greet", []byte("Ken"))
	if got := string(call(t, inst, "calls", nil)); got != "42" {
		t.Errorf("calls() after SetVar(41) and a greeting = %q, want 42", got)
	}
	call(t, inst, "forget", nil)
	if v := inst.Var("calls"); v != nil {
		t.Errorf(`after forget var "calls" = %q, want none`, v)
	}
	if got := string(call(t, inst, "calls", nil)); got != "0" {
		t.Errorf("calls() after forget = %q, want 0", got)
	}

	// Errors returned by the export reach the host with their message.
	_, err := inst.Call(context.Background(), "greet", nil)
	var ge *runtime.GuestError
	if !errors.As(err, &ge) || ge.Message != "greet: empty name" {
		t.Errorf("greet(empty) error = %v, want a GuestError %q", err, "greet: empty name")
	}
}

func testGreetConfig(t *testing.T, inst *runtime.Instance) {
	for key, want := range greetConfig {
		if got := string(call(t, inst, "config", []byte(key))); got != want {
			t.Errorf("config(%q) = %q, want %q", key, got, want)
		}
	}
	for _, key := range []string{"missing", ""} {
		_, err := inst.Call(context.Background(), "config", []byte(key))
		var ge *runtime.GuestError
		if !errors.As(err, &ge) || ge.Message != "no config "+strconv.Quote(key) {
			t.Errorf("config(%q) error = %v, want a GuestError", key, err)
		}
	}
}
