package policy

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

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
		path := fmt.Sprintf("linux.devices[%d]", i)
		if in.Manifest.HasDevice(device.Path) {
			if problem := hostDeviceProblem(device); problem != "" {
				findings = append(findings, Finding{Path: path, Have: problem,
					Allowed: "the host's own device node at " + device.Path, Action: Reject,
					Fix: "pass the host device at the path the manifest names: " +
						"--device " + device.Path})
				continue
			}
			allowedNodes = append(allowedNodes, device)
			findings = append(findings, Finding{Path: path,
				Have: device.Path + " (" + describeDevice(device) + ")", Allowed: device.Path,
				Action: OK, Reason: deviceReason(in, device.Path)})
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

// hostDeviceProblem compares a device node of the config with the host's node
// at the same path. A manifest grants the device at that path, so a config that
// puts another device there, such as a disk under the name /dev/net/tun, is
// rejected. It returns "" when type, major and minor agree.
func hostDeviceProblem(device specs.LinuxDevice) string {
	var stat unix.Stat_t
	if err := unix.Stat(device.Path, &stat); err != nil {
		return fmt.Sprintf("%s: the host's node cannot be read: %v", device.Path, err)
	}
	kind := ""
	switch stat.Mode & unix.S_IFMT {
	case unix.S_IFCHR:
		kind = "c"
	case unix.S_IFBLK:
		kind = "b"
	default:
		return device.Path + " is not a device node on the host"
	}
	host := specs.LinuxDevice{Type: kind, Major: int64(unix.Major(stat.Rdev)),
		Minor: int64(unix.Minor(stat.Rdev))}
	if device.Type == host.Type && device.Major == host.Major && device.Minor == host.Minor {
		return ""
	}
	return fmt.Sprintf("%s is %s in the config but %s on the host", device.Path,
		describeDevice(device), describeDevice(host))
}

func describeDevice(d specs.LinuxDevice) string {
	return fmt.Sprintf("%s %d:%d", d.Type, d.Major, d.Minor)
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
