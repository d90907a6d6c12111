package policy

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// kernelFilesystems are the mount types that create a new kernel file system
// and so show the container nothing of the host's files. Every other type but
// bind mounts, which checkMounts compares with the manifest, is rejected: a
// disk file system type, for example, would mount a host block device.
var kernelFilesystems = []string{"proc", "sysfs", "tmpfs", "devpts", "mqueue", "cgroup",
	"cgroup2"}

// checkMounts rejects bind mounts of host paths other than the manifest's
// volumes and the engine's own per-container files, and mounts of other types
// than kernelFilesystems.
func checkMounts(in *Input) []Finding {
	ownID, err := ownContainerID(in)
	if err != "" {
		return []Finding{mountFinding(in, "mounts", err,
			"remove the bind mount of the other container's files")}
	}

	var findings []Finding
	for i, mount := range in.Spec.Mounts {
		path := fmt.Sprintf("mounts[%d]", i)
		switch {
		case isBind(mount):
			if allowedBind(in, mount, ownID) {
				continue
			}
			findings = append(findings, mountFinding(in, path,
				fmt.Sprintf("bind mount of host path %q at %q", mount.Source, mount.Destination),
				fmt.Sprintf("remove -v %s:%s, or add a volume at %s to the manifest",
					mount.Source, mount.Destination, mount.Destination)))
		case !slices.Contains(kernelFilesystems, mount.Type):
			findings = append(findings, mountFinding(in, path,
				fmt.Sprintf("%s mount of %q at %q", mountType(mount), mount.Source,
					mount.Destination), "remove the mount; use a bind-mounted volume instead"))
		}
	}
	return findings
}

func mountFinding(in *Input, path, have, fix string) Finding {
	return Finding{Path: path, Have: have, Allowed: "bind mounts at " + volumePaths(in) +
		" and the engine's own files", Action: Reject, Fix: fix}
}

func isBind(mount specs.Mount) bool {
	return mount.Type == "bind" || slices.Contains(mount.Options, "bind") ||
		slices.Contains(mount.Options, "rbind")
}

func mountType(mount specs.Mount) string {
	if mount.Type == "" {
		return "untyped"
	}
	return mount.Type
}

// allowedBind accepts a bind mount at one of the manifest's volume paths, or of
// a file the engine wrote for this container, such as /etc/hosts from podman's
// userdata directory.
func allowedBind(in *Input, mount specs.Mount, ownID string) bool {
	destination := filepath.Clean(mount.Destination)
	for _, volume := range in.Manifest.Volumes {
		if destination == volume.Path {
			return true
		}
	}
	match := podmanUserdata.FindStringSubmatch(filepath.Clean(mount.Source))
	return match != nil && ownID != "" && match[1] == ownID
}

// ownContainerID returns the id whose podman userdata files the container may
// bind: the id the runtime was given, when known. Otherwise, as in a precreate
// hook, it is the one id that the userdata bind mounts name. Binds that name two
// containers are an error, because one of them is another container's files.
func ownContainerID(in *Input) (string, string) {
	if in.ContainerID != "" {
		return in.ContainerID, ""
	}
	id := ""
	for _, mount := range in.Spec.Mounts {
		match := podmanUserdata.FindStringSubmatch(filepath.Clean(mount.Source))
		if match == nil || !isBind(mount) {
			continue
		}
		if id != "" && match[1] != id {
			return "", fmt.Sprintf("bind mounts from the userdata of two containers, %.12s "+
				"and %.12s", id, match[1])
		}
		id = match[1]
	}
	return id, ""
}

func volumePaths(in *Input) string {
	if len(in.Manifest.Volumes) == 0 {
		return "no volume paths"
	}
	paths := make([]string, len(in.Manifest.Volumes))
	for i, volume := range in.Manifest.Volumes {
		paths[i] = volume.Path
	}
	return strings.Join(paths, ", ")
}
