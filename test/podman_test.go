package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// testImage is the busybox image the podman tests import from the rootfs.
const testImage = "localhost/seawall-e2e:1.0"

// podmanStorage is a podman storage root, state directory and temporary
// directory of the tests' own, so that the tests touch no container, image or
// state of the host's podman.
type podmanStorage struct {
	root    string
	runroot string
	tmpdir  string
}

var (
	podmanStorages   = map[string]*podmanStorage{}
	podmanStoragesMu sync.Mutex
)

func (s *podmanStorage) args() []string {
	return []string{"--root", s.root, "--runroot", s.runroot, "--tmpdir", s.tmpdir,
		"--cgroup-manager", "cgroupfs"}
}

// reset removes every container and image of the storage. It does not use
// "podman system reset", which also deletes state that all of the host's podman
// stores share, such as /run/libpod.
func (s *podmanStorage) reset() {
	for _, command := range [][]string{{"rm", "--all", "--force", "--time", "0"},
		{"rmi", "--all", "--force"}} {
		exec.Command("podman", append(s.args(), command...)...).Run()
	}
}

// podman runs podman through seawall-runtime over one real runtime.
type podman struct {
	storage *podmanStorage
	runtime ociRuntime
	node    *node
}

// newPodman returns a podman whose containers go through seawall-runtime, with
// the test image imported into a storage shared by the tests of one runtime.
func newPodman(t *testing.T, rt ociRuntime, extraConfig string) *podman {
	t.Helper()
	requireTool(t, "podman")
	p := &podman{storage: storageFor(t, rt), runtime: rt, node: newNode(t, rt.path, extraConfig)}
	return p
}

func storageFor(t *testing.T, rt ociRuntime) *podmanStorage {
	t.Helper()
	podmanStoragesMu.Lock()
	defer podmanStoragesMu.Unlock()
	if s, ok := podmanStorages[rt.name]; ok {
		return s
	}
	dir := filepath.Join(env.root, "podman-"+rt.name)
	s := &podmanStorage{root: filepath.Join(dir, "storage"), runroot: filepath.Join(dir, "run"),
		tmpdir: filepath.Join(dir, "tmp")}
	args := append(s.args(), "import", env.archive, testImage)
	if _, stderr, err := rt.run(t, "podman", args...); err != nil {
		t.Fatalf("podman import: %v\n%s", err, stderr)
	}
	podmanStorages[rt.name] = s
	return s
}

// run runs a podman command with seawall-runtime, through the node's launcher,
// as the runtime.
func (p *podman) run(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	full := append(p.storage.args(), "--runtime", p.node.launcher(t))
	return p.runtime.run(t, "podman", append(full, args...)...)
}

// runArgs are the options every test container needs on this machine.
var runArgs = []string{"--network=none", "--ulimit", "nofile=1024:1024", "--ulimit",
	"nproc=1024:1024"}

// runContainer runs a container to its end. It is removed afterwards rather than
// with --rm: podman 4.3's run --rm at times fails to read the exit code of a
// container that has just exited ("no such exit code").
func (p *podman) runContainer(t *testing.T, options []string, command ...string) (string,
	string, error) {
	t.Helper()
	name := containerID("run")
	t.Cleanup(func() { p.run(t, "rm", "--force", "--time", "0", name) })
	args := append(append([]string{"run", "--name", name}, runArgs...), options...)
	args = append(append(args, testImage), command...)
	return p.run(t, args...)
}

func TestPodmanRunTightensLaxContainer(t *testing.T) {
	for _, rt := range runtimes(t) {
		t.Run(rt.name, func(t *testing.T) {
			p := newPodman(t, rt, "")
			stdout, stderr, err := p.runContainer(t,
				[]string{"--annotation", "org.archipelago.app=" + testAppID},
				"sh", "-c", probeScript)
			if err != nil {
				t.Fatalf("podman run: %v\nstderr: %s", err, stderr)
			}
			s := parseStatus(t, stdout)
			checkEnforced(t, s)
			if s.capEff != netBindService || s.capAmb != netBindService {
				t.Errorf("CapEff %#x, CapAmb %#x, want CAP_NET_BIND_SERVICE (%#x) usable by "+
					"uid %d", s.capEff, s.capAmb, netBindService, testAppUID)
			}
			if record := p.node.lastRecord(t); record["app"] != testAppID ||
				record["action"] != "tighten" {
				t.Errorf("decision = app %v action %v, want %s tighten", record["app"],
					record["action"], testAppID)
			}
		})
	}
}

