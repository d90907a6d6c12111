package e2e

import (
	"fmt"
	"os"
	"sync/atomic"
	"testing"

	"github.com/seawall/seawall/internal/nodeconfig"
)

// ociRuntime is a real OCI runtime and how to start programs that use it.
type ociRuntime struct {
	name string
	path string
	// prefix runs a command in a mount namespace where this runtime works, or is
	// empty when the host's works.
	prefix []string
}

// hybridWorkaround makes crun usable on hosts with a hybrid cgroup layout, which
// crun 1.8 refuses: the command runs in a private mount namespace without the
// cgroup2 mount at /sys/fs/cgroup/unified.
var hybridWorkaround = []string{"unshare", "-m", "--", "sh", "-c",
	`umount /sys/fs/cgroup/unified && exec "$@"`, "sh"}

// runtimes returns runc and crun, failing under CI=true when either is missing.
func runtimes(t *testing.T) []ociRuntime {
	t.Helper()
	list := []ociRuntime{{name: "runc", path: requireTool(t, "runc")}}
	crun := ociRuntime{name: "crun", path: requireTool(t, "crun")}
	if nodeconfig.HybridCgroups() {
		requireTool(t, "unshare")
		crun.prefix = hybridWorkaround
	}
	return append(list, crun)
}

// run starts name with args through the runtime's prefix.
func (r ociRuntime) run(t *testing.T, name string, args ...string) (string, string, error) {
	t.Helper()
	full := append(append(append([]string{}, r.prefix...), name), args...)
	return command(t, nil, full[0], full[1:]...)
}

var containerCounter atomic.Int64

// containerID returns an id no other test uses.
func containerID(prefix string) string {
	return fmt.Sprintf("seawall-%s-%d-%d", prefix, os.Getpid(), containerCounter.Add(1))
}
