// Command wsdbg is a terminal WebSocket debugger.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/conn/demo"
	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/history"
	"github.com/wsdbg/wsdbg/internal/export"
	"github.com/wsdbg/wsdbg/internal/replay"
	"github.com/wsdbg/wsdbg/themes"
	"github.com/wsdbg/wsdbg/tui"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// errUsage marks errors that are the user's input, which exit with status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := ""
	if len(args) > 0 {
		cmd = args[0]
	}
	var err error
	switch cmd {
	case "", "help", "-h", "--help":
		if len(args) > 1 {
			return run([]string{args[1], "--help"}, stdin, stdout, stderr)
		}
		fmt.Fprint(stdout, mainHelp)
		return exitOK
	case "--version", "-version", "version":
		fmt.Fprintln(stdout, "wsdbg", version)
		return exitOK
	case "tail":
		var code int
		code, err = runTail(args[1:], stdin, stdout, stderr)
		if err == nil {
			return code
		}
	case "demo":
		err = runDemo(args[1:], stdin, stdout, stderr)
	case "curl":
		err = runTUI(args, stdout, stderr)
	case "explain":
		err = runExplain(args[1:], stdin, stdout)
	case "sessions":
		err = runSessions(args[1:], stdout)
	case "export":
		err = runExport(args[1:], stdin, stdout, stderr)
	case "replay":
		err = runReplay(args[1:], stdout, stderr)
	default:
		if strings.HasPrefix(cmd, "-") || strings.Contains(cmd, "://") {
			err = runTUI(args, stdout, stderr)
		} else {
			err = usagef("unknown command %q (see wsdbg help)", cmd)
		}
	}
	return report(err, stdout, stderr)
}

// exitStatus is an error that ends the program with a status and no
// message, the message (if any) having been written already.
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func report(err error, stdout, stderr io.Writer) int {
	var ue usageError
	var status exitStatus
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &status):
		return int(status)
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "wsdbg:", decode.Sanitize(ue.msg))
		return exitUsage
	default:
		fmt.Fprintln(stderr, "wsdbg:", decode.Sanitize(err.Error()))
		return exitFailure
	}
}

const mainHelp = `wsdbg — a terminal WebSocket debugger

Usage:
  wsdbg URL [flags]              open the debugger on ws:// or wss:// URL
  wsdbg curl 'URL' -H ... ...    the same, from a browser's "Copy as cURL"
  wsdbg tail [flags] URL         headless: one line per event on stdout,
                                 stdin lines are sent as text messages
  wsdbg demo [--serve-only]      a local server that shows every kind of failure
  wsdbg explain CODE|CAUSE|-     what a close code, failure or error reply means
  wsdbg sessions [--prune]       list (or prune) recorded sessions
  wsdbg replay FILE [--to URL]   browse a recording (or a HAR), or send it again
  wsdbg export FILE --format F   a recording as HAR, a Markdown report or NDJSON
  wsdbg help COMMAND             help on a command
  wsdbg --version

Examples:
  wsdbg wss://api.example.com/ws -H 'Authorization: Bearer TOKEN'
  wsdbg tail --json wss://echo.example.com/ | jq .
  echo '{"op":"subscribe"}' | wsdbg tail ws://localhost:8080/ws
  wsdbg demo

Run 'wsdbg tail --help' for the connection flags.
`

// connFlags are the flags shared by every command that connects.
type connFlags struct {
	headers      headerList
	subprotocols stringList
	origin       string
	insecure     bool
	cacert       string
	cert, key    string
	proxy        string
	compress     bool
	timeout      time.Duration
	ping         time.Duration
	maxMessage   int64
	reconnect    bool
	location     bool
}

func (cf *connFlags) register(fs *flag.FlagSet) {
	fs.Var(&cf.headers, "H", "request header `'Name: value'` (repeatable)")
	fs.Var(&cf.headers, "header", "request header `'Name: value'` (repeatable)")
	fs.Var(&cf.subprotocols, "subprotocol", "offer subprotocol `P` (repeatable)")
	fs.StringVar(&cf.origin, "origin", "", "send `URL` as the Origin header")
	fs.BoolVar(&cf.insecure, "insecure", false, "skip TLS certificate verification")
	fs.StringVar(&cf.cacert, "cacert", "", "trust the CA certificates in `FILE` (PEM)")
	fs.StringVar(&cf.cert, "cert", "", "client certificate `FILE` (PEM)")
	fs.StringVar(&cf.key, "key", "", "client private key `FILE` (PEM)")
	fs.StringVar(&cf.proxy, "proxy", "", "proxy `URL` (http://, https://, socks5://)")
	fs.BoolVar(&cf.compress, "compress", false, "offer permessage-deflate compression")
	fs.DurationVar(&cf.timeout, "connect-timeout", conn.DefaultConnectTimeout, "give up connecting after `D`")
	fs.DurationVar(&cf.ping, "ping", 0, "send a ping every `D` and show the round trip (0: off)")
	fs.Int64Var(&cf.maxMessage, "max-message", conn.DefaultMaxMessage, "largest message to accept, in `BYTES`")
	fs.BoolVar(&cf.reconnect, "reconnect", false, "reconnect with backoff after an abnormal or retryable close")
	fs.BoolVar(&cf.location, "L", false, "follow redirects on the upgrade")
	fs.BoolVar(&cf.location, "location", false, "follow redirects on the upgrade")
}

// options validates the flags and the URL into connection options.
func (cf *connFlags) options(url string) (conn.Options, error) {
	o := conn.Options{
		URL: url, Header: http.Header{}, Subprotocols: cf.subprotocols, Origin: cf.origin,
		Insecure: cf.insecure, CACertFile: cf.cacert, CertFile: cf.cert, KeyFile: cf.key,
		Proxy: cf.proxy, Compress: cf.compress, ConnectTimeout: cf.timeout, PingInterval: cf.ping,
		MaxMessage: cf.maxMessage, Reconnect: cf.reconnect, FollowRedirects: cf.location,
	}
	return o, cf.validate(&o)
}

// merge lays the flags over options that came from a curl command.
func (cf *connFlags) merge(o *conn.Options) error {
	o.Subprotocols = append(o.Subprotocols, cf.subprotocols...)
	if cf.origin != "" {
		o.Origin = cf.origin
	}
	o.Insecure = o.Insecure || cf.insecure
	o.CACertFile, o.CertFile, o.KeyFile = cf.cacert, cf.cert, cf.key
	if cf.proxy != "" {
		o.Proxy = cf.proxy
	}
	o.Compress = o.Compress || cf.compress
	o.ConnectTimeout, o.PingInterval, o.MaxMessage = cf.timeout, cf.ping, cf.maxMessage
	o.Reconnect = cf.reconnect
	o.FollowRedirects = o.FollowRedirects || cf.location
	return cf.validate(o)
}

