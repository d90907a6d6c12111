package manifest

import (
	"strings"
	"testing"
)

// ruleCase changes old to new in the baseline and expects exactly the problems in want.
type ruleCase struct {
	name     string
	old, new string
	want     []expected
}

func runRuleCases(t *testing.T, tests []ruleCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkProblems(t, parseProblems(t, edit(t, tt.old, tt.new)), tt.want)
		})
	}
}

func TestParseTypeConfusion(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"float version", `version: "0.10.5"`, "version: 1.20",
			[]expected{{3, 10, "version", "1.20 is a float in YAML, not a string"}}},
		{"octal-looking version", `version: "0.10.5"`, "version: 0644",
			[]expected{{3, 10, "version", "0644 is an integer in YAML"}}},
		{"exponent version", `version: "0.10.5"`, "version: 1e3",
			[]expected{{3, 10, "version", "1e3 is a float in YAML"}}},
		{"yes as version", `version: "0.10.5"`, "version: yes",
			[]expected{{3, 10, "version", "yes is a boolean to YAML 1.1 parsers"}}},
		{"on as version", `version: "0.10.5"`, "version: on",
			[]expected{{3, 10, "version", "on is a boolean to YAML 1.1 parsers"}}},
		{"true as version", `version: "0.10.5"`, "version: true",
			[]expected{{3, 10, "version", "true is a boolean in YAML"}}},
		{"date as version", `version: "0.10.5"`, "version: 2024-01-31",
			[]expected{{3, 10, "version", "2024-01-31 is a timestamp in YAML"}}},
		{"list as version", `version: "0.10.5"`, "version: [1, 2]",
			[]expected{{3, 10, "version", "value is a list, not a string"}}},
		{"yes as boolean", "readonly_root: true", "readonly_root: yes",
			[]expected{{6, 18, "security.readonly_root", "yes is a boolean only to YAML 1.1"}}},
		{"off as boolean", "no_new_privileges: true", "no_new_privileges: off",
			[]expected{{7, 22, "security.no_new_privileges", "off is a boolean only to YAML 1.1"}}},
		{"quoted boolean", "no_new_privileges: true", `no_new_privileges: "true"`,
			[]expected{{7, 22, "security.no_new_privileges", `"true" is a string, not a boolean`}}},
		{"number as boolean", "readonly_root: true", "readonly_root: 1",
			[]expected{{6, 18, "security.readonly_root", `"1" is an integer, not a boolean`}}},
		{"unquoted user", `user: "1001:1001"`, "user: 1001",
			[]expected{{8, 9, "security.user", `1001 is an integer in YAML, not a "UID:GID"`}}},
		{"quoted manifest_version", "manifest_version: 1", `manifest_version: "1"`,
			[]expected{{1, 19, "manifest_version", `"1" is a string, not an integer`}}},
		{"mapping as security", "security:\n  readonly_root: true\n  no_new_privileges: true\n" +
			"  user: \"1001:1001\"\n  capabilities:\n    - name: NET_BIND_SERVICE\n" +
			"      reason: serves its web interface on port 80\n  seccomp_profile: default\n",
			"security: true\n",
			[]expected{{5, 11, "security", "value is a boolean, not a mapping"}}},
		{"string as capabilities", "  capabilities:\n    - name: NET_BIND_SERVICE\n" +
			"      reason: serves its web interface on port 80\n", "  capabilities: NET_ADMIN\n",
			[]expected{{9, 17, "security.capabilities", `"NET_ADMIN" is a string, not a list`}}},
		{"string as capability", "    - name: NET_BIND_SERVICE\n      reason: serves its web " +
			"interface on port 80\n", "    - NET_BIND_SERVICE\n",
			[]expected{{10, 7, "security.capabilities[0]", "value is a string, not a mapping"}}},
	})
}

