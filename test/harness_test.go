// Package e2e drives seawall against real runc, crun and podman. The tests need
// root. A missing tool skips the tests that need it, except under CI=true, where
// it fails them.
package e2e

import (
	"bufio"
	"debug/elf"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-tools/generate"
)

// testApp is the manifest the tests run containers under: one capability, a
// read-only root and a uid of its own.
const testApp = `manifest_version: 1
id: e2e-app
version: "1.0.0"
image: localhost/seawall-e2e:1.0
security:
  readonly_root: true
  no_new_privileges: true
  user: "1500:1500"
  capabilities:
    - name: NET_BIND_SERVICE
      reason: the test server listens on port 80
  seccomp_profile: default
volumes:
  - name: data
    path: /data
`

const (
	testAppID  = "e2e-app"
	testAppUID = 1500
	// netBindService is CAP_NET_BIND_SERVICE as a bit in /proc/PID/status masks.
	netBindService = 1 << 10
)

// env holds what TestMain prepared for every test.
var env struct {
	root    string // the temporary directory for the whole run
	bin     string // the built seawall binaries
	rootfs  string // a busybox root filesystem
	archive string // rootfs as a tar archive, for podman import
}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if os.Geteuid() != 0 {
		fmt.Println("e2e: skipped, the end-to-end tests need root")
		if os.Getenv("CI") == "true" {
			return 1
		}
		return 0
	}
	root, err := os.MkdirTemp("", "seawall-e2e-")
	if err != nil {
		fmt.Println("e2e:", err)
		return 1
	}
	env.root = root
	defer cleanup()

	if err := prepare(); err != nil {
		fmt.Println("e2e: preparing:", err)
		return 1
	}
	return m.Run()
}

func prepare() error {
	env.bin = filepath.Join(env.root, "bin")
	build := exec.Command("go", "build", "-o", env.bin+"/", "../cmd/...")
	if output, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building the binaries: %v\n%s", err, output)
	}
	busybox, err := findBusybox()
	if err != nil {
		return err
	}
	env.rootfs = filepath.Join(env.root, "rootfs")
	if err := makeRootfs(env.rootfs, busybox); err != nil {
		return err
	}
	env.archive = filepath.Join(env.root, "rootfs.tar")
	tar := exec.Command("tar", "-C", env.rootfs, "-cf", env.archive, ".")
	if output, err := tar.CombinedOutput(); err != nil {
		return fmt.Errorf("archiving the rootfs: %v\n%s", err, output)
	}
	return nil
}

// findBusybox returns a statically linked busybox, which runs in an empty rootfs.
func findBusybox() (string, error) {
	for _, path := range []string{"/bin/busybox", "/usr/bin/busybox"} {
		if static, err := isStatic(path); err == nil && static {
			return path, nil
		}
	}
	return "", fmt.Errorf("no statically linked busybox in /bin or /usr/bin; " +
		"install busybox-static")
}

// isStatic reports whether the ELF file at path needs no program interpreter.
func isStatic(path string) (bool, error) {
	file, err := elf.Open(path)
	if err != nil {
		return false, err
	}
	defer file.Close()
	for _, program := range file.Progs {
		if program.Type == elf.PT_INTERP {
			return false, nil
		}
	}
	return true, nil
}

func makeRootfs(dir, busybox string) error {
	for _, sub := range []string{"bin", "etc", "proc", "sys", "dev", "tmp", "data"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	data, err := os.ReadFile(busybox)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "bin", "busybox"), data, 0o755); err != nil {
		return err
	}
	for _, applet := range []string{"sh", "cat", "grep", "id", "touch", "sleep", "echo",
		"nc", "true"} {
		if err := os.Symlink("busybox", filepath.Join(dir, "bin", applet)); err != nil {
			return err
		}
	}
	passwd := "root:x:0:0:root:/:/bin/sh\napp:x:1500:1500:app:/:/bin/sh\n"
	return os.WriteFile(filepath.Join(dir, "etc", "passwd"), []byte(passwd), 0o644)
}

