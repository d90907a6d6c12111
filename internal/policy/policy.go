// Package policy evaluates a container's runtime config against its app manifest.
//
// Each rule is one function from the config and the manifest to findings. A
// finding names the rule, the config field, what the config has, what the
// manifest allows and the action. The action is ok, tighten (seawall can make the
// config comply by editing it) or reject (it cannot without defeating something
// the caller requested explicitly). The runtime wrapper and the OCI hook share these
// rules and differ only in what they do with the findings.
package policy

import (
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/seawall/seawall/internal/manifest"
	"github.com/seawall/seawall/internal/ociconfig"
)

// Action is the outcome a finding calls for.
type Action string

// The actions, in increasing order of severity.
const (
	// OK means the field complies.
	OK Action = "ok"
	// Tighten means seawall edits the field so that it complies.
	Tighten Action = "tighten"
	// Reject means the container must not start.
	Reject Action = "reject"
)

func (a Action) severity() int {
	switch a {
	case Tighten:
		return 1
	case Reject:
		return 2
	}
	return 0
}

// Finding is the result of one rule for one config field.
type Finding struct {
	// Rule is the stable id of the rule that produced the finding.
	Rule string `json:"rule"`
	// Path is the JSON path of the field in config.json, such as "root.readonly".
	Path string `json:"path"`
	// Have describes what the config has.
	Have string `json:"have"`
	// Allowed describes what the manifest allows.
	Allowed string `json:"allowed"`
	// Action is seawall's response to the field.
	Action Action `json:"action"`
	// Field is the manifest field that governs the config field, such as
	// "security.user"; empty when no manifest field can relax the rule.
	Field string `json:"manifest_field,omitempty"`
	// Fix is the change that makes the config comply, for the caller or the packager.
	Fix string `json:"fix,omitempty"`
	// Reason is the manifest's written reason for a relaxation in force.
	Reason string `json:"reason,omitempty"`
	// Edits make the field comply; only Tighten findings have them.
	Edits []ociconfig.Edit `json:"-"`
}

// Scope is the set of documents a rule applies to.
type Scope int

// The scopes.
const (
	// ScopeContainer rules read container-wide fields of config.json.
	ScopeContainer Scope = iota
	// ScopeProcess rules read only the process object, so they also apply to the
	// process.json of an exec.
	ScopeProcess
)

// The stable rule ids.
const (
	RulePrivileged        = "privileged"
	RuleUnsupported       = "unsupported-field"
	RuleNamespaces        = "host-namespace"
	RuleDevices           = "devices"
	RuleCapabilities      = "capabilities"
	RuleAllCapabilities   = "all-capabilities"
	RuleNoNewPrivileges   = "no-new-privileges"
	RuleUser              = "user"
	RuleRootReadonly      = "readonly-root"
	RuleMaskedPaths       = "masked-paths"
	RuleSeccomp           = "seccomp"
	RuleIDMappings        = "id-mapping"
	RuleRuntimeAnnotation = "runtime-annotation"
	RuleMounts            = "mounts"
	RuleRootPath          = "root-path"
	RuleSysctl            = "sysctl"
)

// Rule is one constraint of the policy.
type Rule struct {
	// ID is the stable id findings carry.
	ID string
	// Scope is whether the rule also applies to exec processes.
	Scope Scope
	// Field is the manifest field that governs the rule, if any.
	Field string
	// Check evaluates the rule.
	Check func(in *Input) []Finding
}

// Input is the config and manifest the rules evaluate.
type Input struct {
	// Spec is the decoded config. For an exec, its Process is the exec process.
	Spec *specs.Spec
	// Manifest is the app's manifest, or the node's default manifest.
	Manifest *manifest.Manifest
	// Exec is set when Spec.Process comes from an exec's process.json.
	Exec bool
	// AppAnnotation is the annotation that names a container's app, for messages.
	AppAnnotation string
	// ContainerID is the container's id when the caller knows it.
	ContainerID string
	// Bundle is the container's bundle directory when the caller knows it; a
	// relative root path is relative to it.
	Bundle string
}

// Rules is the policy: every rule, in the order findings are reported.
var Rules = []Rule{
	{RulePrivileged, ScopeContainer, "", checkPrivileged},
	{RuleAllCapabilities, ScopeContainer, "", checkAllCapabilities},
	{RuleUnsupported, ScopeProcess, "", checkUnsupported},
	{RuleRuntimeAnnotation, ScopeContainer, "", checkRuntimeAnnotations},
	{RuleNamespaces, ScopeContainer, "", checkNamespaces},
	{RuleIDMappings, ScopeContainer, "", checkIDMappings},
	{RuleDevices, ScopeContainer, "devices", checkDevices},
	{RuleMounts, ScopeContainer, "volumes", checkMounts},
	{RuleRootPath, ScopeContainer, "", checkRootPath},
	{RuleSysctl, ScopeContainer, "security.capabilities", checkSysctls},
	{RuleCapabilities, ScopeProcess, "security.capabilities", checkCapabilities},
	{RuleNoNewPrivileges, ScopeProcess, "security.no_new_privileges", checkNoNewPrivileges},
	{RuleUser, ScopeProcess, "security.user", checkUser},
	{RuleRootReadonly, ScopeContainer, "security.readonly_root", checkRootReadonly},
	{RuleMaskedPaths, ScopeContainer, "", checkMaskedPaths},
	{RuleSeccomp, ScopeContainer, "security.seccomp_profile", checkSeccomp},
}

// Decision is the outcome of evaluating every rule.
type Decision struct {
	// Action is the most severe action of any finding.
	Action Action `json:"action"`
	// Findings are every rule's findings, ok ones included.
	Findings []Finding `json:"findings"`
}

// Evaluate runs every rule that applies to the input.
func Evaluate(in *Input) Decision {
	decision := Decision{Action: OK}
	for _, rule := range Rules {
		if in.Exec && rule.Scope != ScopeProcess {
			continue
		}
		for _, finding := range rule.Check(in) {
			finding.Rule = rule.ID
			finding.Field = rule.Field
			decision.Findings = append(decision.Findings, finding)
			if finding.Action.severity() > decision.Action.severity() {
				decision.Action = finding.Action
			}
		}
	}
	return decision
}

// Edits returns the edits of every Tighten finding, in rule order. With exec set,
// the "process." prefix is removed from each path, so that the edits apply to a
// process.json document.
func (d Decision) Edits(exec bool) []ociconfig.Edit {
	var edits []ociconfig.Edit
	for _, f := range d.Findings {
		if f.Action != Tighten {
			continue
		}
		for _, e := range f.Edits {
			if exec {
				e.Path = strings.TrimPrefix(e.Path, "process.")
			}
			edits = append(edits, e)
		}
	}
	return edits
}

// Unrelaxable returns the rejections that no manifest can relax: those of rules
// without a manifest field, such as privileged containers and host namespaces.
// An app in audit mode still gets these rejections, since anyone who sets the
// app's annotation would otherwise run unconfined.
func (d Decision) Unrelaxable() []Finding {
	var found []Finding
	for _, f := range d.Findings {
		if f.Action == Reject && f.Field == "" {
			found = append(found, f)
		}
	}
	return found
}

// With returns the findings that have the given action.
func (d Decision) With(action Action) []Finding {
	var found []Finding
	for _, f := range d.Findings {
		if f.Action == action {
			found = append(found, f)
		}
	}
	return found
}
