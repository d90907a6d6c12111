// Package testconfig provides a real podman config.json and a matching manifest
// for seawall's tests.
package testconfig

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/seawall/seawall/internal/manifest"
)

// podmanConfig is the config.json podman 4.3.1 wrote, through runc, for
//
//	podman run --network=none --annotation org.archipelago.app=electrs \
//	  localhost/busybox:1.35 sh -c 'cat /proc/self/status'
//
// with no security options, so it carries podman's defaults. Storage paths were
// changed to podman's default locations.
//
//go:embed podman-config.json
var podmanConfig []byte

// App is the app id in the podman config's org.archipelago.app annotation.
const App = "electrs"

// ContainerID is the id podman gave the container, which its userdata bind
// mounts name.
const ContainerID = "f406c42a1d836afacd5d8b1d64300a2358b963d56dd993344c3ea48d3fd179a1"

// Podman returns a copy of the podman config.json.
func Podman() []byte {
	return bytes.Clone(podmanConfig)
}

// PodmanSpec returns the podman config decoded.
func PodmanSpec(t testing.TB) *specs.Spec {
	t.Helper()
	var spec specs.Spec
	if err := json.Unmarshal(podmanConfig, &spec); err != nil {
		t.Fatalf("decoding the podman config: %v", err)
	}
	return &spec
}

// Encode marshals spec for tests that build configs from a decoded one.
func Encode(t testing.TB, spec *specs.Spec) []byte {
	t.Helper()
	data, err := json.Marshal(spec)
	if err != nil {
		t.Fatalf("encoding a config: %v", err)
	}
	return data
}

// ManifestYAML is the manifest file of App that Manifest returns decoded.
const ManifestYAML = `manifest_version: 1
id: electrs
version: "0.10.5"
image: registry.example/electrs:0.10.5
security:
  readonly_root: true
  no_new_privileges: true
  user: "1001:1001"
  capabilities:
    - name: NET_BIND_SERVICE
      reason: serves the Electrum protocol on port 50001
  seccomp_profile: default
volumes:
  - name: data
    path: /data
`

// Manifest returns a manifest for App that keeps CAP_NET_BIND_SERVICE and runs
// as 1001:1001 with a read-only root and the default seccomp profile.
func Manifest() *manifest.Manifest {
	return &manifest.Manifest{
		ID:         App,
		AppVersion: "0.10.5",
		Image:      "registry.example/electrs:0.10.5",
		Security: manifest.Security{
			ReadonlyRoot:    true,
			NoNewPrivileges: true,
			UID:             1001,
			GID:             1001,
			Capabilities: []manifest.Capability{{Name: "CAP_NET_BIND_SERVICE",
				Reason: "serves the Electrum protocol on port 50001"}},
			SeccompProfile: "default",
		},
		Volumes: []manifest.Volume{{Name: "data", Path: "/data"}},
		Source:  "/etc/seawall/apps/electrs.yaml",
	}
}
