package ext_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/tendril-wasm/tendril/codec"
	"github.com/tendril-wasm/tendril/ext"
)

// The plug-in of these examples, testdata/tag.wat, appends its config "tag"
// to its input in its function "append", and answers its config "answer",
// if any, in its function "answer".

func ExampleRegistry() {
	ctx := context.Background()
	reg, err := ext.New(ctx, ext.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer reg.Close(ctx)

	p, err := reg.Register(ctx, "exclaim", ext.Source{Path: "testdata/tag.wasm"},
		ext.PluginOptions{Config: map[string]string{"tag": "!"}})
	if err != nil {
		log.Fatal(err)
	}
	// A registered plug-in is a runtime.Callable: typed calls work on it.
	out, err := ext.Call[string, string](ctx, p, "append", "hello", codec.String{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(out)
	for _, info := range reg.List() {
		fmt.Printf("%s %s: %s (codec %s), calls: %d\n", info.Name, info.Metadata.Version,
			info.Metadata.Description, info.Metadata.Codec, info.Stats.Calls)
	}
	// Output:
	// hello!
	// exclaim 1.0.0: Appends its tag (codec string), calls: 1
}

func ExampleNewNotify() {
	ctx := context.Background()
	reg, _ := ext.New(ctx, ext.Options{})
	defer reg.Close(ctx)
	for name, tag := range map[string]string{"first": " 1st", "second": " 2nd"} {
		if _, err := reg.Register(ctx, name, ext.Source{Path: "testdata/tag.wasm"},
			ext.PluginOptions{Config: map[string]string{"tag": tag}}); err != nil {
			log.Fatal(err)
		}
	}

	// Every plug-in exporting "append" gets the event, concurrently; each
	// declares the codec it speaks (here "string").
	hook := ext.NewNotify[string, string](reg, "append", ext.HookOptions{Timeout: time.Second})
	res, err := hook.Fire(ctx, "saw")
	if err != nil {
		log.Fatal(err)
	}
	for _, o := range res.Outcomes {
		fmt.Printf("%s: %q, error: %v\n", o.Plugin, o.Value, o.Err)
	}
	// Output:
	// first: "saw 1st", error: <nil>
	// second: "saw 2nd", error: <nil>
}

func ExampleNewFilter() {
	ctx := context.Background()
	reg, _ := ext.New(ctx, ext.Options{})
	defer reg.Close(ctx)
	register := func(name, tag string, priority int) {
		if _, err := reg.Register(ctx, name, ext.Source{Path: "testdata/tag.wasm"},
			ext.PluginOptions{Config: map[string]string{"tag": tag}, Priority: &priority}); err != nil {
			log.Fatal(err)
		}
	}
	register("z-trim", "+trimmed", -1) // lower priority runs first
	register("a-newline", "+newline", 0)
	register("b-tables", "+tables", 0)

	format := ext.NewFilter[string](reg, "append", ext.HookOptions{Codec: codec.String{}})
	res, err := format.Fire(ctx, "text")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Value)
	// Output:
	// text+trimmed+newline+tables
}

func ExampleNewFirstWins() {
	type verdict struct {
		Deny   bool   `json:"deny"`
		Reason string `json:"reason"`
	}
	ctx := context.Background()
	reg, _ := ext.New(ctx, ext.Options{})
	defer reg.Close(ctx)
	for name, answer := range map[string]string{
		"a-silent": "", // answers nothing: the next handler decides
		"b-guard":  `{"deny":true,"reason":"file is read-only"}`,
		"c-allow":  `{"deny":false}`,
	} {
		cfg := map[string]string{}
		if answer != "" {
			cfg["answer"] = answer
		}
		if _, err := reg.Register(ctx, name, ext.Source{Path: "testdata/tag.wasm"}, ext.PluginOptions{Config: cfg}); err != nil {
			log.Fatal(err)
		}
	}

	canSave := ext.NewFirstWins[string, verdict](reg, "answer", ext.HookOptions{Codec: jsonCodec()})
	res, err := canSave.Fire(ctx, "notes.md")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %+v\n", res.Winner, res.Value)
	for _, o := range res.Outcomes {
		fmt.Printf("%s answered %v, skipped %v\n", o.Plugin, o.Answered, o.Skipped)
	}
	// Output:
	// b-guard: {Deny:true Reason:file is read-only}
	// a-silent answered false, skipped false
	// b-guard answered true, skipped false
	// c-allow answered false, skipped true
}

func ExampleRegistry_Reload() {
	ctx := context.Background()
	reg, _ := ext.New(ctx, ext.Options{})
	defer reg.Close(ctx)
	p, err := reg.Register(ctx, "hot", ext.Source{Path: "testdata/tag.wasm"},
		ext.PluginOptions{Config: map[string]string{"tag": " v1", "tag2": " v2"}})
	if err != nil {
		log.Fatal(err)
	}
	call := func() string {
		out, err := p.Call(ctx, "append", []byte("running"))
		if err != nil {
			log.Fatal(err)
		}
		return string(out)
	}
	fmt.Println(call())

	// A version that cannot start is refused; the old one keeps serving.
	err = reg.Reload(ctx, "hot", ext.Source{Path: "testdata/startfail.wasm"})
	fmt.Println(err != nil, call())

	// Calls running finish on the old version; new calls run the new one.
	if err := reg.Reload(ctx, "hot", ext.Source{Path: "testdata/tag2.wasm"}); err != nil {
		log.Fatal(err)
	}
	info, _ := p.Info()
	fmt.Println(call(), info.Version, info.Metadata.Version)
	// Output:
	// running v1
	// true running v1
	// running v2 2 2.0.0
}
