package main

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/tendril-wasm/tendril/ext"
)

// watcher rebuilds and reloads a plug-in when a file of its directory
// changes, after debounce of quiet. Its goroutines end with close.
type watcher struct {
	fs       *fsnotify.Watcher
	cancel   context.CancelFunc
	done     sync.WaitGroup
	mu       sync.Mutex
	timers   map[string]*time.Timer
	closed   bool
	debounce time.Duration
}

// watch starts watching the directories of ps. onReload is told, from the
// watcher's goroutine, that a reload starts (err == errReloading) and how
// it ended.
func watch(l *loader, reg *ext.Registry, ps []*plugin, debounce time.Duration, onReload func(name string, err error)) (*watcher, error) {
	fs, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		if err := fs.Add(p.dir); err != nil {
			_ = fs.Close()
			return nil, err
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &watcher{fs: fs, cancel: cancel, timers: map[string]*time.Timer{}, debounce: debounce}
	reload := func(name string) {
		w.mu.Lock()
		if w.closed {
			w.mu.Unlock()
			return
		}
		w.done.Add(1) // under mu, so never after close's Wait began
		w.mu.Unlock()
		defer w.done.Done()
		onReload(name, errReloading)
		onReload(name, l.rebuild(ctx, reg, name))
	}
	w.done.Add(1)
	go func() {
		defer w.done.Done()
		for {
			select {
			case ev, ok := <-fs.Events:
				if !ok {
					return
				}
				base := filepath.Base(ev.Name)
				if ev.Op == fsnotify.Chmod || strings.HasPrefix(base, ".") || strings.HasSuffix(base, "~") {
					continue
				}
				name := filepath.Base(filepath.Dir(ev.Name))
				w.mu.Lock()
				if t, ok := w.timers[name]; ok {
					t.Reset(debounce)
				} else {
					w.timers[name] = time.AfterFunc(debounce, func() { reload(name) })
				}
				w.mu.Unlock()
			case _, ok := <-fs.Errors:
				if !ok {
					return
				}
			}
		}
	}()
	return w, nil
}

// errReloading is what onReload is told when a reload starts.
var errReloading = reloadingError{}

type reloadingError struct{}

func (reloadingError) Error() string { return "reloading" }

// close stops watching and waits for a reload that runs.
func (w *watcher) close() {
	w.cancel()
	_ = w.fs.Close()
	w.mu.Lock()
	w.closed = true
	for _, t := range w.timers {
		t.Stop()
	}
	w.mu.Unlock()
	w.done.Wait()
}
