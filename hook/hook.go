// Package hook implements seawall-hook, an OCI hook that podman runs for every
// container. The precreate stage rewrites the config with the same policy core
// as seawall-runtime. The prestart (or createRuntime) stage rejects a config that
// something loosened afterwards. The poststart stage checks in /proc what the
// runtime applied, and kills a container that does not match its manifest.
//
// A hook runs with an empty environment, so the hook reads its node
// configuration from --config or the default path, and it starts no other
// program: running the engine from inside its own hook would deadlock.
package hook

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/seawall/seawall/internal/enforce"
	"github.com/seawall/seawall/internal/nodeconfig"
	"github.com/seawall/seawall/internal/ociconfig"
)

// The stages seawall-hook implements, named as in hooks.d files.
const (
	StagePrecreate     = "precreate"
	StagePrestart      = "prestart"
	StageCreateRuntime = "createRuntime"
	StagePoststart     = "poststart"
)

// Deadline bounds a whole hook run. A hook that runs out of time rejects the
// container; hooks.d files give the engine a longer timeout than this.
var Deadline = 20 * time.Second

// MaxInput is the most stdin a hook keeps, in bytes; the rest is read and dropped.
const MaxInput = ociconfig.MaxFileSize

const usage = `usage: seawall-hook [--config FILE] STAGE

STAGE is precreate, prestart, createRuntime or poststart. The engine runs the
hook with the container's config (precreate) or state (the others) on stdin.
`

// Main runs seawall-hook with args, the command line without the program name,
// and returns the exit status: 0 to let the container go on, 1 to stop it, 2 on
// a usage error. Only precreate writes to stdout, and only on success.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("seawall-hook", flag.ContinueOnError)
	flags.SetOutput(stderr)
	configFlag := flags.String("config", "", "node configuration `file`")
	flags.Usage = func() { fmt.Fprint(stderr, usage) }
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if flags.NArg() != 1 {
		flags.Usage()
		return 2
	}

	h := &hook{stage: flags.Arg(0), stderr: stderr, loaded: make(chan struct{})}
	result := make(chan outcome, 1)
	go func() { result <- h.run(*configFlag, stdin) }()

	select {
	case out := <-result:
		if out.err != nil {
			h.report(out.err)
			return 1
		}
		if _, err := stdout.Write(out.output); err != nil {
			h.report(fmt.Errorf("writing the config to stdout: %w", err))
			return 1
		}
		return 0
	case <-time.After(Deadline):
		h.report(h.timedOut())
		return 1
	}
}

// outcome is the result of a stage: stdout for the engine, or the rejection.
type outcome struct {
	output []byte
	err    error
}

// hook holds one run's state.
type hook struct {
	stage    string
	stderr   io.Writer
	enforcer *enforce.Enforcer
	syslog   *syslogWriter
	// loaded is closed once enforcer and syslog are set, which the timeout path
	// reads from another goroutine.
	loaded chan struct{}
}

func (h *hook) run(configFlag string, stdin io.Reader) outcome {
	// The configuration comes first, so that a stdin that never ends can still be
	// recorded as a timeout in the decision log.
	config, configErr := nodeconfig.Load(nodeconfig.Resolve(configFlag))
	if configErr == nil {
		h.enforcer = &enforce.Enforcer{Config: config, Layer: h.stage}
		h.syslog = newSyslogWriter(config.SyslogSocket)
		close(h.loaded)
	}
	input, readErr := ReadInput(stdin, MaxInput)
	if configErr != nil {
		return outcome{err: fmt.Errorf("seawall: rejected: %w", configErr)}
	}

	switch h.stage {
	case StagePrecreate:
		return h.precreate(input, readErr)
	case StagePrestart, StageCreateRuntime:
		return outcome{err: h.verifyConfig(input, readErr)}
	case StagePoststart:
		return outcome{err: h.verifyProcess(input, readErr)}
	}
	return outcome{err: fmt.Errorf("seawall: unknown hook stage %q: use precreate, prestart, "+
		"createRuntime or poststart", h.stage)}
}

// report writes a rejection to stderr. The decision log and syslog already have it.
func (h *hook) report(err error) {
	fmt.Fprintln(h.stderr, err)
}

// timedOut records that the hook ran out of time, in the decision log when the
// node configuration was loaded by then.
func (h *hook) timedOut() error {
	err := fmt.Errorf("hook stage %s timed out after %s", h.stage, Deadline)
	select {
	case <-h.loaded:
	default:
		return fmt.Errorf("seawall: rejected: %w", err)
	}
	err = h.enforcer.Reject(enforce.Request{Command: h.stage}, err)
	h.notify(nil, err)
	return err
}

// ReadInput reads r to its end and returns the first limit bytes. It goes on
// reading past the limit, so that the engine writing the input never blocks on
// a full pipe, and then reports the input as too large.
func ReadInput(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading stdin: %w", err)
	}
	if int64(len(data)) <= limit {
		return data, nil
	}
	if _, err := io.Copy(io.Discard, r); err != nil {
		return nil, fmt.Errorf("reading stdin: %w", err)
	}
	return nil, fmt.Errorf("stdin is larger than %d bytes", limit)
}

// notify sends one line about a decision to syslog: the rejection message, or
// the action taken for an accepted container.
func (h *hook) notify(result *enforce.Result, err error) {
	if err != nil {
		h.syslog.send(true, err.Error())
		return
	}
	r := result.Record
	message := fmt.Sprintf("seawall: %s container %s", r.Action, shortID(r.ContainerID))
	if r.App != "" {
		message += fmt.Sprintf(" (app %q)", r.App)
	}
	if len(r.Edits) > 0 {
		message += fmt.Sprintf(": %d edits, see seawall explain", len(r.Edits))
	}
	h.syslog.send(false, message+" at "+h.stage)
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	if id == "" {
		return "with unknown id"
	}
	return id
}