func TestPodmanRunHoldsUnannotatedContainer(t *testing.T) {
	for _, rt := range runtimes(t) {
		t.Run(rt.name, func(t *testing.T) {
			p := newPodman(t, rt, "default_user: \"2200:2200\"\n")
			stdout, stderr, err := p.runContainer(t, nil, "sh", "-c", probeScript)
			if err != nil {
				t.Fatalf("podman run: %v\nstderr: %s", err, stderr)
			}
			s := parseStatus(t, stdout)
			if s.uid != 2200 || s.capBnd != 0 || s.capEff != 0 || s.noNewPrivs != 1 ||
				s.seccomp != 2 || s.rootWrite != "readonly" {
				t.Errorf("status = %+v, want uid 2200, no capabilities, no new privileges, "+
					"seccomp 2 and a read-only root", s)
			}
		})
	}
}

func TestPodmanRunRejectsPrivileged(t *testing.T) {
	for _, rt := range runtimes(t) {
		t.Run(rt.name, func(t *testing.T) {
			p := newPodman(t, rt, "")
			stdout, stderr, err := p.runContainer(t,
				[]string{"--privileged", "--annotation", "org.archipelago.app=" + testAppID},
				"echo", "started")
			if err == nil {
				t.Fatalf("podman run --privileged succeeded: %s", stdout)
			}
			if strings.Contains(stdout, "started") {
				t.Error("the privileged container ran")
			}
			for _, want := range []string{"seawall: rejected container",
				"io.podman.annotations.privileged", "without --privileged"} {
				if !strings.Contains(stderr, want) {
					t.Errorf("podman's error lacks %q:\n%s", want, stderr)
				}
			}
			if record := p.node.lastRecord(t); record["action"] != "reject" {
				t.Errorf("decision = %v, want reject", record["action"])
			}
		})
	}
}

func TestPodmanRunRejectsUnlistedCapability(t *testing.T) {
	for _, rt := range runtimes(t) {
		t.Run(rt.name, func(t *testing.T) {
			p := newPodman(t, rt, "")
			_, stderr, err := p.runContainer(t, []string{"--cap-add", "SYS_ADMIN",
				"--annotation", "org.archipelago.app=" + testAppID}, "true")
			if err == nil {
				t.Fatal("podman run --cap-add SYS_ADMIN succeeded")
			}
			if !strings.Contains(stderr, "CAP_SYS_ADMIN") {
				t.Errorf("podman's error does not name CAP_SYS_ADMIN:\n%s", stderr)
			}
		})
	}
}

func TestPodmanExecIsTightened(t *testing.T) {
	for _, rt := range runtimes(t) {
		t.Run(rt.name, func(t *testing.T) {
			p := newPodman(t, rt, "")
			name := containerID("exec")
			args := append(append([]string{"run", "-d", "--name", name}, runArgs...),
				"--annotation", "org.archipelago.app="+testAppID, testImage, "sleep", "300")
			if _, stderr, err := p.run(t, args...); err != nil {
				t.Fatalf("podman run -d: %v\nstderr: %s", err, stderr)
			}
			t.Cleanup(func() { p.run(t, "rm", "--force", "--time", "0", name) })

			for _, options := range [][]string{{"--privileged"}, {"-u", "0"},
				{"--privileged", "-u", "0"}} {
				args := append(append([]string{"exec"}, options...), name, "sh", "-c",
					probeScript)
				stdout, stderr, err := p.run(t, args...)
				if err != nil {
					t.Fatalf("podman exec %v: %v\nstderr: %s", options, err, stderr)
				}
				checkEnforced(t, parseStatus(t, stdout))
				if record := p.node.lastRecord(t); record["command"] != "exec" ||
					record["action"] != "tighten" {
					t.Errorf("exec %v decision = %v %v, want exec tighten", options,
						record["command"], record["action"])
				}
			}
		})
	}
}

func TestPodmanRemovalReachesTheRuntime(t *testing.T) {
	for _, rt := range runtimes(t) {
		t.Run(rt.name, func(t *testing.T) {
			p := newPodman(t, rt, "")
			cidFile := filepath.Join(t.TempDir(), "cid")
			args := append(append([]string{"run", "--rm", "--cidfile", cidFile}, runArgs...),
				testImage, "true")
			p.run(t, args...) // the exit code can be lost to podman's --rm race
			id, err := os.ReadFile(cidFile)
			if err != nil {
				t.Fatalf("podman wrote no container id: %v", err)
			}
			p.run(t, "rm", "--force", "--time", "0", string(id))

			// podman's cleanup process deletes the container with a runtime call
			// that carries no --runtime-flag; it must still reach the real runtime.
			if stdout, _, err := rt.run(t, rt.path, "state", string(id)); err == nil {
				t.Errorf("%s still has the removed container:\n%s", rt.name, stdout)
			}
		})
	}
}

