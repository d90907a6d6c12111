package policy

import (
	"path/filepath"
	"regexp"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// podmanUserdata matches the per-container directory of podman's storage, which
// is named after the full container id.
var podmanUserdata = regexp.MustCompile(`/overlay-containers/([0-9a-f]{64})/userdata/`)

// PodmanContainerID returns the container id podman wrote into the config's
// bind mount sources (/etc/hostname, /run/.containerenv, ...), or "". A precreate
// hook receives only the config, and this is where podman's config names the
// container.
func PodmanContainerID(spec *specs.Spec) string {
	for _, mount := range spec.Mounts {
		if match := podmanUserdata.FindStringSubmatch(filepath.Clean(mount.Source)); match != nil {
			return match[1]
		}
	}
	return ""
}
