package hook

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/seawall/seawall/internal/enforce"
	"github.com/seawall/seawall/internal/ociconfig"
)

// precreate enforces the policy on the config podman passes on stdin and
// returns the config to write to stdout: tightened, or the input itself when it
// complies.
func (h *hook) precreate(input []byte, readErr error) outcome {
	req := enforce.Request{Command: StagePrecreate, Config: input}
	if readErr != nil {
		err := h.enforcer.Reject(req, readErr)
		h.notify(nil, err)
		return outcome{err: err}
	}
	result, err := h.enforcer.Enforce(req)
	h.notify(result, err)
	if err != nil {
		return outcome{err: err}
	}
	return outcome{output: result.Output}
}

// verifyConfig runs at prestart or createRuntime, after the runtime has read the
// config and too late to change it. It evaluates the bundle's config.json again
// and rejects anything that does not comply as it is, which catches a later
// precreate hook or another tool that loosened the config after precreate.
func (h *hook) verifyConfig(input []byte, readErr error) error {
	state, bundle, err := h.readState(input, readErr)
	req := enforce.Request{Command: h.stage, Verify: true}
	if state != nil {
		req.ContainerID, req.Bundle = state.ID, bundle
	}
	if err != nil {
		return h.rejectAndNotify(req, err)
	}

	config, _, err := ociconfig.ReadFile(filepath.Join(bundle, "config.json"))
	if err != nil {
		return h.rejectAndNotify(req, err)
	}
	req.Config = config
	result, err := h.enforcer.Enforce(req)
	h.notify(result, err)
	return err
}

func (h *hook) rejectAndNotify(req enforce.Request, cause error) error {
	err := h.enforcer.Reject(req, cause)
	h.notify(nil, err)
	return err
}

// readState decodes the container state on stdin and checks its bundle: an
// absolute directory, not "/", with a config.json.
func (h *hook) readState(input []byte, readErr error) (*specs.State, string, error) {
	if readErr != nil {
		return nil, "", readErr
	}
	state, err := ociconfig.DecodeState(input)
	if err != nil {
		return nil, "", fmt.Errorf("invalid container state on stdin: %w", err)
	}
	bundle, err := checkBundle(state.Bundle)
	return state, bundle, err
}

func checkBundle(bundle string) (string, error) {
	switch {
	case bundle == "":
		return "", errors.New("the container state names no bundle")
	case !filepath.IsAbs(bundle):
		return "", fmt.Errorf("bundle %q is not an absolute path", bundle)
	case filepath.Clean(bundle) == "/":
		return "", errors.New(`bundle "/" is the host's root, not a container bundle`)
	}
	bundle = filepath.Clean(bundle)
	info, err := os.Stat(bundle)
	if err != nil {
		return "", fmt.Errorf("bundle: %w", err)
	}
	if !info.IsDir() {
		return "", fmt.Errorf("bundle %q is not a directory", bundle)
	}
	if _, err := os.Lstat(filepath.Join(bundle, "config.json")); err != nil {
		return "", fmt.Errorf("bundle %q has no config.json: %w", bundle, err)
	}
	return bundle, nil
}
