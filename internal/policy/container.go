package policy

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/seawall/seawall/internal/ociconfig"
)

// PodmanPrivilegedAnnotation is the annotation podman sets to "TRUE" on
// containers started with --privileged.
const PodmanPrivilegedAnnotation = "io.podman.annotations.privileged"

// maskedPaths and readonlyPaths are the paths that engines hide or make read-only
// in every unprivileged container. Podman 4 and Docker use these lists.
var (
	maskedPaths = []string{"/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
		"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
		"/sys/firmware", "/sys/fs/selinux", "/sys/dev/block"}
	readonlyPaths = []string{"/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
		"/proc/sysrq-trigger"}
)

func checkPrivileged(in *Input) []Finding {
	value, ok := in.Spec.Annotations[PodmanPrivilegedAnnotation]
	if !ok || !strings.EqualFold(value, "true") {
		return nil
	}
	return []Finding{{
		Path:    "annotations." + PodmanPrivilegedAnnotation,
		Have:    value,
		Allowed: "no privileged containers",
		Action:  Reject,
		Fix: "run it without --privileged; grant single capabilities and devices through " +
			"the app's manifest",
	}}
}

// runtimeAnnotationPrefixes are annotations that runc or crun act on. They
// change what the runtime does outside the config's fields, for example crun's
// run.oci.keep_original_groups, which keeps the caller's supplementary groups,
// and org.systemd.property.DeviceAllow, which opens devices to the container.
var runtimeAnnotationPrefixes = []string{"run.oci.", "org.systemd.property."}

func checkRuntimeAnnotations(in *Input) []Finding {
	var findings []Finding
	for _, key := range slices.Sorted(maps.Keys(in.Spec.Annotations)) {
		for _, prefix := range runtimeAnnotationPrefixes {
			if !strings.HasPrefix(key, prefix) {
				continue
			}
			findings = append(findings, Finding{
				Path:    "annotations." + key,
				Have:    fmt.Sprintf("%q", in.Spec.Annotations[key]),
				Allowed: "no annotation that changes what the runtime does",
				Action:  Reject,
				Fix:     "remove --annotation " + key,
			})
		}
	}
	return findings
}

// checkUnsupported rejects fields that can grant privilege and that no rule
// evaluates, so that they never reach the runtime unseen.
func checkUnsupported(in *Input) []Finding {
	var present []string
	if p := in.Spec.Process; p != nil {
		present = appendIf(present, p.Scheduler != nil, "process.scheduler")
		present = appendIf(present, p.IOPriority != nil, "process.ioPriority")
		present = appendIf(present, p.CommandLine != "", "process.commandLine")
	} else if !in.Exec {
		return []Finding{{Path: "process", Have: "no process", Allowed: "a process",
			Action: Reject, Fix: "the engine must write a process object into config.json"}}
	}
	if !in.Exec {
		spec := in.Spec
		present = appendIf(present, spec.Linux != nil && spec.Linux.NetDevices != nil,
			"linux.netDevices")
		present = appendIf(present, spec.Solaris != nil, "solaris")
		present = appendIf(present, spec.Windows != nil, "windows")
		present = appendIf(present, spec.VM != nil, "vm")
		present = appendIf(present, spec.ZOS != nil, "zos")
		present = appendIf(present, spec.FreeBSD != nil, "freebsd")
	}

	var findings []Finding
	for _, path := range present {
		findings = append(findings, Finding{
			Path:    path,
			Have:    "set",
			Allowed: "not set: seawall's policy does not evaluate this field",
			Action:  Reject,
			Fix:     "remove " + path + " from the container's configuration",
		})
	}
	return findings
}

func appendIf(list []string, condition bool, value string) []string {
	if condition {
		return append(list, value)
	}
	return list
}

func checkRootReadonly(in *Input) []Finding {
	root := in.Spec.Root
	if root == nil {
		return []Finding{{Path: "root", Have: "no root", Allowed: "a read-only root",
			Action: Reject, Fix: "the engine must write a root object into config.json"}}
	}
	security := in.Manifest.Security
	switch {
	case !root.Readonly && security.ReadonlyRoot:
		return []Finding{{
			Path:    "root.readonly",
			Have:    "false",
			Allowed: "true",
			Action:  Tighten,
			Edits:   []ociconfig.Edit{{Path: "root.readonly", Value: true}},
		}}
	case !root.Readonly:
		return []Finding{{
			Path:    "root.readonly",
			Have:    "false",
			Allowed: "false",
			Action:  OK,
			Reason:  security.ReadonlyRootReason,
		}}
	}
	return nil
}

// unprivilegedPortSysctl is the sysctl that opens ports below 1024 to processes
// without CAP_NET_BIND_SERVICE.
const unprivilegedPortSysctl = "net.ipv4.ip_unprivileged_port_start"

// checkSysctls rejects a sysctl that grants what a capability grants. The
// runtimes accept only sysctls of the container's own namespaces, so the others
// stay inside the container.
func checkSysctls(in *Input) []Finding {
	if in.Spec.Linux == nil {
		return nil
	}
	value, ok := in.Spec.Linux.Sysctl[unprivilegedPortSysctl]
	if !ok || slices.Contains(in.Manifest.CapabilityNames(), "CAP_NET_BIND_SERVICE") {
		return nil
	}
	port, err := strconv.Atoi(strings.TrimSpace(value))
	if err == nil && port >= 1024 {
		return nil
	}
	return []Finding{{
		Path:    "linux.sysctl." + unprivilegedPortSysctl,
		Have:    fmt.Sprintf("%q, which lets the app bind ports below 1024", value),
		Allowed: "ports below 1024 only with CAP_NET_BIND_SERVICE",
		Action:  Reject,
		Fix: "remove --sysctl " + unprivilegedPortSysctl + ", or " +
			grantHint(in, "security.capabilities") + " for CAP_NET_BIND_SERVICE",
	}}
}

// checkMaskedPaths adds back any standard masked or read-only path that the
// config leaves out, such as after podman's --security-opt unmask=ALL.
func checkMaskedPaths(in *Input) []Finding {
	linux := in.Spec.Linux
	if linux == nil {
		return nil // checkNamespaces rejects a config without a linux object
	}
	var findings []Finding
	for _, list := range []struct {
		path     string
		have     []string
		standard []string
	}{
		{"linux.maskedPaths", linux.MaskedPaths, maskedPaths},
		{"linux.readonlyPaths", linux.ReadonlyPaths, readonlyPaths},
	} {
		var missing []string
		for _, p := range list.standard {
			if !slices.Contains(list.have, p) {
				missing = append(missing, p)
			}
		}
		if len(missing) == 0 {
			continue
		}
		findings = append(findings, Finding{
			Path:    list.path,
			Have:    "missing " + strings.Join(missing, ", "),
			Allowed: fmt.Sprintf("all %d standard paths", len(list.standard)),
			Action:  Tighten,
			Edits: []ociconfig.Edit{{Path: list.path,
				Value: append(slices.Clone(list.have), missing...)}},
		})
	}
	return findings
}

// linuxResources returns the config's resources, or an empty value when it has none.
func linuxResources(spec *specs.Spec) *specs.LinuxResources {
	if spec.Linux == nil || spec.Linux.Resources == nil {
		return &specs.LinuxResources{}
	}
	return spec.Linux.Resources
}
