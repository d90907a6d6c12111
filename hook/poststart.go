package hook

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/moby/sys/capability"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/seawall/seawall/internal/enforce"
	"github.com/seawall/seawall/internal/manifest"
	"github.com/seawall/seawall/internal/ociconfig"
	"github.com/seawall/seawall/internal/policy"
)

// RuleApplied is the rule id of poststart's findings.
const RuleApplied = "runtime-applied"

// execWait bounds how long poststart keeps checking a process that fails a check
// while it is still the runtime's init rather than the container's command.
var execWait = 3 * time.Second

// verifyProcess runs at poststart. It reads what the kernel reports for the
// container's process and kills the container when that differs from the
// manifest: the runtime, a hook or a bug may have applied something other than
// the config seawall checked.
func (h *hook) verifyProcess(input []byte, readErr error) error {
	state, bundle, err := h.readState(input, readErr)
	req := enforce.Request{Command: StagePoststart}
	if state != nil {
		req.ContainerID, req.Bundle = state.ID, bundle
	}
	if err != nil {
		return h.rejectAndNotify(req, err)
	}
	spec, app, m, err := h.loadContainer(bundle)
	if err != nil {
		return h.rejectAndNotify(req, err)
	}
	if state.Pid <= 0 {
		return h.rejectAndNotify(req, fmt.Errorf("the container state has no pid (%d)", state.Pid))
	}

	findings := checkStarted(state.Pid, spec, m)
	result, err := h.enforcer.Decide(req, app, m, findings)
	var rejection *enforce.Rejection
	if errors.As(err, &rejection) {
		if killErr := syscall.Kill(state.Pid, syscall.SIGKILL); killErr != nil &&
			!errors.Is(killErr, syscall.ESRCH) {
			err = fmt.Errorf("%w (and killing pid %d failed: %v)", err, state.Pid, killErr)
		}
	}
	h.notify(result, err)
	return err
}

// loadContainer reads the bundle's config and the manifest of its app.
func (h *hook) loadContainer(bundle string) (*specs.Spec, string, *manifest.Manifest, error) {
	data, _, err := ociconfig.ReadFile(filepath.Join(bundle, "config.json"))
	if err != nil {
		return nil, "", nil, err
	}
	spec, err := ociconfig.DecodeSpec(data)
	if err != nil {
		return nil, "", nil, fmt.Errorf("invalid config.json: %w", err)
	}
	if spec.Process == nil {
		return nil, "", nil, errors.New("config.json has no process")
	}
	app := spec.Annotations[h.enforcer.Config.AppAnnotation]
	m, err := h.enforcer.ManifestFor(app)
	return spec, app, m, err
}

