package policy

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/seawall/seawall/internal/manifest"
	"github.com/seawall/seawall/internal/ociconfig"
	"github.com/seawall/seawall/internal/testconfig"
)

// compliant returns the podman baseline config after seawall's tightening, so
// that each test case can change one field and see one finding.
func compliant(t *testing.T) *specs.Spec {
	t.Helper()
	in := &Input{Spec: testconfig.PodmanSpec(t), Manifest: testconfig.Manifest()}
	output, err := ociconfig.Apply(testconfig.Podman(), Evaluate(in).Edits(false))
	if err != nil {
		t.Fatalf("tightening the baseline: %v", err)
	}
	spec, err := ociconfig.DecodeSpec(output)
	if err != nil {
		t.Fatalf("decoding the tightened baseline: %v", err)
	}
	return spec
}

func TestCompliantBaselineHasOnlyOKFindings(t *testing.T) {
	decision := Evaluate(&Input{Spec: compliant(t), Manifest: testconfig.Manifest()})
	if decision.Action != OK {
		t.Fatalf("action = %s, want ok; findings: %+v", decision.Action, decision.Findings)
	}
}

func TestPodmanDefaultsAreTightened(t *testing.T) {
	decision := Evaluate(&Input{Spec: testconfig.PodmanSpec(t), Manifest: testconfig.Manifest()})
	if decision.Action != Tighten {
		t.Fatalf("action = %s, want tighten", decision.Action)
	}
	want := map[string]string{
		"process.capabilities.bounding":  RuleCapabilities,
		"process.capabilities.effective": RuleCapabilities,
		"process.capabilities.permitted": RuleCapabilities,
		// Moving from root to uid 1001 keeps the effective capability in ambient.
		"process.capabilities.inheritable": RuleCapabilities,
		"process.capabilities.ambient":     RuleCapabilities,
		"process.noNewPrivileges":          RuleNoNewPrivileges,
		"process.user":                     RuleUser,
		"root.readonly":                    RuleRootReadonly,
		"linux.seccomp":                    RuleSeccomp,
	}
	got := map[string]string{}
	for _, f := range decision.With(Tighten) {
		got[f.Path] = f.Rule
	}
	for path, rule := range want {
		if got[path] != rule {
			t.Errorf("tighten finding for %s: rule %q, want %q", path, got[path], rule)
		}
	}
	if len(got) != len(want) {
		t.Errorf("tightened paths = %v, want exactly %v", got, want)
	}
}

