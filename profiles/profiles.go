// Package profiles renders the seccomp profiles a manifest can name.
//
// "default" is the default profile of moby/profiles/seccomp, rendered for the
// container's capabilities the way the Docker and Podman engines render it. Every
// other name is a file seccomp/NAME.json in this package that lists syscalls to
// deny on top of the default profile. A named profile can therefore only be
// stricter than the default one, never looser.
package profiles

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"

	mobyseccomp "github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
)

// Default is the name of the default seccomp profile.
const Default = "default"

//go:embed seccomp/*.json
var seccompFiles embed.FS

// Restriction is a named profile: the default profile with more syscalls denied.
type Restriction struct {
	// Description names the apps the profile suits.
	Description string `json:"description"`
	// Deny lists the syscalls that fail with EPERM under this profile.
	Deny []string `json:"deny"`
}

// SeccompNames returns the names a manifest may give as seccomp_profile, sorted,
// with "default" first.
func SeccompNames() []string {
	names := []string{Default}
	entries, err := fs.ReadDir(seccompFiles, "seccomp")
	if err != nil {
		return names
	}
	var named []string
	for _, e := range entries {
		named = append(named, strings.TrimSuffix(e.Name(), ".json"))
	}
	sort.Strings(named)
	return append(names, named...)
}

// HasSeccomp reports whether name is a seccomp profile a manifest may name.
func HasSeccomp(name string) bool {
	return slices.Contains(SeccompNames(), name)
}

// Seccomp renders the named profile for a container whose bounding set is
// capabilities. The default profile allows some syscalls only with the
// capability that governs them (for example ptrace with CAP_SYS_PTRACE), so the
// result depends on the capabilities.
func Seccomp(name string, capabilities []string) (*specs.LinuxSeccomp, error) {
	spec := &specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{
		Bounding: capabilities,
	}}}
	profile, err := mobyseccomp.GetDefaultProfile(spec)
	if err != nil {
		return nil, fmt.Errorf("rendering the default seccomp profile: %w", err)
	}
	if name == Default {
		return profile, nil
	}

	restriction, err := LoadRestriction(name)
	if err != nil {
		return nil, err
	}
	return restriction.apply(profile), nil
}

// LoadRestriction reads and checks the named profile file.
func LoadRestriction(name string) (*Restriction, error) {
	if name == Default || !HasSeccomp(name) {
		return nil, fmt.Errorf("seccomp profile %q not found; use one of %s",
			name, strings.Join(SeccompNames(), ", "))
	}
	data, err := seccompFiles.ReadFile(path.Join("seccomp", name+".json"))
	if err != nil {
		return nil, fmt.Errorf("reading seccomp profile %q: %w", name, err)
	}
	return decodeRestriction(name, data)
}

// decodeRestriction decodes a profile file and checks every syscall name with
// libseccomp, since a misspelt name would deny nothing.
func decodeRestriction(name string, data []byte) (*Restriction, error) {
	var r Restriction
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&r); err != nil {
		return nil, fmt.Errorf("decoding seccomp profile %q: %w", name, err)
	}
	if len(r.Deny) == 0 {
		return nil, fmt.Errorf("seccomp profile %q denies no syscall; delete it and use %q",
			name, Default)
	}
	for _, syscall := range r.Deny {
		if _, err := libseccomp.GetSyscallFromName(syscall); err != nil {
			return nil, fmt.Errorf("seccomp profile %q: syscall %q not known to libseccomp "+
				"on this architecture; correct the name", name, syscall)
		}
	}
	return &r, nil
}

// apply removes the denied syscalls from every rule that allows them and adds one
// rule that fails them with EPERM. Removing them first matters because libseccomp
// rejects a filter with two different actions for the same syscall.
func (r *Restriction) apply(profile *specs.LinuxSeccomp) *specs.LinuxSeccomp {
	denied := make(map[string]bool, len(r.Deny))
	for _, name := range r.Deny {
		denied[name] = true
	}

	var syscalls []specs.LinuxSyscall
	for _, rule := range profile.Syscalls {
		rule.Names = slices.DeleteFunc(slices.Clone(rule.Names), func(n string) bool {
			return denied[n]
		})
		if len(rule.Names) > 0 {
			syscalls = append(syscalls, rule)
		}
	}

	errnoRet := uint(1) // EPERM
	deny := slices.Clone(r.Deny)
	sort.Strings(deny)
	profile.Syscalls = append(syscalls, specs.LinuxSyscall{
		Names:    deny,
		Action:   specs.ActErrno,
		ErrnoRet: &errnoRet,
	})
	return profile
}
