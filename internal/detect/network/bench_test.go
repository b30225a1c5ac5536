package network_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"

	"github.com/redflag-dev/redflag/internal/detect"
	"github.com/redflag-dev/redflag/internal/detect/network"
	"github.com/redflag-dev/redflag/internal/enrich/ipintel"
	"github.com/redflag-dev/redflag/internal/ingest"
	"github.com/redflag-dev/redflag/internal/ingest/okta"
	"github.com/redflag-dev/redflag/internal/ingest/okta/oktasynth"
	"github.com/redflag-dev/redflag/internal/ingest/signin"
	"github.com/redflag-dev/redflag/internal/ingest/signin/signintest"
	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/pipeline"
	"github.com/redflag-dev/redflag/internal/store/sqlstore"
)

// The benchmarks run over synthetic Okta System Log JSON Lines shaped like
// the demo's (session start + MFA per sign-in, full client, geo, security
// and debug contexts; about 1.5 KB per event).

const benchSubjects = 2000

func genOkta(n int) []byte {
	var b bytes.Buffer
	if err := oktasynth.Write(&b, n, benchSubjects); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func subjects() ([]model.Subject, *ingest.MapResolver) {
	res := ingest.NewMapResolver()
	out := oktasynth.Subjects(benchSubjects)
	for _, s := range out {
		res.AddSubject(s)
	}
	return out, res
}

// intelDir writes a flat-layout city MMDB, an ASN CSV and CIDR lists, and
// links the shared X4BNet/Astrill/Tor lists when present: "all databases".
func intelDir(tb testing.TB) string {
	dir := tb.TempDir()
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "dbip-city-lite", RecordSize: 28})
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; i < 64; i++ {
		_, n, _ := net.ParseCIDR(fmt.Sprintf("73.%d.0.0/16", i))
		tree.Insert(n, mmdbtype.Map{"country_code": mmdbtype.String("US"), "city": mmdbtype.String("Miami"), "state1": mmdbtype.String("Florida"), "latitude": mmdbtype.Float32(25.76), "longitude": mmdbtype.Float32(-80.19)})
	}
	f, _ := os.Create(filepath.Join(dir, "city.mmdb"))
	tree.WriteTo(f)
	f.Close()
	var csv bytes.Buffer
	for i := 0; i < 256; i++ {
		fmt.Fprintf(&csv, "73.%d.0.0,73.%d.255.255,7922,Comcast Cable Communications\n", i, i)
	}
	os.WriteFile(filepath.Join(dir, "asn-ipv4.csv"), csv.Bytes(), 0o644)
	os.MkdirAll(filepath.Join(dir, "lists"), 0o755)
	os.WriteFile(filepath.Join(dir, "lists", "vpn-astrill.txt"), []byte("38.170.181.0/24\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "lists", "corporate.txt"), []byte("198.51.100.0/24\n"), 0o644)
	if x4, ok := signintest.SharedDirOK("data/ipintel/x4bnet_lists_vpn"); ok {
		os.Symlink(filepath.Join(x4, "output_vpn_ipv4.txt"), filepath.Join(dir, "lists", "vpn.txt"))
		os.Symlink(filepath.Join(x4, "output_datacenter_ipv4.txt"), filepath.Join(dir, "lists", "datacenter.txt"))
		os.Symlink(filepath.Join(x4, "output_datacenter_ipv6.txt"), filepath.Join(dir, "lists", "datacenter-v6.txt"))
		os.Symlink(filepath.Join(x4, "input_datacenter_ASN.txt"), filepath.Join(dir, "lists", "datacenter.asn.txt"))
	}
	if t, ok := signintest.SharedDirOK("data/ipintel/tor"); ok {
		os.Symlink(filepath.Join(t, "secops-institute_tor-exit-nodes_2024-02-27.lst"), filepath.Join(dir, "lists", "tor.txt"))
	}
	if mm, ok := signintest.SharedDirOK("data/ipintel/maxmind_test_mmdb"); ok {
		for _, n := range []string{"GeoIP2-Anonymous-IP-Test", "GeoLite2-ASN-Test"} {
			os.Symlink(filepath.Join(mm, n+".mmdb"), filepath.Join(dir, n+".mmdb"))
		}
	}
	return dir
}

// detectSink enriches and feeds the detector in memory.
type detectSink struct {
	en  *ipintel.Enricher
	eng *detect.Engine
	env *detect.Env
	col *detect.Collector
}

func (s *detectSink) Subjects(context.Context, []model.Subject, []model.Identifier) error { return nil }
func (s *detectSink) Events(ctx context.Context, evs []model.Event, _ []model.Identifier) error {
	for i := range evs {
		s.en.Enrich(ctx, &evs[i])
		s.eng.Observe(ctx, s.env, &evs[i], s.col.Emit)
	}
	return nil
}

func bareDecode(data []byte) int {
	dec := json.NewDecoder(bytes.NewReader(data))
	n := 0
	for {
		var v map[string]any
		if err := dec.Decode(&v); err == io.EOF {
			return n
		} else if err != nil {
			panic(err)
		}
		n++
	}
}

// BenchmarkOktaParseEnrichDetect measures parse + IP enrichment +
// detection (Observe and Finish) in memory, and a bare encoding/json decode
// of the same bytes in the same run; it reports both rates and the ratio.
func BenchmarkOktaParseEnrichDetect(b *testing.B) {
	sizes := []int{100_000, 400_000}
	if os.Getenv("REDFLAG_BENCH_SMALL") != "" {
		sizes = []int{20_000}
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			data := genOkta(n)
			subs, res := subjects()
			db, err := ipintel.Open(intelDir(b), ipintel.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			b.SetBytes(int64(len(data)))
			b.ResetTimer()
			var bare, full time.Duration
			var heap uint64
			var ms runtime.MemStats
			for i := 0; i < b.N; i++ {
				runtime.GC()
				runtime.ReadMemStats(&ms)
				before := ms.HeapAlloc
				t0 := time.Now()
				if bareDecode(data) != n {
					b.Fatal("bare decode count")
				}
				bare += time.Since(t0)
				d, _ := network.New(network.Defaults())
				sink := &detectSink{en: ipintel.NewEnricher(db), eng: detect.NewEngineWith(d), env: detect.NewEnv("default", subs, time.Now()), col: detect.NewCollector()}
				t1 := time.Now()
				rep, err := signin.Run(context.Background(), bytes.NewReader(data), signin.Options{File: "bench", Source: "okta", Resolver: res, DropRaw: true}, okta.Parse, sink)
				if err != nil || rep.Accepted != n || rep.Unresolved != 0 {
					b.Fatalf("%v %+v", err, rep)
				}
				if err := sink.eng.Finish(context.Background(), sink.env, sink.col.Emit); err != nil {
					b.Fatal(err)
				}
				full += time.Since(t1)
				runtime.GC()
				runtime.ReadMemStats(&ms)
				heap = ms.HeapAlloc - min(before, ms.HeapAlloc) // detector and enricher state kept after the run
				runtime.KeepAlive(sink)
			}
			b.ReportMetric(float64(n*b.N)/full.Seconds(), "events/s")
			b.ReportMetric(float64(n*b.N)/bare.Seconds(), "bare-decode-events/s")
			b.ReportMetric(bare.Seconds()/full.Seconds(), "ratio-vs-bare")
			b.ReportMetric(float64(heap)/(1<<20), "state-heap-MB")
		})
	}
}

