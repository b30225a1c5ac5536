package app

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/redflag-dev/redflag/internal/detect/rules" // registers the analyst-rules detector
)

func init() {
	addCommand(func(a *App) *cobra.Command {
		cmd := &cobra.Command{Use: "rules", Short: "Analyst detection rules (expr expressions over events; see docs/rules.md)"}
		cmd.AddCommand(&cobra.Command{
			Use:   "check",
			Short: "Compile the rules in the configuration and report the first error, naming the rule",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, args []string) error {
				var rs []rules.Rule
				if err := (DetectConfig{a.K}).Unmarshal("rules", &rs); err != nil {
					return fmt.Errorf("rules configuration: %w", err)
				}
				d, err := rules.Compile(rs)
				if err != nil {
					return err
				}
				for _, r := range d.Reasons() {
					fmt.Fprintf(cmd.OutOrStdout(), "ok  %-28s %s (%s, strength %d)\n", r.Code, r.Title, r.Family, r.Strength)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%d rule(s) compiled\n", len(rs))
				return nil
			},
		})
		return cmd
	})
}
