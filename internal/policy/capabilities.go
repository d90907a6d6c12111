package policy

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/moby/sys/capability"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-tools/generate"

	"github.com/seawall/seawall/internal/ociconfig"
)

// engineDefaultCapabilities are the capabilities an engine grants when the caller
// asks for nothing: the default set of runtime-tools' generator, which is also
// Docker's. Podman's default set is a subset of it. A capability outside this set
// is in the config only because someone asked for it, so dropping it silently
// would defeat the request.
var engineDefaultCapabilities = sync.OnceValue(func() map[string]bool {
	defaults := map[string]bool{}
	g, err := generate.New("linux")
	if err != nil || g.Config.Process == nil || g.Config.Process.Capabilities == nil {
		return defaults // treating every capability as requested only rejects more
	}
	for _, name := range g.Config.Process.Capabilities.Bounding {
		defaults[name] = true
	}
	return defaults
})

// allCapabilities are the capabilities a container can get on this node: those
// in seawall's own bounding set, which it shares with the engine that started
// it. Podman's --privileged and --cap-add=ALL grant that set, which can be
// smaller than every capability the kernel supports.
var allCapabilities = sync.OnceValue(func() []string {
	supported, err := capability.ListSupported()
	if err != nil {
		supported = capability.ListKnown()
	}
	own, err := capability.NewPid2(0)
	if err == nil {
		err = own.Load()
	}
	names := make([]string, 0, len(supported))
	for _, c := range supported {
		if err == nil && !own.Get(capability.BOUNDING, c) {
			continue
		}
		names = append(names, "CAP_"+strings.ToUpper(c.String()))
	}
	return names
})

// capabilitySet is one of the five capability lists of a process.
type capabilitySet struct {
	name string
	list func(*specs.LinuxCapabilities) *[]string
}

var capabilitySets = []capabilitySet{
	{"bounding", func(c *specs.LinuxCapabilities) *[]string { return &c.Bounding }},
	{"effective", func(c *specs.LinuxCapabilities) *[]string { return &c.Effective }},
	{"permitted", func(c *specs.LinuxCapabilities) *[]string { return &c.Permitted }},
	{"inheritable", func(c *specs.LinuxCapabilities) *[]string { return &c.Inheritable }},
	{"ambient", func(c *specs.LinuxCapabilities) *[]string { return &c.Ambient }},
}

// TightenedCapabilities returns the process's capabilities limited to those the
// manifest allows, with the kernel's constraints between the sets kept: permitted
// and inheritable within bounding, effective within permitted, and ambient within
// both inheritable and permitted. It returns nil when the process has none.
//
// With toNonRoot set, the process is moving from uid 0 to the manifest's
// non-root uid. A non-root process keeps across execve only the capabilities in
// its ambient set, so the allowed capabilities it had effective as root are also
// put into the inheritable and ambient sets, where they survive the change.
func TightenedCapabilities(caps *specs.LinuxCapabilities, allowed []string,
	toNonRoot bool) *specs.LinuxCapabilities {
	if caps == nil {
		return nil
	}
	keep := func(list []string, within ...[]string) []string {
		kept := []string{}
		for _, name := range list {
			if slices.Contains(allowed, name) && inAll(name, within) && !slices.Contains(kept, name) {
				kept = append(kept, name)
			}
		}
		return kept
	}

	bounding := keep(caps.Bounding)
	permitted := keep(caps.Permitted, bounding)
	effective := keep(caps.Effective, permitted)
	inheritable := keep(caps.Inheritable, bounding)
	ambient := caps.Ambient
	if toNonRoot {
		inheritable = keep(append(slices.Clone(caps.Inheritable), effective...), bounding)
		ambient = append(slices.Clone(caps.Ambient), effective...)
	}
	return &specs.LinuxCapabilities{
		Bounding:    bounding,
		Permitted:   permitted,
		Inheritable: inheritable,
		Effective:   effective,
		Ambient:     keep(ambient, inheritable, permitted),
	}
}

// movesToNonRoot reports whether the user rule will change the process from
// uid 0 to the manifest's non-root uid.
func movesToNonRoot(in *Input) bool {
	return in.Spec.Process.User.UID == 0 && in.Manifest.Security.UID != 0
}

func inAll(name string, lists [][]string) bool {
	for _, list := range lists {
		if !slices.Contains(list, name) {
			return false
		}
	}
	return true
}

