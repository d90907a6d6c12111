// Package nodeconfig loads the node configuration, /etc/seawall/config.yaml by
// default. It names the manifests directory, the runtime that receives the
// containers, and whether seawall enforces or only audits.
package nodeconfig

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"

	"go.yaml.in/yaml/v3"
)

// DefaultPath is the node configuration file unless --config or SEAWALL_CONFIG
// names another file.
const DefaultPath = "/etc/seawall/config.yaml"

// EnvPath is the environment variable that overrides DefaultPath.
const EnvPath = "SEAWALL_CONFIG"

// Mode is whether seawall changes containers or only records what it would do.
type Mode string

// The modes.
const (
	// Enforce tightens and rejects containers.
	Enforce Mode = "enforce"
	// Audit records what Enforce would have done and changes nothing.
	Audit Mode = "audit"
)

// Unmanaged is the policy for containers that carry no app annotation.
type Unmanaged string

// The policies for containers without an app annotation.
const (
	// UnmanagedDefault holds them to the mandatory settings, run as DefaultUser.
	UnmanagedDefault Unmanaged = "default"
	// UnmanagedReject rejects them.
	UnmanagedReject Unmanaged = "reject"
)

// Config is the node configuration.
type Config struct {
	// Mode is the node's mode; AppModes can override it per app.
	Mode Mode `yaml:"mode"`
	// AppModes maps app ids to a mode for a staged rollout of one app.
	AppModes map[string]Mode `yaml:"app_modes"`
	// ManifestsDir holds one <id>.yaml manifest per app.
	ManifestsDir string `yaml:"manifests_dir"`
	// Runtime is the absolute path of the real OCI runtime, crun or runc.
	Runtime string `yaml:"runtime"`
	// AppAnnotation is the container annotation whose value is the app id.
	AppAnnotation string `yaml:"app_annotation"`
	// Unmanaged is the policy for containers without the app annotation.
	Unmanaged Unmanaged `yaml:"unmanaged"`
	// DefaultUser is the "uid:gid" that unmanaged containers run as.
	DefaultUser string `yaml:"default_user"`
	// DecisionLog is the file that receives one JSON line per decision.
	DecisionLog string `yaml:"decision_log"`
	// SyslogSocket is the syslog socket seawall-hook also reports decisions to,
	// because podman drops a failing hook's stderr; "" turns syslog off.
	SyslogSocket string `yaml:"syslog_socket"`

	// Path is the file the configuration was read from, or "" for the defaults.
	Path string `yaml:"-"`
	// DefaultUID and DefaultGID are DefaultUser parsed.
	DefaultUID uint32 `yaml:"-"`
	DefaultGID uint32 `yaml:"-"`
}

// Defaults returns the configuration used for every key the file leaves out.
// Runtime stays empty here; Load fills it from the runtimes it finds.
func Defaults() *Config {
	return &Config{
		Mode:          Enforce,
		ManifestsDir:  "/etc/seawall/apps",
		AppAnnotation: "org.archipelago.app",
		Unmanaged:     UnmanagedDefault,
		DefaultUser:   "65534:65534",
		DecisionLog:   "/var/log/seawall/decisions.jsonl",
		SyslogSocket:  "/dev/log",
	}
}

// ModeFor returns the mode for an app: its AppModes entry, or the node's mode.
func (c *Config) ModeFor(app string) Mode {
	if mode, ok := c.AppModes[app]; ok && app != "" {
		return mode
	}
	return c.Mode
}

// Resolve picks the configuration file: flagValue if set, then the SEAWALL_CONFIG
// environment variable, then DefaultPath. explicit reports whether the caller
// named the file, in which case it must exist.
func Resolve(flagValue string) (path string, explicit bool) {
	if flagValue != "" {
		return flagValue, true
	}
	if env := os.Getenv(EnvPath); env != "" {
		return env, true
	}
	return DefaultPath, false
}

// Load reads the configuration at path. A missing file gives the defaults unless
// explicit is set. The file must be owned by root and not writable by group or
// others, because anyone who can write it decides what seawall enforces.
func Load(path string, explicit bool) (*Config, error) {
	config := Defaults()
	data, err := readTrusted(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !explicit:
		config.Path = ""
	case err != nil:
		return nil, err
	default:
		config.Path = path
		if err := decode(data, config); err != nil {
			return nil, fmt.Errorf("node configuration %q: %w", path, err)
		}
	}

	if err := config.finish(); err != nil {
		return nil, fmt.Errorf("node configuration %q: %w", path, err)
	}
	return config, nil
}

