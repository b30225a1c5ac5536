package ipintel

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/oschwald/maxminddb-golang/v2"
)

// Source is one database to fetch (config ipintel.sources).
type Source struct {
	// Name is the file to write under the ipintel directory, e.g.
	// "asn-ipv4.csv", "dbip-city-ipv4.mmdb" or "lists/vpn.txt".
	Name string `koanf:"name" json:"name"`
	URL  string `koanf:"url" json:"url"`
	// Member picks one file out of a .tgz/.tar.gz download (npm packages
	// such as @ip-location-db/asn ship their data that way).
	Member string `koanf:"member" json:"member,omitempty"`
	// SHA256 of the download, when pinned.
	SHA256 string `koanf:"sha256" json:"sha256,omitempty"`
}

// UpdateResult reports one source.
type UpdateResult struct {
	Name    string `json:"name"`
	Updated bool   `json:"updated"`
	Bytes   int64  `json:"bytes,omitempty"`
	Error   string `json:"error,omitempty"`
}

// MaxDownload bounds one download.
const MaxDownload = 512 << 20

// Update fetches each source into dir, validates it (the MMDB opens, the
// CSV parses, the list parses) and only then replaces the current file,
// keeping the previous one as <name>.prev. A failed source leaves the last
// good copy in place. With from set, files are taken from that directory
// instead of the network (offline sites); with no sources configured, every
// recognised file in from is installed.
func Update(ctx context.Context, dir string, sources []Source, from string, client *http.Client) ([]UpdateResult, error) {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Minute}
	}
	if from != "" && len(sources) == 0 {
		var err error
		sources, err = scanDir(from)
		if err != nil {
			return nil, err
		}
		if len(sources) == 0 {
			return nil, fmt.Errorf("%s: no *.mmdb, *.csv or lists/*.txt files", from)
		}
	}
	if len(sources) == 0 {
		return nil, fmt.Errorf("no sources: set ipintel.sources in the configuration or use --from DIR")
	}
	if err := os.MkdirAll(filepath.Join(dir, "lists"), 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	var out []UpdateResult
	for _, s := range sources {
		r := UpdateResult{Name: s.Name}
		n, err := updateOne(ctx, dir, s, from, client)
		if err != nil {
			r.Error = err.Error()
		} else {
			r.Updated, r.Bytes = true, n
		}
		out = append(out, r)
	}
	return out, nil
}

func scanDir(from string) ([]Source, error) {
	var out []Source
	for _, pat := range []string{"*.mmdb", "*.csv", "lists/*.txt"} {
		m, err := filepath.Glob(filepath.Join(from, pat))
		if err != nil {
			return nil, err
		}
		sort.Strings(m)
		for _, p := range m {
			rel, _ := filepath.Rel(from, p)
			out = append(out, Source{Name: filepath.ToSlash(rel)})
		}
	}
	return out, nil
}

func updateOne(ctx context.Context, dir string, s Source, from string, client *http.Client) (int64, error) {
	name := filepath.Clean(filepath.FromSlash(s.Name))
	if name == "." || strings.HasPrefix(name, "..") || filepath.IsAbs(name) {
		return 0, fmt.Errorf("bad source name %q", s.Name)
	}
	dst := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return 0, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".download-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	var body io.ReadCloser
	switch {
	case from != "":
		p := filepath.Join(from, name)
		if _, err := os.Stat(p); err != nil && s.URL != "" {
			p = filepath.Join(from, filepath.Base(s.URL))
		}
		f, err := os.Open(p)
		if err != nil {
			return 0, fmt.Errorf("offline copy: %w", err)
		}
		body = f
	case s.URL != "":
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL, nil)
		if err != nil {
			return 0, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, fmt.Errorf("fetch %s: %w", s.URL, err)
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return 0, fmt.Errorf("fetch %s: HTTP %d", s.URL, resp.StatusCode)
		}
		body = resp.Body
	default:
		return 0, fmt.Errorf("source %q has no url", s.Name)
	}
	h := sha256.New()
	raw, err := io.ReadAll(io.LimitReader(io.TeeReader(body, h), MaxDownload+1))
	body.Close()
	if err != nil {
		return 0, fmt.Errorf("read: %w", err)
	}
	if len(raw) > MaxDownload {
		return 0, fmt.Errorf("download larger than %d bytes", MaxDownload)
	}
	if s.SHA256 != "" && !strings.EqualFold(hex.EncodeToString(h.Sum(nil)), s.SHA256) {
		return 0, fmt.Errorf("sha256 mismatch")
	}
	data := raw
	if s.Member != "" || strings.HasSuffix(s.URL, ".tgz") || strings.HasSuffix(s.URL, ".tar.gz") {
		if data, err = untarMember(raw, s.Member, filepath.Base(name)); err != nil {
			return 0, err
		}
	} else if bytes.HasPrefix(raw, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return 0, fmt.Errorf("gunzip: %w", err)
		}
		if data, err = io.ReadAll(io.LimitReader(zr, MaxDownload)); err != nil {
			return 0, fmt.Errorf("gunzip: %w", err)
		}
	}
	if _, err := tmp.Write(data); err != nil {
		return 0, err
	}
	if err := tmp.Close(); err != nil {
		return 0, err
	}
	if err := Validate(tmp.Name(), name); err != nil {
		return 0, fmt.Errorf("validate: %w (kept the last good copy)", err)
	}
	if _, err := os.Stat(dst); err == nil {
		_ = os.Rename(dst, dst+".prev")
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return 0, err
	}
	return int64(len(data)), nil
}

func untarMember(tgz []byte, member, base string) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return nil, fmt.Errorf("gunzip: %w", err)
	}
	tr := tar.NewReader(zr)
	for {
		hd, err := tr.Next()
		if err == io.EOF {
			return nil, fmt.Errorf("archive has no member %q", firstNonEmpty(member, base))
		}
		if err != nil {
			return nil, fmt.Errorf("untar: %w", err)
		}
		if (member != "" && (hd.Name == member || strings.TrimPrefix(hd.Name, "package/") == member)) || (member == "" && filepath.Base(hd.Name) == base) {
			return io.ReadAll(io.LimitReader(tr, MaxDownload))
		}
	}
}

// Validate checks that a file parses as what its name says it is.
func Validate(path, name string) error {
	switch {
	case strings.HasSuffix(name, ".mmdb"):
		r, err := maxminddb.Open(path)
		if err != nil {
			return err
		}
		return r.Close()
	case strings.HasSuffix(name, ".csv"):
		_, err := loadCSV(path, filepath.Base(name))
		return err
	case strings.HasSuffix(name, ".txt"):
		base := strings.TrimSuffix(filepath.Base(name), ".txt")
		isASN := strings.HasSuffix(base, ".asn")
		db := &DB{asnTags: map[uint32]uint64{}}
		mask, err := db.maskFor(strings.TrimSuffix(base, ".asn"))
		if err != nil {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		var tb tagBuilder
		n, err := readList(f, name, mask, isASN, &tb, db.asnTags)
		if err == nil && n == 0 {
			err = fmt.Errorf("empty list")
		}
		return err
	}
	return fmt.Errorf("unknown file type %q (want .mmdb, .csv or lists/*.txt)", name)
}