func (cf *connFlags) validate(o *conn.Options) error {
	for k, v := range cf.headers.h {
		o.Header[k] = v
	}
	if _, err := conn.ValidateURL(o.URL); err != nil {
		return usageError{err.Error()}
	}
	if o.Proxy != "" {
		if _, err := conn.ValidateProxy(o.Proxy); err != nil {
			return usageError{err.Error()}
		}
	}
	if _, err := conn.TLSConfig(*o); err != nil {
		return usageError{err.Error()}
	}
	switch {
	case o.ConnectTimeout <= 0:
		return usagef("--connect-timeout must be positive")
	case o.PingInterval < 0:
		return usagef("--ping must not be negative")
	case o.MaxMessage <= 0:
		return usagef("--max-message must be positive")
	}
	return nil
}

type headerList struct{ h http.Header }

func (l *headerList) String() string { return "" }
func (l *headerList) Set(v string) error {
	name, value, err := conn.ParseHeader(v)
	if err != nil {
		return err
	}
	if l.h == nil {
		l.h = http.Header{}
	}
	l.h.Add(name, value)
	return nil
}

type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// parseArgs parses flags wherever they appear among the positional
// arguments, as users expect from modern CLIs.
func parseArgs(fs *flag.FlagSet, args []string, stdout io.Writer) ([]string, error) {
	fs.SetOutput(io.Discard)
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(stdout)
				fs.Usage()
				return nil, err
			}
			return nil, usagef("%s%v (see %s --help)", commandPrefix(fs), err, commandLine(fs))
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		if args[0] == "curl" && len(positional) == 0 {
			// A pasted curl command keeps its own options.
			if _, _, err := conn.ParseCurl(args[1:]); errors.Is(err, conn.ErrCurlHelp) {
				fs.SetOutput(stdout)
				fmt.Fprint(stdout, curlHelp, "\nFlags (before 'curl'):\n")
				printFlags(fs)
				return nil, flag.ErrHelp
			}
			return args, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// commandPrefix starts a usage message with the command it is about,
// "tail: ", or with nothing for the debugger itself, which report already
// names.
func commandPrefix(fs *flag.FlagSet) string {
	if fs.Name() == rootCommand {
		return ""
	}
	return fs.Name() + ": "
}

// commandLine is how the user types the command: "wsdbg tail", or "wsdbg".
func commandLine(fs *flag.FlagSet) string {
	if fs.Name() == rootCommand {
		return rootCommand
	}
	return rootCommand + " " + fs.Name()
}

// rootCommand names the flag set of the debugger opened on a URL.
const rootCommand = "wsdbg"

const curlHelp = `Usage: wsdbg [flags] curl 'URL' [curl options]
       wsdbg tail [flags] curl 'URL' [curl options]

Connects with a request copied from a browser's developer tools ("Copy as
cURL"), in the debugger or, after tail, headless. http:// and https:// URLs
become ws:// and wss://. The handshake headers the dialer writes itself
(Sec-WebSocket-Key, Upgrade, ...) are dropped; Origin,
Sec-WebSocket-Protocol and permessage-deflate become the matching options.

curl options used: -H/--header, -b/--cookie, -A/--user-agent, -e/--referer,
-u/--user USER:PASSWORD (sent as Basic authorization; a -H Authorization
wins), -x/--proxy, -k/--insecure, -L/--location, --url. Any other option
(--compressed, -X, -d, ...) is named on stderr and ignored. wsdbg's own
flags go before "curl".

Examples:
  wsdbg curl 'wss://api.example.com/ws' -H 'Origin: https://app.example.com' --compressed
  wsdbg tail --json curl 'https://api.example.com/ws' -u alice:secret
`

func newFlagSet(name, help string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), help, "\nFlags:\n")
		printFlags(fs)
	}
	return fs
}

// shortAliases pairs one-letter flags with their long names, for help.
var shortAliases = map[string]string{"header": "H", "location": "L"}

// printFlags lists flags GNU-style: "-H, --header 'Name: value'".
func printFlags(fs *flag.FlagSet) {
	w := fs.Output()
	fs.VisitAll(func(f *flag.Flag) {
		if len(f.Name) == 1 {
			return // shown with its long name
		}
		arg, usage := flag.UnquoteUsage(f)
		name := "--" + f.Name
		if short, ok := shortAliases[f.Name]; ok {
			name = "-" + short + ", " + name
		}
		if arg != "" && arg != "value" {
			name += " " + arg
		} else if _, isBool := f.Value.(interface{ IsBoolFlag() bool }); !isBool {
			name += " VALUE"
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" {
			usage += " (default " + f.DefValue + ")"
		}
		fmt.Fprintf(w, "  %-28s %s\n", name, usage)
	})
}

// connectArgs turns positional arguments into options: a URL, or a pasted
// curl command.
func connectArgs(cf *connFlags, positional []string, stderr io.Writer) (conn.Options, error) {
	if len(positional) > 0 && positional[0] == "curl" {
		o, ignored, err := conn.ParseCurl(positional[1:])
		if err != nil {
			return o, usageError{err.Error()}
		}
		if len(ignored) > 0 {
			fmt.Fprintf(stderr, "wsdbg: ignoring curl options that do not apply to WebSocket: %s\n", strings.Join(ignored, " "))
		}
		return o, cf.merge(&o)
	}
	switch len(positional) {
	case 0:
		return conn.Options{}, usagef("missing URL (ws:// or wss://)")
	case 1:
		return cf.options(positional[0])
	}
	return conn.Options{}, usagef("too many arguments: %s", strings.Join(positional[1:], " "))
}

const tailHelp = `Usage: wsdbg tail [flags] URL
       wsdbg tail [flags] curl 'URL' -H ...     (a browser's "Copy as cURL")
       wsdbg tail [--json] FILE                 (print a recording)

Connects and prints one line per event: time, direction, opcode, size and
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
usage errors.

Examples:
  wsdbg tail wss://echo.example.com/ws
  wsdbg tail --json --ping 20s wss://api.example.com/ws | jq 'select(.type=="close")'
  printf '%s\n' '{"op":"ping"}' | wsdbg tail ws://localhost:8080/ws
`

