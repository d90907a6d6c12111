package profiles

import (
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestSeccompNamesStartWithDefault(t *testing.T) {
	names := SeccompNames()
	if len(names) < 2 || names[0] != Default {
		t.Fatalf("SeccompNames = %v, want %q first and the shipped profiles after it",
			names, Default)
	}
	if !HasSeccomp("strict") || HasSeccomp("unconfined") {
		t.Errorf("HasSeccomp: strict %v, unconfined %v; want true, false",
			HasSeccomp("strict"), HasSeccomp("unconfined"))
	}
}

func TestEveryShippedProfileLoads(t *testing.T) {
	for _, name := range SeccompNames()[1:] {
		if _, err := LoadRestriction(name); err != nil {
			t.Errorf("LoadRestriction(%q): %v", name, err)
		}
		if _, err := Seccomp(name, nil); err != nil {
			t.Errorf("Seccomp(%q): %v", name, err)
		}
	}
}

func TestDefaultProfileFollowsCapabilities(t *testing.T) {
	without, err := Seccomp(Default, nil)
	if err != nil {
		t.Fatal(err)
	}
	with, err := Seccomp(Default, []string{"CAP_SYS_PTRACE"})
	if err != nil {
		t.Fatal(err)
	}
	if without.DefaultAction != specs.ActErrno {
		t.Errorf("default action = %s, want %s", without.DefaultAction, specs.ActErrno)
	}
	if allowed(without, "kcmp") {
		t.Error("without CAP_SYS_PTRACE the profile allows kcmp")
	}
	if !allowed(with, "kcmp") {
		t.Error("with CAP_SYS_PTRACE the profile does not allow kcmp")
	}
}

func TestStrictDeniesItsSyscalls(t *testing.T) {
	profile, err := Seccomp("strict", []string{"CAP_SYS_PTRACE"})
	if err != nil {
		t.Fatal(err)
	}
	restriction, _ := LoadRestriction("strict")
	for _, name := range restriction.Deny {
		if allowed(profile, name) {
			t.Errorf("strict allows %s", name)
		}
	}
	last := profile.Syscalls[len(profile.Syscalls)-1]
	if last.Action != specs.ActErrno || last.ErrnoRet == nil || *last.ErrnoRet != 1 {
		t.Errorf("last rule = %+v, want SCMP_ACT_ERRNO with EPERM", last)
	}
	if !slices.Equal(last.Names, sorted(restriction.Deny)) {
		t.Errorf("deny rule names = %v, want %v", last.Names, restriction.Deny)
	}
	if !allowed(profile, "read") {
		t.Error("strict no longer allows read: it must only remove syscalls")
	}
}

func TestDecodeRestrictionRejects(t *testing.T) {
	cases := map[string]string{
		"unknown syscall": `{"description":"x","deny":["ptrace","ptrace_everything"]}`,
		"empty deny list": `{"description":"x","deny":[]}`,
		"unknown field":   `{"description":"x","deny":["ptrace"],"allow":["mount"]}`,
	}
	for name, document := range cases {
		if _, err := decodeRestriction("test", []byte(document)); err == nil {
			t.Errorf("%s: decodeRestriction accepted %s", name, document)
		}
	}
	if _, err := LoadRestriction("../default"); err == nil ||
		!strings.Contains(err.Error(), "not found") {
		t.Errorf("LoadRestriction(../default) error = %v, want not found", err)
	}
}

// allowed reports whether a rule of the profile allows the syscall outright.
func allowed(profile *specs.LinuxSeccomp, name string) bool {
	for _, rule := range profile.Syscalls {
		if rule.Action == specs.ActAllow && len(rule.Args) == 0 &&
			slices.Contains(rule.Names, name) {
			return true
		}
	}
	return false
}

func sorted(list []string) []string {
	clone := slices.Clone(list)
	slices.Sort(clone)
	return clone
}
