package cli

import (
	"context"
	"errors"
	"fmt"
	"os/signal"

	"github.com/spf13/cobra"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/internal/demo"
)

// demoCmd holds demo's flags.
type demoCmd struct {
	a         *app
	ui        uiFlags
	serveOnly bool
	tail      bool
	addr      string
}

func newDemoCmd(a *app) *cobra.Command {
	d := &demoCmd{a: a}
	cmd := &cobra.Command{
		Use:   "demo [flags]",
		Short: "a local server that shows every kind of failure",
		Annotations: map[string]string{formsAnnotation: `demo --tail [--record FILE | --no-record] [--dialects FILE]
demo --serve-only [--addr ADDR]`},
		Long: `Starts a WebSocket server on 127.0.0.1 that streams a realistic feed and
answers commands, so every kind of failure can be seen without an endpoint,
then opens the debugger against it. Send "help" to list the commands.

With --tail, tail runs against the server instead of the debugger: lines
read from stdin are sent, and ctrl+c closes the connection and quits. With
--serve-only, wsdbg prints the server's URL and serves other clients until
interrupted. The session is recorded as any other unless --no-record;
--theme is for the debugger only, and --serve-only records nothing.`,
		Example: `  wsdbg demo
  wsdbg demo --tail
  wsdbg demo --serve-only --addr 127.0.0.1:8080`,
		RunE: d.run,
	}
	fs := cmd.Flags()
	fs.BoolVar(&d.serveOnly, "serve-only", false, "print the URL and serve until interrupted, for other clients")
	fs.BoolVar(&d.tail, "tail", false, "run tail against the server instead of the debugger")
	fs.StringVar(&d.addr, "addr", "", "listen on `ADDR` (default 127.0.0.1, random port)")
	noCompletion(cmd, "addr")
	d.ui.register(cmd, a.version)
	return cmd
}

func (d *demoCmd) run(cmd *cobra.Command, positional []string) error {
	if len(positional) > 0 {
		return usagef("demo takes no arguments")
	}
	var err error
	switch {
	case d.serveOnly && d.tail:
		return usagef("demo: --serve-only and --tail exclude each other")
	case d.serveOnly:
		err = rejectFlags(cmd, "--serve-only", "record", "no-record", "no-redact", "redact-header", "theme", "dialects")
	case d.tail:
		err = rejectFlags(cmd, "--tail", "theme")
	default:
		err = d.ui.validate()
	}
	if err != nil {
		return err
	}
	srv, err := demo.Start(d.addr)
	if err != nil {
		return err
	}
	defer srv.Close()
	switch {
	case d.serveOnly:
		return d.serve(srv)
	case d.tail:
		return d.runTail(srv.URL())
	}
	return openDebugger(conn.Options{URL: srv.URL(), ConnectTimeout: conn.DefaultConnectTimeout, Subprotocols: []string{"wsdbg-demo"}}, &d.ui, d.a.stderr)
}

// serve prints the server's URL and serves until a quit signal.
func (d *demoCmd) serve(srv *demo.Server) error {
	fmt.Fprintln(d.a.stdout, srv.URL())
	for _, e := range srv.Endpoints() {
		if e.URL != srv.URL() {
			fmt.Fprintf(d.a.stderr, "  %-40s %s\n", e.URL, e.What)
		}
	}
	fmt.Fprintln(d.a.stderr, "send \"help\" for the commands; ctrl+c stops the server")
	ctx, stop := signal.NotifyContext(context.Background(), quitSignals...)
	defer stop()
	<-ctx.Done()
	return nil
}

// runTail runs tail against the demo server, recorded and explained as
// the debugger would be.
func (d *demoCmd) runTail(url string) error {
	a := d.a
	opts := conn.Options{URL: url, ConnectTimeout: conn.DefaultConnectTimeout}
	var err error
	if opts.Dialects, err = loadDialects(d.ui.dialects); err != nil {
		return usageError{err.Error()}
	}
	rec, err := d.ui.record.start(opts)
	if err != nil {
		return err
	}
	if rec != nil {
		defer rec.Close()
	}
	switch code := tailLive(opts, false, true, formText, rec, d.ui.record.redactor(), a.stdin, a.stdout, a.stderr); code {
	case exitOK:
		return nil
	case exitFailure:
		return errors.New("connection ended abnormally")
	default:
		return exitStatus(code)
	}
}
