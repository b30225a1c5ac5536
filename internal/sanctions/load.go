package sanctions

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// ListInfo describes one loaded (or stored) list.
type ListInfo struct {
	List     string   `json:"list"`
	Format   string   `json:"format"`
	Dir      string   `json:"dir,omitempty"`
	Files    []string `json:"files"`
	Version  string   `json:"version,omitempty"` // publisher's date or version, when the file states one
	SHA256   string   `json:"sha256,omitempty"`  // over the files, in name order
	Entities int      `json:"entities"`
	Error    string   `json:"error,omitempty"`
}

// listFiles is a set of files that together make one list.
type listFiles struct {
	list, format, dir string
	files             []string // absolute paths; for OFAC CSV: primary, alt, add, comments ("" when absent)
}

// Formats.
const (
	FormatOFACCSV = "ofac_csv"
	FormatOFACXML = "ofac_xml"
	// FormatOFACAdvanced is OFAC's advanced XML (sdn_advanced.xml, cons_advanced.xml).
	FormatOFACAdvanced = "ofac_advanced_xml"
	FormatUNXML        = "un_xml"
	FormatEUCSV        = "eu_csv"
	FormatEUXML        = "eu_xml"
	FormatUKCSV        = "uk_csv"
	FormatCSLCSV       = "csl_csv"
)

// Discover finds list files under dir, recognising them by name and
// content: sdn.csv (+alt/add/sdn_comments), cons_prim.csv (+cons_*),
// sdn_advanced.xml and cons_advanced.xml, and any .xml or .csv whose start
// identifies it as UN, OFAC XML (classic or advanced), EU, UK or CSL.
// Sub-folders (ofac/, un/, eu/, uk/, csl/ or any other) are searched too.
func Discover(dir string) ([]listFiles, error) {
	var out []listFiles
	seen := map[string]bool{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && p != dir {
				return filepath.SkipDir
			}
			return nil
		}
		base := strings.ToLower(d.Name())
		dirp := filepath.Dir(p)
		sib := func(name string) string {
			for _, cand := range []string{name, strings.ToUpper(name)} {
				q := filepath.Join(dirp, cand)
				if _, err := os.Stat(q); err == nil {
					return q
				}
			}
			return ""
		}
		switch base {
		case "sdn.csv":
			out = append(out, listFiles{ListOFACSDN, FormatOFACCSV, dirp, []string{p, sib("alt.csv"), sib("add.csv"), sib("sdn_comments.csv")}})
			return nil
		case "cons_prim.csv":
			out = append(out, listFiles{ListOFACCons, FormatOFACCSV, dirp, []string{p, sib("cons_alt.csv"), sib("cons_add.csv"), sib("cons_comments.csv")}})
			return nil
		case "alt.csv", "add.csv", "sdn_comments.csv", "cons_alt.csv", "cons_add.csv", "cons_comments.csv", "manifest.json":
			return nil
		}
		ext := filepath.Ext(base)
		if ext != ".xml" && ext != ".csv" && ext != ".txt" {
			return nil
		}
		head, err := readHead(p, 8192)
		if err != nil {
			return err
		}
		list, format := sniff(base, head)
		if list == "" {
			return nil
		}
		out = append(out, listFiles{list, format, dirp, []string{p}})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", dir, err)
	}
	// One source per list: CSV sets before XML, then path order.
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].list != out[j].list {
			return listOrder(out[i].list) < listOrder(out[j].list)
		}
		if ri, rj := formatRank(out[i].format), formatRank(out[j].format); ri != rj {
			return ri < rj
		}
		return out[i].files[0] < out[j].files[0]
	})
	res := out[:0]
	for _, lf := range out {
		if seen[lf.list] {
			continue
		}
		seen[lf.list] = true
		res = append(res, lf)
	}
	return res, nil
}

// formatRank orders the formats of one list: the OFAC CSV set, then the
// advanced XML (richer than the classic XML), then the rest.
func formatRank(f string) int {
	switch f {
	case FormatOFACCSV:
		return 0
	case FormatOFACAdvanced:
		return 1
	}
	return 2
}

func listOrder(l string) int {
	for i, x := range []string{ListOFACSDN, ListOFACCons, ListUN, ListEU, ListUK, ListCSL} {
		if x == l {
			return i
		}
	}
	return 99
}

func readHead(p string, n int) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, n)
	k, err := io.ReadFull(f, b)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, err
	}
	return b[:k], nil
}

