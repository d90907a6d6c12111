package shim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/seawall/seawall/internal/enforce"
	"github.com/seawall/seawall/internal/ociconfig"
)

// stateTimeout bounds the runtime's "state" call that finds an exec's bundle.
const stateTimeout = 10 * time.Second

// processFlags are the exec flags that change the process's privileges. runc
// and crun ignore them when --process is given, so seawall rejects the mix
// instead of guessing which one the runtime uses.
var processFlags = []string{"user", "cap", "additional-gids", "no-new-privs", "apparmor",
	"process-label"}

// enforceExec applies the process rules to an exec: to its --process file when
// it has one, otherwise to the process runc or crun would build from the
// container's config and the exec flags.
func enforceExec(inv *Invocation, enforcer *enforce.Enforcer, runtime string) error {
	req := enforce.Request{Command: "exec", ContainerID: inv.ContainerID}
	if err := checkInvocation(inv); err != nil {
		return enforcer.Reject(req, err)
	}
	bundle, err := containerBundle(runtime, inv)
	if err != nil {
		return enforcer.Reject(req, err)
	}
	req.Bundle = bundle
	config, _, err := ociconfig.ReadFile(filepath.Join(bundle, "config.json"))
	if err != nil {
		return enforcer.Reject(req, err)
	}
	req.Config = config

	if inv.ProcessFile == "" {
		return enforceExecFlags(inv, enforcer, req)
	}
	for _, name := range processFlags {
		if countFlag(inv.Args, name) > 0 {
			return enforcer.Reject(req, fmt.Errorf("exec: --%s together with --process: "+
				"the runtime ignores one of them; put the setting into the process file", name))
		}
	}
	for _, path := range []string{filepath.Dir(inv.ProcessFile), inv.ProcessFile} {
		if err := checkPrivate(path); err != nil {
			return enforcer.Reject(req, err)
		}
	}
	data, info, err := ociconfig.ReadFile(inv.ProcessFile)
	if err != nil {
		return enforcer.Reject(req, err)
	}
	req.Process = data
	result, err := enforcer.Enforce(req)
	if err != nil || !result.Changed {
		return err
	}
	if err := ociconfig.WriteFile(inv.ProcessFile, result.Output, info); err != nil {
		return enforcer.Reject(req, err)
	}
	return nil
}

// containerBundle queries the real runtime for the container's bundle directory.
func containerBundle(runtime string, inv *Invocation) (string, error) {
	var args []string
	if root := inv.Root(); root != "" {
		args = append(args, "--root", root)
	}
	args = append(args, "state", inv.ContainerID)

	ctx, cancel := context.WithTimeout(context.Background(), stateTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, runtime, args...)
	cmd.Env = []string{activeEnv + "=1"}
	output, err := cmd.Output()
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			err = fmt.Errorf("%w: %s", err, strings.TrimSpace(string(exitErr.Stderr)))
		}
		return "", fmt.Errorf("finding container %q with %s state: %w", inv.ContainerID,
			runtime, err)
	}

	var state specs.State
	if err := json.Unmarshal(output, &state); err != nil {
		return "", fmt.Errorf("decoding %s state of %q: %w", runtime, inv.ContainerID, err)
	}
	if !filepath.IsAbs(state.Bundle) {
		return "", fmt.Errorf("%s state of %q: bundle %q is not an absolute path", runtime,
			inv.ContainerID, state.Bundle)
	}
	return state.Bundle, nil
}

// enforceExecFlags evaluates the process that the exec flags describe and
// rewrites the flags so that the runtime builds the tightened process. The user
// and no-new-privs flags are always given explicitly, because crun 1.8's exec,
// unlike runc's, starts the process as uid 0 without no_new_privs unless the
// flags set them, whatever the container's config says. A tightening that flags
// cannot express, because the container's own process does not comply, rejects
// the exec.
func enforceExecFlags(inv *Invocation, enforcer *enforce.Enforcer, req enforce.Request) error {
	spec, err := ociconfig.DecodeSpec(req.Config)
	if err != nil {
		return enforcer.Reject(req, fmt.Errorf("invalid config.json: %w", err))
	}
	if spec.Process == nil {
		return enforcer.Reject(req, errors.New("config.json has no process to exec from"))
	}
	process, err := processFromFlags(*spec.Process, inv.Args)
	if err != nil {
		return enforcer.Reject(req, err)
	}
	if req.Process, err = json.Marshal(process); err != nil {
		return enforcer.Reject(req, err)
	}

	result, err := enforcer.Enforce(req)
	if err != nil {
		return err
	}
	want, err := ociconfig.DecodeProcess(result.Output)
	if err != nil {
		return enforcer.Reject(req, err)
	}
	inv.Args = rewriteExecFlags(inv.Args, want)

	rebuilt, err := processFromFlags(*spec.Process, inv.Args)
	if err != nil || !reflect.DeepEqual(normalize(rebuilt), normalize(*want)) {
		return enforcer.Reject(req, errors.New("exec: the container's own process settings "+
			"do not comply, so exec flags cannot tighten them; recreate the container "+
			"through seawall"))
	}
	return nil
}

