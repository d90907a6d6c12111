package policy

import (
	"fmt"
	"slices"

	"github.com/seawall/seawall/internal/manifest"
	"github.com/seawall/seawall/internal/ociconfig"
)

// minimumID is the highest uid or gid a container process may not run as. IDs up
// to 1000 belong to the host's system accounts and its first login user.
const minimumID = 1000

func checkNoNewPrivileges(in *Input) []Finding {
	process := in.Spec.Process
	if process == nil || process.NoNewPrivileges {
		return nil
	}
	return []Finding{{
		Path:    "process.noNewPrivileges",
		Have:    "false",
		Allowed: "true",
		Action:  Tighten,
		Edits:   []ociconfig.Edit{{Path: "process.noNewPrivileges", Value: true}},
	}}
}

// checkUser sets the manifest's uid and gid, and removes every supplementary
// group other than the manifest's gid: groups at or below minimumID, gid 0 among
// them, belong to the host, and the others to other apps.
func checkUser(in *Input) []Finding {
	process := in.Spec.Process
	if process == nil {
		return nil
	}
	user := process.User
	security := in.Manifest.Security
	allowed := fmt.Sprintf("%d:%d (%s)", security.UID, security.GID, userOrigin(in.Manifest))

	var findings []Finding
	if user.UID != security.UID || user.GID != security.GID {
		findings = append(findings, Finding{
			Path:    "process.user",
			Have:    fmt.Sprintf("%d:%d", user.UID, user.GID),
			Allowed: allowed,
			Action:  Tighten,
			Edits: []ociconfig.Edit{
				{Path: "process.user.uid", Value: security.UID},
				{Path: "process.user.gid", Value: security.GID},
			},
		})
	}

	kept := slices.DeleteFunc(slices.Clone(user.AdditionalGids), func(gid uint32) bool {
		return gid != security.GID
	})
	if len(kept) != len(user.AdditionalGids) {
		findings = append(findings, Finding{
			Path:    "process.user.additionalGids",
			Have:    fmt.Sprint(user.AdditionalGids),
			Allowed: fmt.Sprintf("only the manifest's gid %d", security.GID),
			Action:  Tighten,
			Edits:   []ociconfig.Edit{{Path: "process.user.additionalGids", Value: kept}},
		})
	}
	return findings
}

// userOrigin names where the allowed user comes from: the app's manifest, or the
// node configuration for containers without an app.
func userOrigin(m *manifest.Manifest) string {
	if m.ID == "" {
		return "node default_user"
	}
	return fmt.Sprintf("manifest %q", m.ID)
}

// grantHint returns how an app gets a relaxation: through its manifest, or, for a
// container without an app, by running it as an app whose manifest grants it.
func grantHint(in *Input, field string) string {
	if in.Manifest.ID == "" {
		return fmt.Sprintf("run it as an app (--annotation %s=APP) whose manifest lists it "+
			"under %s with a reason", in.AppAnnotation, field)
	}
	return fmt.Sprintf("add it to %s in %s with a reason", field, manifestFile(in.Manifest))
}

func manifestFile(m *manifest.Manifest) string {
	if m.Source == "" {
		return fmt.Sprintf("manifest %q", m.ID)
	}
	return m.Source
}
