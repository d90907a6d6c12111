package manifest

import (
	"os"
	"path/filepath"
	"testing"
)

const examplesDir = "../../examples"

func TestExamplesAreValid(t *testing.T) {
	entries, err := os.ReadDir(examplesDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < 4 {
		t.Errorf("examples/ has %d files, want at least 4", len(entries))
	}

	for _, entry := range entries {
		t.Run(entry.Name(), func(t *testing.T) {
			if _, err := Load(filepath.Join(examplesDir, entry.Name())); err != nil {
				t.Errorf("Load:\n%v", err)
			}
		})
	}
}

func TestExamplesUseDistinctUsers(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(examplesDir, "*"+Extension))
	if err != nil {
		t.Fatal(err)
	}

	users := map[uint32]string{}
	groups := map[uint32]string{}
	for _, path := range paths {
		m, err := Load(path)
		if err != nil {
			t.Fatalf("Load %s: %v", path, err)
		}
		if other, ok := users[m.Security.UID]; ok {
			t.Errorf("%s and %s both run as uid %d", other, m.ID, m.Security.UID)
		}
		if other, ok := groups[m.Security.GID]; ok {
			t.Errorf("%s and %s both run as gid %d", other, m.ID, m.Security.GID)
		}
		users[m.Security.UID] = m.ID
		groups[m.Security.GID] = m.ID
	}
}