func cleanup() {
	for _, storage := range podmanStorages {
		storage.reset()
	}
	exec.Command("umount", "-R", env.root).Run()
	os.RemoveAll(env.root)
}

// requireTool finds a program, failing the test under CI=true and skipping it
// otherwise when the program is missing.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not found, and CI=true requires every runtime: %v", name, err)
	}
	t.Skipf("%s not found: %v", name, err)
	return ""
}

// node is a seawall node configuration in a temporary directory.
type node struct {
	dir         string
	config      string
	decisionLog string
	runtime     string
}

// newNode writes a node configuration that hands containers to runtime and
// holds the test app's manifest and the bundled examples.
func newNode(t *testing.T, runtime string, extra string) *node {
	t.Helper()
	dir := t.TempDir()
	n := &node{dir: dir, config: filepath.Join(dir, "config.yaml"),
		decisionLog: filepath.Join(dir, "decisions.jsonl"), runtime: runtime}
	apps := filepath.Join(dir, "apps")
	if err := os.Mkdir(apps, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(apps, testAppID+".yaml"), testApp)
	examples, _ := filepath.Glob("../examples/*.yaml")
	for _, example := range examples {
		data, err := os.ReadFile(example)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(apps, filepath.Base(example)), string(data))
	}
	config := fmt.Sprintf("mode: enforce\nmanifests_dir: %s\nruntime: %s\ndecision_log: %s\n%s",
		apps, runtime, n.decisionLog, extra)
	writeFile(t, n.config, config)
	return n
}

// launcher writes and returns a script that starts seawall-runtime with the
// node's configuration, as seawall install --root writes one. Podman passes
// --runtime-flag options on most runtime calls but not on those of its cleanup
// process, which would then use another configuration and runtime.
func (n *node) launcher(t *testing.T) string {
	t.Helper()
	path := filepath.Join(n.dir, "seawall-runtime")
	script := fmt.Sprintf("#!/bin/sh\nexec %s --seawall-config=%s \"$@\"\n",
		filepath.Join(env.bin, "seawall-runtime"), n.config)
	writeFile(t, path, script)
	if err := os.Chmod(path, 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// lastRecord returns the newest decision in the node's log as a map.
func (n *node) lastRecord(t *testing.T) map[string]any {
	t.Helper()
	file, err := os.Open(n.decisionLog)
	if err != nil {
		t.Fatalf("opening the decision log: %v", err)
	}
	defer file.Close()
	var last map[string]any
	scanner := bufio.NewScanner(file)
	scanner.Buffer(nil, 4<<20)
	for scanner.Scan() {
		last = nil
		if err := json.Unmarshal(scanner.Bytes(), &last); err != nil {
			t.Fatalf("decision log line: %v", err)
		}
	}
	if last == nil {
		t.Fatal("the decision log is empty")
	}
	return last
}

// laxSpec returns a config such as an engine writes with no security options:
// root user, the default capabilities in every set, a writable root, new
// privileges allowed and no seccomp profile.
func laxSpec(t *testing.T, rootfs string, args ...string) *specs.Spec {
	t.Helper()
	g, err := generate.New("linux")
	if err != nil {
		t.Fatal(err)
	}
	spec := g.Config
	spec.Version = "1.0.2-dev"
	spec.Root.Path = rootfs
	spec.Root.Readonly = false
	spec.Process.Args = args
	spec.Process.Terminal = false
	spec.Process.NoNewPrivileges = false
	spec.Linux.Seccomp = nil
	spec.Hostname = "e2e"
	return spec
}

// bundle writes spec as a bundle's config.json and returns the bundle directory.
func bundle(t *testing.T, spec *specs.Spec) string {
	t.Helper()
	dir := t.TempDir()
	data, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "config.json"), string(data))
	return dir
}

