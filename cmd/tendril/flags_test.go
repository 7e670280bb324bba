package main

import (
	"errors"
	"maps"
	"slices"
	"testing"
	"time"
)

func TestParseCall(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		check func(*callOptions) bool
	}{
		{"flags after", []string{"p.wasm", "f", "--input", "x", "--wasi"},
			func(o *callOptions) bool { return o.input == "x" && o.wasi }},
		{"flags before", []string{"--input", "x", "--wasi", "p.wasm", "f"},
			func(o *callOptions) bool {
				return o.input == "x" && o.wasi && o.plugin == "p.wasm" && o.function == "f"
			}},
		{"flags between", []string{"p.wasm", "-input=x", "f"},
			func(o *callOptions) bool { return o.input == "x" && o.function == "f" }},
		{"a value that starts with a dash", []string{"p.wasm", "f", "--input", "-x"},
			func(o *callOptions) bool { return o.input == "-x" }},
		{"an empty value", []string{"p.wasm", "f", "--input", ""},
			func(o *callOptions) bool { return o.input == "" && o.set["input"] }},
		{"a bool does not take the next argument", []string{"--wasi", "p.wasm", "f"},
			func(o *callOptions) bool { return o.wasi && o.plugin == "p.wasm" }},
		{"bool=false", []string{"p.wasm", "f", "--wasi=false"},
			func(o *callOptions) bool { return !o.wasi }},
		{"-- ends the flags", []string{"--loop", "3", "--", "-p.wasm", "--input"},
			func(o *callOptions) bool { return o.loop == 3 && o.plugin == "-p.wasm" && o.function == "--input" }},
		{"- is an argument", []string{"-", "f"},
			func(o *callOptions) bool { return o.plugin == "-" }},
		{"defaults", []string{"p.wasm", "f"},
			func(o *callOptions) bool {
				return o.loop == 1 && !o.set["loop"] && o.logLevel == "warn" && o.timeout == 0 && len(o.config) == 0
			}},
		{"repeatable", []string{"p.wasm", "f", "--config", "a=1", "--config", "b=x=y", "--config", "a=2",
			"--allow-host", "h1", "--allow-host=h2"},
			func(o *callOptions) bool {
				return maps.Equal(o.config, keyValues{"a": "2", "b": "x=y"}) && slices.Equal(o.hosts, stringList{"h1", "h2"})
			}},
		{"mounts", []string{"p.wasm", "f", "--allow-path", "/data:/mnt", "--allow-path", "ro:/etc/x:/x",
			"--allow-path", `C:\data:/c`},
			func(o *callOptions) bool {
				return maps.Equal(o.mounts, map[string]string{"/data": "/mnt", "ro:/etc/x": "/x", `C:\data`: "/c"})
			}},
		{"timeout and pages", []string{"p.wasm", "f", "--timeout", "1.5s", "--memory-max-pages", "10"},
			func(o *callOptions) bool { return o.timeout == 1500*time.Millisecond && o.maxPages == 10 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := parseCall(tc.args)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(o) {
				t.Errorf("parseCall(%q) = %+v", tc.args, *o)
			}
		})
	}
}

func TestParseHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}, {"p.wasm", "f", "-help"}} {
		_, err := parseCall(args)
		var help *errHelp
		if !errors.As(err, &help) || help.cmd != "call" {
			t.Errorf("parseCall(%q) = %v, want help", args, err)
		}
	}
}

func TestApplyToManifest(t *testing.T) {
	o, err := parseCall([]string{"p.wasm", "f", "--config", "a=flag", "--allow-host", "h2",
		"--allow-path", "/d:/m", "--timeout", "1500us", "--memory-max-pages", "7"})
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := loadPlugin(writeFile(t, "m.json", `{"wasm":[{"path":"p.wasm"}],
		"config":{"a":"manifest","b":"manifest"}, "allowed_hosts":["h1"], "timeout_ms":5000,
		"memory":{"max_pages":100}}`))
	if err != nil {
		t.Fatal(err)
	}
	o.apply(&m)
	if !maps.Equal(m.Config, map[string]string{"a": "flag", "b": "manifest"}) {
		t.Errorf("config = %v", m.Config)
	}
	if !slices.Equal(m.AllowedHosts, []string{"h1", "h2"}) {
		t.Errorf("hosts = %v", m.AllowedHosts)
	}
	if m.AllowedPaths["/d"] != "/m" {
		t.Errorf("paths = %v", m.AllowedPaths)
	}
	if m.TimeoutMs != 2 { // rounded up, never to 0 ("no bound")
		t.Errorf("timeout_ms = %d, want 2", m.TimeoutMs)
	}
	if m.Memory.MaxPages != 7 {
		t.Errorf("max_pages = %d, want 7", m.Memory.MaxPages)
	}
}
