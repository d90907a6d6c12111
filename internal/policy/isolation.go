package policy

import (
	"fmt"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// requiredNamespaces are the namespaces every container must have of its own.
// Without one of them the container shares that part of the host.
var requiredNamespaces = []struct {
	kind   specs.LinuxNamespaceType
	proc   string // the name under /proc/PID/ns
	option string // the podman option that shares the host's namespace
}{
	{specs.PIDNamespace, "pid", "--pid=host"},
	{specs.NetworkNamespace, "net", "--network=host"},
	{specs.IPCNamespace, "ipc", "--ipc=host"},
	{specs.UTSNamespace, "uts", "--uts=host"},
	{specs.MountNamespace, "mnt", ""},
}

// hostNamespaceDir is the directory of the host's own namespaces, those of pid 1.
var hostNamespaceDir = "/proc/1/ns"

func checkNamespaces(in *Input) []Finding {
	if in.Spec.Linux == nil {
		return []Finding{{Path: "linux", Have: "no linux object", Allowed: "a Linux container",
			Action: Reject, Fix: "the engine must write a linux object into config.json"}}
	}

	var findings []Finding
	for _, required := range requiredNamespaces {
		namespace, found := findNamespace(in.Spec.Linux.Namespaces, required.kind)
		problem := ""
		switch {
		case !found:
			problem = "none: the container would share the host's"
		case namespace.Path != "":
			problem = hostNamespaceProblem(namespace.Path, required.proc)
		}
		if problem == "" {
			continue
		}
		fix := "give the container its own " + string(required.kind) + " namespace"
		if required.option != "" {
			fix = "remove " + required.option + "; " + fix
		}
		findings = append(findings, Finding{
			Path:    "linux.namespaces",
			Have:    fmt.Sprintf("%s namespace %s", required.kind, problem),
			Allowed: "a namespace of the container's own",
			Action:  Reject,
			Fix:     fix,
		})
	}
	return findings
}

func findNamespace(list []specs.LinuxNamespace, kind specs.LinuxNamespaceType) (
	specs.LinuxNamespace, bool) {
	for _, namespace := range list {
		if namespace.Type == kind {
			return namespace, true
		}
	}
	return specs.LinuxNamespace{}, false
}

// hostNamespaceProblem describes why joining the namespace at path is not
// allowed, or returns "" when path is a namespace other than the host's.
func hostNamespaceProblem(path, proc string) string {
	joined, err := os.Stat(path)
	if err != nil {
		return fmt.Sprintf("at %q cannot be checked: %v", path, err)
	}
	host, err := os.Stat(hostNamespaceDir + "/" + proc)
	if err != nil {
		return fmt.Sprintf("at %q cannot be compared with the host's: %v", path, err)
	}
	if os.SameFile(joined, host) {
		return fmt.Sprintf("at %q is the host's", path)
	}
	return ""
}

// checkDevices rejects device nodes and device cgroup rules that the manifest
// does not list. A device in the config is there because the caller asked for it
// (--device), so removing it would defeat the request.
func checkDevices(in *Input) []Finding {
	if in.Spec.Linux == nil {
		return nil
	}
	var findings []Finding
	var allowedNodes []specs.LinuxDevice
	for i, device := range in.Spec.Linux.Devices {
		if in.Manifest.HasDevice(device.Path) {
			allowedNodes = append(allowedNodes, device)
			findings = append(findings, Finding{Path: fmt.Sprintf("linux.devices[%d]", i),
				Have: device.Path, Allowed: device.Path, Action: OK,
				Reason: deviceReason(in, device.Path)})
			continue
		}
		findings = append(findings, Finding{
			Path:    fmt.Sprintf("linux.devices[%d]", i),
			Have:    device.Path,
			Allowed: allowedDevices(in),
			Action:  Reject,
			Fix:     fmt.Sprintf("remove --device %s, or %s", device.Path, grantHint(in, "devices")),
		})
	}

	for i, rule := range linuxResources(in.Spec).Devices {
		if !rule.Allow || matchesDevice(rule, allowedNodes) {
			continue
		}
		findings = append(findings, Finding{
			Path:    fmt.Sprintf("linux.resources.devices[%d]", i),
			Have:    "allows " + describeDeviceRule(rule),
			Allowed: "access only to the devices the manifest lists",
			Action:  Reject,
			Fix: "remove the --device-cgroup-rule or --privileged option that grants it; " +
				"list each device the app needs under devices in its manifest",
		})
	}
	return findings
}

// matchesDevice reports whether an allow rule grants exactly one of the listed
// device nodes, which is the rule an engine adds for --device.
func matchesDevice(rule specs.LinuxDeviceCgroup, nodes []specs.LinuxDevice) bool {
	if rule.Major == nil || rule.Minor == nil {
		return false
	}
	for _, node := range nodes {
		if rule.Type == node.Type && *rule.Major == node.Major && *rule.Minor == node.Minor {
			return true
		}
	}
	return false
}

func describeDeviceRule(rule specs.LinuxDeviceCgroup) string {
	number := func(n *int64) string {
		if n == nil || *n < 0 {
			return "*"
		}
		return fmt.Sprint(*n)
	}
	kind := rule.Type
	if kind == "" {
		kind = "a"
	}
	return fmt.Sprintf("%s %s:%s %s", kind, number(rule.Major), number(rule.Minor), rule.Access)
}

func allowedDevices(in *Input) string {
	if len(in.Manifest.Devices) == 0 {
		return "no devices"
	}
	var paths []string
	for _, d := range in.Manifest.Devices {
		paths = append(paths, d.Path)
	}
	return fmt.Sprint(paths)
}

func deviceReason(in *Input, path string) string {
	for _, d := range in.Manifest.Devices {
		if d.Path == path {
			return d.Reason
		}
	}
	return ""
}
