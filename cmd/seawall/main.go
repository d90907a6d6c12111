// Command seawall is the command-line tool for app packagers and node admins:
// it validates app manifests, checks a runtime config against the node's policy
// and explains the decisions seawall recorded.
package main

import (
	"fmt"
	"io"
	"os"
)

const usage = `usage: seawall COMMAND [ARGUMENTS]

Commands:
  validate FILE...        check app manifests, for app packagers
  check CONFIG            evaluate an OCI config.json against the node's policy
  explain CONTAINER       print seawall's recorded decisions for a container
  profile                 print the seccomp profile an app's containers must have
  install                 install the runtime wrapper, the OCI hook and the node files
  uninstall               remove what install wrote

Run seawall COMMAND -h for a command's options. The node configuration is
/etc/seawall/config.yaml unless --config or SEAWALL_CONFIG names another file.
`

// commands maps each subcommand to its implementation, which returns the exit code.
var commands = map[string]func(args []string, stdout, stderr io.Writer) int{
	"validate":  runValidate,
	"check":     runCheck,
	"explain":   runExplain,
	"profile":   runProfile,
	"install":   runInstall,
	"uninstall": runUninstall,
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	command, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "seawall: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	return command(args[1:], stdout, stderr)
}