// status is the part of /proc/self/status the tests check.
type status struct {
	uid        int
	noNewPrivs int
	seccomp    int
	capBnd     uint64
	capEff     uint64
	capPrm     uint64
	capAmb     uint64
	rootWrite  string // "readonly" or "writable": what touching a file in / did
}

// probeScript prints /proc/self/status and whether the root can be written.
const probeScript = "cat /proc/self/status; " +
	"if touch /seawall-probe 2>/dev/null; then echo root=writable; else echo root=readonly; fi"

func parseStatus(t *testing.T, output string) status {
	t.Helper()
	s := status{uid: -1, noNewPrivs: -1, seccomp: -1}
	for _, line := range strings.Split(output, "\n") {
		key, value, _ := strings.Cut(line, ":")
		fields := strings.Fields(value)
		switch {
		case key == "Uid" && len(fields) > 0:
			s.uid, _ = strconv.Atoi(fields[0])
		case key == "NoNewPrivs" && len(fields) > 0:
			s.noNewPrivs, _ = strconv.Atoi(fields[0])
		case key == "Seccomp" && len(fields) > 0:
			s.seccomp, _ = strconv.Atoi(fields[0])
		case strings.HasPrefix(key, "Cap") && len(fields) > 0:
			mask, _ := strconv.ParseUint(fields[0], 16, 64)
			s.setCap(key, mask)
		case strings.HasPrefix(line, "root="):
			s.rootWrite = strings.TrimPrefix(line, "root=")
		}
	}
	if s.uid < 0 || s.noNewPrivs < 0 || s.seccomp < 0 || s.rootWrite == "" {
		t.Fatalf("the probe printed no complete status:\n%s", output)
	}
	return s
}

func (s *status) setCap(key string, mask uint64) {
	switch key {
	case "CapBnd":
		s.capBnd = mask
	case "CapEff":
		s.capEff = mask
	case "CapPrm":
		s.capPrm = mask
	case "CapAmb":
		s.capAmb = mask
	}
}

// checkEnforced asserts what every container of the test app must show.
func checkEnforced(t *testing.T, s status) {
	t.Helper()
	if s.noNewPrivs != 1 {
		t.Errorf("NoNewPrivs = %d, want 1", s.noNewPrivs)
	}
	if s.uid != testAppUID {
		t.Errorf("uid = %d, want %d", s.uid, testAppUID)
	}
	if s.seccomp != 2 {
		t.Errorf("Seccomp = %d, want 2 (filter mode)", s.seccomp)
	}
	for name, mask := range map[string]uint64{"CapBnd": s.capBnd, "CapEff": s.capEff,
		"CapPrm": s.capPrm, "CapAmb": s.capAmb} {
		if mask&^netBindService != 0 {
			t.Errorf("%s = %#x, want nothing beyond CAP_NET_BIND_SERVICE (%#x)", name, mask,
				netBindService)
		}
	}
	if s.capBnd != netBindService {
		t.Errorf("CapBnd = %#x, want exactly CAP_NET_BIND_SERVICE (%#x)", s.capBnd,
			netBindService)
	}
	if s.rootWrite != "readonly" {
		t.Errorf("root = %s, want readonly", s.rootWrite)
	}
}

// command runs a program with a deadline and returns its stdout, stderr and
// error. Output goes through files, not pipes: a container started by "create"
// keeps its stdio open after the runtime exits, and a pipe would not close.
func command(t *testing.T, env []string, name string, args ...string) (string, string, error) {
	t.Helper()
	dir := t.TempDir()
	stdout, err := os.Create(filepath.Join(dir, "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	defer stdout.Close()
	stderr, err := os.Create(filepath.Join(dir, "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()

	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		return "", "", err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatalf("%s %v timed out after 2 minutes", name, args)
	}
	output, _ := os.ReadFile(stdout.Name())
	errors, _ := os.ReadFile(stderr.Name())
	return string(output), string(errors), err
}
