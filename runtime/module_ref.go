package runtime

import "context"

// Ref returns a new handle to m's compiled module: one more reference,
// closed on its own, with no bytes read, hashed or compiled (a cache hands
// these out). It fails with ErrClosed when m or its Runtime is closed.
func (m *Module) Ref() (*Module, error) {
	if err := m.rt.enter(); err != nil {
		return nil, err
	}
	defer m.rt.leave()
	if m.isClosed() {
		return nil, ErrClosed
	}
	if err := m.rt.modules.addRef(m.sm); err != nil {
		return nil, err
	}
	n := &Module{rt: m.rt, sm: m.sm}
	if err := m.rt.adopt(n); err != nil {
		_ = m.rt.modules.release(context.Background(), m.sm)
		return nil, err
	}
	return n, nil
}
