package cli

import (
	"bufio"
	"fmt"
	"github.com/wsdbg/wsdbg/internal/export"
	"os"

	"github.com/spf13/cobra"

	"github.com/wsdbg/wsdbg/decode"
)

// exportFormats are the values of export --format.
var exportFormats = []cobra.Completion{"har", "md", "ndjson"}

// exportCmd holds export's flags.
type exportCmd struct {
	a      *app
	format string
	out    string
	record recordFlags // only the redaction flags
}

func newExportCmd(a *app) *cobra.Command {
	e := &exportCmd{a: a}
	cmd := &cobra.Command{
		Use:   "export FILE --format har|md|ndjson [-o OUT]",
		Short: "a recording as HAR, a Markdown report or NDJSON",
		Long: `Writes a recording (or a HAR file) as HAR for Chrome DevTools, a Markdown
bug report, or the plain event records. Secrets are redacted unless
--no-redact.`,
		Example: `  wsdbg export session.wsdbg.jsonl --format md -o report.md
  wsdbg export session.wsdbg.jsonl --format har > session.har`,
		RunE: func(_ *cobra.Command, args []string) error { return e.run(args) },
	}
	fs := cmd.Flags()
	fs.StringVar(&e.format, "format", "md", "`F`: har, md or ndjson")
	fs.StringVarP(&e.out, "output", "o", "", "write to `FILE` instead of stdout")
	e.record.registerRedaction(cmd, "keep secrets")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(exportFormats, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func (e *exportCmd) run(positional []string) error {
	a := e.a
	if len(positional) != 1 {
		return usagef("export needs one recording file")
	}
	e.record.announce(a.stderr)
	switch e.format {
	case "har", "md", "markdown", "ndjson":
	default:
		return usagef("unknown format %q: use har, md or ndjson", e.format)
	}
	rec, err := openRecording(positional[0], a.stdin, "")
	if err != nil {
		return err
	}
	defer rec.Close()
	name := decode.Sanitize(rec.Path())
	if nothingReadable(rec) {
		reportProblems(a.stderr, rec.Path(), rec.Problems())
		return fmt.Errorf("%s: nothing to export: no event in it can be read", name)
	}
	w := a.stdout
	if e.out != "" {
		f, err := os.OpenFile(e.out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriter(w)
	err = export.Write(bw, rec, e.format, e.record.redactor())
	if err == nil {
		err = bw.Flush()
	}
	if f, ok := w.(*os.File); ok && err == nil {
		err = f.Close()
	}
	reportProblems(a.stderr, rec.Path(), rec.Problems())
	return err
}