func readTrusted(path string) ([]byte, error) {
	info, err := os.Lstat(path)
	if err != nil {
		return nil, fmt.Errorf("reading node configuration: %w", err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("node configuration %q is not a regular file", path)
	}
	if err := checkTrusted(path, info); err != nil {
		return nil, err
	}

	file, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading node configuration: %w", err)
	}
	defer file.Close()
	return io.ReadAll(io.LimitReader(file, 1<<20))
}

// checkTrusted rejects a file that someone other than root could have written.
func checkTrusted(path string, info fs.FileInfo) error {
	stat, ok := info.Sys().(*syscall.Stat_t)
	if ok && stat.Uid != 0 {
		return fmt.Errorf("node configuration %q is owned by uid %d; "+
			"it must be owned by root (chown root: %s)", path, stat.Uid, path)
	}
	if info.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("node configuration %q is writable by group or others (mode %04o); "+
			"run chmod go-w %s", path, info.Mode().Perm(), path)
	}
	return nil
}

func decode(data []byte, config *Config) error {
	decoder := yaml.NewDecoder(bytes.NewReader(data))
	decoder.KnownFields(true)
	err := decoder.Decode(config)
	var typeErr *yaml.TypeError
	switch {
	case err == nil || errors.Is(err, io.EOF):
		return nil
	case errors.As(err, &typeErr):
		problems := make([]string, len(typeErr.Errors))
		for i, problem := range typeErr.Errors {
			problem = unknownField.ReplaceAllString(problem, `unknown key "$1"`)
			problems[i] = wrongType.ReplaceAllString(problem, "a YAML $1 where a single value "+
				"belongs")
		}
		return fmt.Errorf("%s; the README lists the valid keys and values",
			strings.Join(problems, "; "))
	}
	return fmt.Errorf("%s; fix the YAML syntax", strings.TrimPrefix(err.Error(), "yaml: "))
}

// unknownField and wrongType match yaml.v3's messages for a key the Config type
// lacks and for a value of the wrong kind, which name Go types.
var (
	unknownField = regexp.MustCompile(`field (\S+) not found in type \S+`)
	wrongType    = regexp.MustCompile(`cannot unmarshal !!(\w+)(?: .*)? into \S+`)
)

// LoadDefaults returns the configuration with every default, as for a node
// without a configuration file.
func LoadDefaults() (*Config, error) {
	config := Defaults()
	if err := config.finish(); err != nil {
		return nil, err
	}
	return config, nil
}

// finish checks every value and fills in what depends on the machine.
func (c *Config) finish() error {
	if err := checkMode("mode", c.Mode); err != nil {
		return err
	}
	for app, mode := range c.AppModes {
		if err := checkMode("app_modes."+app, mode); err != nil {
			return err
		}
	}
	if c.Unmanaged != UnmanagedDefault && c.Unmanaged != UnmanagedReject {
		return fmt.Errorf("unmanaged: invalid value %q; use %q or %q",
			c.Unmanaged, UnmanagedDefault, UnmanagedReject)
	}
	if strings.TrimSpace(c.AppAnnotation) == "" {
		return errors.New("app_annotation: must not be empty")
	}
	for key, dir := range map[string]string{
		"manifests_dir": c.ManifestsDir, "decision_log": c.DecisionLog,
	} {
		if !filepath.IsAbs(dir) {
			return fmt.Errorf("%s: %q is not an absolute path", key, dir)
		}
	}

	uid, gid, err := ParseUser(c.DefaultUser)
	if err != nil {
		return fmt.Errorf("default_user: %w", err)
	}
	c.DefaultUID, c.DefaultGID = uid, gid
	return c.findRuntime()
}

func checkMode(key string, mode Mode) error {
	if mode != Enforce && mode != Audit {
		return fmt.Errorf("%s: invalid mode %q; use %q or %q", key, mode, Enforce, Audit)
	}
	return nil
}

// ParseUser parses "uid:gid", both decimal and both above 1000.
func ParseUser(value string) (uid, gid uint32, err error) {
	uidText, gidText, found := strings.Cut(value, ":")
	if !found {
		return 0, 0, fmt.Errorf("invalid user %q: expected numeric \"uid:gid\"", value)
	}
	if uid, err = parseID("uid", uidText); err != nil {
		return 0, 0, err
	}
	if gid, err = parseID("gid", gidText); err != nil {
		return 0, 0, err
	}
	return uid, gid, nil
}

func parseID(kind, text string) (uint32, error) {
	id, err := strconv.ParseUint(text, 10, 32)
	if err != nil || strings.HasPrefix(text, "+") {
		return 0, fmt.Errorf("invalid %s %q: expected a decimal number", kind, text)
	}
	if id <= 1000 || id == 1<<32-1 {
		return 0, fmt.Errorf("invalid %s %d: must be above 1000 and below 4294967295", kind, id)
	}
	return uint32(id), nil
}
