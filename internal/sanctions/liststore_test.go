package sanctions

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		return copyFile(p, filepath.Join(dst, rel))
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestListStoreKeepsLastGoodCopy(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	copyTree(t, filepath.Join("testdata", "lists"), src)
	st := &ListStore{Root: filepath.Join(t.TempDir(), "lists")}
	res, err := st.UpdateFrom(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 5 {
		t.Fatalf("results %+v", res)
	}
	for _, r := range res {
		if !r.Updated || r.Entities == 0 || r.Error != "" {
			t.Errorf("%+v", r)
		}
	}
	m, err := st.Manifest()
	if err != nil || m[ListUN].Version != "2026-01-02T00:00:00.000Z" || m[ListOFACSDN].Entities != 7 {
		t.Fatalf("manifest %+v %v", m, err)
	}
	// same files again: unchanged
	res, _ = st.UpdateFrom(ctx, src)
	if !res[0].Same {
		t.Errorf("re-update: %+v", res[0])
	}
	// a broken SDN file must not replace the good copy
	if err := os.WriteFile(filepath.Join(src, "ofac", "sdn.csv"), []byte("1,\"BROKEN\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, _ = st.UpdateFrom(ctx, src)
	if res[0].List != ListOFACSDN || !res[0].Kept || res[0].Error == "" || res[0].Entities != 7 {
		t.Fatalf("broken update: %+v", res[0])
	}
	ix, _, err := st.Load()
	if err != nil {
		t.Fatal(err)
	}
	if m := top(t, ix, Query{Name: "JONG, Song Hwa"}); m.SourceID != "24979" {
		t.Errorf("last good copy not served: %+v", m)
	}
	m, _ = st.Manifest()
	if m[ListOFACSDN].LastError == "" || m[ListOFACSDN].Entities != 7 {
		t.Errorf("manifest after failure: %+v", m[ListOFACSDN])
	}
}

func TestListStoreDownload(t *testing.T) {
	un := fixture(t, "un/consolidated.xml")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/un.xml":
			w.Write(un)
		case "/bad.xml":
			w.Write([]byte("<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL>"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	st := &ListStore{Root: filepath.Join(t.TempDir(), "lists"), Client: srv.Client()}
	ctx := context.Background()
	res, err := st.Update(ctx, map[string][]string{ListUN: {srv.URL + "/un.xml#consolidated.xml"}})
	if err != nil || !res[0].Updated || res[0].Entities != 2 {
		t.Fatalf("%+v %v", res, err)
	}
	for _, bad := range []string{"/bad.xml#consolidated.xml", "/missing.xml"} {
		res, err = st.Update(ctx, map[string][]string{ListUN: {srv.URL + bad}})
		if err != nil || !res[0].Kept || res[0].Entities != 2 || res[0].Error == "" {
			t.Errorf("%s: %+v %v", bad, res, err)
		}
	}
	ix, _, err := st.Load()
	if err != nil || ix.Len() != 2 {
		t.Fatalf("load after failed updates: %v", err)
	}
}
