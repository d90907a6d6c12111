package install

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/seawall/seawall/internal/nodeconfig"
)

// Binaries are the programs Install copies from Options.BinDir.
var Binaries = []string{"seawall", "seawall-runtime", "seawall-hook"}

// hookStages are the stages seawall-hook is installed for, one hooks.d file
// each. A hook learns its stage only from its arguments: runc and crun report
// different container statuses at prestart and poststart.
var hookStages = []string{"precreate", "prestart", "poststart"}

// hookTimeout is the engine's limit for one hook run, in seconds; seawall-hook
// gives up sooner, after its own deadline.
const hookTimeout = 30

// hookFile is a hooks.d definition in the 1.0.0 schema that podman reads.
type hookFile struct {
	Version string    `json:"version"`
	Hook    hookEntry `json:"hook"`
	When    hookWhen  `json:"when"`
	Stages  []string  `json:"stages"`
}

type hookEntry struct {
	Path    string   `json:"path"`
	Args    []string `json:"args"`
	Timeout int      `json:"timeout"`
}

type hookWhen struct {
	Always bool `json:"always"`
}

// items lists everything Install writes, directories before their files.
func items(p paths, o Options) ([]item, error) {
	list := []item{
		{path: p.etc, mode: 0o755},
		{path: p.apps, mode: 0o755},
		{path: p.config, content: []byte(nodeConfig(p)), mode: 0o644, keepExisting: true},
	}
	for _, name := range Binaries {
		content, err := os.ReadFile(filepath.Join(o.BinDir, name))
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w; run make build first", name, err)
		}
		list = append(list, item{path: filepath.Join(p.binDir, name), content: content,
			mode: 0o755})
	}
	for _, stage := range hookStages {
		content, err := hookDefinition(p, stage)
		if err != nil {
			return nil, err
		}
		list = append(list, item{path: filepath.Join(p.hooksDir, hookFileName(stage)),
			content: content, mode: 0o644})
	}
	if p.config != nodeconfig.DefaultPath {
		list = append(list, item{path: p.launcher, content: []byte(launcher(p)), mode: 0o755})
	}
	return append(list, item{path: p.dropIn, content: []byte(dropIn(p, o)), mode: 0o644}), nil
}

// launcher is a script that starts seawall-runtime with a node configuration
// other than the default. Podman passes --runtime-flag options on most runtime
// calls but not on those of its cleanup process, so the configuration path must
// come with the runtime itself.
func launcher(p paths) string {
	return fmt.Sprintf("#!/bin/sh\n# Written by seawall install: seawall-runtime with the "+
		"node configuration under %s.\nexec %s %s \"$@\"\n", strings.ReplaceAll(p.root, "\n", " "),
		shellQuote(filepath.Join(p.binDir, "seawall-runtime")),
		shellQuote("--seawall-config="+p.config))
}

// shellQuote quotes s for sh, so that no character of a path is special.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// runtimePath returns the runtime that the drop-in registers for the engine:
// seawall-runtime itself, or its launcher when the configuration is elsewhere.
func (p paths) runtimePath() string {
	if p.config != nodeconfig.DefaultPath {
		return p.launcher
	}
	return filepath.Join(p.binDir, "seawall-runtime")
}

// hookFileName names the hook definition of a stage. Podman runs the hooks of a
// stage in the order of their file names, and each precreate hook gets the
// config the one before wrote. seawall's precreate hook is therefore named to
// sort after the usual names, so that it receives the config the others leave.
func hookFileName(stage string) string {
	if stage == "precreate" {
		return "zz-seawall-precreate.json"
	}
	return "seawall-" + stage + ".json"
}

func hookDefinition(p paths, stage string) ([]byte, error) {
	args := []string{"seawall-hook"}
	if p.config != nodeconfig.DefaultPath {
		args = append(args, "--config", p.config)
	}
	definition := hookFile{
		Version: "1.0.0",
		Hook: hookEntry{Path: filepath.Join(p.binDir, "seawall-hook"),
			Args: append(args, stage), Timeout: hookTimeout},
		When:   hookWhen{Always: true},
		Stages: []string{stage},
	}
	data, err := json.MarshalIndent(definition, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding the %s hook: %w", stage, err)
	}
	return append(data, '\n'), nil
}

// dropIn is the containers.conf drop-in that registers seawall-runtime.
func dropIn(p paths, o Options) string {
	var b strings.Builder
	b.WriteString("# Written by seawall install; seawall uninstall removes it.\n")
	if o.DefaultRuntime {
		b.WriteString("[engine]\nruntime = \"seawall\"\n\n")
	}
	fmt.Fprintf(&b, "[engine.runtimes]\nseawall = [%q]\n", p.runtimePath())
	return b.String()
}

// nodeConfig is the node configuration a new install starts with.
func nodeConfig(p paths) string {
	return fmt.Sprintf(`# seawall node configuration, written by seawall install.
# Every key is described in seawall's README.
mode: enforce
manifests_dir: %s
runtime: %s
app_annotation: org.archipelago.app
unmanaged: default
default_user: "65534:65534"
decision_log: %s
syslog_socket: /dev/log
`, p.apps, runtimeOrDefault(), p.decisionLog)
}

// runtimeOrDefault is the runtime a new node configuration names: the one
// seawall would pick, or crun's usual path when none is installed yet.
func runtimeOrDefault() string {
	if runtime := nodeconfig.DefaultRuntime(); runtime != "" {
		return runtime
	}
	return "/usr/bin/crun"
}
