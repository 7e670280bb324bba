package ext_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tendril-wasm/tendril/codec"
	"github.com/tendril-wasm/tendril/ext"
	"github.com/tendril-wasm/tendril/runtime"
)

// hookTimeout stops the hanging plug-in. It bounds nothing the test
// measures (the hang runs past any timeout) and is long enough that the
// good plug-ins, which take microseconds, finish within it on a loaded
// machine: each fire that reaches the hanging plug-in costs this much.
const hookTimeout = 2 * time.Second

// crowd registers good plug-ins beside three misbehaving ones: one traps,
// one hangs, one answers bytes no codec of text accepts. Priorities
// interleave them: good1, trap, good2, hang, garbage, good3.
func crowd(t *testing.T, answers bool) *ext.Registry {
	r := newRegistry(t, ext.Options{})
	good := func(name, tag string, prio int) {
		cfg := map[string]string{"tag": tag}
		if answers {
			cfg["answer"] = "from " + name
		}
		register(t, r, name, "tag", ext.PluginOptions{Config: cfg, Priority: priority(prio)})
	}
	good("good1", "1", 1)
	register(t, r, "trap", "trap", ext.PluginOptions{Priority: priority(2)})
	good("good2", "2", 3)
	register(t, r, "hang", "hang", ext.PluginOptions{Priority: priority(4)})
	register(t, r, "garbage", "garbage", ext.PluginOptions{Priority: priority(5)})
	good("good3", "3", 6)
	return r
}

// requireMisbehaved checks the outcomes of the three misbehaving plug-ins.
func requireMisbehaved[R any](t *testing.T, res *ext.Result[R]) {
	t.Helper()
	o, _ := res.Outcome("trap")
	var te *runtime.TrapError
	require.ErrorAs(t, o.Err, &te)
	o, _ = res.Outcome("hang")
	require.ErrorIs(t, o.Err, context.DeadlineExceeded)
	o, _ = res.Outcome("garbage")
	require.ErrorIs(t, o.Err, codec.ErrDecode)
	for _, name := range []string{"trap", "hang", "garbage"} {
		o, _ := res.Outcome(name)
		require.False(t, o.Answered, name)
		require.False(t, o.Skipped, name)
	}
}

func TestNotify(t *testing.T) {
	ctx := context.Background()
	r := crowd(t, false)
	hook := ext.NewNotify[string, string](r, "append", ext.HookOptions{Timeout: hookTimeout})
	require.Equal(t, ext.Notify, hook.Mode())
	require.Equal(t, []string{"good1", "trap", "good2", "hang", "garbage", "good3"}, hook.Handlers())
	for round := range 2 { // again: the broken instances are gone, the plug-ins serve
		res, err := hook.Fire(ctx, "ev")
		require.NoError(t, err)
		require.Len(t, res.Outcomes, 6-round)
		for i, name := range []string{"good1", "good2", "good3"} {
			o, ok := res.Outcome(name)
			require.True(t, ok)
			require.NoError(t, o.Err)
			require.True(t, o.Answered)
			require.Equal(t, "ev"+string(rune('1'+i)), o.Value)
			require.Positive(t, o.Duration)
		}
		if round == 0 {
			requireMisbehaved(t, res)
			p, _ := r.Plugin("hang")
			require.Equal(t, ext.Stats{Calls: 1, Errors: 1, Latency: p.Stats().Latency}, p.Stats())
			require.NoError(t, r.Unregister(ctx, "hang")) // once is enough: each costs hookTimeout
			continue
		}
		o, _ := res.Outcome("trap")
		var te *runtime.TrapError
		require.ErrorAs(t, o.Err, &te)
		o, _ = res.Outcome("garbage")
		require.ErrorIs(t, o.Err, codec.ErrDecode)
	}
	p, _ := r.Plugin("trap")
	require.Equal(t, uint64(2), p.Stats().Errors)
}

func TestFilter(t *testing.T) {
	ctx := context.Background()
	r := crowd(t, false)
	hook := ext.NewFilter[string](r, "append", ext.HookOptions{Timeout: hookTimeout})
	res, err := hook.Fire(ctx, "v")
	require.NoError(t, err)
	require.Equal(t, "v123", res.Value, "the chain skips the failures and goes on with the last good value")
	o, _ := res.Outcome("good2")
	require.Equal(t, "v12", o.Value)
	requireMisbehaved(t, res)

	empty := ext.NewFilter[string](r, "on_nothing", ext.HookOptions{})
	res, err = empty.Fire(ctx, "same")
	require.NoError(t, err)
	require.Equal(t, "same", res.Value)
	require.Empty(t, res.Outcomes)
}

func TestFirstWins(t *testing.T) {
	ctx := context.Background()

	t.Run("first answer wins", func(t *testing.T) {
		r := crowd(t, true)
		// good1 passes: it has no answer.
		require.NoError(t, r.Unregister(ctx, "good1"))
		register(t, r, "good1", "tag", ext.PluginOptions{Priority: priority(1)})
		// Move good2 after the misbehaving ones.
		require.NoError(t, r.Unregister(ctx, "good2"))
		register(t, r, "good2", "tag", ext.PluginOptions{Priority: priority(10), Config: map[string]string{"answer": "late"}})

		hook := ext.NewFirstWins[string, string](r, "answer", ext.HookOptions{Timeout: hookTimeout})
		res, err := hook.Fire(ctx, "may I?")
		require.NoError(t, err)
		require.Equal(t, "good3", res.Winner)
		require.Equal(t, "from good3", res.Value)
		o, _ := res.Outcome("good1")
		require.False(t, o.Answered)
		require.NoError(t, o.Err)
		o, _ = res.Outcome("good2")
		require.True(t, o.Skipped)
		requireMisbehaved(t, res)
	})

	t.Run("veto", func(t *testing.T) {
		type verdict struct {
			Deny   bool   `json:"deny"`
			Reason string `json:"reason"`
		}
		r := newRegistry(t, ext.Options{})
		register(t, r, "quiet", "tag", ext.PluginOptions{})
		register(t, r, "guard", "tag", ext.PluginOptions{Config: map[string]string{"answer": `{"deny":true,"reason":"read-only"}`}})
		register(t, r, "other", "tag", ext.PluginOptions{Config: map[string]string{"answer": `{"deny":false}`}})
		hook := ext.NewFirstWins[string, verdict](r, "answer", ext.HookOptions{Codec: jsonCodec()})
		res, err := hook.Fire(ctx, "save")
		require.NoError(t, err)
		require.Equal(t, "guard", res.Winner)
		require.Equal(t, verdict{Deny: true, Reason: "read-only"}, res.Value)
		o, _ := res.Outcome("quiet")
		require.False(t, o.Answered)
		o, _ = res.Outcome("other")
		require.True(t, o.Skipped)
	})
}

func TestFireCancelled(t *testing.T) {
	r := crowd(t, false)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	hook := ext.NewFilter[string](r, "append", ext.HookOptions{})
	res, err := hook.Fire(ctx, "v")
	require.NoError(t, err)
	require.Equal(t, "v", res.Value)
	for _, o := range res.Outcomes {
		require.True(t, o.Skipped)
		require.ErrorIs(t, o.Err, context.Canceled)
	}
}

func TestFireEncodeError(t *testing.T) {
	r := newRegistry(t, ext.Options{})
	register(t, r, "a", "tag", ext.PluginOptions{})
	hook := ext.NewNotify[chan int, string](r, "append", ext.HookOptions{Codec: jsonCodec()})
	_, err := hook.Fire(context.Background(), make(chan int))
	require.ErrorIs(t, err, codec.ErrEncode)
}
