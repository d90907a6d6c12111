package enforce

import (
	"testing"

	"github.com/seawall/seawall/internal/ociconfig"
	"github.com/seawall/seawall/internal/policy"
	"github.com/seawall/seawall/internal/testconfig"
)

// The benchmarks measure the steps seawall adds to every container start, on
// the config podman writes by default.

func BenchmarkDecodeSpec(b *testing.B) {
	config := testconfig.Podman()
	for b.Loop() {
		if _, err := ociconfig.DecodeSpec(config); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvaluate(b *testing.B) {
	in := &policy.Input{Spec: testconfig.PodmanSpec(b), Manifest: testconfig.Manifest()}
	for b.Loop() {
		policy.Evaluate(in)
	}
}

// BenchmarkEnforceLax covers the whole pipeline for a config that needs
// tightening, manifest loading and the decision record included.
func BenchmarkEnforceLax(b *testing.B) {
	e := newEnforcer(b)
	config := testconfig.Podman()
	for b.Loop() {
		if _, err := e.Enforce(Request{Command: "create", Config: config}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEnforceCompliant covers the pipeline for a config that passes as it is.
func BenchmarkEnforceCompliant(b *testing.B) {
	e := newEnforcer(b)
	first, err := e.Enforce(Request{Command: "create", Config: testconfig.Podman()})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := e.Enforce(Request{Command: "create", Config: first.Output}); err != nil {
			b.Fatal(err)
		}
	}
}