func runTail(args []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	fs := newFlagSet("tail", tailHelp)
	var cf connFlags
	cf.register(fs)
	var rf recordFlags
	rf.register(fs)
	dialectsFile := fs.String("dialects", "", "read your services' codes and error shapes from `FILE`")
	asJSON := fs.Bool("json", false, "print one JSON object per line")
	keepOpen := fs.Bool("keep-open", false, "stay connected after stdin ends")
	positional, err := parseArgs(fs, args, stdout)
	if err != nil {
		return 0, err
	}
	rf.announce(stderr)
	if len(positional) == 1 && namesRecording(positional[0]) {
		return tailFile(positional[0], *asJSON, rf.redactor(), stdin, stdout, stderr)
	}
	opts, err := connectArgs(&cf, positional, stderr)
	if err != nil {
		return 0, err
	}
	if opts.Dialects, err = loadDialects(*dialectsFile); err != nil {
		return 0, usageError{err.Error()}
	}
	rec, err := rf.start(opts)
	if err != nil {
		return 0, err
	}
	if rec != nil {
		defer rec.Close()
	}
	return tailLive(opts, *asJSON, *keepOpen, rec, rf.redactor(), stdin, stdout, stderr), nil
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

// How tail ends when it is interrupted or its output fails.
const (
	// closeAnswerWait bounds the wait for the server to answer the close
	// frame sent on an interrupt: long enough for a healthy server, short
	// enough that ctrl+c still feels immediate.
	closeAnswerWait = time.Second
	// exitBrokenPipe is the status of a tail whose reader went away (as in
	// "| head -1"): the one the shell reports for a program killed by
	// SIGPIPE, 128+13, without a message.
	exitBrokenPipe = 128 + 13
)

// quitSignals end a session: SIGINT (ctrl+c), SIGTERM (kill, service
// managers) and SIGHUP (the terminal went away).
var quitSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// closeCodeFor is the close code sent when sig ends a session: ctrl+c is
// the user ending it, a normal closure (1000); SIGTERM and SIGHUP mean the
// client itself is going away (1001).
func closeCodeFor(sig os.Signal) int {
	if sig == os.Interrupt {
		return 1000
	}
	return 1001
}

// signalStatus is the exit status of a program killed by sig, as the
// shell reports it: 128 + the signal's number.
func signalStatus(sig os.Signal) int {
	if n, ok := sig.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return exitFailure
}

// tailLive streams a live connection's events to stdout until the
// connection ends. The first quit signal closes it (see closeCodeFor) and
// waits at most closeAnswerWait for the answer; a second one quits at
// once. A failed write to stdout closes the connection the same way and
// ends with a message on stderr and status 1, or, when the reader went
// away, quietly with exitBrokenPipe.
func tailLive(opts conn.Options, asJSON, keepOpen bool, rec *history.Writer, red history.Redactor, stdin io.Reader, stdout, stderr io.Writer) int {
	quit := make(chan os.Signal, 2)
	signal.Notify(quit, quitSignals...)
	defer signal.Stop(quit)
	// Handling SIGPIPE makes a write to a closed pipe return EPIPE instead
	// of killing the process, so the session is closed and recorded.
	brokenPipe := make(chan os.Signal, 1)
	signal.Notify(brokenPipe, syscall.SIGPIPE)
	defer signal.Stop(brokenPipe)

	c := conn.Dial(context.Background(), opts)
	defer c.Shutdown()

	// SendWait keeps stdin at the pace the server reads.
	send := func(line []byte) error { return c.SendWait(context.Background(), conn.OpText, line) }
	stdinDone := make(chan error, 1)
	go func() { stdinDone <- sendLines(stdin, opts.MaxMessage, send) }()

	t := &tailSession{
		c: c, rec: rec, red: red, asJSON: asJSON,
		out: bufio.NewWriterSize(stdout, 64<<10),
	}
	defer t.out.Flush()
	var giveUp <-chan time.Time // runs while an interrupted session closes
	interrupted := false
	watch := recordingWatch{rec: rec, stderr: stderr}
	recordingFailed := watch.failed()
	stopAndWait := func(code int) {
		t.close(code)
		if giveUp == nil {
			giveUp = time.After(closeAnswerWait)
		}
	}
	for {
		select {
		case <-recordingFailed:
			recordingFailed = nil
			watch.tell()
		case err := <-stdinDone:
			stdinDone = nil
			if err != nil {
				t.stdinErr = err
				fmt.Fprintln(stderr, "wsdbg: reading stdin:", decode.Sanitize(err.Error()))
			}
			if !keepOpen || err != nil {
				// What stdin gave goes out before the close.
				t.closeSent = true
				c.CloseWhenSent(1000, "")
			}
		case sig := <-quit:
			if interrupted {
				return signalStatus(sig)
			}
			interrupted = true
			stopAndWait(closeCodeFor(sig))
		case <-giveUp:
			t.abandon()
			return t.status()
		case ev, ok := <-c.Events():
			if !ok {
				t.flush()
				complete := watch.finish()
				if status := t.status(); status != exitOK || complete {
					return status
				}
				return exitFailure
			}
			t.show(ev)
			if len(c.Events()) == 0 {
				t.flush()
			}
			if t.outErr != nil && !t.outReported {
				t.outReported = true
				if !errors.Is(t.outErr, syscall.EPIPE) {
					fmt.Fprintln(stderr, "wsdbg: writing the output:", decode.Sanitize(t.outErr.Error()))
				}
				stopAndWait(1001)
			}
		}
	}
}

// sendLines sends each line read from stdin as a message until stdin ends
// (nil) or cannot be read; it stops quietly when send fails, which means
// the connection is finished.
func sendLines(stdin io.Reader, maxMessage int64, send func([]byte) error) error {
	if maxMessage <= 0 {
		maxMessage = conn.DefaultMaxMessage
	}
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, min(64<<10, maxMessage)), int(maxMessage))
	for sc.Scan() {
		if send(append([]byte(nil), sc.Bytes()...)) != nil {
			return nil
		}
	}
	if errors.Is(sc.Err(), bufio.ErrTooLong) {
		return fmt.Errorf("a line is longer than --max-message (%d bytes); it was not sent", maxMessage)
	}
	return sc.Err()
}

// tailSession is what tailLive knows of the session it prints.
type tailSession struct {
	c      *conn.Client
	rec    *history.Writer
	red    history.Redactor // stdout is redacted like the recording
	asJSON bool
	out    *bufio.Writer
	line   []byte

	outErr      error // the first failed write to stdout: nothing is printed after it
	outReported bool  // outErr has been dealt with
	stdinErr    error // stdin could not be read to its end

	open       bool // a connection is open
	closeSent  bool // we asked to close
	closeOut   bool // our close frame went out
	endedClean bool
	failed     bool
}

func (t *tailSession) close(code int) {
	t.closeSent = true
	t.c.Close(code, "")
}

// show prints and records one event.
func (t *tailSession) show(ev conn.Event) {
	switch ev.Type {
	case conn.EventOpen:
		t.open, t.failed, t.endedClean = true, false, false
	case conn.EventClose:
		// A normal closure, or the server's plain answer to our own close,
		// is a clean ending; a server that answers with an error code did
		// not end cleanly.
		t.endedClean = ev.Code == 1000 ||
			(t.closeSent && ev.Dir == conn.In && (ev.Code == 1001 || ev.Code == 1005))
		t.failed = false
		if ev.Dir == conn.Out {
			t.closeOut = true
		} else {
			t.open = false
		}
	case conn.EventError:
		t.open, t.failed = false, true
	}
	t.print(t.red.Record(history.FromEvent(ev)))
}