func TestParseKeys(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"unknown top-level key", "volumes:\n", "debug: true\nvolumes:\n",
			[]expected{{13, 1, "debug", `unknown key "debug"`}}},
		{"misspelled key", "seccomp_profile: default", "seccomp_profil: default",
			[]expected{
				{6, 3, "security.seccomp_profile", "missing"},
				{12, 3, "security.seccomp_profil", `unknown key "seccomp_profil"`},
			}},
		{"unknown nested key", "    path: /data\n", "    path: /data\n    size: 10G\n",
			[]expected{{16, 5, "volumes[0].size", `unknown key "size"`}}},
		{"integer key", "volumes:\n", "1: one\nvolumes:\n",
			[]expected{{13, 1, "", "key is an integer, not a string"}}},
		{"duplicate top-level key", `version: "0.10.5"`, "version: \"0.10.5\"\nversion: \"0.10.6\"",
			[]expected{{4, 1, "version", `duplicate key "version", first given on line 3`}}},
		{"duplicate nested key", `  user: "1001:1001"`,
			"  user: \"1001:1001\"\n  user: \"1002:1002\"",
			[]expected{{9, 3, "security.user", `duplicate key "user", first given on line 8`}}},
		{"duplicate key in list item", "      reason: serves its web interface on port 80\n",
			"      reason: serves its web interface on port 80\n      reason: binds port 80\n",
			[]expected{{12, 7, "security.capabilities[0].reason", "first given on line 11"}}},
	})
}

func TestParseMissingKeys(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"manifest_version", "manifest_version: 1\n", "",
			[]expected{{1, 1, "manifest_version", "missing"}}},
		{"id", "id: webapp\n", "", []expected{{1, 1, "id", "missing"}}},
		{"version", "version: \"0.10.5\"\n", "", []expected{{1, 1, "version", "missing"}}},
		{"image", "image: registry.example/webapp:0.10.5@" + testDigest + "\n", "",
			[]expected{{1, 1, "image", "missing"}}},
		{"security", "security:\n  readonly_root: true\n  no_new_privileges: true\n" +
			"  user: \"1001:1001\"\n  capabilities:\n    - name: NET_BIND_SERVICE\n" +
			"      reason: serves its web interface on port 80\n  seccomp_profile: default\n", "",
			[]expected{{1, 1, "security", "missing"}}},
		{"readonly_root", "  readonly_root: true\n", "",
			[]expected{{6, 3, "security.readonly_root", "missing"}}},
		{"no_new_privileges", "  no_new_privileges: true\n", "",
			[]expected{{6, 3, "security.no_new_privileges", "missing"}}},
		{"user", "  user: \"1001:1001\"\n", "",
			[]expected{{6, 3, "security.user", "missing"}}},
		{"capabilities", "  capabilities:\n    - name: NET_BIND_SERVICE\n" +
			"      reason: serves its web interface on port 80\n", "",
			[]expected{{6, 3, "security.capabilities", "missing"}}},
		{"seccomp_profile", "  seccomp_profile: default\n", "",
			[]expected{{6, 3, "security.seccomp_profile", "missing"}}},
		{"null id", "id: webapp", "id:", []expected{{2, 1, "id", "missing value"}}},
		{"tilde version", `version: "0.10.5"`, "version: ~",
			[]expected{{3, 1, "version", "missing value"}}},
		{"null capabilities", "  capabilities:\n    - name: NET_BIND_SERVICE\n" +
			"      reason: serves its web interface on port 80\n", "  capabilities:\n",
			[]expected{{9, 3, "security.capabilities", "missing value"}}},
		{"null volumes", "volumes:\n  - name: data\n    path: /data\n", "volumes:\n",
			[]expected{{13, 1, "volumes", "missing value"}}},
	})
}

func TestParseVersionAndID(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"manifest_version 2", "manifest_version: 1", "manifest_version: 2",
			[]expected{{1, 19, "manifest_version", "unsupported manifest_version 2"}}},
		{"empty version", `version: "0.10.5"`, `version: " "`,
			[]expected{{3, 10, "version", "version is empty"}}},
		{"version with line break", `version: "0.10.5"`, `version: "0.10.5\nx"`,
			[]expected{{3, 10, "version", "contains a control character"}}},
		{"uppercase id", "id: webapp", "id: WebApp",
			[]expected{{2, 5, "id", `invalid id "WebApp"`}}},
		{"id with underscore", "id: webapp", "id: web_app",
			[]expected{{2, 5, "id", `invalid id "web_app"`}}},
		{"id ending in dash", "id: webapp", "id: webapp-",
			[]expected{{2, 5, "id", `invalid id "webapp-"`}}},
		{"id too long", "id: webapp", "id: " + strings.Repeat("a", 64),
			[]expected{{2, 5, "id", "invalid id"}}},
		{"id not the file name", "id: webapp", "id: other",
			[]expected{{2, 5, "id", `id "other" does not match the file name "webapp.yaml"`}}},
	})
}

