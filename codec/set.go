package codec

// Set is a fixed set of codecs, looked up by name: a host holds the codecs it
// can speak and picks the one a plug-in declares. The zero value is an empty
// set. A Set is immutable once made, so it is safe for concurrent use and may
// be copied.
type Set struct {
	codecs []Codec
}

// NewSet returns the set of the given codecs. It fails with an error
// wrapping ErrName when two have the same name or a name is
// empty.
func NewSet(codecs ...Codec) (Set, error) {
	list := make([]Codec, 0, len(codecs))
	for _, c := range codecs {
		name := c.Name()
		if name == "" {
			return Set{}, &setError{msg: ErrName.Error() + ": empty"}
		}
		for _, d := range list {
			if d.Name() == name {
				return Set{}, &setError{msg: ErrName.Error() + ": duplicate " + quote(name)}
			}
		}
		list = append(list, c)
	}
	return Set{codecs: list}, nil
}

// Lookup returns the codec named name and whether the set has it.
func (s Set) Lookup(name string) (Codec, bool) {
	for _, c := range s.codecs {
		if c.Name() == name {
			return c, true
		}
	}
	return nil, false
}

// Names returns the names of the set's codecs, in the order NewSet got them.
func (s Set) Names() []string {
	names := make([]string, len(s.codecs))
	for i, c := range s.codecs {
		names[i] = c.Name()
	}
	return names
}

// Len returns the number of codecs in the set.
func (s Set) Len() int { return len(s.codecs) }

type setError struct{ msg string }

func (e *setError) Error() string { return e.msg }
func (e *setError) Unwrap() error { return ErrName }

func quote(s string) string { return "\"" + s + "\"" }
