package app

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/redflag-dev/redflag/internal/auth"
)

// This file belongs to the web subsystem (issue 7): local users and API tokens.

func readPassword(cmd *cobra.Command, fromStdin bool) (string, error) {
	if fromStdin || !term.IsTerminal(int(os.Stdin.Fd())) {
		line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
		if err != nil && line == "" {
			return "", fmt.Errorf("read password from stdin: %w", err)
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	fmt.Fprint(cmd.ErrOrStderr(), "Password: ")
	b, err := term.ReadPassword(int(os.Stdin.Fd()))
	fmt.Fprintln(cmd.ErrOrStderr())
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	return string(b), nil
}

func init() {
	addCommand(func(a *App) *cobra.Command {
		users := &cobra.Command{Use: "users", Short: "Manage local users and API tokens"}
		var role string
		var stdin, generate bool
		add := &cobra.Command{
			Use:   "add NAME",
			Short: "Create a user, or reset its password and role",
			Long: `Create a user, or reset an existing user's password and role. The password is
read from the terminal, or from stdin when piped (--password-stdin), or
generated and printed once with --generate. Passwords are stored as bcrypt
hashes. Roles: viewer (reads, personal data masked), analyst, admin.`,
			Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				r, err := auth.ParseRole(role)
				if err != nil {
					return err
				}
				am, err := a.Auth(cmd.Context())
				if err != nil {
					return err
				}
				var pw string
				if generate {
					pw = auth.RandomPassword()
				} else if pw, err = readPassword(cmd, stdin); err != nil {
					return err
				}
				if _, err := am.SetUser(cmd.Context(), args[0], pw, r); err != nil {
					return err
				}
				if generate {
					fmt.Fprintf(cmd.OutOrStdout(), "user %s (%s) password: %s\n", args[0], r, pw)
				} else {
					fmt.Fprintf(cmd.OutOrStdout(), "user %s (%s) saved\n", args[0], r)
				}
				return nil
			},
		}
		add.Flags().StringVar(&role, "role", "analyst", "viewer, analyst or admin")
		add.Flags().BoolVar(&stdin, "password-stdin", false, "read the password from stdin")
		add.Flags().BoolVar(&generate, "generate", false, "generate a random password and print it once")
		list := &cobra.Command{
			Use:   "list",
			Short: "List users and API tokens",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, args []string) error {
				am, err := a.Auth(cmd.Context())
				if err != nil {
					return err
				}
				us, err := am.Users(cmd.Context())
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "USER\tROLE\tCREATED")
				for _, u := range us {
					fmt.Fprintf(tw, "%s\t%s\t%s\n", u.Name, u.Role, u.Created.Format("2006-01-02"))
				}
				ts, err := am.Tokens(cmd.Context())
				if err != nil {
					return err
				}
				if len(ts) > 0 {
					fmt.Fprintln(tw, "\nTOKEN\tUSER\tLABEL")
					for _, t := range ts {
						fmt.Fprintf(tw, "%s…\t%s\t%s\n", t.ID, t.User, t.Label)
					}
				}
				return tw.Flush()
			},
		}
		var label string
		token := &cobra.Command{
			Use:   "token NAME",
			Short: "Create an API token for a user (printed once; stored hashed)",
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				am, err := a.Auth(cmd.Context())
				if err != nil {
					return err
				}
				clear, _, err := am.NewToken(cmd.Context(), args[0], label)
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), clear)
				fmt.Fprintln(cmd.ErrOrStderr(), "Send it as: Authorization: Bearer <token>. It is shown only now.")
				return nil
			},
		}
		token.Flags().StringVar(&label, "label", "", "what the token is for")
		users.AddCommand(add, list, token)
		return users
	})
}
