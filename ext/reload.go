package ext

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Reload replaces the plug-in's code with src while it serves calls; a zero
// src means the plug-in's source again (the file or directory re-read, the
// Go plug-in rebuilt). The new version is compiled and one instance of it
// started first: if that fails (the module does not compile, imports what
// was not granted, or traps while starting) the old version keeps serving
// and Reload says why. Otherwise calls from then on run the new version,
// calls running finish on the old one, and the old one is closed after the
// last of them. Grants and options stay those given to Register.
func (r *Registry) Reload(ctx context.Context, name string, src Source) error {
	p, ok := r.Plugin(name)
	if !ok {
		return fmt.Errorf("%w: %q", ErrNotRegistered, name)
	}
	p.reloadMu.Lock()
	defer p.reloadMu.Unlock()
	old := p.cur.Load()
	if old == nil {
		return fmt.Errorf("%w: %q", ErrNotRegistered, name)
	}
	if src.Path == "" && src.Wasm == nil && src.Manifest == nil {
		src = p.src
	}
	v, err := r.build(ctx, p, src, old.gen+1)
	if err != nil {
		return fmt.Errorf("ext: reload %q (version %d still serves): %w", name, old.gen, err)
	}
	p.cur.Store(v)
	p.src = src
	p.reloads.Add(1)
	r.index.Store(nil)
	old.release()
	return nil
}

// watcher reloads plug-ins registered with PluginOptions.Watch when their
// files change. One goroutine reads file events; each plug-in's reload
// waits for Options.WatchDebounce of quiet. Close stops both.
type watcher struct {
	r      *Registry
	fs     *fsnotify.Watcher
	done   chan struct{} // closed when the event goroutine ends
	mu     sync.Mutex
	paths  map[string]watchedPath // by plug-in name
	dirs   map[string]int         // watched directories, by number of plug-ins
	timers map[string]*time.Timer
	busy   sync.WaitGroup // reloads running
	shut   bool
}

type watchedPath struct {
	path string // absolute
	dir  bool   // a Go plug-in directory: any file in it counts
}

// watchPlugin starts watching the source of the plug-in name.
func (r *Registry) watchPlugin(name, path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return ErrClosed
	}
	if r.watch == nil {
		fs, err := fsnotify.NewWatcher()
		if err != nil {
			r.mu.Unlock()
			return err
		}
		r.watch = &watcher{r: r, fs: fs, done: make(chan struct{}),
			paths: map[string]watchedPath{}, dirs: map[string]int{}, timers: map[string]*time.Timer{}}
		go r.watch.run()
	}
	w := r.watch
	r.mu.Unlock()
	dir, isDir := abs, true
	if fi, err := statDir(abs); err != nil {
		return err
	} else if !fi {
		dir, isDir = filepath.Dir(abs), false // the directory: editors replace files
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.shut {
		return ErrClosed
	}
	if w.dirs[dir] == 0 {
		if err := w.fs.Add(dir); err != nil {
			return err
		}
	}
	w.dirs[dir]++
	w.paths[name] = watchedPath{path: abs, dir: isDir}
	return nil
}

// remove stops watching the plug-in name.
func (w *watcher) remove(name string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	wp, ok := w.paths[name]
	if !ok {
		return
	}
	delete(w.paths, name)
	if t := w.timers[name]; t != nil {
		t.Stop()
		delete(w.timers, name)
	}
	dir := wp.path
	if !wp.dir {
		dir = filepath.Dir(wp.path)
	}
	if w.dirs[dir]--; w.dirs[dir] <= 0 {
		delete(w.dirs, dir)
		if !w.shut {
			_ = w.fs.Remove(dir)
		}
	}
}

func (w *watcher) run() {
	defer close(w.done)
	for {
		select {
		case ev, ok := <-w.fs.Events:
			if !ok {
				return
			}
			if ev.Op == fsnotify.Chmod {
				continue
			}
			w.changed(ev.Name)
		case err, ok := <-w.fs.Errors:
			if !ok {
				return
			}
			if f := w.r.opts.OnReload; f != nil {
				f("", fmt.Errorf("ext: watch: %w", err))
			}
		}
	}
}

// changed schedules the reload of every plug-in whose source file changed.
func (w *watcher) changed(file string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for name, wp := range w.paths {
		if file != wp.path && !(wp.dir && filepath.Dir(file) == wp.path) {
			continue
		}
		if t := w.timers[name]; t != nil {
			t.Reset(w.r.opts.WatchDebounce)
			continue
		}
		w.timers[name] = time.AfterFunc(w.r.opts.WatchDebounce, func() { w.reload(name) })
	}
}

func (w *watcher) reload(name string) {
	w.mu.Lock()
	if w.shut {
		w.mu.Unlock()
		return
	}
	delete(w.timers, name)
	w.busy.Add(1)
	w.mu.Unlock()
	defer w.busy.Done()
	err := w.r.Reload(w.r.ctx, name, Source{})
	if f := w.r.opts.OnReload; f != nil {
		f(name, err)
	}
}

// close stops the event goroutine, the pending reloads, and waits for the
// reloads running (the registry's context is cancelled first).
func (w *watcher) close() error {
	w.mu.Lock()
	if w.shut {
		w.mu.Unlock()
		return nil
	}
	w.shut = true
	for _, t := range w.timers {
		t.Stop()
	}
	w.mu.Unlock()
	err := w.fs.Close()
	<-w.done
	w.busy.Wait()
	if errors.Is(err, fsnotify.ErrClosed) {
		err = nil
	}
	return err
}

func statDir(path string) (bool, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return false, fmt.Errorf("%w: %w", ErrSource, err)
	}
	return fi.IsDir(), nil
}
