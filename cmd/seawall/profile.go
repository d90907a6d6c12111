package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/seawall/seawall/internal/enforce"
	"github.com/seawall/seawall/internal/manifest"
	"github.com/seawall/seawall/internal/nodeconfig"
	"github.com/seawall/seawall/profiles"
)

const profileUsage = `usage: seawall profile [--config FILE] (--app ID | --manifest FILE)

Prints, as JSON, the seccomp profile seawall requires for an app's containers:
the manifest's seccomp_profile rendered for its capabilities. podman takes it
with --security-opt seccomp=FILE, so that a container started with the
manifest's settings reaches the runtime without changes.
`

func runProfile(args []string, stdout, stderr io.Writer) int {
	flags, configFlag := newFlags("profile", profileUsage, stderr)
	app := flags.String("app", "", "the app `id`, looked up in the node's manifests directory")
	manifestFlag := flags.String("manifest", "", "the manifest `file`")
	if code, done := parseFlags(flags, args); done {
		return code
	}
	if flags.NArg() != 0 || (*app == "") == (*manifestFlag == "") {
		flags.Usage()
		return exitUsage
	}

	m, err := loadManifest(*configFlag, *app, *manifestFlag)
	if err != nil {
		fmt.Fprintf(stderr, "seawall profile: %v\n", err)
		return exitInvalid
	}
	profile, err := profiles.Seccomp(m.Security.SeccompProfile, m.CapabilityNames())
	if err != nil {
		fmt.Fprintf(stderr, "seawall profile: %v\n", err)
		return exitInvalid
	}
	encoder := json.NewEncoder(stdout)
	encoder.SetIndent("", "  ")
	if err := encoder.Encode(profile); err != nil {
		fmt.Fprintf(stderr, "seawall profile: %v\n", err)
		return exitInvalid
	}
	return exitOK
}

func loadManifest(configFlag, app, file string) (*manifest.Manifest, error) {
	if file != "" {
		return manifest.Load(file)
	}
	config, err := nodeconfig.Load(nodeconfig.Resolve(configFlag))
	if err != nil {
		return nil, err
	}
	enforcer := &enforce.Enforcer{Config: config}
	return enforcer.ManifestFor(app)
}
