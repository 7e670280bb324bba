package runtime

// Plugin is the name of the plug-in the function belongs to, as the errors
// of its calls carry it, so that layers above (typed calls, hooks) can name
// it in errors of their own.
func (f *Function) Plugin() string { return f.plugin.Name() }
