package shim

// flagKind is whether a runtime flag takes a value.
type flagKind int

const (
	boolFlag flagKind = iota
	valueFlag
)

// flagSpec describes one flag in the union of runc's and crun's grammars.
type flagSpec struct {
	kind flagKind
	// canonical is the long name that aliases map to.
	canonical string
}

// flagTable maps every accepted spelling of a flag, without dashes, to its spec.
type flagTable map[string]flagSpec

func newFlagTable(entries ...flagEntry) flagTable {
	table := flagTable{}
	for _, e := range entries {
		for _, name := range e.names {
			table[name] = flagSpec{kind: e.kind, canonical: e.names[0]}
		}
	}
	return table
}

type flagEntry struct {
	kind  flagKind
	names []string // the long name first, then its aliases
}

func flag(kind flagKind, names ...string) flagEntry {
	return flagEntry{kind: kind, names: names}
}

// SeawallConfigFlag is the global flag, never passed on to the runtime, that
// names seawall's node configuration. podman passes it on every runtime call with
// --runtime-flag seawall-config=PATH, since conmon gives the runtime no
// environment.
const SeawallConfigFlag = "seawall-config"

// globalFlags are the flags runc and crun accept before the subcommand.
var globalFlags = newFlagTable(
	flag(boolFlag, "debug"),
	flag(boolFlag, "systemd-cgroup"),
	flag(boolFlag, "help", "h", "?"),
	flag(boolFlag, "version", "v", "V"),
	flag(boolFlag, "usage"),
	flag(valueFlag, "log"),
	flag(valueFlag, "log-format"),
	flag(valueFlag, "log-level"),
	flag(valueFlag, "root"),
	flag(valueFlag, "criu"),
	flag(valueFlag, "rootless"),
	flag(valueFlag, "cgroup-manager"),
	flag(valueFlag, SeawallConfigFlag),
)

// createFlags are the flags of create and run.
var createFlags = newFlagTable(
	flag(valueFlag, "bundle", "b"),
	flag(valueFlag, "config", "f"),
	flag(valueFlag, "console-socket"),
	flag(valueFlag, "pid-file"),
	flag(valueFlag, "preserve-fds"),
	flag(boolFlag, "detach", "d"),
	flag(boolFlag, "keep"),
	flag(boolFlag, "no-pivot"),
	flag(boolFlag, "no-new-keyring"),
	flag(boolFlag, "no-subreaper"),
	flag(boolFlag, "help", "h", "?"),
)

// restoreFlags are the flags of restore.
var restoreFlags = newFlagTable(
	flag(valueFlag, "bundle", "b"),
	flag(valueFlag, "console-socket"),
	flag(valueFlag, "image-path"),
	flag(valueFlag, "work-path"),
	flag(valueFlag, "pid-file"),
	flag(valueFlag, "manage-cgroups-mode"),
	flag(valueFlag, "empty-ns"),
	flag(valueFlag, "lsm-profile"),
	flag(valueFlag, "lsm-mount-context"),
	flag(boolFlag, "tcp-established"),
	flag(boolFlag, "ext-unix-sk"),
	flag(boolFlag, "shell-job"),
	flag(boolFlag, "file-locks"),
	flag(boolFlag, "detach", "d"),
	flag(boolFlag, "no-subreaper"),
	flag(boolFlag, "no-pivot"),
	flag(boolFlag, "auto-dedup"),
	flag(boolFlag, "lazy-pages"),
	flag(boolFlag, "help", "h", "?"),
)

// execFlags are the flags of exec.
var execFlags = newFlagTable(
	flag(valueFlag, "console-socket"),
	flag(valueFlag, "pidfd-socket"),
	flag(valueFlag, "cwd"),
	flag(valueFlag, "env", "e"),
	flag(valueFlag, "user", "u"),
	flag(valueFlag, "additional-gids", "g"),
	flag(valueFlag, "process", "p"),
	flag(valueFlag, "pid-file"),
	flag(valueFlag, "process-label"),
	flag(valueFlag, "apparmor"),
	flag(valueFlag, "cap", "c"),
	flag(valueFlag, "preserve-fds"),
	flag(valueFlag, "cgroup"),
	flag(boolFlag, "tty", "t"),
	flag(boolFlag, "detach", "d"),
	flag(boolFlag, "no-new-privs"),
	flag(boolFlag, "ignore-paused"),
	flag(boolFlag, "no-subreaper"),
	flag(boolFlag, "help", "h", "?"),
)

// enforcedFlags maps each subcommand seawall enforces to its flag grammar.
var enforcedFlags = map[string]flagTable{
	"create":  createFlags,
	"run":     createFlags,
	"restore": restoreFlags,
	"exec":    execFlags,
}