// checkStarted checks the process, and checks again for up to execWait while a
// check fails and the process has not yet run the config's command. Until then
// it is the runtime's init, which may not have applied everything yet. (runc
// 1.1.5 runs poststart hooks while its init, with every setting applied, waits
// to execute the command, so its containers pass on the first check.)
func checkStarted(pid int, spec *specs.Spec, m *manifest.Manifest) []policy.Finding {
	deadline := time.Now().Add(execWait)
	for {
		findings := checkProcess(pid, spec, m)
		if !rejects(findings) || !beforeExec(pid, spec.Process.Args) ||
			time.Now().After(deadline) {
			return findings
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// beforeExec reports whether the process is running and not yet the command.
func beforeExec(pid int, args []string) bool {
	argv, err := commandLine(pid)
	exited := err != nil || (len(argv) == 1 && argv[0] == "") // a zombie has no cmdline
	return !exited && !slices.Equal(argv, args)
}

func rejects(findings []policy.Finding) bool {
	for _, f := range findings {
		if f.Action == policy.Reject {
			return true
		}
	}
	return false
}

// checkProcess compares the process's status and root mount with the manifest.
func checkProcess(pid int, spec *specs.Spec, m *manifest.Manifest) []policy.Finding {
	status, err := readStatus(pid)
	if errors.Is(err, fs.ErrNotExist) {
		return []policy.Finding{{Rule: RuleApplied, Path: fmt.Sprintf("/proc/%d", pid),
			Have: "the process exited before it could be checked", Allowed: "a running process",
			Action: policy.OK}}
	}
	if err != nil {
		return []policy.Finding{appliedFinding(fmt.Sprintf("/proc/%d/status", pid),
			err.Error(), "a readable status")}
	}

	findings := checkStatus(pid, status, spec, m)
	if m.Security.ReadonlyRoot {
		findings = append(findings, checkRootMount(pid))
	}
	return findings
}

func checkStatus(pid int, s *processStatus, spec *specs.Spec,
	m *manifest.Manifest) []policy.Finding {
	path := fmt.Sprintf("/proc/%d/status ", pid)
	uid := hostID(m.Security.UID, linuxMappings(spec, true))
	gid := hostID(m.Security.GID, linuxMappings(spec, false))
	allowed, names := capabilityMask(m.CapabilityNames())

	findings := []policy.Finding{
		compare(path+"NoNewPrivs", fmt.Sprint(s.noNewPrivs), "1", s.noNewPrivs == 1),
		compare(path+"Seccomp", fmt.Sprint(s.seccomp), "2 (filter)", s.seccomp == 2),
		compare(path+"Uid", fmt.Sprint(s.uids), fmt.Sprintf("%d in every field", uid),
			s.uids == [4]uint32{uid, uid, uid, uid}),
		compare(path+"Gid", fmt.Sprint(s.gids), fmt.Sprintf("%d in every field", gid),
			s.gids == [4]uint32{gid, gid, gid, gid}),
	}
	for _, set := range []string{"CapBnd", "CapEff", "CapPrm", "CapInh", "CapAmb"} {
		mask := s.caps[set]
		findings = append(findings, compare(path+set, fmt.Sprintf("%016x", mask),
			fmt.Sprintf("within %016x (%s)", allowed, names), mask&^allowed == 0))
	}
	return findings
}

func checkRootMount(pid int) policy.Finding {
	path := fmt.Sprintf("/proc/%d/mountinfo /", pid)
	options, err := rootMountOptions(pid)
	if err != nil {
		return appliedFinding(path, err.Error(), "a read-only root mount")
	}
	return compare(path, strings.Join(options, ","), "ro", slices.Contains(options, "ro"))
}

func compare(path, have, allowed string, ok bool) policy.Finding {
	if !ok {
		return appliedFinding(path, have, allowed)
	}
	return policy.Finding{Rule: RuleApplied, Path: path, Have: have, Allowed: allowed,
		Action: policy.OK}
}

func appliedFinding(path, have, allowed string) policy.Finding {
	return policy.Finding{Rule: RuleApplied, Path: path, Have: have, Allowed: allowed,
		Action: policy.Reject,
		Fix: "the started process differs from the checked config, so the container was " +
			"killed; look for a runtime bug or a hook that changes the container after start"}
}

// capabilityMask returns the bit mask of the named capabilities, as in
// /proc/PID/status, and the names for messages.
func capabilityMask(allowed []string) (uint64, string) {
	var mask uint64
	for _, c := range capability.ListKnown() {
		if slices.Contains(allowed, "CAP_"+strings.ToUpper(c.String())) {
			mask |= 1 << uint(c)
		}
	}
	if len(allowed) == 0 {
		return mask, "no capabilities"
	}
	return mask, strings.Join(allowed, ", ")
}

func linuxMappings(spec *specs.Spec, uids bool) []specs.LinuxIDMapping {
	if spec.Linux == nil {
		return nil
	}
	if uids {
		return spec.Linux.UIDMappings
	}
	return spec.Linux.GIDMappings
}

// hostID maps an id inside the container to the host's id for it, which /proc
// shows, through the user namespace's mappings if the container has any.
func hostID(id uint32, mappings []specs.LinuxIDMapping) uint32 {
	for _, m := range mappings {
		if id >= m.ContainerID && id-m.ContainerID < m.Size {
			return m.HostID + id - m.ContainerID
		}
	}
	return id
}
