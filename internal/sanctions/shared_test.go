package sanctions

import (
	"os"
	"path/filepath"
	"testing"
)

// sharedData returns ../shared/data/<rel> from the module root, or skips.
func sharedData(t testing.TB, rel string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("module root not found; shared data unavailable")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "data", rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared sample data %s not present (../shared/data is only on the development machine): %v", rel, err)
	}
	return p
}

func openShared(t testing.TB, rel string) *os.File {
	t.Helper()
	f, err := os.Open(sharedData(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func loadOFACShared(t testing.TB, dir string) []Entity {
	t.Helper()
	ents, err := ParseOFACCSV(ListOFACSDN, OFACFiles{
		SDN: openShared(t, dir+"/sdn.csv"), Alt: openShared(t, dir+"/alt.csv"),
		Add: openShared(t, dir+"/add.csv"), Comments: openShared(t, dir+"/sdn_comments.csv"),
	})
	if err != nil {
		t.Fatal(err)
	}
	return ents
}
