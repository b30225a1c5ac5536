// Package app wires redflag's subsystems into the command line. Each
// subsystem has its own file here that registers its commands with
// addCommand in init(); root.go only builds the root command. Keep business
// logic out of this package: it belongs in the subsystem's own package.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/env"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/v2"
	"github.com/spf13/cobra"

	"github.com/redflag-dev/redflag/internal/detect"
	"github.com/redflag-dev/redflag/internal/fingerprint"
	"github.com/redflag-dev/redflag/internal/store"
	"github.com/redflag-dev/redflag/internal/store/sqlstore"
)

// App holds the configuration and the lazily opened subsystems that
// commands share.
type App struct {
	K   *koanf.Koanf
	Log *slog.Logger

	// Config file and overrides from global flags.
	configPath string
	dataDir    string
	postgres   string
	nats       string
	logLevel   string

	mu       sync.Mutex
	store    store.Store
	keyer    *fingerprint.Keyer
	services map[string]any
	bus      *busState // internal/app/bus.go
}

// Defaults are the built-in configuration values.
var Defaults = map[string]any{
	"data_dir":          "./redflag-data",
	"tenant":            "default",
	"store.driver":      "sqlite",
	"store.postgres":    "",
	"http.addr":         "127.0.0.1:8080",
	"fingerprint.key":   "",
	"cases.open_at":     "high",
	"log.level":         "info",
	"ingest.batch_size": 2000,
}

// load reads defaults, then the config file, then REDFLAG_* variables, then
// global flags; later sources win.
func (a *App) load() error {
	k := koanf.New(".")
	for key, v := range Defaults {
		k.Set(key, v)
	}
	path := a.configPath
	if path == "" {
		if p := os.Getenv("REDFLAG_CONFIG"); p != "" {
			path = p
		}
	}
	if path != "" {
		if err := k.Load(file.Provider(path), yaml.Parser()); err != nil {
			return fmt.Errorf("read config %s: %w", path, err)
		}
	}
	// REDFLAG_STORE__DRIVER -> store.driver; REDFLAG_DATA_DIR -> data_dir.
	if err := k.Load(env.Provider("REDFLAG_", ".", func(s string) string {
		s = strings.ToLower(strings.TrimPrefix(s, "REDFLAG_"))
		return strings.ReplaceAll(s, "__", ".")
	}), nil); err != nil {
		return fmt.Errorf("read environment: %w", err)
	}
	if a.dataDir != "" {
		k.Set("data_dir", a.dataDir)
	}
	if a.postgres != "" {
		k.Set("store.driver", "postgres")
		k.Set("store.postgres", a.postgres)
	}
	if a.nats != "" {
		k.Set("bus.mode", "external")
		k.Set("bus.url", a.nats)
	}
	if a.logLevel != "" {
		k.Set("log.level", a.logLevel)
	}
	a.K = k
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(k.String("log.level"))); err != nil {
		return fmt.Errorf("log.level %q: %w", k.String("log.level"), err)
	}
	a.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))
	return nil
}

// DataDir is the data directory.
func (a *App) DataDir() string { return a.K.String("data_dir") }

// Tenant is the configured tenant.
func (a *App) Tenant() string { return store.TenantOr(a.K.String("tenant")) }

// Store opens the configured store once.
func (a *App) Store(ctx context.Context) (store.Store, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.store != nil {
		return a.store, nil
	}
	var s store.Store
	var err error
	switch d := a.K.String("store.driver"); d {
	case "sqlite", "":
		s, err = sqlstore.OpenSQLite(ctx, filepath.Join(a.DataDir(), "redflag.db"))
	case "postgres":
		s, err = sqlstore.OpenPostgres(ctx, a.K.String("store.postgres"))
	default:
		return nil, fmt.Errorf("store.driver %q: want sqlite or postgres", d)
	}
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	a.store = s
	return s, nil
}

// Keyer returns the fingerprint keyer. Without a configured key, a random
// key is created once in the data directory (mode 0600) and reused.
func (a *App) Keyer() (*fingerprint.Keyer, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.keyer != nil {
		return a.keyer, nil
	}
	raw := a.K.String("fingerprint.key")
	if raw == "" {
		path := filepath.Join(a.DataDir(), "fingerprint.key")
		b, err := os.ReadFile(path)
		switch {
		case err == nil:
			raw = string(b)
		case os.IsNotExist(err):
			if raw, err = fingerprint.GenerateKey(); err != nil {
				return nil, err
			}
			if err := os.MkdirAll(a.DataDir(), 0o700); err != nil {
				return nil, fmt.Errorf("create data directory: %w", err)
			}
			if err := os.WriteFile(path, []byte(raw+"\n"), 0o600); err != nil {
				return nil, fmt.Errorf("write fingerprint key: %w", err)
			}
		default:
			return nil, fmt.Errorf("read fingerprint key: %w", err)
		}
	}
	key, err := fingerprint.ParseKey(raw)
	if err != nil {
		return nil, fmt.Errorf("fingerprint.key: %w", err)
	}
	k, err := fingerprint.New(key)
	if err != nil {
		return nil, fmt.Errorf("fingerprint.key: %w", err)
	}
	a.keyer = k
	return k, nil
}

// Close releases what the app opened.
func (a *App) Close() error {
	a.closeBus() // workers first: they write to the store
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.store != nil {
		err := a.store.Close()
		a.store = nil
		return err
	}
	return nil
}

// DetectConfig adapts the koanf tree to detect.Config.
type DetectConfig struct{ K *koanf.Koanf }

// Unmarshal implements detect.Config.
func (c DetectConfig) Unmarshal(path string, v any) error {
	if c.K == nil || !c.K.Exists(path) {
		return nil
	}
	return c.K.Unmarshal(path, v)
}

var _ detect.Config = DetectConfig{}

// command registry: each subsystem file adds its commands in init().
var commands []func(a *App) *cobra.Command

func addCommand(f func(a *App) *cobra.Command) { commands = append(commands, f) }
