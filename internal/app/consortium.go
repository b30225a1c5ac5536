package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/redflag-dev/redflag/internal/consortium"
	"github.com/redflag-dev/redflag/internal/fingerprint"
)

// Cross-tenant matching (issue 8), opt-in: consortium.key (the platform's
// consortium key, not a tenant's fingerprint key) and consortium.tenants
// (the tenants that opted in) must both be set.

func init() {
	Defaults["consortium.key"] = ""
	Defaults["consortium.tenants"] = ""
	addCommand(newConsortiumCmd)
}

func (a *App) consortium() (*consortium.Matcher, error) {
	raw := a.K.String("consortium.key")
	if raw == "" {
		return nil, errors.New("cross-tenant matching is off: set consortium.key (hex or base64, 16+ bytes) and consortium.tenants")
	}
	key, err := fingerprint.ParseKey(raw)
	if err != nil {
		return nil, fmt.Errorf("consortium.key: %w", err)
	}
	k, err := fingerprint.New(key)
	if err != nil {
		return nil, fmt.Errorf("consortium.key: %w", err)
	}
	in := map[string]bool{}
	list := a.K.Strings("consortium.tenants")
	if len(list) == 0 {
		list = []string{a.K.String("consortium.tenants")} // "a,b" from the environment
	}
	for _, t := range list {
		for _, x := range strings.Split(t, ",") {
			if x = strings.TrimSpace(x); x != "" {
				in[x] = true
			}
		}
	}
	st, err := a.Store(context.Background())
	if err != nil {
		return nil, err
	}
	return &consortium.Matcher{Store: st, Keyer: k, OptedIn: in}, nil
}

func newConsortiumCmd(a *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "consortium",
		Short: "Opt-in cross-tenant matching on keyed hashes of phone, e-mail, bank account and address",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "publish",
		Short: "Publish the configured tenant's hashed identifiers to the consortium",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := a.consortium()
			if err != nil {
				return err
			}
			n, err := m.Publish(cmd.Context(), a.Tenant())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "published %d hashed identifiers of tenant %s\n", n, a.Tenant())
			return nil
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "matches",
		Short: "List the configured tenant's people who share a hashed identifier with other organisations (JSON)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := a.consortium()
			if err != nil {
				return err
			}
			ms, err := m.Matches(cmd.Context(), a.Tenant())
			if err != nil {
				return err
			}
			if ms == nil {
				ms = []consortium.Match{}
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			return enc.Encode(ms)
		},
	})
	return cmd
}
