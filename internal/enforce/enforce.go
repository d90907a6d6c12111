// Package enforce runs seawall's pipeline on one config.json or exec process:
// strict decoding, identifying the app, loading its manifest, evaluating the
// policy, applying the tightenings and recording the decision. The runtime
// wrapper and the OCI hook both call it, so they cannot disagree.
package enforce

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/seawall/seawall/internal/audit"
	"github.com/seawall/seawall/internal/manifest"
	"github.com/seawall/seawall/internal/nodeconfig"
	"github.com/seawall/seawall/internal/ociconfig"
	"github.com/seawall/seawall/internal/policy"
)

// Enforcer applies the node's policy.
type Enforcer struct {
	// Config is the node configuration.
	Config *nodeconfig.Config
	// Layer names the caller in decision records: "runtime", "precreate", ...
	Layer string
	// Now returns the time for decision records; nil means time.Now.
	Now func() time.Time
	// Manifest, when set, is used for every request instead of the manifest the
	// container's annotation names.
	Manifest *manifest.Manifest
	// DryRun evaluates requests without writing decision records.
	DryRun bool
}

// Request is one document to enforce.
type Request struct {
	// Command is the runtime subcommand or hook stage, for decision records.
	Command string
	// ContainerID is the container's id, when known.
	ContainerID string
	// Bundle is the container's bundle directory, when known.
	Bundle string
	// Config is the container's config.json.
	Config []byte
	// Process is an exec's process.json; nil for a container create.
	Process []byte
	// Verify rejects a config that needs tightening instead of tightening it, for
	// callers that can no longer change what the runtime reads.
	Verify bool
}

// Result is the outcome of an accepted request.
type Result struct {
	// Output is the document to hand to the runtime: the config, or the process
	// for an exec. It is the input itself when nothing changed.
	Output []byte
	// Changed reports whether Output differs from the input.
	Changed bool
	// Record is the decision as recorded in the decision log.
	Record audit.Record
}

// Rejection is the error returned when a request must not reach the runtime.
type Rejection struct {
	// Record is the decision as recorded in the decision log.
	Record audit.Record
	// Message is one line with what is wrong and how to fix it.
	Message string
}

func (r *Rejection) Error() string {
	return r.Message
}

// Enforce evaluates the request. It returns a *Rejection when the container or
// process must not start, and records every decision in the decision log. In
// audit mode it never rejects and never changes the document.
func (e *Enforcer) Enforce(req Request) (*Result, error) {
	record := e.newRecord(req)
	in, err := e.prepare(req, &record)
	if err != nil {
		return e.fail(record, req, err)
	}

	decision := policy.Evaluate(in)
	record.Action = decision.Action
	record.Findings = decision.Findings
	original := req.Config
	if in.Exec {
		original = req.Process
	}
	if nodeconfig.Mode(record.Mode) == nodeconfig.Audit {
		return e.audit(record, original, decision)
	}
	if decision.Action == policy.Reject {
		return nil, e.reject(record, rejectionMessage(record, decision))
	}
	if req.Verify && decision.Action == policy.Tighten {
		changed := decision.With(policy.Tighten)
		return nil, e.reject(record, fmt.Sprintf("config.json no longer complies after "+
			"seawall's precreate stage: %s is %s, allowed: %s (%d fields in all); find the "+
			"hook or tool that changed the bundle after seawall-hook precreate, or run "+
			"seawall explain %s", changed[0].Path, changed[0].Have, changed[0].Allowed,
			len(changed), explainTarget(record)))
	}

	output, edits, err := tighten(in, original, decision)
	if err != nil {
		return nil, e.reject(record, err.Error())
	}
	record.Edits = edits
	return e.accept(record, original, output)
}

// Reject records a request that failed before it could be evaluated, such as a
// config file that cannot be read, and returns the *Rejection. In audit mode it
// records the failure and returns nil, so that the runtime reports it instead.
func (e *Enforcer) Reject(req Request, cause error) error {
	var rejection *Rejection
	if errors.As(cause, &rejection) {
		return cause
	}
	_, err := e.fail(e.newRecord(req), req, cause)
	return err
}

// fail rejects the request, or in audit mode records the failure and accepts the
// request unchanged.
func (e *Enforcer) fail(record audit.Record, req Request, cause error) (*Result, error) {
	if nodeconfig.Mode(record.Mode) != nodeconfig.Audit {
		return nil, e.reject(record, cause.Error())
	}
	record.Error = cause.Error()
	original := req.Config
	if req.Process != nil {
		original = req.Process
	}
	return e.accept(record, original, original)
}

