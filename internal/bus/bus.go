// Package bus carries normalised records from ingestion to the detection
// workers over NATS JetStream, the same code in both deployments: embedded
// (an in-process nats-server with its file store under <data_dir>/nats, no
// network port) and scale-out (an external NATS cluster).
//
// Ingestion publishes each event to the subject
// <prefix>.<tenant>.events.<partition>, the partition being a hash of the
// tenant and the event's subject (person) ID, so one person's events always
// land in one partition, in publish order. Subject (person) records are sent
// to every partition of the tenant, so that every worker sees the people its
// detectors look up, in stream order with the events.
//
// Workers (Worker) share the partitions through leases in a JetStream
// key-value bucket: each partition has one owner at a time, which consumes it
// through a durable pull consumer, runs the per-subject detectors, and lands
// records, findings and its checkpoint (the last stream sequence it
// processed) in one store transaction guarded by compare-and-set, so a
// replaced worker resumes exactly after the last committed message and no
// event is counted twice. One worker at a time also holds the leader lease
// and runs the cross-subject stage (detect.Finisher detectors), scoring and
// case syncing once the partitions have caught up. docs/architecture.md
// explains the design; docs/deploy.md the production layout.
//
// Everything here uses the NATS client and server libraries; the only code of
// our own is the partition/lease/checkpoint protocol, which no library
// offers for our store.
package bus

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Modes of Config.Mode.
const (
	ModeOff      = "off"
	ModeEmbedded = "embedded"
	ModeExternal = "external"
)

// Config configures the bus. Zero fields take the defaults in Defaults.
type Config struct {
	Mode       string        `koanf:"mode"`        // off | embedded | external
	URL        string        `koanf:"url"`         // external: nats://host:4222[,nats://…]
	StoreDir   string        `koanf:"store_dir"`   // embedded: JetStream file store
	Listen     string        `koanf:"listen"`      // embedded: optional host:port to expose (default: no port)
	Prefix     string        `koanf:"prefix"`      // subject prefix and stream name base
	Partitions int           `koanf:"partitions"`  // fixed when the stream is created
	Replicas   int           `koanf:"replicas"`    // stream replicas on a cluster (3 in production)
	MaxAge     time.Duration `koanf:"max_age"`     // how long the stream keeps events
	Dedupe     time.Duration `koanf:"dedupe"`      // duplicate-publish window
	LeaseTTL   time.Duration `koanf:"lease_ttl"`   // a dead worker's partitions move after this
	Batch      int           `koanf:"batch"`       // messages a worker commits at once, at most
	BatchBytes int           `koanf:"batch_bytes"` // payload bytes a worker commits at once, about
	// AnalyzeEvery is how often the leader checks whether to run the
	// cross-subject stage; it runs when the partitions have caught up, or at
	// the latest after AnalyzeMax of continuous traffic.
	AnalyzeEvery time.Duration `koanf:"analyze_every"`
	AnalyzeMax   time.Duration `koanf:"analyze_max"`
}

// Defaults returns the default configuration.
func Defaults() Config {
	return Config{Mode: ModeOff, Prefix: "redflag", Partitions: 16, Replicas: 1, MaxAge: 7 * 24 * time.Hour,
		Dedupe: 10 * time.Minute, LeaseTTL: 6 * time.Second, Batch: 1000, BatchBytes: 2 << 20, AnalyzeEvery: time.Second, AnalyzeMax: 5 * time.Minute}
}

func (c Config) withDefaults() Config {
	d := Defaults()
	if c.Mode == "" {
		c.Mode = d.Mode
	}
	if c.Prefix == "" {
		c.Prefix = d.Prefix
	}
	if c.Partitions <= 0 {
		c.Partitions = d.Partitions
	}
	if c.Replicas <= 0 {
		c.Replicas = d.Replicas
	}
	if c.MaxAge <= 0 {
		c.MaxAge = d.MaxAge
	}
	if c.Dedupe <= 0 {
		c.Dedupe = d.Dedupe
	}
	if c.LeaseTTL <= 0 {
		c.LeaseTTL = d.LeaseTTL
	}
	if c.Batch <= 0 {
		c.Batch = d.Batch
	}
	if c.BatchBytes <= 0 {
		c.BatchBytes = d.BatchBytes
	}
	if c.AnalyzeEvery <= 0 {
		c.AnalyzeEvery = d.AnalyzeEvery
	}
	if c.AnalyzeMax <= 0 {
		c.AnalyzeMax = d.AnalyzeMax
	}
	return c
}

var (
	tokenRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)
	prefixRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)
)

