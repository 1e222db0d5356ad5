package cli

import (
	"encoding/json"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wsdbg/wsdbg/decode"
)

// explainCmd holds explain's flags.
type explainCmd struct {
	a           *app
	subprotocol string
	host        string
	dialects    string
	list        bool
	causes      bool
	category    string
	asJSON      bool
}

func newExplainCmd(a *app) *cobra.Command {
	e := &explainCmd{a: a}
	cmd := &cobra.Command{
		Use:         "explain CODE | 'http STATUS' | CAUSE | MESSAGE | -",
		Short:       "what a close code, failure or error reply means",
		Annotations: map[string]string{formsAnnotation: "explain --list [--category C]"},
		Long: `Says what a close code, an HTTP status on the upgrade, a failure cause or an
error reply means, and what to do about it. "-" reads a message from stdin.`,
		Example: `  wsdbg explain 1006
  wsdbg explain 4401 --subprotocol graphql-transport-ws
  wsdbg explain 'http 403'
  wsdbg explain accept-mismatch
  echo '{"type":"error","data":{"code":4003,"message":"nope"}}' | wsdbg explain -
  wsdbg explain --list --category private`,
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
			var causes []cobra.Completion
			for _, c := range decode.Causes() {
				causes = append(causes, c.Cause)
			}
			return causes, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(_ *cobra.Command, args []string) error { return e.run(args) },
	}
	fs := cmd.Flags()
	fs.StringVar(&e.subprotocol, "subprotocol", "", "read private codes and messages in the dialect of subprotocol `P`")
	fs.StringVar(&e.host, "host", "", "read private codes as the service at `HOST` defines them")
	registerDialects(cmd, &e.dialects)
	fs.BoolVar(&e.list, "list", false, "print the whole close-code table")
	fs.BoolVar(&e.causes, "causes", false, "print every failure cause wsdbg names")
	fs.StringVar(&e.category, "category", "", "with --list: only codes of category `C` (standard, local-only, registered, private, invalid)")
	fs.BoolVar(&e.asJSON, "json", false, "print JSON")
	noCompletion(cmd, "subprotocol", "host")
	_ = cmd.RegisterFlagCompletionFunc("category", cobra.FixedCompletions(
		[]cobra.Completion{"standard", "local-only", "registered", "private", "invalid"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func (e *explainCmd) run(positional []string) error {
	stdout := e.a.stdout
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	switch {
	case e.list:
		var codes []decode.CodeInfo
		for _, c := range decode.Codes() {
			if e.category == "" || strings.EqualFold(c.Category, e.category) {
				codes = append(codes, c)
			}
		}
		if len(codes) == 0 {
			return usagef("no close codes in category %q", e.category)
		}
		if e.asJSON {
			return enc.Encode(codes)
		}
		_, err := io.WriteString(stdout, decode.FormatCodeTable(codes))
		return err
	case e.causes:
		if e.asJSON {
			return enc.Encode(decode.Causes())
		}
		_, err := io.WriteString(stdout, decode.FormatCauseTable(decode.Causes()))
		return err
	case len(positional) == 0:
		return usagef("explain needs a code, a cause or a message (see wsdbg explain --help)")
	}
	term := strings.Join(positional, " ")
	if term == "-" {
		b, err := io.ReadAll(io.LimitReader(e.a.stdin, 16<<20))
		if err != nil {
			return err
		}
		term = string(b)
	}
	dialects, err := loadDialects(e.dialects)
	if err != nil {
		return err
	}
	x, err := decode.Lookup(term, decode.CloseContext{Subprotocol: e.subprotocol, Host: e.host, Dialects: dialects})
	if err != nil {
		return usageError{err.Error()}
	}
	if e.asJSON {
		return enc.Encode(x)
	}
	_, err = io.WriteString(stdout, decode.FormatExplanation(x))
	return err
}