// BenchmarkOktaEndToEndSQLite ingests into SQLite through the pipeline
// (enrichment, events, identifiers) and runs detection over the store.
func BenchmarkOktaEndToEndSQLite(b *testing.B) {
	n := 100_000
	if os.Getenv("REDFLAG_BENCH_SMALL") != "" {
		n = 20_000
	}
	data := genOkta(n)
	subs, res := subjects()
	db, err := ipintel.Open(intelDir(b), ipintel.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	b.ResetTimer()
	var ing, det time.Duration
	for i := 0; i < b.N; i++ {
		ctx := context.Background()
		st, err := sqlstore.OpenSQLite(ctx, filepath.Join(b.TempDir(), "b.db"))
		if err != nil {
			b.Fatal(err)
		}
		if err := st.UpsertSubjects(ctx, subs); err != nil {
			b.Fatal(err)
		}
		d, _ := network.New(network.Defaults())
		p := &pipeline.Pipeline{Store: st, Enricher: ipintel.NewEnricher(db), Engine: detect.NewEngineWith(d), Tenant: "default"}
		t0 := time.Now()
		rep, err := signin.Run(ctx, bytes.NewReader(data), signin.Options{File: "bench", Source: "okta", Resolver: res, BatchSize: 2000}, okta.Parse, p)
		if err != nil || rep.Accepted != n {
			b.Fatalf("%v %+v", err, rep)
		}
		ing += time.Since(t0)
		t1 := time.Now()
		if _, err := p.Engine.Run(ctx, st, "default", time.Now()); err != nil {
			b.Fatal(err)
		}
		det += time.Since(t1)
		st.Close()
	}
	b.ReportMetric(float64(n*b.N)/ing.Seconds(), "ingest-events/s")
	b.ReportMetric(float64(n*b.N)/det.Seconds(), "detect-events/s")
	b.ReportMetric(float64(n*b.N)/(ing+det).Seconds(), "events/s")
}

// BenchmarkIPLookup looks up random IPv4 addresses with every database
// loaded (answers are not cached: this is the raw lookup).
func BenchmarkIPLookup(b *testing.B) {
	db, err := ipintel.Open(intelDir(b), ipintel.Options{Corporate: []string{"198.51.100.0/24"}})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	r := rand.New(rand.NewPCG(3, 4))
	addrs := make([]netip.Addr, 4096)
	for i := range addrs {
		v := r.Uint32()
		addrs[i] = netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = db.LookupAddr(addrs[i%len(addrs)])
	}
}
