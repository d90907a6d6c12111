package shim

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/sirupsen/logrus"

	"github.com/seawall/seawall/internal/enforce"
	"github.com/seawall/seawall/internal/nodeconfig"
	"github.com/seawall/seawall/internal/ociconfig"
)

// activeEnv is set in the environment of the real runtime. Finding it at start
// means the configured runtime led back to seawall-runtime.
const activeEnv = "SEAWALL_RUNTIME_ACTIVE"

// Main runs seawall-runtime with args, the command line without the program
// name. On success it does not return: the process becomes the real runtime. It
// returns the exit status for a rejection.
func Main(args []string, stderr io.Writer) int {
	cwd, err := os.Getwd()
	if err != nil {
		return reject(nil, stderr, fmt.Errorf("reading the working directory: %w", err))
	}
	inv, err := Parse(args, cwd)
	if err != nil {
		return reject(nil, stderr, fmt.Errorf("invalid command line: %w", err))
	}

	config, err := loadConfig(inv, stderr)
	if err != nil {
		return reject(inv, stderr, err)
	}
	runtime, err := realRuntime(config)
	if err != nil {
		return reject(inv, stderr, err)
	}

	if inv.Enforced() {
		enforcer := &enforce.Enforcer{Config: config, Layer: "runtime"}
		if err := enforceInvocation(inv, enforcer, runtime); err != nil {
			return reject(inv, stderr, err)
		}
	}

	argv := append([]string{runtime}, inv.RuntimeArgs()...)
	env := append(os.Environ(), activeEnv+"="+runtime+" from "+configName(config))
	err = syscall.Exec(runtime, argv, env)
	return reject(inv, stderr, fmt.Errorf("starting runtime %q: %w", runtime, err))
}

// loadConfig loads the node configuration. When the configuration is unusable,
// a command that starts no process, such as kill or delete, still runs with the
// default runtime and a warning on stderr. Containers can then be stopped and
// removed while an admin repairs the file.
func loadConfig(inv *Invocation, stderr io.Writer) (*nodeconfig.Config, error) {
	config, err := nodeconfig.Load(nodeconfig.Resolve(inv.SeawallConfig()))
	if err == nil || inv.Enforced() {
		return config, err
	}
	fallback, fallbackErr := nodeconfig.LoadDefaults()
	if fallbackErr != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "seawall: warning: %v; running %s with the default runtime %s\n",
		err, inv.Command, fallback.Runtime)
	return fallback, nil
}

func enforceInvocation(inv *Invocation, enforcer *enforce.Enforcer, runtime string) error {
	if inv.Command == "exec" {
		return enforceExec(inv, enforcer, runtime)
	}

	req := enforce.Request{Command: inv.Command, ContainerID: inv.ContainerID,
		Bundle: inv.Bundle}
	if err := checkInvocation(inv); err != nil {
		return enforcer.Reject(req, err)
	}
	data, info, err := ociconfig.ReadFile(inv.ConfigFile)
	if err != nil {
		return enforcer.Reject(req, err)
	}
	for _, path := range []string{inv.Bundle, filepath.Dir(inv.ConfigFile), inv.ConfigFile} {
		if err := checkPrivate(path, containerRoot(data)); err != nil {
			return enforcer.Reject(req, err)
		}
	}
	req.Config = data
	result, err := enforcer.Enforce(req)
	if err != nil {
		return err
	}
	if !result.Changed {
		return nil
	}
	if err := ociconfig.WriteFile(inv.ConfigFile, result.Output, info); err != nil {
		return enforcer.Reject(req, err)
	}
	return nil
}

// realRuntime returns the configured runtime after making sure it is not this
// program, which would exec itself forever.
func realRuntime(config *nodeconfig.Config) (string, error) {
	runtime, err := config.RealRuntime()
	if err != nil {
		return "", err
	}
	if outer := os.Getenv(activeEnv); outer != "" {
		return "", fmt.Errorf("seawall-runtime was started by the runtime %s, which leads "+
			"back to seawall-runtime; set runtime there to crun or runc itself", outer)
	}
	self, err := os.Stat("/proc/self/exe")
	if err != nil {
		return "", fmt.Errorf("finding seawall-runtime's own executable: %w", err)
	}
	target, err := os.Stat(runtime)
	if err != nil {
		return "", fmt.Errorf("runtime: %w", err)
	}
	if os.SameFile(self, target) {
		return "", fmt.Errorf("runtime %q is seawall-runtime itself; set runtime in %s "+
			"to crun or runc", runtime, configName(config))
	}
	return runtime, nil
}

func configName(config *nodeconfig.Config) string {
	if config.Path == "" {
		return nodeconfig.DefaultPath
	}
	return config.Path
}

// reject reports err on stderr and, when the engine gave one, as one error line
// in the runtime log file in the format it asked for. It returns the exit status.
func reject(inv *Invocation, stderr io.Writer, err error) int {
	message := err.Error()
	var rejection *enforce.Rejection
	if !errors.As(err, &rejection) && !strings.HasPrefix(message, "seawall: ") {
		message = "seawall: rejected: " + message
	}
	message = podmanSafe.Replace(message)
	fmt.Fprintln(stderr, message)

	if inv != nil && inv.Log() != "" {
		if logErr := appendRuntimeLog(inv.Log(), inv.LogFormat(), message); logErr != nil {
			fmt.Fprintf(stderr, "seawall: writing runtime log %q: %v\n", inv.Log(), logErr)
		}
	}
	return 1
}

// podmanSafe rewords system error texts that podman 4.3 searches a runtime's
// error output for. It reports "no such file or directory" as a missing runtime
// command (exit 127) and "permission denied" as a permission error of its own
// (exit 126), hiding seawall's message.
var podmanSafe = strings.NewReplacer("no such file or directory", "does not exist",
	"permission denied", "access denied")

// appendRuntimeLog writes one error entry the way runc and crun write theirs,
// since the engine reads the runtime's failure from that file.
func appendRuntimeLog(path, format, message string) error {
	file, err := os.OpenFile(filepath.Clean(path), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer file.Close()

	logger := logrus.New()
	logger.SetOutput(file)
	if format == "json" {
		logger.SetFormatter(&logrus.JSONFormatter{})
	} else {
		logger.SetFormatter(&logrus.TextFormatter{DisableColors: true, FullTimestamp: true})
	}
	logger.Error(message)
	return nil
}