// audit accepts the document unchanged, except that an app in audit mode on an
// enforcing node still gets the rejections no manifest can relax: the app id is
// only an annotation, which anyone starting a container can set.
func (e *Enforcer) audit(record audit.Record, original []byte, decision policy.Decision) (
	*Result, error) {
	unrelaxable := decision.Unrelaxable()
	if e.Config.Mode == nodeconfig.Audit || len(unrelaxable) == 0 {
		return e.accept(record, original, original)
	}
	narrowed := policy.Decision{Action: policy.Reject, Findings: unrelaxable}
	return nil, e.reject(record, rejectionMessage(record, narrowed)+
		" (the app is in audit mode, which never allows this)")
}

func (e *Enforcer) newRecord(req Request) audit.Record {
	now := time.Now
	if e.Now != nil {
		now = e.Now
	}
	return audit.Record{
		Time:        now().UTC(),
		Layer:       e.Layer,
		Command:     req.Command,
		ContainerID: req.ContainerID,
		Bundle:      req.Bundle,
		Mode:        string(e.Config.Mode),
		Action:      policy.Reject,
	}
}

// prepare decodes the request and loads the manifest that applies to it.
func (e *Enforcer) prepare(req Request, record *audit.Record) (*policy.Input, error) {
	spec, err := ociconfig.DecodeSpec(req.Config)
	if err != nil {
		return nil, fmt.Errorf("invalid config.json: %w", err)
	}
	if name := spec.Annotations[podmanNameAnnotation]; name != "" {
		record.ContainerName = name
	}
	if record.ContainerID == "" {
		record.ContainerID = policy.PodmanContainerID(spec)
	}

	app := spec.Annotations[e.Config.AppAnnotation]
	record.App = app
	record.Mode = string(e.Config.ModeFor(app))
	m, err := e.ManifestFor(app)
	if err != nil {
		return nil, err
	}
	record.Manifest = m.Source

	in := &policy.Input{Spec: spec, Manifest: m, AppAnnotation: e.Config.AppAnnotation,
		ContainerID: req.ContainerID, Bundle: req.Bundle}
	if req.Process != nil {
		process, err := ociconfig.DecodeProcess(req.Process)
		if err != nil {
			return nil, fmt.Errorf("invalid exec process: %w", err)
		}
		execSpec := *spec
		execSpec.Process = process
		in.Spec, in.Exec = &execSpec, true
	}
	return in, nil
}

// podmanNameAnnotation names the container in configs written by CRI-O; podman
// 4.3 does not set it, so explain finds its containers by id.
const podmanNameAnnotation = "io.kubernetes.cri-o.Name"

// ManifestFor returns the manifest that applies to containers of app: its file
// in the manifests directory, or the node's default manifest when app is empty.
func (e *Enforcer) ManifestFor(app string) (*manifest.Manifest, error) {
	if e.Manifest != nil {
		return e.Manifest, nil
	}
	if app == "" {
		if e.Config.Unmanaged == nodeconfig.UnmanagedReject {
			return nil, fmt.Errorf("container has no %s annotation and the node rejects "+
				"unmanaged containers; run it as an app with --annotation %s=APP",
				e.Config.AppAnnotation, e.Config.AppAnnotation)
		}
		return manifest.Default(e.Config.DefaultUID, e.Config.DefaultGID), nil
	}
	m, err := manifest.LoadApp(e.Config.ManifestsDir, app)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no manifest for app %q (annotation %s) in %s; install the "+
			"app's manifest as %s.yaml there, or correct the annotation", app,
			e.Config.AppAnnotation, e.Config.ManifestsDir, app)
	}
	if err != nil {
		// A manifest can have many problems, one per line; the rejection is one line.
		oneLine := strings.Join(strings.Fields(err.Error()), " ")
		return nil, fmt.Errorf("manifest for app %q (annotation %s): %s",
			app, e.Config.AppAnnotation, oneLine)
	}
	return m, nil
}

