// Command seawall is the command-line tool for seawall's app security manifests.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 || os.Args[1] != "validate" {
		fmt.Fprintln(os.Stderr, "usage: seawall validate [-q] FILE...")
		os.Exit(exitUsage)
	}
	os.Exit(runValidate(os.Args[2:], os.Stdout, os.Stderr))
}