// print writes r to stdout, unless stdout has failed, and to the recording.
func (t *tailSession) print(r history.Record) {
	if t.asJSON {
		t.line = append(r.AppendJSON(t.line[:0]), '\n')
		t.write(t.line)
		if t.rec != nil {
			t.rec.AppendEncoded(r, t.line)
		}
		return
	}
	if t.rec != nil {
		t.rec.AppendRecord(r)
	}
	if t.outErr == nil {
		t.line = append(append(t.line[:0], history.FormatLine(r, history.LineOptions{})...), '\n')
		t.write(t.line)
	}
}

func (t *tailSession) write(b []byte) {
	if t.outErr == nil {
		_, t.outErr = t.out.Write(b)
	}
}

func (t *tailSession) flush() {
	if t.outErr == nil {
		t.outErr = t.out.Flush()
	}
}

// abandon ends a session whose close was not answered in time: the
// connection is dropped without a closing handshake, and the output and
// the recording say so, so that the recording is not left unfinished.
func (t *tailSession) abandon() {
	t.failed, t.endedClean = true, false
	t.print(abandonRecord(t.open, t.closeOut))
	t.flush()
}

// abandonRecord says how a session that wsdbg stopped waiting for ended:
// before its connection opened, or with a closing handshake cut short
// (the close frame sent or not).
func abandonRecord(open, closeOut bool) history.Record {
	f := &decode.Failure{Kind: decode.KindTimeout}
	r := history.Record{Type: conn.EventError, Time: time.Now(), Failure: f, Final: true}
	if !open {
		r.Name = "Interrupted while connecting"
		f.Message = "wsdbg stopped before the connection opened"
		return r
	}
	f.Code = 1006
	r.Name = "Closing handshake cut short"
	r.Explanation = "The server sees the connection end without a close frame (1006)."
	if closeOut {
		f.Message = fmt.Sprintf("the server did not answer the close frame within %s; wsdbg dropped the connection", closeAnswerWait)
	} else {
		f.Message = fmt.Sprintf("the close frame could not be sent within %s (the server is not reading); wsdbg dropped the connection", closeAnswerWait)
	}
	return r
}

// status is the exit status once the session is over.
func (t *tailSession) status() int {
	switch {
	case t.outErr != nil && errors.Is(t.outErr, syscall.EPIPE):
		return exitBrokenPipe
	case t.outErr != nil, t.stdinErr != nil, t.failed, !t.endedClean:
		return exitFailure
	}
	return exitOK
}

// tailFile prints a recording's events as tail would have. It fails when
// the file holds nothing readable.
func tailFile(path string, asJSON bool, red history.Redactor, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	rec, err := openRecording(path, stdin, " (to connect, give a ws:// or wss:// URL)")
	if err != nil {
		return 0, err
	}
	defer rec.Close()
	rec.Wait()
	w := bufio.NewWriter(stdout)
	var line []byte
	printed := 0
	for i := 0; i < rec.Len(); i++ {
		r, err := rec.Record(i)
		if err != nil {
			continue
		}
		r = red.Record(r)
		printed++
		if asJSON {
			line = append(r.AppendJSON(line[:0]), '\n')
			w.Write(line)
		} else {
			fmt.Fprintln(w, history.FormatLine(r, history.LineOptions{}))
		}
	}
	w.Flush()
	problems := rec.Problems()
	reportProblems(stderr, rec.Path(), problems)
	if printed == 0 && len(problems) > 0 {
		return exitFailure, nil
	}
	return exitOK, nil
}

// openRecording opens the recording a command names: a file, a pipe, or
// "-" for standard input. A missing file is the user's error; hint is
// added to its message.
func openRecording(arg string, stdin io.Reader, hint string) (*history.Recording, error) {
	if arg == "-" {
		return history.OpenReader("standard input", stdin)
	}
	if _, err := os.Stat(arg); errors.Is(err, fs.ErrNotExist) {
		return nil, usagef("no such file: %s%s", decode.Sanitize(arg), hint)
	}
	return history.Open(arg)
}

// reportProblems names, on stderr, each problem found in a recording.
func reportProblems(stderr io.Writer, name string, problems []history.Problem) {
	for _, p := range problems {
		fmt.Fprintf(stderr, "wsdbg: %s: %s\n", decode.Sanitize(name), decode.Sanitize(p.Error()))
	}
}

// nothingReadable reports whether a recording with problems has no event
// that can be read (a recording without events or problems is just empty).
func nothingReadable(rec *history.Recording) bool {
	rec.Wait()
	for i := 0; i < rec.Len(); i++ {
		if _, err := rec.Record(i); err == nil {
			return false
		}
	}
	return len(rec.Problems()) > 0
}

// recordingWatch tells the user on stderr when a session's recording
// fails; the session goes on without it.
type recordingWatch struct {
	rec    *history.Writer // nil when not recording
	stderr io.Writer
	told   bool
}

// failed is closed when the recording fails; without a recording it is
// nil, never ready.
func (w *recordingWatch) failed() <-chan struct{} {
	if w.rec == nil {
		return nil
	}
	return w.rec.Failed()
}

// tell says, once, that the recording stopped and why.
func (w *recordingWatch) tell() {
	if w.rec == nil || w.told {
		return
	}
	if err := w.rec.Err(); err != nil {
		w.told = true
		fmt.Fprintf(w.stderr, "wsdbg: %v; the session goes on unrecorded\n", err)
	}
}

// finish closes the recording and reports whether it is complete, saying
// so on stderr when it is not.
func (w *recordingWatch) finish() bool {
	if w.rec == nil {
		return true
	}
	w.rec.Close()
	if w.rec.Err() == nil {
		return true
	}
	fmt.Fprintln(w.stderr, "wsdbg:", w.rec.Summary())
	return false
}

const demoHelp = `Usage: wsdbg demo [flags]
       wsdbg demo --tail [--record FILE | --no-record] [--dialects FILE]
       wsdbg demo --serve-only [--addr ADDR]

Starts a WebSocket server on 127.0.0.1 that streams a realistic feed and
answers commands, so every kind of failure can be seen without an endpoint,
then opens the debugger against it. Send "help" to list the commands.

With --tail, tail runs against the server instead of the debugger: lines
read from stdin are sent, and ctrl+c closes the connection and quits. With
--serve-only, wsdbg prints the server's URL and serves other clients until
interrupted. The session is recorded as any other unless --no-record;
--theme is for the debugger only, and --serve-only records nothing.
`

