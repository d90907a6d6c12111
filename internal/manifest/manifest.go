// Package manifest decodes and validates app security manifests.
//
// A manifest is one YAML file per app, named after the app's id, that states the
// security context every container of the app runs with. Decoding is strict and
// collects every problem in a file at once, each with its line and column, so an
// app packager can fix a manifest in one pass.
package manifest

// SupportedVersion is the only manifest_version this package accepts.
const SupportedVersion = 1

// MaxFileSize is the largest manifest file, in bytes, that Load reads.
const MaxFileSize = 1 << 20

// Manifest is one app's validated security manifest.
type Manifest struct {
	// ID is the app id: lowercase letters, digits and '-', equal to the file name.
	ID string
	// AppVersion is the app's own version string, as the packager wrote it.
	AppVersion string
	// Image is the pinned image reference; it always carries a tag other than latest.
	Image string
	// Security is the security context every container of the app runs with.
	Security Security
	// Volumes are the places a container may write to when its root is read-only.
	Volumes []Volume
	// Devices are the host device nodes the app may use, each with a reason.
	Devices []Device
	// Source is the file the manifest was loaded from, or "" for a built-in manifest.
	Source string
}

// Security is the mandatory security context of a manifest.
type Security struct {
	// ReadonlyRoot is false only for apps that give ReadonlyRootReason.
	ReadonlyRoot bool
	// ReadonlyRootReason explains a writable root; it is empty when ReadonlyRoot is true.
	ReadonlyRootReason string
	// NoNewPrivileges is always true in a valid manifest.
	NoNewPrivileges bool
	// UID and GID are the numeric user and group of the container's processes,
	// both above 1000.
	UID uint32
	GID uint32
	// Capabilities are the only capabilities kept; every other one is dropped.
	Capabilities []Capability
	// SeccompProfile is "default" or the name of a profile shipped under profiles/.
	SeccompProfile string
}

// Capability is one capability an app keeps, with the packager's reason.
type Capability struct {
	// Name is the canonical name with the CAP_ prefix, such as CAP_NET_ADMIN.
	Name string
	// Reason is the packager's reason for the capability; every audit record carries it.
	Reason string
}

// Volume is a writable place inside the container.
type Volume struct {
	// Name is the volume's name: lowercase letters, digits and '-'.
	Name string
	// Path is the absolute path inside the container where the volume is mounted.
	Path string
}

// Device is a host device node the app may have inside its containers.
type Device struct {
	// Path is the device's absolute path, such as /dev/net/tun.
	Path string
	// Reason is the packager's reason for the device; every audit record carries it.
	Reason string
}

// CapabilityNames returns the canonical names of the capabilities the manifest keeps.
func (m *Manifest) CapabilityNames() []string {
	names := make([]string, 0, len(m.Security.Capabilities))
	for _, c := range m.Security.Capabilities {
		names = append(names, c.Name)
	}
	return names
}

// HasDevice reports whether the manifest lists the device at path.
func (m *Manifest) HasDevice(path string) bool {
	for _, d := range m.Devices {
		if d.Path == path {
			return true
		}
	}
	return false
}

// Default returns the manifest for containers that carry no app identity: the
// mandatory settings with no relaxation, running as uid:gid.
func Default(uid, gid uint32) *Manifest {
	return &Manifest{
		ID: "",
		Security: Security{
			ReadonlyRoot:    true,
			NoNewPrivileges: true,
			UID:             uid,
			GID:             gid,
			SeccompProfile:  "default",
		},
	}
}
