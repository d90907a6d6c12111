package e2e

import (
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// testImage is the busybox image the podman tests import from the rootfs.
const testImage = "localhost/seawall-e2e:1.0"

// podmanStorage is a podman storage root of the tests' own, so that the tests
// touch no container or image of the host's.
type podmanStorage struct {
	root    string
	runroot string
}

var (
	podmanStorages   = map[string]*podmanStorage{}
	podmanStoragesMu sync.Mutex
)

func (s *podmanStorage) args() []string {
	return []string{"--root", s.root, "--runroot", s.runroot, "--cgroup-manager", "cgroupfs"}
}

// reset removes every container and image of the storage.
func (s *podmanStorage) reset() {
	args := append(s.args(), "system", "reset", "--force")
	exec.Command("podman", args...).Run()
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
	s := &podmanStorage{root: filepath.Join(dir, "storage"), runroot: filepath.Join(dir, "run")}
	args := append(s.args(), "import", env.archive, testImage)
	if _, stderr, err := rt.run(t, "podman", args...); err != nil {
		t.Fatalf("podman import: %v\n%s", err, stderr)
	}
	podmanStorages[rt.name] = s
	return s
}

// run runs a podman command with seawall-runtime as the runtime.
func (p *podman) run(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	full := append(p.storage.args(), "--runtime", seawallRuntime(),
		"--runtime-flag", "seawall-config="+p.node.config)
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