// tighten applies the decision's edits and checks that the result complies, so
// that a rule whose edit does not satisfy it rejects instead of looping or passing.
func tighten(in *policy.Input, original []byte, decision policy.Decision) ([]byte, []string,
	error) {
	edits := decision.Edits(in.Exec)
	if len(edits) == 0 {
		return original, nil, nil
	}
	output, err := ociconfig.Apply(original, edits)
	if err != nil {
		return nil, nil, err
	}

	again := *in
	if in.Exec {
		process, err := ociconfig.DecodeProcess(output)
		if err != nil {
			return nil, nil, fmt.Errorf("tightened process is invalid: %w", err)
		}
		spec := *in.Spec
		spec.Process = process
		again.Spec = &spec
	} else if again.Spec, err = ociconfig.DecodeSpec(output); err != nil {
		return nil, nil, fmt.Errorf("tightened config is invalid: %w", err)
	}
	if left := policy.Evaluate(&again); left.Action != policy.OK {
		return nil, nil, errors.New("tightening left findings: " + summarize(left))
	}

	descriptions := make([]string, len(edits))
	for i, edit := range edits {
		descriptions[i] = edit.String()
	}
	return output, descriptions, nil
}

func (e *Enforcer) accept(record audit.Record, original, output []byte) (*Result, error) {
	if err := e.append(record); err != nil {
		return nil, &Rejection{Record: record, Message: "seawall: rejected " +
			describeTarget(record) + ": " + err.Error() + "; make the decision log " +
			"(decision_log in the node configuration) writable so decisions can be recorded"}
	}
	return &Result{Output: output, Changed: !bytes.Equal(original, output), Record: record}, nil
}

func (e *Enforcer) reject(record audit.Record, message string) error {
	record.Action = policy.Reject
	if record.Findings == nil {
		record.Error = message
	}
	full := "seawall: rejected " + describeTarget(record) + ": " + truncate(message, maxMessage)
	if err := e.append(record); err != nil {
		full += " (and the decision could not be recorded: " + err.Error() + ")"
	}
	return &Rejection{Record: record, Message: full}
}

func (e *Enforcer) append(record audit.Record) error {
	if e.DryRun {
		return nil
	}
	log := audit.Log{Path: e.Config.DecisionLog}
	return log.Append(record)
}

func describeTarget(r audit.Record) string {
	target := "container"
	if r.Command == "exec" {
		target = "exec in container"
	}
	if r.ContainerID != "" {
		target += " " + shortID(r.ContainerID)
	}
	if r.App != "" {
		target += fmt.Sprintf(" (app %q)", r.App)
	}
	return target
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// maxMessage bounds a rejection message in bytes. conmon passes the runtime's
// stderr to podman through a fixed-size buffer, and podman fails to decode a
// message cut short, so the message gives the first problem and a count.
const maxMessage = 700

func rejectionMessage(record audit.Record, decision policy.Decision) string {
	rejected := decision.With(policy.Reject)
	if len(rejected) == 0 {
		rejected = decision.With(policy.Tighten)
	}
	first := rejected[0]
	message := fmt.Sprintf("%s: %s, allowed: %s; fix: %s", first.Path, first.Have,
		first.Allowed, first.Fix)
	if len(rejected) > 1 {
		message += fmt.Sprintf(" (and %d more: run seawall explain %s)", len(rejected)-1,
			explainTarget(record))
	}
	return truncate(message, maxMessage)
}

func explainTarget(record audit.Record) string {
	if record.ContainerID == "" {
		return "with the container id"
	}
	return shortID(record.ContainerID)
}

func truncate(message string, limit int) string {
	if len(message) <= limit {
		return message
	}
	cut := limit - 3
	for cut > 0 && !utf8.RuneStart(message[cut]) {
		cut--
	}
	return message[:cut] + "..."
}

func summarize(d policy.Decision) string {
	var parts []string
	for _, f := range d.Findings {
		if f.Action != policy.OK {
			parts = append(parts, fmt.Sprintf("%s %s (%s)", f.Rule, f.Path, f.Action))
		}
	}
	return strings.Join(parts, ", ")
}

// Decide records a decision that the caller made from its own findings, such as
// the checks of a started process, and returns a *Rejection when a finding
// rejects and the app is not in audit mode.
func (e *Enforcer) Decide(req Request, app string, m *manifest.Manifest,
	findings []policy.Finding) (*Result, error) {
	record := e.newRecord(req)
	record.App, record.Manifest = app, m.Source
	record.Mode = string(e.Config.ModeFor(app))
	record.Findings = findings
	record.Action = policy.OK
	for _, f := range findings {
		if f.Action == policy.Reject {
			record.Action = policy.Reject
		}
	}

	decision := policy.Decision{Action: record.Action, Findings: findings}
	if record.Action == policy.Reject && nodeconfig.Mode(record.Mode) != nodeconfig.Audit {
		return nil, e.reject(record, rejectionMessage(record, decision))
	}
	return e.accept(record, nil, nil)
}
