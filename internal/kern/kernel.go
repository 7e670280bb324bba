package kern

import (
	"context"
	"crypto/rand"
	_ "embed"
	"fmt"
	"net/http"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"

	"github.com/tendril-wasm/tendril/kernel"
)

// ModuleName is kernel.ModuleName.
const ModuleName = kernel.ModuleName

// hostModuleName is where the kernel's wasm finds its Go half. Plug-ins cannot
// import it: it is instantiated anonymously and resolved only for the kernel.
const hostModuleName = "tendril:kernel-host"

//go:embed kernel.wasm
var kernelWasm []byte

// Wasm returns a copy of the kernel's WebAssembly binary (built from kernel.wat).
func Wasm() []byte { return append([]byte(nil), kernelWasm...) }

// Memory layout of the kernel (see kernel.wat).
const (
	offTop       = 0
	offInput     = 8
	offInputLen  = 16
	offOutput    = 24
	offOutputLen = 32
	offError     = 40
	offFault     = 48
	offFaultArg  = 56
	offFreed     = 64
	heapStart    = 128
	pageSize     = 65536
)

// Kernel compiles the kernel once for a wazero runtime and instantiates one
// kernel per plug-in instance. It is safe for concurrent use.
type Kernel struct {
	runtime  wazero.Runtime
	compiled wazero.CompiledModule
	hostMod  api.Module
	resolve  experimental.ImportResolver
	config   wazero.ModuleConfig

	// instances maps each kernel module to its Instance, for the host
	// functions (which see only the module). Every host call reads it, from
	// every core at once: a sync.Map's loads write nothing shared, where an
	// RWMutex's RLock bounced one cache line between the cores on every
	// host call (+18% CPU per pooled call on two goroutines).
	instances sync.Map // api.Module -> *Instance

	httpMu     sync.Mutex
	transports map[transportKey]*http.Transport // see transport
}

// New compiles the kernel into r. Close releases it; closing r releases it too.
func New(ctx context.Context, r wazero.Runtime) (*Kernel, error) {
	k := &Kernel{runtime: r, transports: map[transportKey]*http.Transport{}}
	hostCompiled, err := k.hostModule(r).Compile(ctx)
	if err != nil {
		return nil, fmt.Errorf("kernel: compile host functions: %w", err)
	}
	k.hostMod, err = r.InstantiateModule(ctx, hostCompiled, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		return nil, fmt.Errorf("kernel: instantiate host functions: %w", err)
	}
	k.resolve = func(name string) api.Module {
		if name == hostModuleName {
			return k.hostMod
		}
		return nil
	}
	// Anonymous, no start function; a rand source that needs no seeding
	// (wazero seeds a fake one per module otherwise).
	k.config = wazero.NewModuleConfig().WithName("").WithStartFunctions().WithRandSource(rand.Reader)
	k.compiled, err = r.CompileModule(ctx, kernelWasm)
	if err != nil {
		_ = k.hostMod.Close(ctx)
		return nil, fmt.Errorf("kernel: compile: %w", err)
	}
	return k, nil
}

// Close releases the compiled kernel and closes the idle connections of the
// transports it made for plug-ins' requests. Instances must be closed first.
func (k *Kernel) Close(ctx context.Context) error {
	k.CloseIdleConnections()
	var errs []error
	if k.compiled != nil {
		errs = append(errs, k.compiled.Close(ctx))
	}
	if k.hostMod != nil {
		errs = append(errs, k.hostMod.Close(ctx))
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// lookup finds the instance whose kernel module is calling the host.
func (k *Kernel) lookup(mod api.Module) *Instance {
	in, _ := k.instances.Load(mod)
	i, _ := in.(*Instance)
	return i
}

// Exports lists the ABI functions the kernel provides, by name.
func (k *Kernel) Exports() map[string]api.FunctionDefinition {
	return k.compiled.ExportedFunctions()
}
