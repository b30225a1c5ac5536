package sanctions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
)

// DefaultSources are the official download addresses of each list. A URL
// may end in "#name" to choose the stored file name. The EU file needs the
// token the EU publishes on its Financial Sanctions Files page.
var DefaultSources = map[string][]string{
	ListOFACSDN: {
		"https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN.CSV#sdn.csv",
		"https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ALT.CSV#alt.csv",
		"https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ADD.CSV#add.csv",
		"https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN_COMMENTS.CSV#sdn_comments.csv",
	},
	ListOFACCons: {
		"https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/CONS_PRIM.CSV#cons_prim.csv",
		"https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/CONS_ALT.CSV#cons_alt.csv",
		"https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/CONS_ADD.CSV#cons_add.csv",
		"https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/CONS_COMMENTS.CSV#cons_comments.csv",
	},
	ListUN:  {"https://scsanctions.un.org/resources/xml/en/consolidated.xml#consolidated.xml"},
	ListEU:  {"https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content?token=dG9rZW4tMjAxNw#eu_fsf.xml"},
	ListUK:  {"https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.csv#uk_sanctions_list.csv"},
	ListCSL: {"https://data.trade.gov/downloaded_files/consolidated.csv#consolidated.csv"},
}

// The official addresses of OFAC's advanced XML files. DefaultSourcesFor
// puts them in place of the CSV sets for us_ofac_sdn and us_ofac_cons.
const (
	OFACSDNAdvancedURL  = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN_ADVANCED.XML#sdn_advanced.xml"
	OFACConsAdvancedURL = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/CONS_ADVANCED.XML#cons_advanced.xml"
)

// OFAC download formats for DefaultSourcesFor.
const (
	OFACFormatCSV      = "csv"
	OFACFormatAdvanced = "advanced"
)

// DefaultSourcesFor returns a copy of DefaultSources with the two OFAC lists
// in the given format: "csv" (or "", the default: the legacy CSV sets, a few
// MB that parse in a fraction of a second) or "advanced" (SDN_ADVANCED.XML
// and CONS_ADVANCED.XML: structured birth dates, documents and
// relationships and the names in their original scripts, but 100+ MB that
// take seconds to parse at every load; see docs/benchmarks/sanctions.md).
func DefaultSourcesFor(ofacFormat string) (map[string][]string, error) {
	out := make(map[string][]string, len(DefaultSources))
	for k, v := range DefaultSources {
		out[k] = slices.Clone(v)
	}
	switch strings.ToLower(strings.TrimSpace(ofacFormat)) {
	case "", OFACFormatCSV:
	case OFACFormatAdvanced:
		out[ListOFACSDN] = []string{OFACSDNAdvancedURL}
		out[ListOFACCons] = []string{OFACConsAdvancedURL}
	default:
		return nil, fmt.Errorf("OFAC format %q: want %q or %q", ofacFormat, OFACFormatCSV, OFACFormatAdvanced)
	}
	return out, nil
}

// StoredList is one list's record in the store manifest.
type StoredList struct {
	ListInfo
	UpdatedAt   time.Time `json:"updated_at"`             // when the current good copy was stored
	CheckedAt   time.Time `json:"checked_at"`             // last update attempt
	LastError   string    `json:"last_error,omitempty"`   // error of the last attempt, if it failed
	LastErrorAt time.Time `json:"last_error_at,omitzero"` // when it failed
}

// ListStore keeps the last good copy of each list under Root/<list>/ and a
// manifest (Root/manifest.json) of versions, dates and entity counts.
type ListStore struct {
	Root   string
	Client *http.Client
	Now    func() time.Time
}

func (s *ListStore) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Manifest reads the manifest; a missing manifest is empty.
func (s *ListStore) Manifest() (map[string]StoredList, error) {
	m := map[string]StoredList{}
	b, err := os.ReadFile(filepath.Join(s.Root, "manifest.json"))
	if errors.Is(err, os.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read list manifest: %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("list manifest %s: %w", filepath.Join(s.Root, "manifest.json"), err)
	}
	return m, nil
}

func (s *ListStore) writeManifest(m map[string]StoredList) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(s.Root, ".manifest.json.tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("write list manifest: %w", err)
	}
	return os.Rename(tmp, filepath.Join(s.Root, "manifest.json"))
}

// UpdateResult reports one list's update.
type UpdateResult struct {
	List     string `json:"list"`
	Updated  bool   `json:"updated"`  // a new good copy replaced the old one
	Kept     bool   `json:"kept"`     // the update failed and the last good copy stays
	Same     bool   `json:"same"`     // content unchanged
	Entities int    `json:"entities"` // entities in the copy now in use
	Version  string `json:"version,omitempty"`
	Error    string `json:"error,omitempty"`
}

// UpdateFrom copies every list found under dir into the store, after
// parsing it; a list that fails to parse keeps its last good copy.
func (s *ListStore) UpdateFrom(ctx context.Context, dir string) ([]UpdateResult, error) {
	lfs, err := Discover(dir)
	if err != nil {
		return nil, err
	}
	if len(lfs) == 0 {
		return nil, fmt.Errorf("no sanctions list files found under %s", dir)
	}
	var res []UpdateResult
	for _, lf := range lfs {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		var files []string
		for _, f := range lf.files {
			if f != "" {
				files = append(files, f)
			}
		}
		res = append(res, s.install(lf.list, files, nil))
	}
	return res, nil
}