func TestPodmanRunRejectsHostAccess(t *testing.T) {
	annotate := func(app string) []string {
		return []string{"--annotation", "org.archipelago.app=" + app}
	}
	cases := []struct {
		name    string
		options []string
		message string
	}{
		{"user namespace mapping the app's uid to root",
			append(annotate(testAppID), "--uidmap", "0:200000:1500", "--uidmap", "1500:0:1",
				"--uidmap", "1501:201501:1000", "--gidmap", "0:200000:5000",
				"--rootfs", env.rootfs), "linux.uidMappings: container ids 1500-1500 map to host ids 0-0"},
		{"another device under the manifest's device path",
			append(annotate("wireguard"), "--device", "/dev/null:/dev/net/tun"),
			"/dev/net/tun is c 1:3 in the config but c 10:200 on the host"},
		{"crun's keep original groups annotation",
			append(annotate(testAppID), "--annotation", "run.oci.keep_original_groups=1"),
			"annotations.run.oci.keep_original_groups"},
		{"the host's network namespace", append(annotate(testAppID), "--network=host"),
			"no network namespace"},
		{"the host's root bind mounted", append(annotate(testAppID), "-v", "/:/host:ro"),
			`bind mount of host path "/" at "/host"`},
		{"an overlay over the host's root", append(annotate(testAppID), "--rootfs", "/:O"),
			"an overlay over the host's root"},
	}
	for _, rt := range runtimes(t) {
		for _, tc := range cases {
			t.Run(rt.name+"/"+tc.name, func(t *testing.T) {
				if strings.Contains(tc.name, "device") && !deviceExists("/dev/net/tun") {
					t.Skip("this host has no /dev/net/tun")
				}
				p := newPodman(t, rt, "")
				name := containerID("host")
				t.Cleanup(func() { p.run(t, "rm", "--force", "--time", "0", name) })
				args := append([]string{"run", "--name", name, "--ulimit", "nofile=1024:1024",
					"--ulimit", "nproc=1024:1024"}, tc.options...)
				if !strings.Contains(tc.name, "network") {
					args = append(args, "--network=none")
				}
				if !slices.Contains(tc.options, "--rootfs") {
					args = append(args, testImage)
				}
				stdout, stderr, err := p.run(t, append(args, "echo", "started")...)
				if err == nil || strings.Contains(stdout, "started") {
					t.Fatalf("the container started: %s", stdout)
				}
				if !strings.Contains(stderr, tc.message) {
					t.Errorf("podman's error lacks %q:\n%s", tc.message, stderr)
				}
			})
		}
	}
}

func deviceExists(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

func TestPodmanVolumeIsTheWritablePlace(t *testing.T) {
	for _, rt := range runtimes(t) {
		t.Run(rt.name, func(t *testing.T) {
			p := newPodman(t, rt, "")
			volume := t.TempDir()
			if err := os.Chown(volume, testAppUID, testAppUID); err != nil {
				t.Fatal(err)
			}
			stdout, stderr, err := p.runContainer(t, []string{"--annotation",
				"org.archipelago.app=" + testAppID, "-v", volume + ":/data"},
				"sh", "-c", "echo kept > /data/file && touch /elsewhere")
			if err == nil {
				t.Errorf("writing outside the volume succeeded: %s", stdout)
			}
			if !strings.Contains(stderr, "Read-only file system") {
				t.Errorf("stderr = %q, want the read-only root to stop the second write", stderr)
			}
			if data, _ := os.ReadFile(filepath.Join(volume, "file")); string(data) != "kept\n" {
				t.Errorf("volume file = %q, want the container's write", data)
			}
		})
	}
}

func TestPodmanUserNamespaceInSubordinateIDs(t *testing.T) {
	for _, rt := range runtimes(t) {
		t.Run(rt.name, func(t *testing.T) {
			p := newPodman(t, rt, "")
			stdout, stderr, err := p.runContainer(t, []string{"--annotation",
				"org.archipelago.app=" + testAppID, "--uidmap", "0:200000:65536",
				"--gidmap", "0:200000:65536"}, "sh", "-c", probeScript+"; cat /proc/self/uid_map")
			if err != nil {
				t.Fatalf("podman run with a user namespace: %v\nstderr: %s", err, stderr)
			}
			checkEnforced(t, parseStatus(t, stdout))
			if !strings.Contains(strings.Join(strings.Fields(stdout), " "), "0 200000 65536") {
				t.Errorf("uid_map does not show the user namespace:\n%s", stdout)
			}
		})
	}
}