func TestOneFieldChanged(t *testing.T) {
	cases := []struct {
		name   string
		change func(*specs.Spec)
		rule   string
		path   string
		action Action
	}{
		{"writable root", func(s *specs.Spec) { s.Root.Readonly = false },
			RuleRootReadonly, "root.readonly", Tighten},
		{"no root", func(s *specs.Spec) { s.Root = nil }, RuleRootReadonly, "root", Reject},
		{"new privileges allowed", func(s *specs.Spec) { s.Process.NoNewPrivileges = false },
			RuleNoNewPrivileges, "process.noNewPrivileges", Tighten},
		{"root user", func(s *specs.Spec) { s.Process.User.UID = 0 },
			RuleUser, "process.user", Tighten},
		{"uid 1000", func(s *specs.Spec) { s.Process.User.UID = 1000 },
			RuleUser, "process.user", Tighten},
		{"another app's uid", func(s *specs.Spec) { s.Process.User.UID = 1002 },
			RuleUser, "process.user", Tighten},
		{"root group", func(s *specs.Spec) { s.Process.User.GID = 0 },
			RuleUser, "process.user", Tighten},
		{"supplementary gid 0", func(s *specs.Spec) { s.Process.User.AdditionalGids = []uint32{0} },
			RuleUser, "process.user.additionalGids", Tighten},
		{"supplementary gid 10", func(s *specs.Spec) {
			s.Process.User.AdditionalGids = []uint32{1001, 10}
		}, RuleUser, "process.user.additionalGids", Tighten},
		{"default capability in bounding", func(s *specs.Spec) {
			s.Process.Capabilities.Bounding = append(s.Process.Capabilities.Bounding, "CAP_CHOWN")
		}, RuleCapabilities, "process.capabilities.bounding", Tighten},
		{"default capability in ambient", func(s *specs.Spec) {
			s.Process.Capabilities.Ambient = []string{"CAP_KILL"}
		}, RuleCapabilities, "process.capabilities.ambient", Tighten},
		{"ambient outside inheritable", func(s *specs.Spec) {
			s.Process.Capabilities.Inheritable = nil
		}, RuleCapabilities, "process.capabilities.ambient", Tighten},
		{"effective outside permitted", func(s *specs.Spec) {
			s.Process.Capabilities.Permitted = nil
		}, RuleCapabilities, "process.capabilities.effective", Tighten},
		{"requested capability", func(s *specs.Spec) {
			s.Process.Capabilities.Effective = append(s.Process.Capabilities.Effective,
				"CAP_SYS_ADMIN")
		}, RuleCapabilities, "process.capabilities", Reject},
		{"all capabilities", func(s *specs.Spec) {
			s.Process.Capabilities.Bounding = allCapabilities()
		}, RuleAllCapabilities, "process.capabilities.bounding", Reject},
		{"podman privileged annotation", func(s *specs.Spec) {
			s.Annotations[PodmanPrivilegedAnnotation] = "TRUE"
		}, RulePrivileged, "annotations." + PodmanPrivilegedAnnotation, Reject},
		{"no seccomp", func(s *specs.Spec) { s.Linux.Seccomp = nil },
			RuleSeccomp, "linux.seccomp", Tighten},
		{"allow-all seccomp", func(s *specs.Spec) {
			s.Linux.Seccomp = &specs.LinuxSeccomp{DefaultAction: specs.ActAllow}
		}, RuleSeccomp, "linux.seccomp", Tighten},
		{"seccomp with a syscall removed", func(s *specs.Spec) {
			s.Linux.Seccomp.Syscalls = s.Linux.Seccomp.Syscalls[1:]
		}, RuleSeccomp, "linux.seccomp", Tighten},
		{"host pid namespace", func(s *specs.Spec) {
			s.Linux.Namespaces = withoutNamespace(s.Linux.Namespaces, specs.PIDNamespace)
		}, RuleNamespaces, "linux.namespaces", Reject},
		{"host network namespace", func(s *specs.Spec) {
			s.Linux.Namespaces = withoutNamespace(s.Linux.Namespaces, specs.NetworkNamespace)
		}, RuleNamespaces, "linux.namespaces", Reject},
		{"host network namespace by path", func(s *specs.Spec) {
			s.Linux.Namespaces = append(withoutNamespace(s.Linux.Namespaces,
				specs.NetworkNamespace), specs.LinuxNamespace{Type: specs.NetworkNamespace,
				Path: "/proc/self/ns/net"})
		}, RuleNamespaces, "linux.namespaces", Reject},
		{"unlisted device", func(s *specs.Spec) {
			s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/sda", Type: "b", Major: 8}}
		}, RuleDevices, "linux.devices[0]", Reject},
		{"device cgroup rule for all devices", func(s *specs.Spec) {
			s.Linux.Resources.Devices = append(s.Linux.Resources.Devices,
				specs.LinuxDeviceCgroup{Allow: true, Access: "rwm"})
		}, RuleDevices, "linux.resources.devices[1]", Reject},
		{"unmasked kcore", func(s *specs.Spec) {
			s.Linux.MaskedPaths = slices.DeleteFunc(s.Linux.MaskedPaths,
				func(p string) bool { return p == "/proc/kcore" })
		}, RuleMaskedPaths, "linux.maskedPaths", Tighten},
		{"writable /proc/sys", func(s *specs.Spec) { s.Linux.ReadonlyPaths = nil },
			RuleMaskedPaths, "linux.readonlyPaths", Tighten},
		{"realtime scheduler", func(s *specs.Spec) {
			s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedFIFO}
		}, RuleUnsupported, "process.scheduler", Reject},
		{"io priority", func(s *specs.Spec) {
			s.Process.IOPriority = &specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_RT}
		}, RuleUnsupported, "process.ioPriority", Reject},
		{"host network device", func(s *specs.Spec) {
			s.Linux.NetDevices = map[string]specs.LinuxNetDevice{"eth0": {}}
		}, RuleUnsupported, "linux.netDevices", Reject},
		{"no process", func(s *specs.Spec) { s.Process = nil }, RuleUnsupported, "process", Reject},
		{"no linux object", func(s *specs.Spec) { s.Linux = nil },
			RuleNamespaces, "linux", Reject},
		{"another app's group", func(s *specs.Spec) {
			s.Process.User.AdditionalGids = []uint32{1001, 1101}
		}, RuleUser, "process.user.additionalGids", Tighten},
		{"the manifest's own group", func(s *specs.Spec) {
			s.Process.User.AdditionalGids = []uint32{1001}
		}, "", "", OK},
		{"namespace listed twice", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces,
				specs.LinuxNamespace{Type: specs.UTSNamespace})
		}, RuleNamespaces, "linux.namespaces", Reject},
		{"unknown namespace type", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces,
				specs.LinuxNamespace{Type: "network\x00", Path: "/proc/self/ns/net"})
		}, RuleNamespaces, "linux.namespaces", Reject},
		{"user namespace mapping to host root", func(s *specs.Spec) {
			s.Linux.UIDMappings = []specs.LinuxIDMapping{
				{ContainerID: 0, HostID: 200000, Size: 1001},
				{ContainerID: 1001, HostID: 0, Size: 1}}
		}, RuleIDMappings, "linux.uidMappings", Reject},
		{"gid mapping to system groups", func(s *specs.Spec) {
			s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100, Size: 5000}}
		}, RuleIDMappings, "linux.gidMappings", Reject},
		{"idmapped mount to host root", func(s *specs.Spec) {
			s.Mounts[0].UIDMappings = []specs.LinuxIDMapping{{ContainerID: 1001, HostID: 0, Size: 1}}
		}, RuleIDMappings, "mounts[0].uidMappings", Reject},
		{"user namespace in subordinate ids", func(s *specs.Spec) {
			s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 200000, Size: 65536}}
		}, "", "", OK},
		{"app's uid mapped to another app's", func(s *specs.Spec) {
			s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 1001, HostID: 1002, Size: 1}}
		}, RuleIDMappings, "linux.uidMappings", Reject},
		{"app's uid mapped to itself", func(s *specs.Spec) {
			s.Linux.UIDMappings = []specs.LinuxIDMapping{
				{ContainerID: 0, HostID: 100000, Size: 1001},
				{ContainerID: 1001, HostID: 1001, Size: 1}}
		}, "", "", OK},
		{"host root bind mounted", func(s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/host", Type: "bind",
				Source: "/", Options: []string{"rbind", "ro"}})
		}, RuleMounts, "mounts[10]", Reject},
		{"bind mount without a type", func(s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/etc/shadow",
				Source: "/etc/shadow", Options: []string{"bind"}})
		}, RuleMounts, "mounts[10]", Reject},
		{"volume at the manifest's path", func(s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/data/", Type: "bind",
				Source: "/srv/electrs", Options: []string{"rbind", "rw"}})
		}, "", "", OK},
		{"podman's init", func(s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/run/podman-init",
				Type: "bind", Source: "/usr/libexec/podman/catatonit",
				Options: []string{"bind", "ro"}})
		}, "", "", OK},
		{"disk file system", func(s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/mnt", Type: "ext4",
				Source: "/dev/vda"})
		}, RuleMounts, "mounts[10]", Reject},
		{"host root as the container's root", func(s *specs.Spec) { s.Root.Path = "/" },
			RuleRootPath, "root.path", Reject},
		{"crun keep original groups", func(s *specs.Spec) {
			s.Annotations["run.oci.keep_original_groups"] = "1"
		}, RuleRuntimeAnnotation, "annotations.run.oci.keep_original_groups", Reject},
		{"systemd device property", func(s *specs.Spec) {
			s.Annotations["org.systemd.property.DeviceAllow"] = "'/dev/sda rw'"
		}, RuleRuntimeAnnotation, "annotations.org.systemd.property.DeviceAllow", Reject},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			spec := compliant(t)
			tc.change(spec)
			decision := Evaluate(&Input{Spec: spec, Manifest: testconfig.Manifest()})

			if decision.Action != tc.action {
				t.Fatalf("action = %s, want %s; findings: %+v", decision.Action, tc.action,
					notOK(decision))
			}
			if tc.action == OK {
				return
			}
			finding, ok := findingAt(decision, tc.path, tc.action)
			if !ok {
				t.Fatalf("no %s finding at %s; findings: %+v", tc.action, tc.path, notOK(decision))
			}
			if finding.Rule != tc.rule {
				t.Errorf("rule = %q, want %q", finding.Rule, tc.rule)
			}
			if tc.action == Reject && finding.Fix == "" {
				t.Errorf("reject finding at %s has no fix", tc.path)
			}
			if tc.action == Tighten && len(finding.Edits) == 0 {
				t.Errorf("tighten finding at %s has no edits", tc.path)
			}
		})
	}
}