func runDemo(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", demoHelp)
	serveOnly := fs.Bool("serve-only", false, "print the URL and serve until interrupted, for other clients")
	tail := fs.Bool("tail", false, "run tail against the server instead of the debugger")
	addr := fs.String("addr", "", "listen on `ADDR` (default 127.0.0.1, random port)")
	var uf uiFlags
	uf.register(fs)
	positional, err := parseArgs(fs, args, stdout)
	if err != nil {
		return err
	}
	if len(positional) > 0 {
		return usagef("demo takes no arguments")
	}
	switch {
	case *serveOnly && *tail:
		return usagef("demo: --serve-only and --tail exclude each other")
	case *serveOnly:
		err = rejectFlags(fs, "--serve-only", "record", "no-record", "no-redact", "redact-header", "theme", "dialects")
	case *tail:
		err = rejectFlags(fs, "--tail", "theme")
	default:
		err = uf.validate()
	}
	if err != nil {
		return err
	}
	srv, err := demo.Start(*addr)
	if err != nil {
		return err
	}
	defer srv.Close()
	switch {
	case *serveOnly:
		fmt.Fprintln(stdout, srv.URL())
		for _, e := range srv.Endpoints() {
			if e.URL != srv.URL() {
				fmt.Fprintf(stderr, "  %-40s %s\n", e.URL, e.What)
			}
		}
		fmt.Fprintln(stderr, "send \"help\" for the commands; ctrl+c stops the server")
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
		defer stop()
		<-ctx.Done()
		return nil
	case *tail:
		return demoTail(srv.URL(), &uf, stdin, stdout, stderr)
	}
	return openTUI(conn.Options{URL: srv.URL(), ConnectTimeout: conn.DefaultConnectTimeout, Subprotocols: []string{"wsdbg-demo"}}, &uf, stderr)
}

// demoTail runs tail against the demo server, recorded and explained as
// the debugger would be.
func demoTail(url string, uf *uiFlags, stdin io.Reader, stdout, stderr io.Writer) error {
	opts := conn.Options{URL: url, ConnectTimeout: conn.DefaultConnectTimeout}
	var err error
	if opts.Dialects, err = loadDialects(uf.dialects); err != nil {
		return usageError{err.Error()}
	}
	rec, err := uf.record.start(opts)
	if err != nil {
		return err
	}
	if rec != nil {
		defer rec.Close()
	}
	switch code := tailLive(opts, false, true, rec, uf.record.redactor(), stdin, stdout, stderr); code {
	case exitOK:
		return nil
	case exitFailure:
		return errors.New("connection ended abnormally")
	default:
		return exitStatus(code)
	}
}

// rejectFlags refuses the flags among names that were given although the
// mode makes no use of them.
func rejectFlags(fs *flag.FlagSet, mode string, names ...string) error {
	var given []string
	fs.Visit(func(f *flag.Flag) {
		if slices.Contains(names, f.Name) {
			given = append(given, "--"+f.Name)
		}
	})
	if len(given) > 0 {
		return usagef("%s%s not used with %s (see %s --help)", commandPrefix(fs), strings.Join(given, ", "), mode, commandLine(fs))
	}
	return nil
}

const tuiHelp = `Usage: wsdbg [flags] URL
       wsdbg [flags] curl 'URL' -H ...     (a browser's "Copy as cURL")

Opens the debugger on a ws:// or wss:// endpoint: every frame in a
scrollable, filterable log, payloads decoded, and closes, error replies and
failures explained. Press ? inside for the keys.

Examples:
  wsdbg wss://api.example.com/ws -H 'Authorization: Bearer TOKEN'
  wsdbg --subprotocol graphql-transport-ws --ping 20s wss://api.example.com/graphql
  wsdbg --theme light --no-record ws://localhost:8080/ws
`

// uiFlags are the flags of the commands that open the debugger.
type uiFlags struct {
	record   recordFlags
	theme    string
	dialects string
}

func (uf *uiFlags) register(fs *flag.FlagSet) {
	uf.record.register(fs)
	fs.StringVar(&uf.theme, "theme", themes.Auto, "colour theme `NAME`: "+strings.Join(themes.Names(), ", "))
	fs.StringVar(&uf.dialects, "dialects", "", "read your services' codes and error shapes from `FILE`")
}

func (uf *uiFlags) validate() error {
	if uf.theme == "auto" || uf.theme == "" {
		return nil
	}
	if _, err := themes.Get(uf.theme, true); err != nil {
		return usagef("--theme: unknown theme %q (one of %s)", uf.theme, strings.Join(themes.Names(), ", "))
	}
	return nil
}

func runTUI(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(rootCommand, tuiHelp)
	var cf connFlags
	cf.register(fs)
	var uf uiFlags
	uf.register(fs)
	positional, err := parseArgs(fs, args, stdout)
	if err != nil {
		return err
	}
	opts, err := connectArgs(&cf, positional, stderr)
	if err != nil {
		return err
	}
	if err := uf.validate(); err != nil {
		return err
	}
	uf.record.announce(stderr)
	return openTUI(opts, &uf, stderr)
}

// openTUI connects and runs the debugger until the user quits.
func openTUI(opts conn.Options, uf *uiFlags, stderr io.Writer) error {
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
	c := conn.Dial(context.Background(), opts)
	defer c.Shutdown()
	to := tuiOptions(opts, uf, dialects)
	to.Source = c
	if rec != nil {
		defer func() {
			rec.Close()
			fmt.Fprintln(stderr, "wsdbg:", rec.Summary())
		}()
		to.Recording = rec.Path()
		to.OnEvent = func(ev conn.Event) { rec.Append(ev) }
	}
	return runLive(to, c, rec, nil)
}

// runLive runs the debugger on the live client c until the user quits,
// then calls stopped (if any) and closes the connection as finishLive
// does: with 1000, or 1001 when SIGTERM or SIGHUP ended the program. How
// the session ended goes to rec when it did not end by itself.
func runLive(to tui.Options, c *conn.Client, rec *history.Writer, stopped func()) error {
	// bubbletea turns SIGINT and SIGTERM into a quit by itself; SIGHUP,
	// the terminal going away, would kill the program without a close.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hangup, terminate := make(chan os.Signal, 1), make(chan os.Signal, 1)
	signal.Notify(hangup, syscall.SIGHUP)
	signal.Notify(terminate, syscall.SIGTERM)
	defer signal.Stop(hangup)
	defer signal.Stop(terminate)
	var hungUp atomic.Bool
	go func() {
		select {
		case <-hangup:
			hungUp.Store(true)
			cancel()
		case <-ctx.Done():
		}
	}()

	state := newSessionState()
	onEvent := to.OnEvent
	record := func(ev conn.Event) {
		state.observe(ev)
		if onEvent != nil {
			onEvent(ev)
		}
	}
	to.OnEvent = record
	p, err := tui.NewProgram(ctx, to)
	if err != nil {
		return err
	}
	if rec != nil {
		go func() {
			select {
			case <-rec.Failed():
				p.Send(tui.RecordingFailedMsg{Err: rec.Err(), Written: rec.Saved()})
			case <-ctx.Done():
			}
		}()
	}
	err = p.Run()
	cancel()
	if stopped != nil {
		stopped()
	}
	code := 1000
	select {
	case <-terminate:
		code = 1001
	default:
		if hungUp.Load() {
			code = 1001
		}
	}
	if note, ok := finishLive(c, state, code, record); ok && rec != nil {
		rec.AppendRecord(note)
	}
	if errors.Is(err, tea.ErrInterrupted) {
		return exitStatus(signalStatus(os.Interrupt))
	}
	return err
}

