package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func seawallRuntime() string {
	return filepath.Join(env.bin, "seawall-runtime")
}

// appBundle writes a bundle with a lax config of the test app that runs args.
func appBundle(t *testing.T, args ...string) string {
	t.Helper()
	spec := laxSpec(t, env.rootfs, args...)
	spec.Annotations = map[string]string{"org.archipelago.app": testAppID}
	return bundle(t, spec)
}

func TestWrapperRunTightensLaxConfig(t *testing.T) {
	for _, rt := range runtimes(t) {
		t.Run(rt.name, func(t *testing.T) {
			n := newNode(t, rt.path, "")
			dir := appBundle(t, "sh", "-c", probeScript)

			stdout, stderr, err := rt.run(t, seawallRuntime(), "--seawall-config", n.config,
				"run", "--bundle", dir, containerID("lax"))
			if err != nil {
				t.Fatalf("seawall-runtime run: %v\nstderr: %s", err, stderr)
			}
			s := parseStatus(t, stdout)
			checkEnforced(t, s)
			if s.capEff != netBindService {
				t.Errorf("CapEff = %#x, want CAP_NET_BIND_SERVICE (%#x)", s.capEff, netBindService)
			}
			if record := n.lastRecord(t); record["action"] != "tighten" {
				t.Errorf("decision = %v, want tighten", record["action"])
			}
		})
	}
}

func TestWrapperHoldsUnmanagedContainerToDefaults(t *testing.T) {
	for _, rt := range runtimes(t) {
		t.Run(rt.name, func(t *testing.T) {
			n := newNode(t, rt.path, "default_user: \"2100:2100\"\n")
			dir := bundle(t, laxSpec(t, env.rootfs, "sh", "-c", probeScript))

			stdout, stderr, err := rt.run(t, seawallRuntime(), "--seawall-config", n.config,
				"run", "-b", dir, containerID("unmanaged"))
			if err != nil {
				t.Fatalf("seawall-runtime run: %v\nstderr: %s", err, stderr)
			}
			s := parseStatus(t, stdout)
			if s.uid != 2100 || s.capBnd != 0 || s.noNewPrivs != 1 || s.seccomp != 2 ||
				s.rootWrite != "readonly" {
				t.Errorf("status = %+v, want uid 2100, no capabilities, no new privileges, "+
					"seccomp 2 and a read-only root", s)
			}
		})
	}
}

func TestWrapperPassesCompliantConfigUntouched(t *testing.T) {
	for _, rt := range runtimes(t) {
		t.Run(rt.name, func(t *testing.T) {
			n := newNode(t, rt.path, "")
			dir := appBundle(t, "sh", "-c", probeScript)
			config := filepath.Join(dir, "config.json")

			// The first run tightens the config in place; the second must find it
			// compliant and leave the very same file for the runtime.
			if _, stderr, err := rt.run(t, seawallRuntime(), "--seawall-config", n.config,
				"run", "--bundle="+dir, containerID("first")); err != nil {
				t.Fatalf("first run: %v\nstderr: %s", err, stderr)
			}
			before, beforeInfo := readWithInode(t, config)

			stdout, stderr, err := rt.run(t, seawallRuntime(), "--seawall-config", n.config,
				"run", "-b="+dir, containerID("second"))
			if err != nil {
				t.Fatalf("second run: %v\nstderr: %s", err, stderr)
			}
			after, afterInfo := readWithInode(t, config)

			if string(before) != string(after) {
				t.Error("the compliant config.json was rewritten")
			}
			if beforeInfo.Ino != afterInfo.Ino || beforeInfo.Mtim != afterInfo.Mtim {
				t.Error("the compliant config.json was replaced (inode or mtime changed)")
			}
			checkEnforced(t, parseStatus(t, stdout))
			if record := n.lastRecord(t); record["action"] != "ok" {
				t.Errorf("second decision = %v, want ok", record["action"])
			}
		})
	}
}

func readWithInode(t *testing.T, path string) ([]byte, *syscall.Stat_t) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return data, info.Sys().(*syscall.Stat_t)
}

func TestWrapperRejectionWritesRuntimeLog(t *testing.T) {
	for _, rt := range runtimes(t) {
		for _, format := range []string{"json", "text"} {
			t.Run(rt.name+"/"+format, func(t *testing.T) {
				n := newNode(t, rt.path, "")
				spec := laxSpec(t, env.rootfs, "true")
				spec.Annotations = map[string]string{"org.archipelago.app": testAppID}
				spec.Process.Capabilities.Bounding = append(spec.Process.Capabilities.Bounding,
					"CAP_SYS_ADMIN")
				dir := bundle(t, spec)
				original, _ := os.ReadFile(filepath.Join(dir, "config.json"))
				logFile := filepath.Join(t.TempDir(), "runtime.log")
				id := containerID("rejected")

				t.Cleanup(func() { rt.run(t, rt.path, "delete", "--force", id) })
				_, stderr, err := rt.run(t, seawallRuntime(), "--seawall-config", n.config,
					"--log", logFile, "--log-format", format, "create", "--bundle", dir, id)
				if exitCode(err) != 1 {
					t.Fatalf("exit = %v, want status 1; stderr: %s", err, stderr)
				}
				lines := strings.Split(strings.TrimSpace(stderr), "\n")
				if len(lines) != 1 || !strings.Contains(lines[0], "CAP_SYS_ADMIN") {
					t.Errorf("stderr = %q, want one line naming CAP_SYS_ADMIN", stderr)
				}
				checkRuntimeLog(t, logFile, format)

				after, _ := os.ReadFile(filepath.Join(dir, "config.json"))
				if string(after) != string(original) {
					t.Error("a rejected config.json was modified")
				}
				if _, _, err := rt.run(t, rt.path, "state", id); err == nil {
					t.Errorf("%s knows container %s: the runtime was called", rt.name, id)
				}
			})
		}
	}
}