// Update downloads each list from its sources (list -> URLs) and installs
// it; lists absent from sources are left alone.
func (s *ListStore) Update(ctx context.Context, sources map[string][]string) ([]UpdateResult, error) {
	if err := os.MkdirAll(s.Root, 0o755); err != nil {
		return nil, fmt.Errorf("create lists directory: %w", err)
	}
	names := make([]string, 0, len(sources))
	for n := range sources {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return listOrder(names[i]) < listOrder(names[j]) })
	var res []UpdateResult
	for _, list := range names {
		stage, err := os.MkdirTemp(s.Root, ".download-"+list+"-")
		if err != nil {
			return res, fmt.Errorf("staging directory: %w", err)
		}
		var files []string
		var dlErr error
		for _, u := range sources[list] {
			p, err := s.download(ctx, stage, u)
			if err != nil {
				dlErr = err
				break
			}
			files = append(files, p)
		}
		res = append(res, s.install(list, files, dlErr))
		os.RemoveAll(stage)
	}
	return res, nil
}

func (s *ListStore) download(ctx context.Context, dir, raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("source %q: %w", raw, err)
	}
	name := u.Fragment
	u.Fragment = ""
	if name == "" {
		name = strings.ToLower(path.Base(u.Path))
	}
	name = filepath.Base(name)
	c := s.Client
	if c == nil {
		c = &http.Client{Timeout: 5 * time.Minute}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", fmt.Errorf("download %s: %w", u, err)
	}
	req.Header.Set("User-Agent", "redflag-lists/1")
	resp, err := c.Do(req)
	if err != nil {
		return "", fmt.Errorf("download %s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("download %s: HTTP %s", u, resp.Status)
	}
	p := filepath.Join(dir, name)
	f, err := os.Create(p)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return "", fmt.Errorf("download %s: %w", u, err)
	}
	return p, f.Close()
}

// install validates files as list and swaps them in as its current copy.
func (s *ListStore) install(list string, files []string, prior error) UpdateResult {
	r := UpdateResult{List: list}
	m, err := s.Manifest()
	if err != nil {
		m = map[string]StoredList{}
	}
	old := m[list]
	now := s.now()
	old.CheckedAt = now
	fail := func(err error) UpdateResult {
		old.LastError, old.LastErrorAt = err.Error(), now
		if old.List == "" {
			old.List = list
		}
		m[list] = old
		_ = s.writeManifest(m)
		r.Error, r.Kept, r.Entities, r.Version = err.Error(), old.Entities > 0, old.Entities, old.Version
		return r
	}
	if err := os.MkdirAll(s.Root, 0o755); err != nil {
		return fail(fmt.Errorf("create lists directory: %w", err))
	}
	if prior != nil {
		return fail(prior)
	}
	if len(files) == 0 {
		return fail(errors.New("no files"))
	}
	stage, err := os.MkdirTemp(s.Root, ".stage-"+list+"-")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(stage)
	for _, f := range files {
		if err := copyFile(f, filepath.Join(stage, strings.ToLower(filepath.Base(f)))); err != nil {
			return fail(err)
		}
	}
	lfs, err := Discover(stage)
	if err != nil {
		return fail(err)
	}
	var lf *listFiles
	for i := range lfs {
		if lfs[i].list == list {
			lf = &lfs[i]
		}
	}
	if lf == nil {
		return fail(fmt.Errorf("files %v are not recognised as list %s", baseNames(files), list))
	}
	_, info, err := parseList(*lf)
	if err != nil {
		return fail(err)
	}
	dst := filepath.Join(s.Root, list)
	if old.SHA256 == info.SHA256 && old.Entities == info.Entities {
		if _, err := os.Stat(dst); err == nil {
			old.LastError = ""
			m[list] = old
			r.Same, r.Entities, r.Version = true, old.Entities, old.Version
			if err := s.writeManifest(m); err != nil {
				r.Error = err.Error()
			}
			return r
		}
	}
	trash := dst + ".old"
	os.RemoveAll(trash)
	if _, err := os.Stat(dst); err == nil {
		if err := os.Rename(dst, trash); err != nil {
			return fail(err)
		}
	}
	if err := os.Rename(stage, dst); err != nil {
		os.Rename(trash, dst)
		return fail(err)
	}
	os.RemoveAll(trash)
	info.Dir = ""
	m[list] = StoredList{ListInfo: info, UpdatedAt: now, CheckedAt: now}
	if err := s.writeManifest(m); err != nil {
		r.Error = err.Error()
	}
	r.Updated, r.Entities, r.Version = true, info.Entities, info.Version
	return r
}

func baseNames(ps []string) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = filepath.Base(p)
	}
	return out
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return out.Close()
}

// Load builds an index from the stored lists.
func (s *ListStore) Load() (*Index, []ListInfo, error) {
	ents, infos, err := LoadDir(s.Root)
	if err != nil {
		return nil, infos, err
	}
	return NewIndex(ents), infos, nil
}
