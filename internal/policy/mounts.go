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
	var findings []Finding
	for i, mount := range in.Spec.Mounts {
		path := fmt.Sprintf("mounts[%d]", i)
		switch {
		case isBind(mount):
			if allowedBind(in, mount) {
				continue
			}
			findings = append(findings, mountFinding(in, path,
				fmt.Sprintf("bind mount of host path %q at %q", mount.Source, mount.Destination),
				fmt.Sprintf("remove the option that adds it (-v %s:%s, --mount, or an "+
					"engine option such as --systemd), or add a volume at %s to the manifest",
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

// sharedEngineFiles are the files that the containers of a podman pod take from
// the userdata directory of the pod's infra container.
var sharedEngineFiles = []string{"/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/dev/shm"}

// podmanInit is the mount point of podman --init's init binary, catatonit.
const podmanInit = "/run/podman-init"

// allowedBind accepts a bind mount at one of the manifest's volume paths, of a
// file podman wrote for this container (or, for a pod, the shared files of its
// infra container), and of podman's init binary.
func allowedBind(in *Input, mount specs.Mount) bool {
	destination := filepath.Clean(mount.Destination)
	for _, volume := range in.Manifest.Volumes {
		if destination == volume.Path {
			return true
		}
	}
	if destination == podmanInit && filepath.Base(mount.Source) == "catatonit" &&
		slices.Contains(mount.Options, "ro") {
		return true
	}
	match := podmanUserdata.FindStringSubmatch(filepath.Clean(mount.Source))
	if match == nil {
		return false
	}
	// A precreate hook does not know the container's id; the runtime and the
	// prestart stage check these mounts again with it.
	return in.ContainerID == "" || match[1] == in.ContainerID ||
		slices.Contains(sharedEngineFiles, destination)
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
