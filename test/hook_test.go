package e2e

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// hookNode is a node where `seawall install --root` wrote the hook definitions,
// used through podman --hooks-dir with the real runtime and no wrapper.
type hookNode struct {
	root     string
	hooksDir string
	node     *node
	storage  *podmanStorage
	runtime  ociRuntime
	syslog   *net.UnixConn
}

func newHookNode(t *testing.T, rt ociRuntime) *hookNode {
	t.Helper()
	requireTool(t, "podman")
	root := t.TempDir()
	stdout, stderr, err := command(t, nil, filepath.Join(env.bin, "seawall"), "install",
		"--root", root)
	if err != nil {
		t.Fatalf("seawall install --root: %v\n%s%s", err, stdout, stderr)
	}

	h := &hookNode{root: root, runtime: rt, storage: storageFor(t, rt),
		hooksDir: filepath.Join(root, "usr/share/containers/oci/hooks.d")}
	socket := filepath.Join(root, "syslog.sock")
	listener, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: socket, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { listener.Close() })
	h.syslog = listener

	// The installed configuration is replaced by the tests' node, whose manifests
	// include the test app, with syslog going to the socket above.
	h.node = newNode(t, rt.path, "syslog_socket: "+socket+"\n")
	data, err := os.ReadFile(h.node.config)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(root, "etc/seawall/config.yaml"), string(data))
	return h
}

// run runs podman with the installed hooks and the real runtime.
func (h *hookNode) run(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	full := append(h.storage.args(), "--hooks-dir", h.hooksDir, "--runtime", h.runtime.path)
	return h.runtime.run(t, "podman", append(full, args...)...)
}

// runContainer runs a container and returns its output, podman's error output,
// the error and the container id podman assigned. Like podman.runContainer, it
// removes the container afterwards instead of using --rm.
func (h *hookNode) runContainer(t *testing.T, options []string, command ...string) (string,
	string, error, string) {
	t.Helper()
	cidFile := filepath.Join(t.TempDir(), "cid")
	name := containerID("hook")
	t.Cleanup(func() { h.run(t, "rm", "--force", "--time", "0", name) })
	args := append(append([]string{"run", "--name", name, "--cidfile", cidFile}, runArgs...),
		options...)
	stdout, stderr, err := h.run(t, append(append(args, testImage), command...)...)
	id, _ := os.ReadFile(cidFile)
	return stdout, stderr, err, strings.TrimSpace(string(id))
}

// decisions returns the decision log's records for one container, by stage.
func (h *hookNode) decisions(t *testing.T, id string) map[string]map[string]any {
	t.Helper()
	data, err := os.ReadFile(h.node.decisionLog)
	if err != nil {
		t.Fatalf("reading the decision log: %v", err)
	}
	byStage := map[string]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var record map[string]any
		if err := json.Unmarshal([]byte(line), &record); err != nil {
			t.Fatalf("decision log line: %v", err)
		}
		if record["container_id"] == id {
			byStage[record["layer"].(string)] = record
		}
	}
	return byStage
}

func (h *hookNode) explain(t *testing.T, id string) string {
	t.Helper()
	stdout, stderr, err := command(t, nil, filepath.Join(env.bin, "seawall"), "explain",
		"--config", h.node.config, id[:12])
	if err != nil {
		t.Fatalf("seawall explain %s: %v\n%s", id[:12], err, stderr)
	}
	return stdout
}

func TestHookTightensLaxContainer(t *testing.T) {
	for _, rt := range runtimes(t) {
		t.Run(rt.name, func(t *testing.T) {
			h := newHookNode(t, rt)
			stdout, stderr, err, id := h.runContainer(t,
				[]string{"--annotation", "org.archipelago.app=" + testAppID},
				"sh", "-c", probeScript)
			if err != nil {
				t.Fatalf("podman run: %v\nstderr: %s", err, stderr)
			}
			checkEnforced(t, parseStatus(t, stdout))

			stages := h.decisions(t, id)
			for stage, action := range map[string]string{"precreate": "tighten",
				"prestart": "ok", "poststart": "ok"} {
				if stages[stage]["action"] != action {
					t.Errorf("%s decision = %v, want %s", stage, stages[stage]["action"], action)
				}
			}
			if line := readSyslog(t, h.syslog); !strings.Contains(line, "seawall") {
				t.Errorf("syslog line = %q, want a seawall decision", line)
			}
		})
	}
}

func TestHookRejectsPrivileged(t *testing.T) {
	for _, rt := range runtimes(t) {
		t.Run(rt.name, func(t *testing.T) {
			h := newHookNode(t, rt)
			stdout, stderr, err, id := h.runContainer(t, []string{"--privileged",
				"--annotation", "org.archipelago.app=" + testAppID}, "echo", "started")
			if err == nil || strings.Contains(stdout, "started") {
				t.Fatalf("podman run --privileged started the container: %s", stdout)
			}
			if !strings.Contains(stderr, "precreate") {
				t.Errorf("podman's error does not name the precreate hook:\n%s", stderr)
			}
			if id == "" {
				t.Fatal("podman wrote no container id")
			}
			explanation := h.explain(t, id)
			for _, want := range []string{"seawall-hook precreate: reject",
				"io.podman.annotations.privileged (rule privileged)", "without --privileged"} {
				if !strings.Contains(explanation, want) {
					t.Errorf("seawall explain lacks %q:\n%s", want, explanation)
				}
			}
		})
	}
}