func TestJoiningAnotherContainersNamespace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("creating a network namespace needs root")
	}
	other := exec.Command("unshare", "--net", "sleep", "30")
	if err := other.Start(); err != nil {
		t.Skipf("unshare: %v", err)
	}
	defer other.Process.Kill()
	path := fmt.Sprintf("/proc/%d/ns/net", other.Process.Pid)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		if target, _ := os.Readlink(path); target != "" && !sameAsSelf(target) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}

	spec := compliant(t)
	spec.Linux.Namespaces = append(withoutNamespace(spec.Linux.Namespaces,
		specs.NetworkNamespace), specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: path})
	decision := Evaluate(&Input{Spec: spec, Manifest: testconfig.Manifest()})
	if decision.Action != OK {
		t.Errorf("joining another network namespace: %s; findings: %+v", decision.Action,
			notOK(decision))
	}
}

func sameAsSelf(target string) bool {
	self, _ := os.Readlink("/proc/self/ns/net")
	return target == self
}

func TestListedDeviceMustBeTheHostsNode(t *testing.T) {
	m := testconfig.Manifest()
	m.Devices = []manifest.Device{{Path: "/dev/null", Reason: "writes discarded output"}}
	spec := compliant(t)
	spec.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/null", Type: "b", Major: 7, Minor: 0}}

	decision := Evaluate(&Input{Spec: spec, Manifest: m})
	finding, ok := findingAt(decision, "linux.devices[0]", Reject)
	if !ok {
		t.Fatalf("a block device named /dev/null passed; findings: %+v", decision.Findings)
	}
	if !strings.Contains(finding.Have, "b 7:0 in the config but c 1:3 on the host") {
		t.Errorf("have = %q", finding.Have)
	}

	spec.Linux.Devices[0] = specs.LinuxDevice{Path: "/dev/null", Type: "c", Major: 1, Minor: 3}
	if decision := Evaluate(&Input{Spec: spec, Manifest: m}); decision.Action != OK {
		t.Errorf("the host's /dev/null: %s; findings: %+v", decision.Action, notOK(decision))
	}
}