// sessionState follows a client's events to tell, when the program ends,
// whether a connection is still open and whether any has ended.
type sessionState struct {
	mu       sync.Mutex
	open     bool
	closeOut bool // our close frame went out on the open connection
	settled  bool // a connection has closed or failed
	ended    chan struct{}
}

func newSessionState() *sessionState { return &sessionState{ended: make(chan struct{}, 1)} }

func (s *sessionState) observe(ev conn.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case ev.Type == conn.EventOpen:
		s.open, s.closeOut = true, false
	case ev.Type == conn.EventClose && ev.Dir == conn.Out:
		s.closeOut = true
	case ev.Type == conn.EventClose, ev.Type == conn.EventError:
		s.open, s.settled = false, true
		select {
		case s.ended <- struct{}{}:
		default:
		}
	}
}

func (s *sessionState) snapshot() (open, closeOut, settled bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.open, s.closeOut, s.settled
}

// finishLive ends the connection the debugger leaves behind: an open one
// is closed with code (unless the debugger closed it already) and the
// server's answer awaited at most closeAnswerWait, every event on the way
// going to record. When the session did not end by itself it returns the
// record that says how it ended, so that a recording is never left
// unfinished.
func finishLive(c *conn.Client, state *sessionState, code int, record func(conn.Event)) (history.Record, bool) {
	open, _, settled := state.snapshot()
	if !open {
		if settled {
			return history.Record{}, false
		}
		return abandonRecord(false, false), true
	}
	c.Close(code, "")
	deadline := time.NewTimer(closeAnswerWait)
	defer deadline.Stop()
	for {
		if open, _, _ = state.snapshot(); !open {
			return history.Record{}, false
		}
		select {
		case ev, ok := <-c.Events():
			if !ok {
				return history.Record{}, false
			}
			record(ev)
		case <-state.ended:
			// The debugger's reader took the answer on its way out.
		case <-deadline.C:
			_, closeOut, _ := state.snapshot()
			return abandonRecord(true, closeOut), true
		}
	}
}

// tuiOptions are the debugger's options shared by live sessions and replays.
func tuiOptions(opts conn.Options, uf *uiFlags, dialects *decode.Dialects) tui.Options {
	to := tui.Options{
		URL:      opts.URL,
		Conn:     opts,
		Theme:    uf.theme,
		Dialects: dialects,
		Redact:   uf.record.redactor(),
	}
	if to.Theme == "auto" {
		to.Theme = ""
	}
	if dir, err := history.DefaultDir(); err == nil {
		to.HistoryFile = filepath.Join(filepath.Dir(dir), "sent_history")
		to.SaveDir = filepath.Join(filepath.Dir(dir), "copies")
	}
	if dir, err := os.UserConfigDir(); err == nil {
		to.SnippetsFile = filepath.Join(dir, "wsdbg", "snippets.json")
	}
	return to
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// recordFlags choose where (and whether) a session is recorded.
type recordFlags struct {
	file          string
	off           bool
	noRedact      bool
	redactHeaders stringList
}

func (rf *recordFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&rf.file, "record", "", "record the session to `FILE` (default: a new file in the state directory)")
	fs.BoolVar(&rf.off, "no-record", false, "do not record the session")
	fs.BoolVar(&rf.noRedact, "no-redact", false, "keep secrets (Authorization, cookies, tokens) in the output, recordings and exports")
	fs.Var(&rf.redactHeaders, "redact-header", "also redact header `NAME` (repeatable)")
}

func (rf *recordFlags) redactor() history.Redactor {
	return history.Redactor{Disabled: rf.noRedact, ExtraHeaders: rf.redactHeaders}
}

// announce says on stderr that secrets are kept, so that an unredacted
// file or output is never shared by mistake.
func (rf *recordFlags) announce(stderr io.Writer) {
	if rf.noRedact {
		fmt.Fprintln(stderr, "wsdbg: --no-redact: secrets (Authorization, cookies, tokens) are kept in the output, recordings and exports")
	}
}

// start opens the recording for a session, or returns nil when off.
func (rf *recordFlags) start(opts conn.Options) (*history.Writer, error) {
	if rf.off {
		return nil, nil
	}
	const hint = "; run with --no-record to go on without recording, or --record FILE to record elsewhere"
	path := rf.file
	if path == "" {
		var err error
		if path, err = history.DefaultPath(time.Now(), opts.URL); err != nil {
			return nil, fmt.Errorf("%w%s", err, hint)
		}
	}
	hdr := history.Header{ToolVersion: version, URL: opts.URL, RequestHeaders: opts.Header}
	rec, err := history.Create(path, hdr, history.WriterOptions{Redactor: rf.redactor()})
	if err != nil {
		return nil, fmt.Errorf("%w%s", err, hint)
	}
	return rec, nil
}

const explainHelp = `Usage: wsdbg explain CODE | 'http STATUS' | CAUSE | MESSAGE | -
       wsdbg explain --list [--category C]

Says what a close code, an HTTP status on the upgrade, a failure cause or an
error reply means, and what to do about it. "-" reads a message from stdin.

Examples:
  wsdbg explain 1006
  wsdbg explain 4401 --subprotocol graphql-transport-ws
  wsdbg explain 'http 403'
  wsdbg explain accept-mismatch
  echo '{"type":"error","data":{"code":4003,"message":"nope"}}' | wsdbg explain -
  wsdbg explain --list --category private
`

func runExplain(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := newFlagSet("explain", explainHelp)
	sub := fs.String("subprotocol", "", "read private codes and messages in the dialect of subprotocol `P`")
	host := fs.String("host", "", "read private codes as the service at `HOST` defines them")
	dialectsFile := fs.String("dialects", "", "read your services' codes and error shapes from `FILE`")
	list := fs.Bool("list", false, "print the whole close-code table")
	causes := fs.Bool("causes", false, "print every failure cause wsdbg names")
	category := fs.String("category", "", "with --list: only codes of category `C` (standard, local-only, registered, private, invalid)")
	asJSON := fs.Bool("json", false, "print JSON")
	positional, err := parseArgs(fs, args, stdout)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	switch {
	case *list:
		var codes []decode.CodeInfo
		for _, c := range decode.Codes() {
			if *category == "" || strings.EqualFold(c.Category, *category) {
				codes = append(codes, c)
			}
		}
		if len(codes) == 0 {
			return usagef("no close codes in category %q", *category)
		}
		if *asJSON {
			return enc.Encode(codes)
		}
		_, err := io.WriteString(stdout, decode.FormatCodeTable(codes))
		return err
	case *causes:
		if *asJSON {
			return enc.Encode(decode.Causes())
		}
		_, err := io.WriteString(stdout, decode.FormatCauseTable(decode.Causes()))
		return err
	case len(positional) == 0:
		return usagef("explain needs a code, a cause or a message (see wsdbg explain --help)")
	}
	term := strings.Join(positional, " ")
	if term == "-" {
		b, err := io.ReadAll(io.LimitReader(stdin, 16<<20))
		if err != nil {
			return err
		}
		term = string(b)
	}
	dialects, err := loadDialects(*dialectsFile)
	if err != nil {
		return err
	}
	e, err := decode.Lookup(term, decode.CloseContext{Subprotocol: *sub, Host: *host, Dialects: dialects})
	if err != nil {
		return usageError{err.Error()}
	}
	if *asJSON {
		return enc.Encode(e)
	}
	_, err = io.WriteString(stdout, decode.FormatExplanation(e))
	return err
}