// processFromFlags builds the process the way runc's exec does from the
// container's process and the flags that change it.
func processFromFlags(process specs.Process, args []arg) (specs.Process, error) {
	process.User.AdditionalGids = slices.Clone(process.User.AdditionalGids)
	if process.Capabilities != nil {
		caps := *process.Capabilities
		process.Capabilities = &caps
	}
	for _, a := range args {
		var err error
		switch a.name {
		case "user":
			err = applyUser(&process, a.value)
		case "additional-gids":
			err = applyGroups(&process, a.value)
		case "cap":
			applyCapability(&process, a.value)
		case "no-new-privs":
			process.NoNewPrivileges = !a.hasValue || a.value == "true"
		}
		if err != nil {
			return process, fmt.Errorf("exec --%s %q: %w", a.name, a.value, err)
		}
	}
	return process, nil
}

func applyUser(process *specs.Process, value string) error {
	uidText, gidText, hasGID := strings.Cut(value, ":")
	uid, err := strconv.ParseUint(uidText, 10, 32)
	if err != nil {
		return errors.New("expected a numeric UID[:GID]")
	}
	process.User.UID = uint32(uid)
	if hasGID {
		gid, err := strconv.ParseUint(gidText, 10, 32)
		if err != nil {
			return errors.New("expected a numeric UID[:GID]")
		}
		process.User.GID = uint32(gid)
	}
	return nil
}

func applyGroups(process *specs.Process, value string) error {
	for _, text := range strings.Split(value, ",") {
		gid, err := strconv.ParseUint(strings.TrimSpace(text), 10, 32)
		if err != nil {
			return errors.New("expected numeric group ids")
		}
		process.User.AdditionalGids = append(process.User.AdditionalGids, uint32(gid))
	}
	return nil
}

// applyCapability adds a capability the way runc's exec --cap does: to the
// bounding, effective and permitted sets, and to the ambient set when the process
// has inheritable capabilities.
func applyCapability(process *specs.Process, name string) {
	if process.Capabilities == nil {
		process.Capabilities = &specs.LinuxCapabilities{}
	}
	caps := process.Capabilities
	caps.Bounding = appendMissing(caps.Bounding, name)
	caps.Effective = appendMissing(caps.Effective, name)
	caps.Permitted = appendMissing(caps.Permitted, name)
	if caps.Inheritable != nil {
		caps.Ambient = appendMissing(caps.Ambient, name)
	}
}

// appendMissing returns a copy of list with name added unless it has it already.
func appendMissing(list []string, name string) []string {
	if slices.Contains(list, name) {
		return list
	}
	return append(slices.Clone(list), name)
}

// rewriteExecFlags replaces the user, group, capability and no-new-privs flags
// with ones that produce want.
func rewriteExecFlags(args []arg, want *specs.Process) []arg {
	var kept []arg
	var bounding []string
	if want.Capabilities != nil {
		bounding = want.Capabilities.Bounding
	}
	for _, a := range args {
		switch a.name {
		case "user", "additional-gids", "no-new-privs":
			continue
		case "cap":
			if !slices.Contains(bounding, a.value) {
				continue
			}
		}
		kept = append(kept, a)
	}

	added := []arg{valueArg("user", fmt.Sprintf("%d:%d", want.User.UID, want.User.GID))}
	for _, gid := range want.User.AdditionalGids {
		added = append(added, valueArg("additional-gids", strconv.FormatUint(uint64(gid), 10)))
	}
	if want.NoNewPrivileges {
		added = append(added, arg{raw: []string{"--no-new-privs"}, name: "no-new-privs",
			kind: boolFlag})
	}
	// The flags go before a "--", after which the runtime reads only the container id.
	end := slices.IndexFunc(kept, func(a arg) bool { return !a.isFlag() && a.raw[0] == "--" })
	if end < 0 {
		end = len(kept)
	}
	return slices.Insert(kept, end, added...)
}

func valueArg(name, value string) arg {
	return arg{raw: []string{"--" + name, value}, name: name, value: value, hasValue: true,
		kind: valueFlag}
}

// normalize makes two processes comparable when one has empty lists where the
// other has none.
func normalize(p specs.Process) specs.Process {
	if len(p.User.AdditionalGids) == 0 {
		p.User.AdditionalGids = nil
	}
	if p.Capabilities != nil {
		caps := *p.Capabilities
		for _, list := range []*[]string{&caps.Bounding, &caps.Effective, &caps.Permitted,
			&caps.Inheritable, &caps.Ambient} {
			if len(*list) == 0 {
				*list = nil
			}
		}
		p.Capabilities = &caps
	}
	return p
}
