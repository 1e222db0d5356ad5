package cli

import (
	"bufio"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/history"
	"github.com/wsdbg/wsdbg/internal/export"
)

// tailCmd holds tail's flags.
type tailCmd struct {
	a        *app
	conn     connFlags
	record   recordFlags
	dialects string
	asJSON   bool
	keepOpen bool
	send     lineForm
}

func newTailCmd(a *app) *cobra.Command {
	t := &tailCmd{a: a}
	t.record.version = a.version
	cmd := &cobra.Command{
		Use:   "tail [flags] URL",
		Short: "headless: one line per event on stdout, stdin lines are sent as text messages",
		Annotations: map[string]string{formsAnnotation: `tail [flags] curl 'URL' -H ...     (a browser's "Copy as cURL")
tail [--json] FILE                 (print a recording)`},
		Long: `Connects and prints one line per event: time, direction, opcode, size and
payload; closes and failures come with their meaning and what to do.
Each line read from stdin is sent as a text message; at the end of stdin the
connection is closed cleanly (unless --keep-open).

ctrl+c (SIGINT) closes the connection with 1000, SIGTERM and SIGHUP with
1001 (going away); wsdbg waits at most a second for the server's answer,
finishes the recording and exits. A second signal exits at once.

Exit status: 0 after a normal closure (1000) or a clean close after stdin
ends or an interrupt, 1 after any other ending or when stdout cannot be
written (a full disk: the message is on stderr), 141 without a message when
the reader of stdout has gone (as "| head -1" does; the status a shell
reports for SIGPIPE), 128+N after a second signal N (130 for ctrl+c), 2 for
usage errors.`,
		Example: `  wsdbg tail wss://echo.example.com/ws
  wsdbg tail --json --ping 20s wss://api.example.com/ws | jq 'select(.type=="close")'
  printf '%s\n' '{"op":"ping"}' | wsdbg tail ws://localhost:8080/ws
  echo 'c0 00' | wsdbg tail --send hex --subprotocol mqtt ws://localhost:8083/mqtt`,
		RunE: func(_ *cobra.Command, args []string) error { return t.run(args) },
	}
	t.conn.register(cmd)
	t.record.register(cmd)
	registerDialects(cmd, &t.dialects)
	cmd.Flags().BoolVar(&t.asJSON, "json", false, "print one JSON object per line")
	cmd.Flags().BoolVar(&t.keepOpen, "keep-open", false, "stay connected after stdin ends")
	cmd.Flags().Var(&t.send, "send", "how stdin's lines are written: `FORM` text (sent as text messages), hex or base64 (sent as binary messages)")
	_ = cmd.RegisterFlagCompletionFunc("send", cobra.FixedCompletions(lineForms, cobra.ShellCompDirectiveNoFileComp))
	cmd.AddCommand(newCurlCmd(t.run))
	return cmd
}

func (t *tailCmd) run(positional []string) error {
	a := t.a
	t.record.announce(a.stderr)
	if len(positional) == 1 && namesRecording(positional[0]) {
		return tailFile(positional[0], t.asJSON, t.record.redactor(), a.stdin, a.stdout, a.stderr)
	}
	opts, err := connectArgs(&t.conn, positional, a.stderr)
	if err != nil {
		return err
	}
	if opts.Dialects, err = loadDialects(t.dialects); err != nil {
		return usageError{err.Error()}
	}
	rec, err := t.record.start(opts)
	if err != nil {
		return err
	}
	if rec != nil {
		defer rec.Close()
	}
	return statusError(tailLive(opts, t.asJSON, t.keepOpen, t.send, rec, t.record.redactor(), a.stdin, a.stdout, a.stderr))
}

// statusError ends the program with status, its message written already.
func statusError(status int) error {
	if status == exitOK {
		return nil
	}
	return exitStatus(status)
}

// namesRecording reports whether tail's one argument is a recording to
// print rather than something to connect to: "-" (standard input), an
// existing file, or anything that is not a URL or a curl command.
func namesRecording(arg string) bool {
	if arg == "-" {
		return true
	}
	if strings.Contains(arg, "://") {
		return false
	}
	_, err := os.Stat(arg)
	return err == nil || arg != "curl"
}

// tailLive streams a live connection's events to stdout until the
// connection ends, sending stdin's lines; at the end of stdin it closes the
// connection unless keepOpen. Interrupts and output failures end it as
// runHeadless says.
func tailLive(opts conn.Options, asJSON, keepOpen bool, form lineForm, rec *history.Writer, red history.Redactor, stdin io.Reader, stdout, stderr io.Writer) int {
	t := newTailSession(rec, red, asJSON, stdout)
	return runHeadless(opts, t, headless{
		snd:       lineSender(stdin, opts.MaxMessage, form),
		sent:      func(err error) { t.stdinEnded(err, keepOpen, stderr) },
		closeCode: closeCodeFor,
	}, stderr)
}

// tailFile prints a recording's events as tail would have. It fails when
// the file holds nothing readable.
func tailFile(path string, asJSON bool, red history.Redactor, stdin io.Reader, stdout, stderr io.Writer) error {
	rec, err := openRecording(path, stdin, " (to connect, give a ws:// or wss:// URL)")
	if err != nil {
		return err
	}
	defer rec.Close()
	w := bufio.NewWriterSize(stdout, 64<<10)
	printed := 0
	if asJSON {
		// A failed write (the reader went away) ends the printing early.
		printed, _ = rec.WriteJSONLines(w, red)
	} else {
		var line []byte
		printed, _ = rec.EachRecord(red, func(r history.Record) error {
			line = append(export.AppendLine(line[:0], r, export.LineOptions{}), '\n')
			_, err := w.Write(line)
			return err
		})
	}
	w.Flush()
	problems := rec.Problems()
	reportProblems(stderr, rec.Path(), problems)
	if printed == 0 && len(problems) > 0 {
		return exitStatus(exitFailure)
	}
	return nil
}