// ValidTenant reports whether a tenant name can be a subject token: 1-64
// letters, digits, '_' or '-', not starting with '_' (reserved for the
// system). Names are never escaped: an escape could map two tenants onto one
// subject.
func ValidTenant(t string) error {
	if !tokenRE.MatchString(t) {
		return fmt.Errorf("tenant %q: on the bus a tenant name is 1-64 letters, digits, '_' or '-', not starting with '_'", t)
	}
	return nil
}

// Names derives stream, subject and bucket names from the prefix.
type Names struct {
	Prefix     string
	Partitions int
}

func (n Names) Stream() string {
	return strings.ToUpper(strings.ReplaceAll(n.Prefix, "-", "_")) + "_EVENTS"
}
func (n Names) DLQStream() string {
	return strings.ToUpper(strings.ReplaceAll(n.Prefix, "-", "_")) + "_DLQ"
}
func (n Names) Bucket() string { return strings.ReplaceAll(n.Prefix, "-", "_") + "_leases" }

// EventSubject is where an event of the partition is published.
func (n Names) EventSubject(tenant string, p int) string {
	return fmt.Sprintf("%s.%s.events.%d", n.Prefix, tenant, p)
}

// DLQSubject is where poison messages of the tenant go.
func (n Names) DLQSubject(tenant string) string { return n.Prefix + "-dlq." + tenant }

// StatsSubject carries worker progress reports (core NATS, not persisted).
func (n Names) StatsSubject() string { return n.Prefix + ".stats" }

func (n Names) consumer(p int) string {
	return fmt.Sprintf("%s-p%d", strings.ReplaceAll(n.Prefix, ".", "_"), p)
}

// Partition maps a tenant and a person ID to a partition (FNV-1a).
func (n Names) Partition(tenant, subjectID string) int {
	h := fnv.New32a()
	h.Write([]byte(tenant))
	h.Write([]byte{0x1f})
	h.Write([]byte(subjectID))
	return int(h.Sum32() % uint32(n.Partitions))
}

// Conn is an open bus: a NATS connection, its JetStream context, and the
// embedded server when there is one.
type Conn struct {
	Cfg   Config
	Names Names
	NC    *nats.Conn
	JS    jetstream.JetStream
	srv   *server.Server
	log   *slog.Logger
	// streamID identifies this incarnation of the event stream (its creation
	// time), so a checkpoint from a deleted stream is not trusted.
	streamID string
}

