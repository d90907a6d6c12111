// Command seawall-runtime is an OCI runtime wrapper: it enforces each app's
// security manifest on the bundle's config.json, then executes the real runc or
// crun with the same arguments.
package main

import (
	"os"

	"github.com/seawall/seawall/shim"
)

func main() {
	os.Exit(shim.Main(os.Args[1:], os.Stderr))
}
