package policy

import (
	"fmt"
	"maps"
	"os"
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// requiredNamespaces are the namespaces every container must have of its own.
// Without one of them the container shares that part of the host.
var requiredNamespaces = []struct {
	kind   specs.LinuxNamespaceType
	option string // the podman option that shares the host's namespace
}{
	{specs.PIDNamespace, "--pid=host"},
	{specs.NetworkNamespace, "--network=host"},
	{specs.IPCNamespace, "--ipc=host"},
	{specs.UTSNamespace, "--uts=host"},
	{specs.MountNamespace, ""},
}

// procNames maps every namespace type of the runtime spec to its name under
// /proc/PID/ns. A type not listed is rejected: runtimes may read it differently.
var procNames = map[specs.LinuxNamespaceType]string{
	specs.PIDNamespace: "pid", specs.NetworkNamespace: "net", specs.MountNamespace: "mnt",
	specs.IPCNamespace: "ipc", specs.UTSNamespace: "uts", specs.UserNamespace: "user",
	specs.CgroupNamespace: "cgroup", specs.TimeNamespace: "time",
}

// hostNamespaceDirs hold namespaces of the host: those of pid 1 and seawall's
// own, since the engine starts the runtime and its hooks in the host's
// namespaces. Either may be unreadable, as pid 1's is in some sandboxes.
var hostNamespaceDirs = []string{"/proc/1/ns", "/proc/self/ns"}

func checkNamespaces(in *Input) []Finding {
	if in.Spec.Linux == nil {
		return []Finding{{Path: "linux", Have: "no linux object", Allowed: "a Linux container",
			Action: Reject, Fix: "the engine must write a linux object into config.json"}}
	}
	findings := checkNamespaceEntries(in.Spec.Linux.Namespaces)
	for _, required := range requiredNamespaces {
		if _, found := findNamespace(in.Spec.Linux.Namespaces, required.kind); found {
			continue
		}
		fix := "give the container its own " + string(required.kind) + " namespace"
		if required.option != "" {
			fix = "remove " + required.option + "; " + fix
		}
		findings = append(findings, namespaceFinding(fmt.Sprintf(
			"no %s namespace: the container would share the host's", required.kind), fix))
	}
	return findings
}

// checkNamespaceEntries rejects unknown types, a type listed twice (runc rejects
// that config while crun joins the last entry), and joining a host namespace.
func checkNamespaceEntries(list []specs.LinuxNamespace) []Finding {
	var findings []Finding
	seen := map[specs.LinuxNamespaceType]bool{}
	for _, namespace := range list {
		proc, known := procNames[namespace.Type]
		switch {
		case !known:
			findings = append(findings, namespaceFinding(fmt.Sprintf("unknown type %q",
				namespace.Type), "remove the entry; the runtime spec defines no such type"))
		case seen[namespace.Type]:
			findings = append(findings, namespaceFinding(fmt.Sprintf("%s listed twice",
				namespace.Type), "list each namespace type once"))
		case namespace.Path != "":
			if problem := hostNamespaceProblem(namespace.Path, proc); problem != "" {
				findings = append(findings, namespaceFinding(fmt.Sprintf("%s namespace %s",
					namespace.Type, problem), "join a namespace of another container, "+
					"or none, instead of the host's"))
			}
		}
		seen[namespace.Type] = true
	}
	return findings
}

func namespaceFinding(have, fix string) Finding {
	return Finding{Path: "linux.namespaces", Have: have,
		Allowed: "namespaces of the container's own or of other containers", Action: Reject,
		Fix: fix}
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
	compared := false
	for _, dir := range hostNamespaceDirs {
		host, err := os.Stat(dir + "/" + proc)
		if err != nil {
			continue
		}
		compared = true
		if os.SameFile(joined, host) {
			return fmt.Sprintf("at %q is the host's", path)
		}
	}
	if !compared {
		return fmt.Sprintf("at %q cannot be compared with the host's", path)
	}
	return ""
}

// subordinateIDs is the lowest host id of the ranges that user namespaces may
// map to. Host ids below it belong to the host's accounts and to the apps,
// whose manifests give uids above 1000; /etc/subuid ranges start at 100000 by
// default on Debian.
const subordinateIDs = 65536

// checkIDMappings rejects user namespace and mount id mappings that reach a
// host id below subordinateIDs, where the host's accounts and the other apps'
// uids are: the manifest's uid could otherwise be the host's root or another
// app. Only the manifest's own uid or gid may be mapped to itself.
func checkIDMappings(in *Input) []Finding {
	if in.Spec.Linux == nil {
		return nil
	}
	uid, gid := in.Manifest.Security.UID, in.Manifest.Security.GID
	type list struct {
		mappings []specs.LinuxIDMapping
		own      uint32
	}
	lists := map[string]list{
		"linux.uidMappings": {in.Spec.Linux.UIDMappings, uid},
		"linux.gidMappings": {in.Spec.Linux.GIDMappings, gid},
	}
	for i, mount := range in.Spec.Mounts {
		lists[fmt.Sprintf("mounts[%d].uidMappings", i)] = list{mount.UIDMappings, uid}
		lists[fmt.Sprintf("mounts[%d].gidMappings", i)] = list{mount.GIDMappings, gid}
	}

	var findings []Finding
	for _, path := range slices.Sorted(maps.Keys(lists)) {
		for _, m := range lists[path].mappings {
			if allowedMapping(m, lists[path].own) {
				continue
			}
			findings = append(findings, Finding{
				Path: path,
				Have: fmt.Sprintf("container ids %d-%d map to host ids %d-%d", m.ContainerID,
					uint64(m.ContainerID)+uint64(m.Size)-1, m.HostID,
					uint64(m.HostID)+uint64(m.Size)-1),
				Allowed: fmt.Sprintf("host ids from %d, or the manifest's id %d mapped to "+
					"itself", subordinateIDs, lists[path].own),
				Action: Reject,
				Fix: fmt.Sprintf("map container ids to host ids from %d only, as "+
					"--userns=auto does, or remove --uidmap, --gidmap and --userns", subordinateIDs),
			})
		}
	}
	return findings
}

func allowedMapping(m specs.LinuxIDMapping, own uint32) bool {
	if m.Size == 1 && m.ContainerID == own && m.HostID == own {
		return true
	}
	return m.HostID >= subordinateIDs && uint64(m.HostID)+uint64(m.Size) <= 1<<32
}