// loadDialects reads the dialect file named on the command line, or else
// the default one if it exists.
func loadDialects(named string) (*decode.Dialects, error) {
	path := named
	if path == "" {
		var err error
		if path, err = dialectsPath(); err != nil {
			return nil, nil
		}
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && named == "" {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	d, err := decode.ParseDialects(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return d, nil
}

// dialectsPath is the dialect file: $WSDBG_DIALECTS, or dialects.json in
// the user's config directory.
func dialectsPath() (string, error) {
	if p := os.Getenv("WSDBG_DIALECTS"); p != "" {
		return p, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "wsdbg", "dialects.json"), nil
}

const sessionsHelp = `Usage: wsdbg sessions [--dir DIR]
       wsdbg sessions --prune [--max-age D] [--max-size BYTES]

Lists recorded sessions: start time, URL, duration, messages received and
sent, and how each ended. --prune deletes the oldest recordings beyond an
age or a total size.

Examples:
  wsdbg sessions
  wsdbg sessions --prune --max-age 720h --max-size 1000000000
`

func runSessions(args []string, stdout io.Writer) error {
	fs := newFlagSet("sessions", sessionsHelp)
	dir := fs.String("dir", "", "recordings `DIR` (default: the state directory)")
	prune := fs.Bool("prune", false, "delete old recordings")
	maxAge := fs.Duration("max-age", 30*24*time.Hour, "with --prune: delete recordings older than `D`")
	maxSize := fs.Int64("max-size", 1<<30, "with --prune: keep at most `BYTES` of recordings, newest first")
	positional, err := parseArgs(fs, args, stdout)
	if err != nil {
		return err
	}
	if len(positional) > 0 {
		return usagef("sessions takes no arguments")
	}
	if *dir == "" {
		if *dir, err = history.DefaultDir(); err != nil {
			return err
		}
	}
	if *prune {
		removed, err := history.Prune(*dir, *maxAge, *maxSize)
		for _, p := range removed {
			fmt.Fprintln(stdout, "removed", decode.Sanitize(p))
		}
		return err
	}
	list, err := history.List(*dir)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		fmt.Fprintln(stdout, "no recordings in", *dir)
		return nil
	}
	w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "STARTED\tDURATION\tIN\tOUT\tENDING\tURL\tFILE")
	for _, si := range list {
		name := decode.Sanitize(filepath.Base(si.Path))
		if si.Problem != "" {
			fmt.Fprintf(w, "-\t-\t-\t-\tunreadable: %s\t-\t%s\n", decode.Sanitize(si.Problem), name)
			continue
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%s\t%s\t%s\n", si.Start.Local().Format("2006-01-02 15:04:05"),
			si.Duration.Round(time.Second), si.In, si.Out, decode.Sanitize(si.Ending()), decode.Sanitize(si.URL), name)
	}
	return w.Flush()
}

const exportHelp = `Usage: wsdbg export FILE --format har|md|ndjson [-o OUT]

Writes a recording (or a HAR file) as HAR for Chrome DevTools, a Markdown
bug report, or the plain event records. Secrets are redacted unless
--no-redact.

Examples:
  wsdbg export session.wsdbg.jsonl --format md -o report.md
  wsdbg export session.wsdbg.jsonl --format har > session.har
`

func runExport(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", exportHelp)
	format := fs.String("format", "md", "`F`: har, md or ndjson")
	out := fs.String("o", "", "write to `FILE` instead of stdout")
	var rf recordFlags
	fs.BoolVar(&rf.noRedact, "no-redact", false, "keep secrets")
	fs.Var(&rf.redactHeaders, "redact-header", "also redact header `NAME` (repeatable)")
	positional, err := parseArgs(fs, args, stdout)
	if err != nil {
		return err
	}
	if len(positional) != 1 {
		return usagef("export needs one recording file")
	}
	rf.announce(stderr)
	switch *format {
	case "har", "md", "markdown", "ndjson":
	default:
		return usagef("unknown format %q: use har, md or ndjson", *format)
	}
	rec, err := openRecording(positional[0], stdin, "")
	if err != nil {
		return err
	}
	defer rec.Close()
	name := decode.Sanitize(rec.Path())
	if nothingReadable(rec) {
		reportProblems(stderr, rec.Path(), rec.Problems())
		return fmt.Errorf("%s: nothing to export: no event in it can be read", name)
	}
	w := stdout
	if *out != "" {
		f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriter(w)
	err = export.Write(bw, rec, *format, rf.redactor())
	if err == nil {
		err = bw.Flush()
	}
	if f, ok := w.(*os.File); ok && err == nil {
		err = f.Close()
	}
	reportProblems(stderr, rec.Path(), rec.Problems())
	return err
}

const replayHelp = `Usage: wsdbg replay FILE [--play [--speed X] [--no-gaps]]
       wsdbg replay FILE --to URL [connection flags] [--speed X] [--no-gaps] [--tail]

Opens a recording (or a HAR file exported from Chrome DevTools) in the
debugger, offline: the whole session at once, or with --play in time.
While replaying: p play/pause (from the selected row), . step, -/+ speed,
z no gaps, [ ] seek back/forward, 0 restart.

With --to, connects to a live endpoint and sends it the recording's
outgoing messages with their original spacing, in the debugger: the new
session is recorded, every reply that differs from the recorded one is
marked DIFF, and the inspector shows both side by side with the JSON paths
that changed. With --tail, prints the new session as tail does instead and
lists where the replies differ. Credentials come from the flags (-H ...),
never from the recording.

Exit status with --to --tail: 0 when every reply matched, 1 when some
differ or the connection failed.

Examples:
  wsdbg replay ~/.local/state/wsdbg/sessions/2026-11-22T02-10-00_api.example.com.wsdbg.jsonl
  wsdbg replay session.har --play --speed 4
  wsdbg replay bug.wsdbg.jsonl --to ws://localhost:8080/ws -H 'Authorization: Bearer TOKEN'
  wsdbg replay bug.wsdbg.jsonl --to ws://localhost:8080/ws --no-gaps --tail
`

func runReplay(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("replay", replayHelp)
	var cf connFlags
	cf.register(fs)
	var uf uiFlags
	uf.register(fs)
	to := fs.String("to", "", "send the recording's messages to `URL`")
	headless := fs.Bool("tail", false, "with --to: print the new session and the differences instead of opening the debugger")
	play := fs.Bool("play", false, "play the recording in time instead of showing it at once")
	speed := fs.Float64("speed", 1, "playback speed `X`, 0.5 to 20")
	noGaps := fs.Bool("no-gaps", false, "shorten every pause to at most a quarter second")
	positional, err := parseArgs(fs, args, stdout)
	if err != nil {
		return err
	}
	switch {
	case len(positional) != 1:
		return usagef("replay needs one recording file")
	case *speed < replay.MinSpeed || *speed > replay.MaxSpeed:
		return usagef("--speed must be between %g and %d", replay.MinSpeed, replay.MaxSpeed)
	case *headless && *to == "":
		return usagef("--tail goes with --to URL")
	case *play && *to != "":
		return usagef("--play replays offline; with --to the messages are sent in time anyway")
	}
	if err := uf.validate(); err != nil {
		return err
	}
	uf.record.announce(stderr)
	if !*headless && (!isTerminal(os.Stdout) || !isTerminal(os.Stdin)) {
		if *to != "" {
			return usagef("the debugger needs a terminal; add --tail to print the replay instead")
		}
		return usagef("the debugger needs a terminal; use 'wsdbg tail FILE' to print a recording")
	}
	rec, err := openRecording(positional[0], os.Stdin, "")
	if err != nil {
		return err
	}
	defer rec.Close()
	reportProblems(stderr, rec.Path(), rec.Problems())
	dialects, err := loadDialects(uf.dialects)
	if err != nil {
		return usageError{err.Error()}
	}
	if *to != "" {
		opts, err := cf.options(*to)
		if err != nil {
			return err
		}
		return resend(rec, opts, &uf, dialects, *speed, *noGaps, *headless, stdout, stderr)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hdr := rec.Header()
	o := tuiOptions(conn.Options{URL: hdr.URL, Header: hdr.RequestHeaders}, &uf, dialects)
	o.Title = "wsdbg replay"
	o.Source = tui.Replay(ctx, rec)
	if *play {
		o.Source = tui.Playback(ctx, rec, *speed, *noGaps)
	}
	return tui.Run(ctx, o)
}

// resend sends a recording's outgoing messages to a live endpoint and
// compares the replies with the recorded ones: in the debugger, which marks
// each reply that differs as it arrives, or headless, printing the session
// and then the differences.
func resend(rec *history.Recording, opts conn.Options, uf *uiFlags, dialects *decode.Dialects, speed float64, noGaps, headless bool, stdout, stderr io.Writer) error {
	opts.Dialects = dialects
	rec.Wait()
	var recorded history.Records
	masked := 0
	for i := 0; i < rec.Len(); i++ {
		if r, err := rec.Record(i); err == nil {
			recorded = append(recorded, r)
			if r.Type == conn.EventMessage && r.Dir == conn.Out && strings.Contains(r.Text, "[redacted:") {
				masked++
			}
		}
	}
	if masked > 0 {
		fmt.Fprintf(stderr, "wsdbg: %d recorded messages had credentials redacted and are sent as recorded; record with --no-redact to replay them as they were\n", masked)
	}
	if !headless {
		return resendInDebugger(recorded, opts, uf, dialects, speed, noGaps, stderr)
	}
	replayed, err := resendHeadless(rec, opts, speed, noGaps)
	if status := exitStatus(0); errors.As(err, &status) {
		return err
	}
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	out, rerr := uf.record.start(opts)
	if rerr != nil {
		return rerr
	}
	for _, r := range replayed {
		if out != nil {
			out.AppendRecord(r)
		}
		fmt.Fprintln(w, history.FormatLine(uf.record.redactor().Record(r), history.LineOptions{}))
	}
	if out != nil {
		out.Close()
		fmt.Fprintln(w, out.Summary())
	}
	diffs := replay.Diff(recorded, replayed)
	if len(diffs) == 0 && err == nil {
		fmt.Fprintln(w, "every reply matched the recording")
		return nil
	}
	for _, d := range diffs {
		fmt.Fprintln(w, "differs:", d.Summary)
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("%d replies differ from the recording", len(diffs))
}

// resendHeadless runs replay.Resend until it ends or a quit signal
// interrupts it: the first one closes the connection, waiting at most a
// second for the answer; a second one gives up at once.
func resendHeadless(rec *history.Recording, opts conn.Options, speed float64, noGaps bool) ([]history.Record, error) {
	quit := make(chan os.Signal, 2)
	signal.Notify(quit, quitSignals...)
	defer signal.Stop(quit)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		records []history.Record
		err     error
	}
	done := make(chan result, 1)
	go func() {
		records, err := replay.Resend(ctx, rec, opts, speed, noGaps)
		done <- result{records, err}
	}()
	interrupted := false
	for {
		select {
		case r := <-done:
			if interrupted {
				r.err = errors.New("interrupted before the replay finished")
			}
			return r.records, r.err
		case sig := <-quit:
			if interrupted {
				return nil, exitStatus(signalStatus(sig))
			}
			interrupted = true
			cancel()
		}
	}
}

// resendInDebugger opens the debugger on a live connection and, once it is
// open, sends the recorded outgoing messages with their recorded spacing
// (divided by speed, pauses capped with noGaps). Sending stops when the
// connection ends: what a reconnect brings is the user's own session. The
// session is recorded like any other.
func resendInDebugger(recorded history.Records, opts conn.Options, uf *uiFlags, dialects *decode.Dialects, speed float64, noGaps bool, stderr io.Writer) error {
	plan, err := replay.PlanResend(recorded, speed, noGaps)
	if err != nil {
		return err
	}

	out, err := uf.record.start(opts)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts.RedialOnRequest = true
	c := conn.Dial(context.Background(), opts)
	defer c.Shutdown()

	opened, ended := make(chan struct{}), make(chan struct{})
	var openOnce, endOnce sync.Once
	to := tuiOptions(opts, uf, dialects)
	to.Title = "wsdbg replay"
	to.Source = c
	to.Expected = recorded
	to.OnEvent = func(ev conn.Event) {
		if out != nil {
			out.Append(ev)
		}
		switch ev.Type {
		case conn.EventOpen:
			openOnce.Do(func() { close(opened) })
		case conn.EventClose, conn.EventError:
			endOnce.Do(func() { close(ended) })
		}
	}
	if out != nil {
		defer func() {
			out.Close()
			fmt.Fprintln(stderr, "wsdbg:", out.Summary())
		}()
		to.Recording = out.Path()
	}

	sending := make(chan struct{})
	go func() {
		defer close(sending)
		select {
		case <-opened:
		case <-ended:
			return
		case <-ctx.Done():
			return
		}
		for _, s := range plan {
			gap := time.NewTimer(s.Wait)
			select {
			case <-gap.C:
			case <-ended:
				gap.Stop()
				return
			case <-ctx.Done():
				gap.Stop()
				return
			}
			if c.SendWait(ctx, s.Op, s.Payload) != nil {
				return
			}
		}
	}()
	return runLive(to, c, out, func() {
		cancel()
		<-sending
	})
}
