package manifest

import (
	// crypto/sha256 registers SHA-256 with go-digest, which the reference parser
	// uses. Without it, every sha256 digest fails as "unsupported digest algorithm".
	_ "crypto/sha256"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/distribution/reference"
	"go.yaml.in/yaml/v3"
)

// Extension is the file name extension of manifests. No other is accepted.
const Extension = ".yaml"

// idPattern matches app ids and volume names: 1 to 63 lowercase letters, digits
// and '-', starting and ending with a letter or digit, like a DNS label.
var idPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

const idFix = "use 1 to 63 lowercase letters, digits and '-', " +
	"starting and ending with a letter or digit"

var topKeys = []string{
	"manifest_version", "id", "version", "image", "security", "volumes", "devices",
}

// Parse decodes and validates the manifest in data. The file names the manifest
// in problems, and its base name less ".yaml" must equal the manifest's id.
// When anything is wrong, Parse returns a nil Manifest and a Problems error that
// lists every problem in the file.
func Parse(file string, data []byte) (*Manifest, error) {
	c := newChecker(file)
	c.checkFileName()
	m := c.manifest(data)
	if len(c.problems) > 0 {
		return nil, c.sorted()
	}
	return m, nil
}

func (c *checker) manifest(data []byte) *Manifest {
	root := c.readDocument(data)
	if root == nil {
		return nil
	}
	top := c.object(root, "", topKeys)
	if top == nil {
		return nil
	}

	c.checkManifestVersion(top)
	return &Manifest{
		ID:         c.id(top),
		AppVersion: c.appVersion(top),
		Image:      c.image(top),
		Security:   c.security(top),
		Volumes:    c.volumes(top),
		Devices:    c.devices(top),
	}
}

// fileID returns the base name of file less its extension, and whether the
// extension is the one manifests must have.
func fileID(file string) (string, bool) {
	base := filepath.Base(file)
	id, found := strings.CutSuffix(base, Extension)
	return id, found
}

func (c *checker) checkFileName() {
	if _, ok := fileID(c.file); !ok {
		c.report(nil, "", fmt.Sprintf("file name %q does not end in %s",
			filepath.Base(c.file), Extension), "rename the file to ID"+Extension)
	}
}

func (c *checker) checkManifestVersion(top *object) {
	const key = "manifest_version"
	node := c.required(top, key, strconv.Itoa(SupportedVersion))
	if node == nil {
		return
	}

	fix := fmt.Sprintf("write manifest_version: %d, unquoted", SupportedVersion)
	if node.Kind != yaml.ScalarNode || node.Tag != "!!int" {
		c.report(node, key, fmt.Sprintf("%s is %s, not an integer", describe(node),
			typeName(node)), fix)
		return
	}
	if node.Value != strconv.Itoa(SupportedVersion) {
		c.report(node, key, fmt.Sprintf("unsupported manifest_version %s; this seawall "+
			"supports only %d", node.Value, SupportedVersion), fix)
	}
}

func (c *checker) id(top *object) string {
	example := "APP"
	if id, ok := fileID(c.file); ok && idPattern.MatchString(id) {
		example = id
	}
	node := c.required(top, "id", example)
	if node == nil {
		return ""
	}
	id, ok := c.stringValue(node, "id")
	if !ok {
		return ""
	}

	if !idPattern.MatchString(id) {
		c.report(node, "id", fmt.Sprintf("invalid id %q", id), idFix)
		return ""
	}
	c.checkIDMatchesFile(node, id)
	return id
}

func (c *checker) checkIDMatchesFile(node *yaml.Node, id string) {
	want, ok := fileID(c.file)
	if !ok || id == want {
		return
	}

	fix := fmt.Sprintf("rename the file to %s%s", id, Extension)
	if idPattern.MatchString(want) {
		fix += fmt.Sprintf(", or write id: %s", want)
	}
	c.report(node, "id", fmt.Sprintf("id %q does not match the file name %q", id,
		filepath.Base(c.file)), fix)
}

func (c *checker) appVersion(top *object) string {
	node := c.required(top, "version", `"0.10.5"`)
	if node == nil {
		return ""
	}
	version, ok := c.stringValue(node, "version")
	if !ok {
		return ""
	}

	switch {
	case strings.TrimSpace(version) == "":
		c.report(node, "version", "version is empty", `write the app's version, such as "0.10.5"`)
	case strings.ContainsFunc(version, unicode.IsControl):
		c.report(node, "version", fmt.Sprintf("version %q contains a control character",
			version), "write the version on one line, without tabs or control characters")
	default:
		return version
	}
	return ""
}

func (c *checker) image(top *object) string {
	node := c.required(top, "image", "registry.example/APP:VERSION")
	if node == nil {
		return ""
	}
	image, ok := c.stringValue(node, "image")
	if !ok {
		return ""
	}

	message, fix := checkImage(image)
	if message != "" {
		c.report(node, "image", message, fix)
		return ""
	}
	return image
}

// checkImage returns what is wrong with the image reference and the fix, or two
// empty strings when the reference is valid: a tag other than latest, and an
// optional sha256 digest.
func checkImage(image string) (message, fix string) {
	if _, digest, found := strings.Cut(image, "@"); found {
		if message, fix := checkDigest(digest); message != "" {
			return message, fix
		}
	}

	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return fmt.Sprintf("invalid image reference %q: %v", image, err),
			"write it as REGISTRY/NAME:TAG, optionally followed by @sha256:DIGEST"
	}
	tagged, ok := named.(reference.Tagged)
	if !ok {
		return fmt.Sprintf("reference %q has no tag", image),
			"add the app's version as the tag, such as " + reference.FamiliarName(named) + ":1.0.0"
	}
	if strings.EqualFold(tagged.Tag(), "latest") {
		return fmt.Sprintf("reference %q has the tag %q, which names no fixed version",
			image, tagged.Tag()), "use the tag of the app's version instead"
	}
	return "", ""
}

// checkDigest returns what is wrong with the digest part of an image reference
// and the fix, or two empty strings when it is sha256 and 64 hexadecimal digits.
func checkDigest(digest string) (message, fix string) {
	const fix64 = "write the digest as sha256: followed by 64 lowercase hexadecimal digits"
	algorithm, hex, _ := strings.Cut(digest, ":")
	switch {
	case algorithm != "sha256":
		return fmt.Sprintf("image digest %q does not use sha256", digest), fix64
	case len(hex) != 64:
		return fmt.Sprintf("image digest %q has %d hexadecimal digits, not 64", digest,
			len(hex)), fix64
	case strings.Trim(hex, "0123456789abcdef") != "":
		return fmt.Sprintf("image digest %q contains characters other than lowercase "+
			"hexadecimal digits", digest), fix64
	}
	return "", ""
}
