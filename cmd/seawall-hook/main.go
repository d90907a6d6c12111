// Command seawall-hook is an OCI hook for podman: precreate tightens
// or rejects each container's config, prestart rejects a config loosened after
// that, and poststart kills a container whose process does not match its
// manifest. Install it with seawall install.
package main

import (
	"os"

	"github.com/seawall/seawall/hook"
)

func main() {
	os.Exit(hook.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
