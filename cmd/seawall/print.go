package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/seawall/seawall/internal/audit"
	"github.com/seawall/seawall/internal/policy"
)

// printRecord prints a decision for an admin: what was decided about which
// container, then each finding with the manifest field that governs it and the fix.
func printRecord(w io.Writer, subject string, r audit.Record) {
	fmt.Fprintf(w, "%s: %s\n", subject, r.Action)
	fmt.Fprintf(w, "  app:       %s\n", orDefault(r.App, "none (the node's default manifest)"))
	if r.Manifest != "" {
		fmt.Fprintf(w, "  manifest:  %s\n", r.Manifest)
	}
	fmt.Fprintf(w, "  mode:      %s\n", r.Mode)
	if !r.Time.IsZero() && r.Layer != "check" {
		fmt.Fprintf(w, "  decided:   %s\n", r.Time.Format("2006-01-02 15:04:05 MST"))
	}
	if r.Error != "" {
		fmt.Fprintf(w, "  error:     %s\n", r.Error)
	}

	for _, action := range []policy.Action{policy.Reject, policy.Tighten, policy.OK} {
		for _, f := range r.Findings {
			if f.Action == action {
				printFinding(w, f)
			}
		}
	}
	if len(r.Edits) > 0 {
		fmt.Fprintln(w, "\nedits:")
		for _, edit := range r.Edits {
			fmt.Fprintf(w, "  %s\n", edit)
		}
	}
}

func printFinding(w io.Writer, f policy.Finding) {
	fmt.Fprintf(w, "\n%-8s %s (rule %s)\n", strings.ToUpper(string(f.Action)), f.Path, f.Rule)
	fmt.Fprintf(w, "  have:     %s\n", f.Have)
	fmt.Fprintf(w, "  allowed:  %s\n", f.Allowed)
	if f.Field != "" {
		fmt.Fprintf(w, "  manifest: %s\n", f.Field)
	}
	if f.Reason != "" {
		fmt.Fprintf(w, "  reason:   %s\n", f.Reason)
	}
	if f.Fix != "" {
		fmt.Fprintf(w, "  fix:      %s\n", f.Fix)
	}
}

func orDefault(value, fallback string) string {
	if value == "" {
		return fallback
	}
	return value
}
