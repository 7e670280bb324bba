package runtime

import (
	"context"
	"errors"
	"sync"
)

// resource is anything in the ownership tree: it has Close(ctx).
type resource interface {
	Close(ctx context.Context) error
}

// node is the close bookkeeping that every owner in the tree shares
// (Runtime, Module, CompiledPlugin, Instance): it records live children,
// refuses new ones once closing has begun, and closes children before its
// own resources. Close is idempotent: only the first call does the work; a
// concurrent call waits for it to finish.
type node struct {
	mu     sync.Mutex
	closed bool
	kids   map[resource]struct{}
	once   sync.Once
}

// adopt records child, or fails with ErrClosed once n is closing.
func (n *node) adopt(child resource) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return ErrClosed
	}
	if n.kids == nil {
		n.kids = map[resource]struct{}{}
	}
	n.kids[child] = struct{}{}
	return nil
}

// drop forgets child (it closed itself).
func (n *node) drop(child resource) {
	n.mu.Lock()
	delete(n.kids, child)
	n.mu.Unlock()
}

// isClosed reports whether closing has begun.
func (n *node) isClosed() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.closed
}

// close marks n closed, closes every child, then runs own (may be nil).
// Every failure is kept (errors.Join). Only the first call does anything;
// later calls wait for it and return nil.
func (n *node) close(ctx context.Context, own func() error) error {
	var err error
	n.once.Do(func() {
		n.mu.Lock()
		n.closed = true
		kids := make([]resource, 0, len(n.kids))
		for k := range n.kids {
			kids = append(kids, k)
		}
		n.kids = nil
		n.mu.Unlock()
		var errs []error
		for _, k := range kids {
			errs = append(errs, k.Close(ctx))
		}
		if own != nil {
			errs = append(errs, own())
		}
		err = errors.Join(errs...)
	})
	return err
}
