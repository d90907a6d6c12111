package policy

import (
	"encoding/json"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/seawall/seawall/internal/ociconfig"
	"github.com/seawall/seawall/profiles"
)

// checkSeccomp requires exactly the manifest's profile, rendered for the
// capabilities the container keeps. Any other profile, including none and one
// that allows every syscall, is replaced.
func checkSeccomp(in *Input) []Finding {
	if in.Spec.Linux == nil {
		return nil
	}
	name := in.Manifest.Security.SeccompProfile
	var bounding []string
	if in.Spec.Process != nil {
		if caps := TightenedCapabilities(in.Spec.Process.Capabilities,
			in.Manifest.CapabilityNames(), false); caps != nil {
			bounding = caps.Bounding
		}
	}

	want, err := profiles.Seccomp(name, bounding)
	if err != nil {
		return []Finding{{Path: "linux.seccomp", Have: describeSeccomp(in.Spec.Linux.Seccomp),
			Allowed: fmt.Sprintf("profile %q", name), Action: Reject,
			Fix: "correct the seccomp profile: " + err.Error()}}
	}
	if sameSeccomp(in.Spec.Linux.Seccomp, want) {
		return nil
	}
	allowed := fmt.Sprintf("profile %q rendered for capabilities %v", name, bounding)
	return []Finding{{
		Path:    "linux.seccomp",
		Have:    describeSeccomp(in.Spec.Linux.Seccomp),
		Allowed: allowed,
		Action:  Tighten,
		Edits:   []ociconfig.Edit{{Path: "linux.seccomp", Value: want}},
	}}
}

// sameSeccomp compares two profiles by their JSON encoding, so that formatting
// and key order in the config do not matter.
func sameSeccomp(have, want *specs.LinuxSeccomp) bool {
	if have == nil {
		return false
	}
	haveJSON, err := json.Marshal(have)
	if err != nil {
		return false
	}
	wantJSON, err := json.Marshal(want)
	return err == nil && string(haveJSON) == string(wantJSON)
}

func describeSeccomp(s *specs.LinuxSeccomp) string {
	switch {
	case s == nil:
		return "no seccomp profile"
	case s.DefaultAction == specs.ActAllow || s.DefaultAction == specs.ActLog:
		return fmt.Sprintf("a profile that allows every syscall it does not list "+
			"(defaultAction %s, %d rules)", s.DefaultAction, len(s.Syscalls))
	}
	return fmt.Sprintf("another profile (defaultAction %s, %d rules)", s.DefaultAction,
		len(s.Syscalls))
}
