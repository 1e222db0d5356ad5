package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/wsdbg/wsdbg/conn"
)

// Commands are listed as added, most used first. cobra reads this global,
// so it is set once here, not by each Main, which may run concurrently.
func init() { cobra.EnableCommandSorting = false }

// newRootCmd builds the whole command tree. The root command is the
// debugger itself: wsdbg [flags] URL.
func newRootCmd(a *app) *cobra.Command {
	var (
		cf          connFlags
		uf          uiFlags
		showVersion bool
	)
	root := &cobra.Command{
		Use:   "wsdbg [flags] URL",
		Short: "a terminal WebSocket debugger",
		Annotations: map[string]string{formsAnnotation: `wsdbg [flags] curl 'URL' -H ...     (a browser's "Copy as cURL")
wsdbg COMMAND [flags] ...`},
		Long: `Opens the debugger on a ws:// or wss:// endpoint: every frame in a
scrollable, filterable log, payloads decoded, and closes, error replies and
failures explained. Press ? inside for the keys.`,
		Example: `  wsdbg wss://api.example.com/ws -H 'Authorization: Bearer TOKEN'
  wsdbg --subprotocol graphql-transport-ws --ping 20s wss://api.example.com/graphql
  wsdbg --theme light --no-record ws://localhost:8080/ws
  wsdbg tail --json wss://echo.example.com/ | jq .
  echo '{"op":"subscribe"}' | wsdbg tail ws://localhost:8080/ws
  wsdbg demo`,
		Args:              cobra.ArbitraryArgs,
		TraverseChildren:  true, // flags before "curl" are the debugger's
		SilenceErrors:     true,
		SilenceUsage:      true,
		PersistentPreRunE: rootFlagsFirst,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case showVersion:
				fmt.Fprintln(a.stdout, "wsdbg", a.version)
				return nil
			case len(a.args) == 0:
				return cmd.Help()
			case !strings.HasPrefix(a.args[0], "-") && !strings.Contains(a.args[0], "://"):
				return usagef("unknown command %q (see wsdbg help)", a.args[0])
			}
			return runDebugger(a, &cf, &uf, args)
		},
	}
	cf.register(root)
	uf.register(root, a.version)
	root.Flags().BoolVar(&showVersion, "version", false, "print the version")
	root.SetFlagErrorFunc(flagError)
	root.SetHelpFunc(func(cmd *cobra.Command, _ []string) { writeHelp(cmd.OutOrStdout(), cmd) })
	root.AddCommand(
		newCurlCmd(func(args []string) error { return runDebugger(a, &cf, &uf, args) }),
		newTailCmd(a), newProxyCmd(a), newDemoCmd(a), newExplainCmd(a), newSessionsCmd(a),
		newReplayCmd(a), newExportCmd(a), newVersionCmd(a),
	)
	// The completion command takes its output when it is made.
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetHelpCommand(newHelpCmd(a))
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	if completion, _, err := root.Find([]string{"completion"}); err == nil {
		completion.Short = "a shell completion script: wsdbg completion bash|zsh|fish|powershell"
	}
	initFlags(root)
	return root
}

// rootFlagsFirst refuses the debugger's flags before another command's
// name, where they would be parsed and then ignored; a --help there asks
// for that command's help.
func rootFlagsFirst(cmd *cobra.Command, _ []string) error {
	root := cmd.Root()
	if flagsOf(cmd) == root {
		return nil
	}
	if help, _ := root.Flags().GetBool("help"); help {
		return pflag.ErrHelp
	}
	var given []string
	root.Flags().Visit(func(f *pflag.Flag) { given = append(given, "--"+f.Name) })
	if len(given) > 0 {
		return usagef("%s: %s before %q: a command's flags go after its name (see %s --help)",
			cmd.Name(), strings.Join(given, ", "), cmd.Name(), cmd.CommandPath())
	}
	return nil
}

// initFlags gives every command its --help before any flags are parsed,
// so that a --help before "curl" is the command's, and keeps each
// command's flags in the order they are defined, for help and completion.
func initFlags(cmd *cobra.Command) {
	cmd.InitDefaultHelpFlag()
	cmd.Flags().SortFlags = false
	for _, c := range cmd.Commands() {
		initFlags(c)
	}
}

// runDebugger opens the debugger on what positional names: a URL or a
// pasted curl command.
func runDebugger(a *app, cf *connFlags, uf *uiFlags, positional []string) error {
	opts, err := connectArgs(cf, positional, a.stderr)
	if err != nil {
		return err
	}
	if err := uf.validate(); err != nil {
		return err
	}
	uf.record.announce(a.stderr)
	return openDebugger(opts, uf, a.stderr)
}

// openDebugger connects and runs the debugger until the user quits.
func openDebugger(opts conn.Options, uf *uiFlags, stderr io.Writer) error {
	if !isTerminal(os.Stdout) || !isTerminal(os.Stdin) {
		return usagef("the debugger needs a terminal; use 'wsdbg tail' in scripts and pipes")
	}
	dialects, err := loadDialects(uf.dialects)
	if err != nil {
		return usageError{err.Error()}
	}
	opts.Dialects = dialects
	rec, err := uf.record.start(opts)
	if err != nil {
		return err
	}
	// In the debugger the user decides when to dial again (/reconnect).
	opts.RedialOnRequest = true
	s := startLive(opts, rec, stderr)
	defer s.c.Shutdown()
	defer s.finishRecording()
	return s.runDebugger(debuggerOptions(opts, uf, dialects), nil)
}

// newHelpCmd is "wsdbg help COMMAND".
func newHelpCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "help [COMMAND]",
		Short: "help on a command",
		ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			var names []cobra.Completion
			if len(args) == 0 {
				for _, c := range listedCommands(cmd.Root()) {
					names = append(names, cobra.CompletionWithDesc(c.Name(), c.Short))
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			target, rest, err := cmd.Root().Find(args)
			if err != nil || len(rest) > 0 {
				return usagef("unknown command %q (see wsdbg help)", strings.Join(args, " "))
			}
			writeHelp(a.stdout, target)
			return nil
		},
	}
}

// newVersionCmd is "wsdbg version", the same as --version.
func newVersionCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:    "version",
		Short:  "print the version",
		Hidden: true,
		Args:   cobra.NoArgs,
		Run:    func(*cobra.Command, []string) { fmt.Fprintln(a.stdout, "wsdbg", a.version) },
	}
}