func TestHookRejectsHostRoot(t *testing.T) {
	for _, rt := range runtimes(t) {
		t.Run(rt.name, func(t *testing.T) {
			h := newHookNode(t, rt)
			cidFile := filepath.Join(t.TempDir(), "cid")
			name := containerID("hostroot")
			t.Cleanup(func() { h.run(t, "rm", "--force", "--time", "0", name) })
			args := append([]string{"run", "--name", name, "--cidfile", cidFile}, runArgs...)
			stdout, _, err := h.run(t, append(args, "--rootfs", "/:O", "echo", "started")...)
			if err == nil || strings.Contains(stdout, "started") {
				t.Fatalf("a container on the host's root started: %s", stdout)
			}
			id, _ := os.ReadFile(cidFile)
			if explanation := h.explain(t, strings.TrimSpace(string(id))); !strings.Contains(
				explanation, "an overlay over the host's root") {
				t.Errorf("seawall explain does not show the host root:\n%s", explanation)
			}
		})
	}
}

// loosenHook is a precreate hook that undoes seawall's read-only root. Its file
// name sorts after seawall's, so podman runs it second.
const loosenHook = `#!/bin/sh
exec /bin/sed 's/"readonly":true/"readonly":false/'
`

func TestHookPrestartCatchesLoosenedConfig(t *testing.T) {
	for _, rt := range runtimes(t) {
		t.Run(rt.name, func(t *testing.T) {
			h := newHookNode(t, rt)
			script := filepath.Join(h.root, "loosen.sh")
			writeFile(t, script, loosenHook)
			if err := os.Chmod(script, 0o755); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(h.hooksDir, "zzz-loosen.json"), `{"version":"1.0.0",`+
				`"hook":{"path":"`+script+`"},"when":{"always":true},"stages":["precreate"]}`)

			stdout, stderr, err, id := h.runContainer(t,
				[]string{"--annotation", "org.archipelago.app=" + testAppID}, "echo", "started")
			if err == nil || strings.Contains(stdout, "started") {
				t.Fatalf("the loosened container started: %s %s", stdout, stderr)
			}
			stages := h.decisions(t, id)
			if stages["precreate"]["action"] != "tighten" {
				t.Errorf("precreate decision = %v, want tighten", stages["precreate"]["action"])
			}
			if stages["prestart"]["action"] != "reject" {
				t.Fatalf("prestart decision = %v, want reject", stages["prestart"]["action"])
			}
			if explanation := h.explain(t, id); !strings.Contains(explanation,
				"root.readonly (rule readonly-root)") {
				t.Errorf("seawall explain does not show the loosened root:\n%s", explanation)
			}
		})
	}
}

func TestHookPassesCompliantConfigUnchanged(t *testing.T) {
	for _, rt := range runtimes(t) {
		t.Run(rt.name, func(t *testing.T) {
			h := newHookNode(t, rt)
			profile := filepath.Join(t.TempDir(), "seccomp.json")
			stdout, stderr, err := command(t, nil, filepath.Join(env.bin, "seawall"), "profile",
				"--config", h.node.config, "--app", testAppID)
			if err != nil {
				t.Fatalf("seawall profile: %v\n%s", err, stderr)
			}
			writeFile(t, profile, stdout)

			options := []string{"--annotation", "org.archipelago.app=" + testAppID,
				"--read-only", "--user", "1500:1500", "--cap-drop", "ALL",
				"--cap-add", "NET_BIND_SERVICE", "--security-opt", "no-new-privileges",
				"--security-opt", "seccomp=" + profile}
			stdout, stderr, err, id := h.runContainer(t, options, "sh", "-c", probeScript)
			if err != nil {
				t.Fatalf("podman run: %v\nstderr: %s", err, stderr)
			}
			checkEnforced(t, parseStatus(t, stdout))
			precreate := h.decisions(t, id)["precreate"]
			if precreate["action"] != "ok" || precreate["edits"] != nil {
				t.Errorf("precreate decision = %v with edits %v, want ok and none",
					precreate["action"], precreate["edits"])
			}
		})
	}
}

// readSyslog returns the first datagram the hook sent, waiting up to 5 seconds.
func readSyslog(t *testing.T, conn *net.UnixConn) string {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buffer := make([]byte, 4096)
	n, err := conn.Read(buffer)
	if err != nil {
		t.Fatalf("reading the syslog socket: %v", err)
	}
	return string(buffer[:n])
}
