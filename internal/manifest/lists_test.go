package manifest

import (
	"strings"
	"testing"
)

func TestParseCapabilities(t *testing.T) {
	const reason = "      reason: serves its web interface on port 80\n"
	runRuleCases(t, []ruleCase{
		{"unknown capability", "name: NET_BIND_SERVICE", "name: NET_ADMN",
			[]expected{{10, 13, "security.capabilities[0].name", `unknown capability "NET_ADMN"`}}},
		{"ALL", "name: NET_BIND_SERVICE", "name: ALL",
			[]expected{{10, 13, "security.capabilities[0].name",
				`capability "ALL" is not allowed`}}},
		{"cap_all", "name: NET_BIND_SERVICE", "name: cap_all",
			[]expected{{10, 13, "security.capabilities[0].name", `capability "cap_all" is not`}}},
		{"duplicate after canonical form", reason,
			reason + "    - name: cap_net_bind_service\n      reason: binds port 443 too\n",
			[]expected{{12, 13, "security.capabilities[1].name",
				"duplicate capability CAP_NET_BIND_SERVICE, first given on line 10"}}},
		{"missing reason", reason, "",
			[]expected{{10, 7, "security.capabilities[0].reason", "missing"}}},
		{"missing name", "    - name: NET_BIND_SERVICE\n" + reason,
			"    - reason: binds port 80 for the web interface\n",
			[]expected{{10, 7, "security.capabilities[0].name", "missing"}}},
		{"empty reason", reason, "      reason: \"  \"\n",
			[]expected{{11, 15, "security.capabilities[0].reason", "reason is empty"}}},
		{"one-word reason", reason, "      reason: needed\n",
			[]expected{{11, 15, "security.capabilities[0].reason",
				`reason "needed" has 1 word(s), fewer than 3`}}},
		{"number as reason", reason, "      reason: 80\n",
			[]expected{{11, 15, "security.capabilities[0].reason", "80 is an integer in YAML"}}},
	})
}

func TestParseReadonlyRoot(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"writable root without reason", "readonly_root: true", "readonly_root: false",
			[]expected{{6, 3, "security.readonly_root_reason", "missing"}}},
		{"writable root with short reason", "  readonly_root: true\n",
			"  readonly_root: false\n  readonly_root_reason: legacy\n",
			[]expected{{7, 25, "security.readonly_root_reason", `reason "legacy" has 1 word(s)`}}},
		{"reason with read-only root", "  readonly_root: true\n",
			"  readonly_root: true\n  readonly_root_reason: writes its cache to /app\n",
			[]expected{{7, 3, "security.readonly_root_reason",
				"given while readonly_root is true"}}},
		{"no_new_privileges false", "no_new_privileges: true", "no_new_privileges: false",
			[]expected{{7, 22, "security.no_new_privileges", "no_new_privileges is false"}}},
	})
}

func TestParseSeccompProfile(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"unknown profile", "seccomp_profile: default", "seccomp_profile: loose",
			[]expected{{12, 20, "security.seccomp_profile", `unknown seccomp profile "loose"`}}},
		{"unconfined", "seccomp_profile: default", "seccomp_profile: unconfined",
			[]expected{{12, 20, "security.seccomp_profile",
				`seccomp profile "unconfined" is not allowed`}}},
		{"path as profile", "seccomp_profile: default", "seccomp_profile: ../strict",
			[]expected{{12, 20, "security.seccomp_profile", "unknown seccomp profile"}}},
	})
}

func TestParseSeccompFixListsProfiles(t *testing.T) {
	problems := parseProblems(t, edit(t, "seccomp_profile: default", "seccomp_profile: loose"))
	if len(problems) != 1 {
		t.Fatalf("got %d problems, want 1: %v", len(problems), problems)
	}
	if want := "use one of: default, strict"; problems[0].Fix != want {
		t.Errorf("Fix = %q, want %q", problems[0].Fix, want)
	}
}