func TestOtherContainersUserdata(t *testing.T) {
	infra := "/run/containers/storage/overlay-containers/" + strings.Repeat("0", 64) +
		"/userdata/"
	cases := []struct {
		destination string
		id          string
		action      Action
	}{
		{"/etc/hosts", testconfig.ContainerID, OK},
		{"/run/secrets", testconfig.ContainerID, Reject},
		{"/run/secrets", "", OK}, // precreate: checked again once the id is known
	}
	for _, tc := range cases {
		spec := compliant(t)
		spec.Mounts = append(spec.Mounts, specs.Mount{Destination: tc.destination,
			Type: "bind", Source: infra + filepath.Base(tc.destination)})
		decision := Evaluate(&Input{Spec: spec, Manifest: testconfig.Manifest(),
			ContainerID: tc.id})
		if decision.Action != tc.action {
			t.Errorf("another container's file at %s, id %q: %s, want %s", tc.destination,
				tc.id, decision.Action, tc.action)
		}
	}
}

func TestLowPortsNeedTheCapability(t *testing.T) {
	m := testconfig.Manifest()
	spec := compliant(t)
	spec.Linux.Sysctl = map[string]string{"net.ipv4.ip_unprivileged_port_start": "80"}
	if decision := Evaluate(&Input{Spec: spec, Manifest: m}); decision.Action != OK {
		t.Errorf("with CAP_NET_BIND_SERVICE in the manifest: %s", decision.Action)
	}

	m.Security.Capabilities = nil
	decision := Evaluate(&Input{Spec: spec, Manifest: m})
	finding, ok := findingAt(decision, "linux.sysctl.net.ipv4.ip_unprivileged_port_start", Reject)
	if !ok || finding.Rule != RuleSysctl {
		t.Errorf("without the capability: findings %+v, want a sysctl rejection", notOK(decision))
	}
}

