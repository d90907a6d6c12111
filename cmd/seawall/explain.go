package main

import (
	"fmt"
	"io"

	"github.com/seawall/seawall/internal/audit"
	"github.com/seawall/seawall/internal/nodeconfig"
)

const explainUsage = `usage: seawall explain [--config FILE] CONTAINER

Prints every decision seawall recorded for CONTAINER, oldest first: one for
each hook stage and runtime command that saw it. CONTAINER is a full or unique
short container id, or the container name where the engine recorded one. Each
finding shows what the config had, what the manifest allows, the manifest field
and the fix. Exits 0 when a decision was found, 1 when none was, 2 on a usage error.
`

func runExplain(args []string, stdout, stderr io.Writer) int {
	flags, configFlag := newFlags("explain", explainUsage, stderr)
	if code, done := parseFlags(flags, args); done {
		return code
	}
	if flags.NArg() != 1 {
		flags.Usage()
		return exitUsage
	}

	config, err := nodeconfig.Load(nodeconfig.Resolve(*configFlag))
	if err != nil {
		fmt.Fprintf(stderr, "seawall explain: %v\n", err)
		return exitUsage
	}
	log := audit.Log{Path: config.DecisionLog}
	records, err := log.Find(flags.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "seawall explain: %v\n", err)
		return exitInvalid
	}
	fmt.Fprintf(stdout, "container %s: %d decisions\n", records[0].ContainerID, len(records))
	for _, record := range records {
		fmt.Fprintln(stdout)
		printRecord(stdout, decider(record), record)
	}
	return exitOK
}

// decider names the program and stage that made a decision.
func decider(r audit.Record) string {
	if r.Layer == "runtime" {
		return "seawall-runtime " + r.Command
	}
	return "seawall-hook " + r.Layer
}