func TestParseVolumes(t *testing.T) {
	const volume = "  - name: data\n    path: /data\n"
	runRuleCases(t, []ruleCase{
		{"relative path", "path: /data", "path: data",
			[]expected{{15, 11, "volumes[0].path", `path "data" is not absolute`}}},
		{"unclean path", "path: /data", "path: /data/",
			[]expected{{15, 11, "volumes[0].path", `path "/data/" is not in clean form`}}},
		{"dot-dot path", "path: /data", "path: /data/../etc",
			[]expected{{15, 11, "volumes[0].path", "not in clean form"}}},
		{"root path", "path: /data", "path: /",
			[]expected{{15, 11, "volumes[0].path", `volume path "/" is the container's root`}}},
		{"path in /proc", "path: /data", "path: /proc/sys",
			[]expected{{15, 11, "volumes[0].path", `volume path "/proc/sys" is inside /proc`}}},
		{"path /dev", "path: /data", "path: /dev",
			[]expected{{15, 11, "volumes[0].path", "is inside /dev"}}},
		{"empty path", "path: /data", `path: ""`,
			[]expected{{15, 11, "volumes[0].path", "path is empty"}}},
		{"missing path", "    path: /data\n", "",
			[]expected{{14, 5, "volumes[0].path", "missing"}}},
		{"invalid name", "name: data", "name: Data",
			[]expected{{14, 11, "volumes[0].name", `invalid volume name "Data"`}}},
		{"duplicate name", volume, volume + "  - name: data\n    path: /cache\n",
			[]expected{{16, 11, "volumes[1].name",
				"duplicate volume name data, first given on line 14"}}},
		{"duplicate path", volume, volume + "  - name: cache\n    path: /data\n",
			[]expected{{17, 11, "volumes[1].path",
				"duplicate volume path /data, first given on line 15"}}},
		{"mapping as volumes", volume, "  name: data\n",
			[]expected{{14, 3, "volumes", "value is a mapping, not a list"}}},
	})
}

func TestParseDevices(t *testing.T) {
	const device = "  - path: /dev/net/tun\n    reason: opens a TUN interface for its VPN client\n"
	runRuleCases(t, []ruleCase{
		{"outside /dev", "path: /dev/net/tun", "path: /tmp/tun",
			[]expected{{17, 11, "devices[0].path", `device path "/tmp/tun" is not under /dev/`}}},
		{"/dev itself", "path: /dev/net/tun", "path: /dev",
			[]expected{{17, 11, "devices[0].path", "is not under /dev/"}}},
		{"escape from /dev", "path: /dev/net/tun", "path: /dev/../etc/shadow",
			[]expected{{17, 11, "devices[0].path", "not in clean form"}}},
		{"relative path", "path: /dev/net/tun", "path: dev/net/tun",
			[]expected{{17, 11, "devices[0].path", "is not absolute"}}},
		{"duplicate device", device, device + "  - path: /dev/net/tun\n" +
			"    reason: opens a second TUN interface\n",
			[]expected{{19, 11, "devices[1].path",
				"duplicate device /dev/net/tun, first given on line 17"}}},
		{"missing reason", "    reason: opens a TUN interface for its VPN client\n", "",
			[]expected{{17, 5, "devices[0].reason", "missing"}}},
		{"two-word reason", "reason: opens a TUN interface for its VPN client",
			"reason: needs tun", []expected{{18, 13, "devices[0].reason", "has 2 word(s)"}}},
	})
}

func TestParseYAMLForm(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"anchor", "id: webapp", "id: &app webapp",
			[]expected{{2, 5, "id", "anchor &app is not allowed"}}},
		{"anchor and alias", "id: webapp\n", "id: &app webapp\nx: *app\n", []expected{
			{2, 5, "id", "anchor &app is not allowed"},
			{3, 1, "x", `unknown key "x"`},
			{3, 4, "x", "alias *app is not allowed"},
		}},
		{"binary tag", `version: "0.10.5"`, "version: !!binary MC4xMC41",
			[]expected{{3, 10, "version", "tag !!binary is not allowed"}}},
		{"custom tag", "id: webapp", "id: !app webapp",
			[]expected{{2, 5, "id", "tag !app is not allowed"}}},
		{"explicit str tag", `version: "0.10.5"`, "version: !!str 1.20",
			[]expected{{3, 10, "version", "tag !!str is not allowed"}}},
		{"tag on mapping", "security:\n", "security: !!map\n",
			[]expected{{5, 11, "security", "tag !!map is not allowed"}}},
		{"second document", "    reason: opens a TUN interface for its VPN client\n",
			"    reason: opens a TUN interface for its VPN client\n---\nid: other\n",
			[]expected{{19, 1, "", "file contains more than one YAML document"}}},
	})
}

