package audit

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/seawall/seawall/internal/policy"
)

func TestAppendFromConcurrentWriters(t *testing.T) {
	log := &Log{Path: filepath.Join(t.TempDir(), "sub", "decisions.jsonl")}
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			record := Record{ContainerID: fmt.Sprintf("%064d", i), Action: policy.OK,
				Findings: []policy.Finding{{Have: strings.Repeat("x", 10000)}}}
			if err := log.Append(record); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()

	count := 0
	file, _ := os.Open(log.Path)
	defer file.Close()
	if err := scan(file, func(*Record) { count++ }); err != nil {
		t.Fatalf("a line of the log is not a record: %v", err)
	}
	if count != 20 {
		t.Errorf("log has %d records, want 20", count)
	}
}

func TestFind(t *testing.T) {
	log := &Log{Path: filepath.Join(t.TempDir(), "decisions.jsonl")}
	first := "aaaa" + strings.Repeat("1", 60)
	second := "aaaa" + strings.Repeat("2", 60)
	for _, r := range []Record{
		{ContainerID: first, Layer: "precreate"},
		{ContainerID: second, Layer: "precreate", ContainerName: "web"},
		{ContainerID: first, Layer: "prestart"},
		{Layer: "precreate"}, // no id: never matched
	} {
		if err := log.Append(r); err != nil {
			t.Fatal(err)
		}
	}

	records, err := log.Find(first[:12])
	if err != nil || len(records) != 2 || records[1].Layer != "prestart" {
		t.Errorf("Find(short id) = %+v, %v; want both records of the first container", records, err)
	}
	if records, err := log.Find("web"); err != nil || records[0].ContainerID != second {
		t.Errorf("Find(name) = %+v, %v", records, err)
	}
	if _, err := log.Find("aaaa"); err == nil || !strings.Contains(err.Error(), "matches 2") {
		t.Errorf("Find(ambiguous prefix) error = %v", err)
	}
	if _, err := log.Find("ffff"); err == nil || !strings.Contains(err.Error(), "no decision") {
		t.Errorf("Find(unknown) error = %v", err)
	}
	if _, err := log.Find(" "); err == nil {
		t.Error("Find accepted an empty id")
	}
}

func TestAppendRefusesSymlinkedLog(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "elsewhere")
	os.WriteFile(target, nil, 0o644)
	link := filepath.Join(dir, "decisions.jsonl")
	os.Symlink(target, link)

	if err := (&Log{Path: link}).Append(Record{}); err == nil {
		t.Error("Append wrote through a symbolic link")
	}
}

func TestAppendBoundsLongFindings(t *testing.T) {
	log := &Log{Path: filepath.Join(t.TempDir(), "decisions.jsonl")}
	huge := strings.Repeat("é", 1<<20)
	record := Record{ContainerID: strings.Repeat("a", 64), Error: huge,
		Findings: []policy.Finding{{Have: huge, Fix: huge}}}
	if err := log.Append(record); err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(log.Path)
	if info.Size() > 4*maxField+1000 {
		t.Errorf("record is %d bytes, want the long fields cut", info.Size())
	}
	records, err := log.Find("aaaa")
	if err != nil || len(records) != 1 {
		t.Fatalf("Find = %v, %v", records, err)
	}
	if !strings.HasSuffix(records[0].Findings[0].Have, "...") {
		t.Error("a cut field does not say so")
	}
}

func TestFindReadsLongLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "decisions.jsonl")
	long := `{"container_id":"` + strings.Repeat("b", 64) + `","error":"` +
		strings.Repeat("x", 20<<20) + `"}` + "\n"
	if err := os.WriteFile(path, []byte(long), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := (&Log{Path: path}).Find("bbbb"); err != nil {
		t.Errorf("Find with a 20 MiB line: %v", err)
	}
}