// Open starts the embedded server or connects to the external cluster, and
// makes sure the streams and the lease bucket exist.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*Conn, error) {
	cfg = cfg.withDefaults()
	if log == nil {
		log = slog.Default()
	}
	if !prefixRE.MatchString(cfg.Prefix) {
		return nil, fmt.Errorf("bus.prefix %q: letters, digits, '_' or '-' only", cfg.Prefix)
	}
	c := &Conn{Cfg: cfg, Names: Names{Prefix: cfg.Prefix, Partitions: cfg.Partitions}, log: log}
	opts := []nats.Option{nats.Name("redflag"), nats.MaxReconnects(-1), nats.ReconnectWait(250 * time.Millisecond),
		nats.RetryOnFailedConnect(true),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("bus disconnected; reconnecting", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { log.Info("bus reconnected", "url", nc.ConnectedUrl()) })}
	switch cfg.Mode {
	case ModeEmbedded:
		if cfg.StoreDir == "" {
			return nil, errors.New("bus: embedded mode needs a store directory")
		}
		if err := os.MkdirAll(cfg.StoreDir, 0o700); err != nil {
			return nil, fmt.Errorf("bus store directory: %w", err)
		}
		so := &server.Options{ServerName: "redflag-embedded", JetStream: true, StoreDir: filepath.Clean(cfg.StoreDir),
			DontListen: cfg.Listen == "", NoSigs: true, NoLog: true}
		if cfg.Listen != "" {
			host, port, err := splitHostPort(cfg.Listen)
			if err != nil {
				return nil, err
			}
			so.Host, so.Port = host, port
		}
		srv, err := server.NewServer(so)
		if err != nil {
			return nil, fmt.Errorf("start embedded nats-server: %w", err)
		}
		srv.Start()
		if !srv.ReadyForConnections(30 * time.Second) {
			srv.Shutdown()
			return nil, errors.New("embedded nats-server did not become ready in 30s")
		}
		c.srv = srv
		opts = append(opts, nats.InProcessServer(srv))
		nc, err := nats.Connect("", opts...)
		if err != nil {
			srv.Shutdown()
			return nil, fmt.Errorf("connect to embedded nats-server: %w", err)
		}
		c.NC = nc
	case ModeExternal:
		if cfg.URL == "" {
			return nil, errors.New("bus: external mode needs bus.url or --nats")
		}
		nc, err := nats.Connect(cfg.URL, opts...)
		if err != nil {
			return nil, fmt.Errorf("connect to nats %s: %w", cfg.URL, err)
		}
		c.NC = nc
	default:
		return nil, fmt.Errorf("bus.mode %q: want embedded or external", cfg.Mode)
	}
	js, err := jetstream.New(c.NC, jetstream.WithPublishAsyncMaxPending(4096))
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	c.JS = js
	if err := c.ensure(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// ClientURL is the address other processes can dial: the external URL, or
// the embedded server's listener when one was asked for.
func (c *Conn) ClientURL() string {
	if c.srv != nil {
		if c.Cfg.Listen == "" {
			return ""
		}
		return c.srv.ClientURL()
	}
	return c.Cfg.URL
}

func splitHostPort(s string) (string, int, error) {
	i := strings.LastIndex(s, ":")
	if i < 0 {
		return "", 0, fmt.Errorf("bus.listen %q: want host:port", s)
	}
	var port int
	if _, err := fmt.Sscanf(s[i+1:], "%d", &port); err != nil {
		return "", 0, fmt.Errorf("bus.listen %q: bad port", s)
	}
	return s[:i], port, nil
}

func (c *Conn) ensure(ctx context.Context) error {
	n := c.Names
	var last error
	// A cluster that is still electing its meta leader answers "no responders"
	// for a moment; wait for it rather than fail at start-up.
	for attempt := 0; attempt < 60; attempt++ {
		_, err := c.JS.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
			Name: n.Stream(), Subjects: []string{n.Prefix + ".*.events.*"},
			Storage: jetstream.FileStorage, Retention: jetstream.LimitsPolicy, MaxAge: c.Cfg.MaxAge,
			Duplicates: c.Cfg.Dedupe, Replicas: c.Cfg.Replicas, Discard: jetstream.DiscardOld,
		})
		if err == nil {
			last = nil
			break
		}
		last = err
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	if last != nil {
		return fmt.Errorf("create stream %s: %w", n.Stream(), last)
	}
	if _, err := c.JS.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: n.DLQStream(), Subjects: []string{n.Prefix + "-dlq.>"}, Storage: jetstream.FileStorage,
		Retention: jetstream.LimitsPolicy, MaxAge: 30 * 24 * time.Hour, Replicas: c.Cfg.Replicas,
	}); err != nil {
		return fmt.Errorf("create stream %s: %w", n.DLQStream(), err)
	}
	if _, err := c.JS.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: n.Bucket(), TTL: c.Cfg.LeaseTTL, History: 1, Storage: jetstream.FileStorage, Replicas: c.Cfg.Replicas,
	}); err != nil {
		return fmt.Errorf("create lease bucket %s: %w", n.Bucket(), err)
	}
	// The partition count is a property of the data already published; a
	// different count would send one person's events to two partitions.
	kv, err := c.JS.KeyValue(ctx, n.Bucket())
	if err != nil {
		return fmt.Errorf("lease bucket: %w", err)
	}
	_ = kv
	return c.checkPartitions(ctx)
}

// checkPartitions records the partition count in the stream metadata the
// first time and refuses a different count later.
func (c *Conn) checkPartitions(ctx context.Context) error {
	s, err := c.JS.Stream(ctx, c.Names.Stream())
	if err != nil {
		return fmt.Errorf("stream %s: %w", c.Names.Stream(), err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return fmt.Errorf("stream %s info: %w", c.Names.Stream(), err)
	}
	c.streamID = info.Created.UTC().Format(time.RFC3339Nano)
	want := fmt.Sprint(c.Cfg.Partitions)
	if got, ok := info.Config.Metadata["redflag_partitions"]; ok {
		if got != want {
			return fmt.Errorf("stream %s was created with %s partitions; bus.partitions is %s", c.Names.Stream(), got, want)
		}
		return nil
	}
	cfg := info.Config
	if cfg.Metadata == nil {
		cfg.Metadata = map[string]string{}
	}
	cfg.Metadata["redflag_partitions"] = want
	if _, err := c.JS.UpdateStream(ctx, cfg); err != nil {
		return fmt.Errorf("record partition count: %w", err)
	}
	return nil
}

// Close drains the connection and stops the embedded server.
func (c *Conn) Close() error {
	if c.NC != nil {
		c.NC.Drain()
		for i := 0; i < 100 && c.NC.IsDraining(); i++ {
			time.Sleep(10 * time.Millisecond)
		}
		c.NC.Close()
	}
	if c.srv != nil {
		c.srv.Shutdown()
		c.srv.WaitForShutdown()
	}
	return nil
}