func TestTightenedCapabilitiesKeepSetOrder(t *testing.T) {
	caps := &specs.LinuxCapabilities{
		Bounding:    []string{"CAP_NET_ADMIN", "CAP_CHOWN", "CAP_NET_BIND_SERVICE"},
		Permitted:   []string{"CAP_NET_BIND_SERVICE", "CAP_NET_ADMIN"},
		Inheritable: []string{"CAP_NET_ADMIN"},
		Effective:   []string{"CAP_NET_ADMIN", "CAP_NET_RAW"},
		Ambient:     []string{"CAP_NET_ADMIN", "CAP_NET_BIND_SERVICE"},
	}
	got := TightenedCapabilities(caps, []string{"CAP_NET_ADMIN", "CAP_NET_BIND_SERVICE"}, false)

	if want := []string{"CAP_NET_ADMIN", "CAP_NET_BIND_SERVICE"}; !slices.Equal(got.Bounding, want) {
		t.Errorf("bounding = %v, want %v", got.Bounding, want)
	}
	if want := []string{"CAP_NET_ADMIN"}; !slices.Equal(got.Effective, want) {
		t.Errorf("effective = %v, want %v", got.Effective, want)
	}
	if want := []string{"CAP_NET_ADMIN"}; !slices.Equal(got.Ambient, want) {
		t.Errorf("ambient = %v, want %v (within inheritable and permitted)", got.Ambient, want)
	}
}

func TestTightenedCapabilitiesMovingToNonRoot(t *testing.T) {
	caps := &specs.LinuxCapabilities{
		Bounding:  []string{"CAP_CHOWN", "CAP_NET_ADMIN"},
		Permitted: []string{"CAP_CHOWN", "CAP_NET_ADMIN"},
		Effective: []string{"CAP_CHOWN", "CAP_NET_ADMIN"},
	}
	got := TightenedCapabilities(caps, []string{"CAP_NET_ADMIN"}, true)

	want := []string{"CAP_NET_ADMIN"}
	if !slices.Equal(got.Inheritable, want) || !slices.Equal(got.Ambient, want) {
		t.Errorf("inheritable %v, ambient %v, want %v in both so that the non-root user "+
			"keeps the capability", got.Inheritable, got.Ambient, want)
	}
	if !slices.Equal(got.Effective, want) {
		t.Errorf("effective = %v, want %v", got.Effective, want)
	}
}

