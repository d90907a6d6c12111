package manifest

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/seawall/seawall/profiles"
)

var securityKeys = []string{
	"readonly_root", "readonly_root_reason", "no_new_privileges", "user", "capabilities",
	"seccomp_profile",
}

// securityExample is a minimal security mapping in YAML flow style, for fixes.
const securityExample = `{readonly_root: true, no_new_privileges: true, user: "1001:1001", ` +
	`capabilities: [], seccomp_profile: default}`

// maxReservedID is the highest uid or gid an app may not use. The ids up to it
// belong to the host's root and system users and, on Debian and most other
// distributions, to the first user created at installation.
const maxReservedID = 1000

// minReasonWords is the fewest words a reason may have, enough to rule out
// placeholders such as "needed" or "see docs".
const minReasonWords = 3

const reasonFix = "write a sentence of at least 3 words that says why the app needs it"

func (c *checker) security(top *object) Security {
	node := c.required(top, "security", securityExample)
	if node == nil {
		return Security{}
	}
	o := c.object(node, "security", securityKeys)
	if o == nil {
		return Security{}
	}

	var s Security
	s.ReadonlyRoot, s.ReadonlyRootReason = c.readonlyRoot(o)
	s.NoNewPrivileges = c.noNewPrivileges(o)
	s.UID, s.GID = c.user(o)
	s.Capabilities = c.capabilities(o)
	s.SeccompProfile = c.seccompProfile(o)
	return s
}

// readonlyRoot returns readonly_root and readonly_root_reason. The reason is
// required when the root is writable, and rejected when it is read-only, where it
// would make a reader believe the root is writable.
func (c *checker) readonlyRoot(o *object) (bool, string) {
	const reasonKey = "security.readonly_root_reason"
	node := c.required(o, "readonly_root", "true")
	if node == nil {
		return false, ""
	}
	readonly, ok := c.boolValue(node, "security.readonly_root")
	if !ok {
		return false, ""
	}

	reasonField, hasReason := o.fields["readonly_root_reason"]
	if readonly && hasReason {
		c.report(reasonField.key, reasonKey, "given while readonly_root is true",
			"remove readonly_root_reason, or set readonly_root: false if the app "+
				"needs a writable root")
		return true, ""
	}
	if readonly {
		return true, ""
	}
	reasonNode := c.required(o, "readonly_root_reason",
		"a sentence that says why the app writes outside its volumes")
	return false, c.reason(reasonNode, reasonKey)
}

func (c *checker) noNewPrivileges(o *object) bool {
	const key = "security.no_new_privileges"
	node := c.required(o, "no_new_privileges", "true")
	if node == nil {
		return false
	}
	value, ok := c.boolValue(node, key)
	if !ok {
		return false
	}

	if !value {
		c.report(node, key, "no_new_privileges is false, but every container must run "+
			"with it", "write no_new_privileges: true")
	}
	return value
}

// user returns the uid and gid of security.user, a string "UID:GID".
func (c *checker) user(o *object) (uid, gid uint32) {
	const key = "security.user"
	node := c.required(o, "user", `"1001:1001"`)
	if node == nil {
		return 0, 0
	}
	if node.Kind == yaml.ScalarNode && node.Tag == "!!int" {
		c.report(node, key, fmt.Sprintf("%s is an integer in YAML, not a \"UID:GID\" string",
			node.Value), `write the uid and gid, quoted, such as "1001:1001"`)
		return 0, 0
	}
	user, ok := c.stringValue(node, key)
	if !ok {
		return 0, 0
	}

	uidText, gidText, found := strings.Cut(user, ":")
	if !found {
		c.report(node, key, fmt.Sprintf("user %q is not in the form UID:GID", user),
			`write the numeric uid and gid, such as "1001:1001"`)
		return 0, 0
	}
	uid = c.userID(node, "uid", uidText)
	gid = c.userID(node, "gid", gidText)
	return uid, gid
}

// userID returns the uid or gid in text, which kind names, or 0 after reporting
// an id that is not a decimal number above maxReservedID.
func (c *checker) userID(node *yaml.Node, kind, text string) uint32 {
	const key = "security.user"
	fix := fmt.Sprintf(`use a %s above %d, such as "1001:1001"`, kind, maxReservedID)
	if message, formFix := checkIDForm(kind, text); message != "" {
		if formFix == "" {
			formFix = fix
		}
		c.report(node, key, message, formFix)
		return 0
	}

	id, err := strconv.ParseUint(text, 10, 32)
	switch {
	case err != nil:
		c.report(node, key, fmt.Sprintf("%s %s is out of range", kind, text), fix)
	case id == math.MaxUint32:
		c.report(node, key, fmt.Sprintf("%s %d is reserved: the kernel reads it as "+
			"\"no id\" (-1)", kind, id), fix)
	case id <= maxReservedID:
		c.report(node, key, fmt.Sprintf("%s %d is not above %d", kind, id, maxReservedID), fix)
	default:
		return uint32(id)
	}
	return 0
}

// checkIDForm returns what is wrong with the form of the uid or gid in text, which
// kind names, and a fix when the caller's general one does not fit. It accepts
// only plain decimal digits, without a sign or leading zeros.
func checkIDForm(kind, text string) (message, fix string) {
	switch {
	case text == "":
		return kind + " is empty", ""
	case strings.Trim(text, "0123456789") != "":
		return fmt.Sprintf("%s %q is not a decimal number", kind, text),
			`write numeric ids, such as "1001:1001", because names are not looked up`
	case len(text) > 1 && text[0] == '0':
		return fmt.Sprintf("%s %q has a leading zero", kind, text),
			"write the number without leading zeros"
	}
	return "", ""
}

func (c *checker) seccompProfile(o *object) string {
	const key = "security.seccomp_profile"
	node := c.required(o, "seccomp_profile", profiles.Default)
	if node == nil {
		return ""
	}
	name, ok := c.stringValue(node, key)
	if !ok {
		return ""
	}

	fix := "use one of: " + strings.Join(profiles.SeccompNames(), ", ")
	switch {
	case name == "unconfined":
		c.report(node, key, `seccomp profile "unconfined" is not allowed: every `+
			"container runs under a seccomp profile", fix)
	case !profiles.HasSeccomp(name):
		c.report(node, key, fmt.Sprintf("unknown seccomp profile %q", name), fix)
	default:
		return name
	}
	return ""
}

// reason returns the reason at node with its runs of whitespace, including line
// breaks, collapsed to single spaces so that it fits on one log line. It reports a
// reason that is not a string or has fewer than minReasonWords words.
func (c *checker) reason(node *yaml.Node, key string) string {
	if node == nil {
		return ""
	}
	text, ok := c.stringValue(node, key)
	if !ok {
		return ""
	}

	words := strings.Fields(text)
	switch {
	case len(words) == 0:
		c.report(node, key, "reason is empty", reasonFix)
	case len(words) < minReasonWords:
		c.report(node, key, fmt.Sprintf("reason %q has %d word(s), fewer than %d",
			text, len(words), minReasonWords), reasonFix)
	default:
		return strings.Join(words, " ")
	}
	return ""
}