func checkRuntimeLog(t *testing.T, path, format string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the runtime log: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 1 {
		t.Fatalf("runtime log has %d lines, want 1:\n%s", len(lines), data)
	}
	if format == "text" {
		if !strings.Contains(lines[0], "level=error") || !strings.Contains(lines[0], "seawall") {
			t.Errorf("text log line = %q", lines[0])
		}
		return
	}
	var entry map[string]string
	if err := json.Unmarshal([]byte(lines[0]), &entry); err != nil {
		t.Fatalf("json log line %q: %v", lines[0], err)
	}
	if entry["level"] != "error" || !strings.Contains(entry["msg"], "CAP_SYS_ADMIN") ||
		entry["time"] == "" {
		t.Errorf("json log entry = %v, want level error, the reason and a time", entry)
	}
}

func TestWrapperPassesOtherCommandsThrough(t *testing.T) {
	for _, rt := range runtimes(t) {
		t.Run(rt.name, func(t *testing.T) {
			n := newNode(t, rt.path, "")
			for _, args := range [][]string{{"--version"}, {"state", "seawall-no-such-container"}} {
				wantOut, wantErr, wantRun := rt.run(t, rt.path, args...)
				gotOut, gotErr, gotRun := rt.run(t, seawallRuntime(),
					append([]string{"--seawall-config=" + n.config}, args...)...)

				if gotOut != wantOut {
					t.Errorf("%v stdout = %q, want %q", args, gotOut, wantOut)
				}
				if exitCode(gotRun) != exitCode(wantRun) {
					t.Errorf("%v exit = %d, want %d", args, exitCode(gotRun), exitCode(wantRun))
				}
				if stripTime(gotErr) != stripTime(wantErr) {
					t.Errorf("%v stderr = %q, want %q", args, gotErr, wantErr)
				}
			}
		})
	}
}

// stripTime drops runc's log timestamps so that two runs compare equal.
func stripTime(s string) string {
	var lines []string
	for _, line := range strings.Split(s, "\n") {
		if _, rest, found := strings.Cut(line, "level="); found {
			line = rest
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if exit, ok := err.(interface{ ExitCode() int }); ok {
		return exit.ExitCode()
	}
	return -1
}

func TestWrapperRejectsUnsafeInvocations(t *testing.T) {
	for _, rt := range runtimes(t) {
		t.Run(rt.name, func(t *testing.T) {
			n := newNode(t, rt.path, "")
			lax := laxSpec(t, env.rootfs, "true")
			lax.Annotations = map[string]string{"org.archipelago.app": testAppID}
			dir := bundle(t, lax)
			writable := bundle(t, lax)
			if err := os.Chmod(writable, 0o777); err != nil {
				t.Fatal(err)
			}
			twice := laxSpec(t, env.rootfs, "true")
			twice.Linux.Namespaces = append(twice.Linux.Namespaces,
				specs.LinuxNamespace{Type: specs.UTSNamespace, Path: "/proc/self/ns/uts"})
			duplicate := bundle(t, twice)

			cases := []struct {
				name    string
				args    []string
				message string
			}{
				{"preserved descriptors", []string{"run", "--preserve-fds", "1", "-b", dir},
					"--preserve-fds 1"},
				{"relative config file", []string{"run", "--config", "config.json", "-b", dir},
					"is relative"},
				{"bundle writable by others", []string{"run", "-b", writable},
					"writable by group or others"},
				{"namespace listed twice", []string{"run", "-b", duplicate}, "uts listed twice"},
			}
			for _, tc := range cases {
				args := append([]string{"--seawall-config", n.config}, tc.args...)
				_, stderr, err := rt.run(t, seawallRuntime(),
					append(args, containerID("unsafe"))...)
				if exitCode(err) != 1 || !strings.Contains(stderr, tc.message) {
					t.Errorf("%s: exit %d, stderr %q; want 1 and %q", tc.name, exitCode(err),
						stderr, tc.message)
				}
			}
		})
	}
}

func TestWrapperExecFlagsAreTightened(t *testing.T) {
	for _, rt := range runtimes(t) {
		t.Run(rt.name, func(t *testing.T) {
			n := newNode(t, rt.path, "")
			spec := laxSpec(t, env.rootfs, "sleep", "120")
			spec.Annotations = map[string]string{"org.archipelago.app": testAppID}
			dir := bundle(t, spec)
			id := containerID("exec")
			t.Cleanup(func() { rt.run(t, rt.path, "delete", "--force", id) })
			for _, command := range []string{"create", "start"} {
				args := []string{"--seawall-config", n.config, command}
				if command == "create" {
					args = append(args, "--bundle", dir)
				}
				if _, stderr, err := rt.run(t, seawallRuntime(), append(args, id)...); err != nil {
					t.Fatalf("seawall-runtime %s: %v\n%s", command, err, stderr)
				}
			}

			for _, flags := range [][]string{{"--user", "0"}, {"--user", "0:0", "-g", "0"},
				{"--cap", "CAP_SYS_ADMIN"}, {"--cap", "CAP_NET_BIND_SERVICE"},
				{"--no-new-privs=false"}, {"--user", "0", "--"}} {
				args := append([]string{"--seawall-config", n.config, "exec"}, flags...)
				args = append(args, id, "sh", "-c", probeScript)
				stdout, stderr, err := rt.run(t, seawallRuntime(), args...)
				if err != nil {
					t.Errorf("exec %v: %v\n%s", flags, err, stderr)
					continue
				}
				checkEnforced(t, parseStatus(t, stdout))
			}
		})
	}
}
