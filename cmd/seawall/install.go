package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/seawall/seawall/internal/install"
)

const installUsage = `usage: seawall install [--root DIR] [--hooks-dir DIR] [--default-runtime]

Installs seawall on this node: seawall, seawall-runtime and seawall-hook in
/usr/local/bin, the hook definitions for the precreate, prestart and poststart
stages in /usr/share/containers/oci/hooks.d, a containers.conf drop-in that
registers seawall-runtime as the runtime "seawall", and the node configuration
and manifests directory under /etc/seawall. The binaries are copied from the
directory this seawall runs from. Files are root-owned and not writable by
others. Running it again changes only what differs; an existing node
configuration is kept. With --root, every path is placed under DIR and the
written files name those paths, which suits a trial or a test; the runtime is
then registered as a launcher script that passes the configuration's path.
`

const uninstallUsage = `usage: seawall uninstall [--root DIR]

Removes what seawall install wrote, as recorded in /var/lib/seawall/installed.json.
A file changed since the install, such as an edited node configuration, is kept
and listed, and so is a directory that is not empty. Stop the containers that
run with the seawall runtime first: podman needs the runtime to stop them.
`

func runInstall(args []string, stdout, stderr io.Writer) int {
	options, code, done := installOptions("install", installUsage, args, stderr)
	if done {
		return code
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "seawall install: finding the binaries: %v\n", err)
		return exitInvalid
	}
	options.BinDir = filepath.Dir(self)

	changes, err := install.Install(options)
	printChanges(stdout, changes)
	if err != nil {
		fmt.Fprintf(stderr, "seawall install: %v\n", err)
		return exitInvalid
	}
	if options.Root != "/" {
		hooksDir := options.HooksDir
		if hooksDir == "" {
			hooksDir = filepath.Join(options.Root, "usr/share/containers/oci/hooks.d")
		}
		fmt.Fprintf(stdout, "\nwith podman, use --runtime %s, which starts seawall-runtime "+
			"with this configuration, and --hooks-dir %s\n",
			filepath.Join(options.Root, "usr/local/libexec/seawall/seawall-runtime"), hooksDir)
	}
	return exitOK
}

func runUninstall(args []string, stdout, stderr io.Writer) int {
	options, code, done := installOptions("uninstall", uninstallUsage, args, stderr)
	if done {
		return code
	}
	changes, err := install.Uninstall(options)
	printChanges(stdout, changes)
	if err != nil {
		fmt.Fprintf(stderr, "seawall uninstall: %v\n", err)
		return exitInvalid
	}
	if len(changes) == 0 {
		fmt.Fprintln(stdout, "nothing to uninstall: no install is recorded under "+options.Root)
	}
	return exitOK
}

func installOptions(name, usage string, args []string, stderr io.Writer) (install.Options,
	int, bool) {
	flags := flag.NewFlagSet(name, flag.ContinueOnError)
	flags.SetOutput(stderr)
	root := flags.String("root", "/", "install under `DIR` instead of the node's root")
	var hooksDir *string
	var defaultRuntime *bool
	if name == "install" {
		hooksDir = flags.String("hooks-dir", "", "hooks.d `directory` (default under the root)")
		defaultRuntime = flags.Bool("default-runtime", false,
			"also make seawall-runtime podman's default runtime")
	}
	flags.Usage = func() {
		fmt.Fprint(stderr, usage)
		flags.PrintDefaults()
	}
	if code, done := parseFlags(flags, args); done {
		return install.Options{}, code, true
	}
	if flags.NArg() != 0 {
		flags.Usage()
		return install.Options{}, exitUsage, true
	}
	options := install.Options{Root: *root}
	if name == "install" {
		options.HooksDir, options.DefaultRuntime = *hooksDir, *defaultRuntime
	}
	return options, 0, false
}

func printChanges(w io.Writer, changes []install.Change) {
	for _, c := range changes {
		fmt.Fprintln(w, c)
	}
}
