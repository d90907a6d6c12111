package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/seawall/seawall/internal/manifest"
)

// Exit codes of seawall validate. exitOK is also the code after -h prints the usage.
const (
	exitOK      = 0
	exitInvalid = 1
	exitUsage   = 2
)

const validateUsage = `usage: seawall validate [-q] FILE...

Checks each app manifest FILE and prints every problem in it to stderr, one per
line as FILE:LINE:COLUMN: KEY: PROBLEM; FIX. Exits 0 when every file is valid,
1 when any is not, and 2 on a usage error.
`

// runValidate implements `seawall validate FILE...`. It returns the exit code:
// 0 when every file is valid, 1 when any is not, and 2 on a usage error such as
// no files. Problems go to stderr, and one summary line per valid file to
// stdout unless -q is given.
func runValidate(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("validate", flag.ContinueOnError)
	flags.SetOutput(stderr)
	quiet := flags.Bool("q", false, "print nothing for valid files")
	flags.Usage = func() {
		fmt.Fprint(stderr, validateUsage)
		flags.PrintDefaults()
	}

	err := flags.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		return exitUsage
	}
	if flags.NArg() == 0 {
		fmt.Fprintln(stderr, "seawall validate: no manifest files given")
		flags.Usage()
		return exitUsage
	}

	status := exitOK
	for _, file := range flags.Args() {
		if !validateFile(file, *quiet, stdout, stderr) {
			status = exitInvalid
		}
	}
	return status
}

// validateFile loads one manifest file, prints its problems or its summary, and
// reports whether it is valid.
func validateFile(file string, quiet bool, stdout, stderr io.Writer) bool {
	m, err := manifest.Load(file)
	var problems manifest.Problems
	if errors.As(err, &problems) {
		for _, p := range problems {
			fmt.Fprintln(stderr, p)
		}
		return false
	}
	if err != nil {
		fmt.Fprintf(stderr, "seawall validate: %v\n", err)
		return false
	}

	if !quiet {
		fmt.Fprintf(stdout, "%s: valid (%s)\n", file, summarize(m))
	}
	return true
}

// summarize returns the facts about a valid manifest that a reviewer checks first,
// such as "electrs 0.10.5, 1 capability, seccomp default".
func summarize(m *manifest.Manifest) string {
	summary := fmt.Sprintf("%s %s, %s, seccomp %s", m.ID, m.AppVersion,
		count(len(m.Security.Capabilities), "capability", "capabilities"),
		m.Security.SeccompProfile)
	if len(m.Devices) > 0 {
		summary += ", " + count(len(m.Devices), "device", "devices")
	}
	if !m.Security.ReadonlyRoot {
		summary += ", writable root"
	}
	return summary
}

// count returns n followed by the singular or plural noun.
func count(n int, singular, plural string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, singular)
	}
	return fmt.Sprintf("%d %s", n, plural)
}
