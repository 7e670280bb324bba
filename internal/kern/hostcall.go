package kern

import "context"

// ErrorHandle is the handle of the current call's error message (what
// error_get returns), or 0.
func (in *Instance) ErrorHandle() uint64 { return in.readU64(offError) }

// SetError copies msg into a new block and makes it the current error, as
// the guest's error_set would: a guest may read it with error_get and clear
// it with error_set(0); otherwise the call fails with it. It returns the
// block's handle.
func (in *Instance) SetError(ctx context.Context, msg string) (uint64, error) {
	if msg == "" {
		msg = "error with no message"
	}
	h, err := in.Write(ctx, []byte(msg))
	if err != nil {
		return 0, err
	}
	in.writeU64(offError, h)
	return h, nil
}