func checkCapabilities(in *Input) []Finding {
	process := in.Spec.Process
	if process == nil || process.Capabilities == nil {
		return nil
	}
	allowed := in.Manifest.CapabilityNames()
	findings := rejectRequestedCapabilities(in, allowed)

	tightened := TightenedCapabilities(process.Capabilities, allowed, movesToNonRoot(in))
	for _, set := range capabilitySets {
		have, want := *set.list(process.Capabilities), *set.list(tightened)
		if slices.Equal(have, want) || (len(have) == 0 && len(want) == 0) {
			continue
		}
		path := "process.capabilities." + set.name
		findings = append(findings, Finding{
			Path:    path,
			Have:    describeChange(have, want),
			Allowed: allowedCapabilities(in),
			Action:  Tighten,
			Edits:   []ociconfig.Edit{{Path: path, Value: want}},
		})
	}
	return append(findings, grantedCapabilities(in, tightened.Bounding)...)
}

// checkAllCapabilities rejects a create that requests every capability at once,
// as --privileged and --cap-add=ALL do. No manifest grants that.
func checkAllCapabilities(in *Input) []Finding {
	process := in.Spec.Process
	if in.Exec || process == nil || process.Capabilities == nil {
		return nil
	}
	all := allCapabilities()
	if !containsAll(process.Capabilities.Bounding, all) ||
		containsAll(in.Manifest.CapabilityNames(), all) {
		return nil
	}
	return []Finding{{
		Path:    "process.capabilities.bounding",
		Have:    fmt.Sprintf("all %d capabilities of this node", len(all)),
		Allowed: allowedCapabilities(in),
		Action:  Reject,
		Fix: "run the container without --privileged or --cap-add=ALL; list each " +
			"capability the app needs under security.capabilities with a reason",
	}}
}

// rejectRequestedCapabilities rejects a create that requests a capability
// outside the engine defaults that the manifest does not list. An exec is only
// tightened: its capabilities can be cut to the manifest's without affecting the
// running container. A request for every capability is checkAllCapabilities's.
func rejectRequestedCapabilities(in *Input, allowed []string) []Finding {
	all := allCapabilities()
	if in.Exec || (containsAll(in.Spec.Process.Capabilities.Bounding, all) &&
		!containsAll(allowed, all)) {
		return nil
	}

	var requested []string
	for _, set := range capabilitySets {
		for _, name := range *set.list(in.Spec.Process.Capabilities) {
			if !slices.Contains(allowed, name) && !engineDefaultCapabilities()[name] &&
				!slices.Contains(requested, name) {
				requested = append(requested, name)
			}
		}
	}
	if len(requested) == 0 {
		return nil
	}
	return []Finding{{
		Path:    "process.capabilities",
		Have:    "requested " + strings.Join(requested, ", "),
		Allowed: allowedCapabilities(in),
		Action:  Reject,
		Fix: fmt.Sprintf("remove --cap-add %s, or %s", strings.Join(requested, ","),
			grantHint(in, "security.capabilities")),
	}}
}

// grantedCapabilities records each manifest capability the container keeps, with
// the packager's reason, so that the audit trail shows every relaxation in force.
func grantedCapabilities(in *Input, bounding []string) []Finding {
	var findings []Finding
	for _, c := range in.Manifest.Security.Capabilities {
		if slices.Contains(bounding, c.Name) {
			findings = append(findings, Finding{
				Path:    "process.capabilities.bounding",
				Have:    c.Name,
				Allowed: c.Name,
				Action:  OK,
				Reason:  c.Reason,
			})
		}
	}
	return findings
}

func containsAll(list, required []string) bool {
	for _, name := range required {
		if !slices.Contains(list, name) {
			return false
		}
	}
	return true
}

// describeChange describes a capability set that tightening changes: the
// capabilities it drops, and those it adds to keep them across a change to a
// non-root user.
func describeChange(have, want []string) string {
	var dropped, added []string
	for _, name := range have {
		if !slices.Contains(want, name) {
			dropped = append(dropped, name)
		}
	}
	for _, name := range want {
		if !slices.Contains(have, name) {
			added = append(added, name)
		}
	}

	var parts []string
	if len(dropped) > 0 {
		parts = append(parts, fmt.Sprintf("%d capabilities, %d not allowed: %s", len(have),
			len(dropped), strings.Join(dropped, ", ")))
	}
	if len(added) > 0 {
		parts = append(parts, fmt.Sprintf("lacks %s, which the non-root user keeps only "+
			"through this set", strings.Join(added, ", ")))
	}
	if len(parts) == 0 {
		return strings.Join(have, ", ") // only the order or duplicates differ
	}
	return strings.Join(parts, "; ")
}

func allowedCapabilities(in *Input) string {
	names := in.Manifest.CapabilityNames()
	if len(names) == 0 {
		return "no capabilities"
	}
	return strings.Join(names, ", ")
}
