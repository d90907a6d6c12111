package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/seawall/seawall/internal/enforce"
	"github.com/seawall/seawall/internal/manifest"
	"github.com/seawall/seawall/internal/nodeconfig"
	"github.com/seawall/seawall/internal/ociconfig"
)

const checkUsage = `usage: seawall check [--config FILE] [--manifest FILE] CONFIG

Evaluates the OCI runtime config CONFIG (a bundle's config.json) the way
seawall-runtime and seawall-hook would, and prints every finding. Nothing is
changed and no decision is recorded. The manifest is the one the config's app
annotation names in the node's manifests directory, unless --manifest names a
manifest file. Exits 0 when the container would start (as it is or tightened),
1 when it would be rejected, and 2 when CONFIG or the configuration cannot be read.
`

func runCheck(args []string, stdout, stderr io.Writer) int {
	flags, configFlag := newFlags("check", checkUsage, stderr)
	manifestFlag := flags.String("manifest", "", "evaluate against this manifest `file`")
	if code, done := parseFlags(flags, args); done {
		return code
	}
	if flags.NArg() != 1 {
		flags.Usage()
		return exitUsage
	}

	enforcer, err := checkEnforcer(*configFlag, *manifestFlag)
	if err != nil {
		fmt.Fprintf(stderr, "seawall check: %v\n", err)
		return exitUsage
	}
	data, _, err := ociconfig.ReadFile(flags.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "seawall check: %v\n", err)
		return exitUsage
	}

	result, err := enforcer.Enforce(enforce.Request{Command: "check", Config: data})
	var rejection *enforce.Rejection
	switch {
	case errors.As(err, &rejection):
		printRecord(stdout, flags.Arg(0), rejection.Record)
		if rejection.Record.Findings == nil {
			fmt.Fprintln(stdout, rejection.Message)
		}
		return exitInvalid
	case err != nil:
		fmt.Fprintf(stderr, "seawall check: %v\n", err)
		return exitUsage
	}
	printRecord(stdout, flags.Arg(0), result.Record)
	return exitOK
}

func checkEnforcer(configFlag, manifestFlag string) (*enforce.Enforcer, error) {
	config, err := nodeconfig.Load(nodeconfig.Resolve(configFlag))
	if err != nil {
		return nil, err
	}
	// check shows what enforcement would do, even on a node in audit mode.
	config.Mode, config.AppModes = nodeconfig.Enforce, nil
	enforcer := &enforce.Enforcer{Config: config, Layer: "check", DryRun: true}
	if manifestFlag != "" {
		m, err := manifest.Load(manifestFlag)
		if err != nil {
			return nil, err
		}
		enforcer.Manifest = m
	}
	return enforcer, nil
}

// newFlags returns the flag set of a subcommand, with its usage text and the
// --config flag that names the node configuration.
func newFlags(name, usage string, stderr io.Writer) (*flag.FlagSet, *string) {
	flags := flag.NewFlagSet(name, flag.ContinueOnError)
	flags.SetOutput(stderr)
	config := flags.String("config", "", "node configuration `file`")
	flags.Usage = func() {
		fmt.Fprint(stderr, usage)
		flags.PrintDefaults()
	}
	return flags, config
}

// parseFlags parses args and reports whether the command is done, with its code.
func parseFlags(flags *flag.FlagSet, args []string) (int, bool) {
	err := flags.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK, true
	}
	if err != nil {
		return exitUsage, true
	}
	return 0, false
}