func TestParseAliasInList(t *testing.T) {
	source := edit(t, "id: webapp", "id: &name webapp")
	source = strings.Replace(source, "  - name: data", "  - name: *name", 1)
	checkProblems(t, parseProblems(t, source), []expected{
		{2, 5, "id", "anchor &name is not allowed"},
		{14, 11, "volumes[0].name", "alias *name is not allowed"},
	})
}

func TestParseWholeFile(t *testing.T) {
	tests := []struct {
		name, source, message string
	}{
		{"empty file", "", "file is empty"},
		{"only a comment", "# manifest to come\n", "file is empty"},
		{"empty document", "---\n", "only an empty YAML document"},
		{"syntax error", "manifest_version: 1\nid: [webapp\n", "invalid YAML: line "},
		{"tab indentation", "security:\n\treadonly_root: true\n", "invalid YAML:"},
		{"alias without anchor", "id: *name\n", "unknown anchor 'name' referenced"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkProblems(t, parseProblems(t, tt.source), []expected{{0, 0, "", tt.message}})
		})
	}
}

func TestParseTopLevelList(t *testing.T) {
	checkProblems(t, parseProblems(t, "- id: webapp\n"), []expected{
		{1, 1, "", "top level is a list, not a mapping"},
	})
}

func TestParseFileName(t *testing.T) {
	tests := []struct {
		name, file, message string
		line, column        int
		key                 string
	}{
		{"yml extension", "webapp.yml", `file name "webapp.yml" does not end in .yaml`, 0, 0, ""},
		{"no extension", "webapp", `file name "webapp" does not end in .yaml`, 0, 0, ""},
		{"other base name", "dir/other.yaml", `id "webapp" does not match the file name`, 2, 5,
			"id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse(tt.file, []byte(baseline))
			if m != nil {
				t.Error("Parse returned a manifest")
			}
			problems, ok := err.(Problems)
			if !ok || len(problems) != 1 {
				t.Fatalf("Parse error = %v, want one problem", err)
			}
			p := problems[0]
			if p.File != tt.file || p.Line != tt.line || p.Column != tt.column || p.Key != tt.key {
				t.Errorf("problem at %s:%d:%d key %q, want %s:%d:%d key %q", p.File, p.Line,
					p.Column, p.Key, tt.file, tt.line, tt.column, tt.key)
			}
			if !strings.Contains(p.Message, tt.message) {
				t.Errorf("Message = %q, want it to contain %q", p.Message, tt.message)
			}
		})
	}
}

func TestParseAllProblemsAtOnce(t *testing.T) {
	source := `manifest_version: 1
id: webapp
version: 1.20
image: registry.example/webapp:latest
security:
  readonly_root: false
  no_new_privileges: yes
  user: "0:1001"
  capabilities:
    - name: SYS_ADMIN
      reason: mounts things
    - name: cap_sys_admin
    - name: ALL
      reason: because it is simpler
  seccomp_profile: unconfined
  colour: blue
volumes:
  - name: data
    path: data/
`
	checkProblems(t, parseProblems(t, source), []expected{
		{3, 10, "version", "1.20 is a float in YAML"},
		{4, 8, "image", `has the tag "latest"`},
		{6, 3, "security.readonly_root_reason", "missing"},
		{7, 22, "security.no_new_privileges", "yes is a boolean only to YAML 1.1"},
		{8, 9, "security.user", "uid 0 is not above 1000"},
		{11, 15, "security.capabilities[0].reason", `reason "mounts things" has 2 word(s)`},
		{12, 7, "security.capabilities[1].reason", "missing"},
		{12, 13, "security.capabilities[1].name", "duplicate capability CAP_SYS_ADMIN"},
		{13, 13, "security.capabilities[2].name", `capability "ALL" is not allowed`},
		{15, 20, "security.seccomp_profile", `seccomp profile "unconfined" is not allowed`},
		{16, 3, "security.colour", `unknown key "colour"`},
		{19, 11, "volumes[0].path", `path "data/" is not absolute`},
	})
}