// sniff recognises a list file by its first bytes.
func sniff(base string, head []byte) (list, format string) {
	switch {
	case base == "sdn_advanced.xml" || base == "cons_advanced.xml" || bytes.Contains(head, []byte("<Sanctions")) &&
		(bytes.Contains(head, []byte("ADVANCED_XML")) || bytes.Contains(head, []byte("un.org/sanctions/1.0")) || bytes.Contains(head, []byte("<ReferenceValueSets"))):
		if strings.Contains(base, "cons") {
			return ListOFACCons, FormatOFACAdvanced
		}
		return ListOFACSDN, FormatOFACAdvanced
	case bytes.Contains(head, []byte("<CONSOLIDATED_LIST")):
		return ListUN, FormatUNXML
	case bytes.Contains(head, []byte("<sdnList")):
		if strings.Contains(base, "cons") {
			return ListOFACCons, FormatOFACXML
		}
		return ListOFACSDN, FormatOFACXML
	case bytes.Contains(head, []byte("sanctionEntity")) || bytes.Contains(head, []byte("<export")) && bytes.Contains(head, []byte("fsd")):
		return ListEU, FormatEUXML
	case bytes.Contains(head, []byte("Entity_LogicalId")):
		return ListEU, FormatEUCSV
	case bytes.Contains(head, []byte("entity_number")) && bytes.Contains(head, []byte("source")):
		return ListCSL, FormatCSLCSV
	case bytes.Contains(head, []byte("Name 6")):
		return ListUK, FormatUKCSV
	}
	return "", ""
}

// parseList parses one discovered list.
func parseList(lf listFiles) ([]Entity, ListInfo, error) {
	info := ListInfo{List: lf.list, Format: lf.format, Dir: lf.dir}
	h := sha256.New()
	var readers []io.Reader
	var closers []io.Closer
	defer func() {
		for _, c := range closers {
			c.Close()
		}
	}()
	for _, p := range lf.files {
		if p == "" {
			readers = append(readers, nil)
			continue
		}
		info.Files = append(info.Files, filepath.Base(p))
		if lf.format == FormatOFACAdvanced {
			// 100+ MB: streamed through the hash, never held in memory.
			f, err := os.Open(p)
			if err != nil {
				return nil, info, fmt.Errorf("read %s: %w", p, err)
			}
			closers = append(closers, f)
			readers = append(readers, io.TeeReader(f, h))
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, info, fmt.Errorf("read %s: %w", p, err)
		}
		h.Write(b)
		readers = append(readers, bytes.NewReader(b))
	}
	var ents []Entity
	var err error
	switch lf.format {
	case FormatOFACCSV:
		ents, err = ParseOFACCSV(lf.list, OFACFiles{SDN: readers[0], Alt: readers[1], Add: readers[2], Comments: readers[3]})
	case FormatOFACXML:
		ents, info.Version, err = ParseOFACXML(lf.list, readers[0])
	case FormatOFACAdvanced:
		ents, info.Version, err = ParseOFACAdvanced(lf.list, readers[0])
		if err == nil {
			_, err = io.Copy(io.Discard, readers[0]) // hash to the end
		}
	case FormatUNXML:
		ents, info.Version, err = ParseUNXML(readers[0])
	case FormatEUXML:
		ents, info.Version, err = ParseEUXML(readers[0])
	case FormatEUCSV:
		ents, err = ParseEUCSV(readers[0])
	case FormatUKCSV:
		ents, info.Version, err = ParseUKCSV(readers[0])
	case FormatCSLCSV:
		ents, err = ParseCSL(readers[0])
	default:
		err = fmt.Errorf("unknown format %q", lf.format)
	}
	info.SHA256 = hex.EncodeToString(h.Sum(nil))
	if err != nil {
		return nil, info, fmt.Errorf("%s (%s in %s): %w", lf.list, lf.format, lf.dir, err)
	}
	if len(ents) == 0 {
		return nil, info, fmt.Errorf("%s (%s in %s): no entries", lf.list, lf.format, lf.dir)
	}
	info.Entities = len(ents)
	return ents, info, nil
}

// LoadDir discovers and parses every list under dir, in parallel. A list
// that fails to parse is reported in its ListInfo.Error and left out; the
// error is non-nil only when nothing could be loaded.
func LoadDir(dir string) ([]Entity, []ListInfo, error) {
	lfs, err := Discover(dir)
	if err != nil {
		return nil, nil, err
	}
	if len(lfs) == 0 {
		return nil, nil, fmt.Errorf("no sanctions list files found under %s", dir)
	}
	ents := make([][]Entity, len(lfs))
	infos := make([]ListInfo, len(lfs))
	var wg sync.WaitGroup
	for i, lf := range lfs {
		wg.Add(1)
		go func(i int, lf listFiles) {
			defer wg.Done()
			e, info, err := parseList(lf)
			if err != nil {
				info.Error = err.Error()
			}
			ents[i], infos[i] = e, info
		}(i, lf)
	}
	wg.Wait()
	var all []Entity
	for _, e := range ents {
		all = append(all, e...)
	}
	if len(all) == 0 {
		return nil, infos, fmt.Errorf("no list under %s could be loaded: %s", dir, infos[0].Error)
	}
	return all, infos, nil
}