func TestExecEvaluatesOnlyProcessRules(t *testing.T) {
	spec := compliant(t)
	spec.Root.Readonly = false
	spec.Process.User.UID = 0
	spec.Process.Capabilities.Bounding = allCapabilities()
	decision := Evaluate(&Input{Spec: spec, Manifest: testconfig.Manifest(), Exec: true})

	if decision.Action != Tighten {
		t.Fatalf("action = %s, want tighten (an exec is never rejected for capabilities)",
			decision.Action)
	}
	if _, ok := findingAt(decision, "root.readonly", Tighten); ok {
		t.Error("exec evaluated the container-wide root.readonly rule")
	}
	if _, ok := findingAt(decision, "process.user", Tighten); !ok {
		t.Error("exec did not tighten process.user")
	}
	for _, edit := range decision.Edits(true) {
		if strings.HasPrefix(edit.Path, "process.") {
			t.Errorf("exec edit path %q still has the process. prefix", edit.Path)
		}
	}
}

func TestRelaxationsCarryReasons(t *testing.T) {
	m := testconfig.Manifest()
	m.Security.ReadonlyRoot = false
	m.Security.ReadonlyRootReason = "the app rewrites its own plugins directory"
	m.Devices = []manifest.Device{{Path: "/dev/net/tun", Reason: "creates the tunnel"}}
	spec := compliant(t)
	spec.Root.Readonly = false
	major, minor := int64(10), int64(200)
	spec.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/net/tun", Type: "c", Major: 10,
		Minor: 200}}
	spec.Linux.Resources.Devices = append(spec.Linux.Resources.Devices,
		specs.LinuxDeviceCgroup{Allow: true, Type: "c", Major: &major, Minor: &minor,
			Access: "rwm"})

	decision := Evaluate(&Input{Spec: spec, Manifest: m})
	if decision.Action != OK {
		t.Fatalf("action = %s, want ok; findings: %+v", decision.Action, notOK(decision))
	}
	reasons := map[string]string{}
	for _, f := range decision.With(OK) {
		reasons[f.Path] = f.Reason
	}
	for path, want := range map[string]string{
		"root.readonly":                 m.Security.ReadonlyRootReason,
		"linux.devices[0]":              "creates the tunnel",
		"process.capabilities.bounding": "serves the Electrum protocol on port 50001",
	} {
		if reasons[path] != want {
			t.Errorf("reason at %s = %q, want %q", path, reasons[path], want)
		}
	}
}

func TestUnmanagedContainerGetsDefaultManifest(t *testing.T) {
	spec := testconfig.PodmanSpec(t)
	decision := Evaluate(&Input{Spec: spec, Manifest: manifest.Default(65534, 65534)})

	finding, ok := findingAt(decision, "process.capabilities.bounding", Tighten)
	if !ok {
		t.Fatal("default manifest kept podman's default capabilities")
	}
	if finding.Allowed != "no capabilities" {
		t.Errorf("allowed = %q, want %q", finding.Allowed, "no capabilities")
	}
	user, ok := findingAt(decision, "process.user", Tighten)
	if !ok || user.Edits[0].Value != uint32(65534) {
		t.Errorf("user finding = %+v, want uid set to 65534", user)
	}
}

func withoutNamespace(list []specs.LinuxNamespace,
	kind specs.LinuxNamespaceType) []specs.LinuxNamespace {
	return slices.DeleteFunc(slices.Clone(list), func(n specs.LinuxNamespace) bool {
		return n.Type == kind
	})
}

func findingAt(d Decision, path string, action Action) (Finding, bool) {
	for _, f := range d.Findings {
		if f.Path == path && f.Action == action {
			return f, true
		}
	}
	return Finding{}, false
}

func notOK(d Decision) []Finding {
	var list []Finding
	for _, f := range d.Findings {
		if f.Action != OK {
			list = append(list, f)
		}
	}
	return list
}