func TestParseImage(t *testing.T) {
	image := "registry.example/webapp:0.10.5@" + testDigest
	runRuleCases(t, []ruleCase{
		{"latest tag", image, "registry.example/webapp:latest",
			[]expected{{4, 8, "image", `has the tag "latest"`}}},
		{"no tag", image, "registry.example/webapp",
			[]expected{{4, 8, "image", `reference "registry.example/webapp" has no tag`}}},
		{"digest without tag", image, "registry.example/webapp@" + testDigest,
			[]expected{{4, 8, "image", "has no tag"}}},
		{"short digest", image, "registry.example/webapp:0.10.5@sha256:abc",
			[]expected{{4, 8, "image", `image digest "sha256:abc" has 3 hexadecimal digits`}}},
		{"sha512 digest", image, "registry.example/webapp:0.10.5@sha512:" +
			strings.Repeat("0a", 64), []expected{{4, 8, "image", "does not use sha256"}}},
		{"uppercase digest", image, "registry.example/webapp:0.10.5@sha256:" +
			strings.Repeat("0A", 32), []expected{{4, 8, "image", "other than lowercase"}}},
		{"uppercase repository", image, "registry.example/WebApp:0.10.5",
			[]expected{{4, 8, "image", "must be lowercase"}}},
		{"empty tag", image, `"registry.example/webapp:"`,
			[]expected{{4, 8, "image", "invalid reference format"}}},
	})
}

func TestParseUser(t *testing.T) {
	const at = `user: "1001:1001"`
	runRuleCases(t, []ruleCase{
		{"uid 0", at, `user: "0:1001"`,
			[]expected{{8, 9, "security.user", "uid 0 is not above 1000"}}},
		{"uid 1000", at, `user: "1000:1001"`,
			[]expected{{8, 9, "security.user", "uid 1000 is not above 1000"}}},
		{"gid 1000", at, `user: "1001:1000"`,
			[]expected{{8, 9, "security.user", "gid 1000 is not above 1000"}}},
		{"both root", at, `user: "0:0"`, []expected{
			{8, 9, "security.user", "uid 0 is not above 1000"},
			{8, 9, "security.user", "gid 0 is not above 1000"},
		}},
		{"uid unset", at, `user: "4294967295:1001"`,
			[]expected{{8, 9, "security.user", "uid 4294967295 is reserved"}}},
		{"gid unset", at, `user: "1001:4294967295"`,
			[]expected{{8, 9, "security.user", "gid 4294967295 is reserved"}}},
		{"uid out of range", at, `user: "4294967296:1001"`,
			[]expected{{8, 9, "security.user", "uid 4294967296 is out of range"}}},
		{"user name", at, `user: "bitcoin:1001"`,
			[]expected{{8, 9, "security.user", `uid "bitcoin" is not a decimal number`}}},
		{"plus sign", at, `user: "+1001:1001"`,
			[]expected{{8, 9, "security.user", `uid "+1001" is not a decimal number`}}},
		{"negative gid", at, `user: "1001:-1"`,
			[]expected{{8, 9, "security.user", `gid "-1" is not a decimal number`}}},
		{"leading zero", at, `user: "01001:1001"`,
			[]expected{{8, 9, "security.user", `uid "01001" has a leading zero`}}},
		{"no gid", at, `user: "1001"`,
			[]expected{{8, 9, "security.user", `user "1001" is not in the form UID:GID`}}},
		{"empty gid", at, `user: "1001:"`, []expected{{8, 9, "security.user", "gid is empty"}}},
		{"three parts", at, `user: "1001:1001:1001"`,
			[]expected{{8, 9, "security.user", `gid "1001:1001" is not a decimal number`}}},
	})
}
