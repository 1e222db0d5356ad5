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
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/conn/demo"
	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/history"
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
		err = runExport(args[1:], stdout)
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

func report(err error, stdout, stderr io.Writer) int {
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "wsdbg:", ue.msg)
		return exitUsage
	default:
		fmt.Fprintln(stderr, "wsdbg:", err)
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
			return nil, usagef("%s: %v (see wsdbg %s --help)", fs.Name(), err, fs.Name())
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
			return args, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

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

Exit status: 0 after a normal closure (1000) or a clean close after stdin
ends, 1 after any other ending, 2 for usage errors.

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
	if len(positional) == 1 && !strings.Contains(positional[0], "://") {
		if _, err := os.Stat(positional[0]); err == nil {
			return tailFile(positional[0], *asJSON, stdout, stderr)
		}
	}
	opts, err := connectArgs(&cf, positional, stderr)
	if err != nil {
		return 0, err
	}
	dialects, err := loadDialects(*dialectsFile)
	if err != nil {
		return 0, usageError{err.Error()}
	}
	rec, err := rf.start(opts, dialects)
	if err != nil {
		return 0, err
	}
	if rec != nil {
		defer rec.Close()
	}
	return tailLive(opts, dialects, *asJSON, *keepOpen, rec, stdin, stdout), nil
}

// tailLive streams a live connection's events to stdout.
func tailLive(opts conn.Options, dialects *decode.Dialects, asJSON, keepOpen bool, rec *history.Recorder, stdin io.Reader, stdout io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c := conn.Dial(context.Background(), opts)
	defer c.Shutdown()

	stdinDone := make(chan struct{})
	go func() {
		defer close(stdinDone)
		sc := bufio.NewScanner(stdin)
		sc.Buffer(make([]byte, 64<<10), int(opts.MaxMessage))
		for sc.Scan() {
			// SendWait keeps stdin at the pace the server reads.
			if c.SendWait(context.Background(), conn.OpText, append([]byte(nil), sc.Bytes()...)) != nil {
				return
			}
		}
	}()

	w := bufio.NewWriterSize(stdout, 64<<10)
	defer w.Flush()
	var line []byte
	rctx := history.Context{PingsOn: opts.PingInterval > 0, Dialects: dialects}
	var endedClean, failed, closeSent bool
	stdinEnded := stdinDone
	interrupted := ctx.Done()
	for {
		select {
		case <-stdinEnded:
			stdinEnded = nil
			if !keepOpen {
				closeSent = true
				c.CloseWhenSent(1000, "") // what stdin gave goes out first
			}
		case <-interrupted:
			interrupted = nil
			closeSent = true
			c.Close(1000, "")
		case ev, ok := <-c.Events():
			if !ok {
				if failed || !endedClean {
					return exitFailure
				}
				return exitOK
			}
			rctx.Observe(ev)
			switch ev.Type {
			case conn.EventOpen:
				failed, endedClean = false, false
			case conn.EventClose:
				// A normal closure, or the server's plain answer to our own
				// close once stdin has ended, is a clean ending; a server
				// that answers with an error code did not end cleanly.
				endedClean = ev.Code == 1000 ||
					(closeSent && ev.Dir == conn.In && (ev.Code == 1001 || ev.Code == 1005))
				failed = false
			case conn.EventError:
				failed = true
			}
			r := history.FromEvent(ev, rctx)
			if asJSON {
				line = append(r.AppendJSON(line[:0]), '\n')
				w.Write(line)
				if rec != nil {
					rec.AppendEncoded(r, line)
				}
			} else {
				if rec != nil {
					rec.AppendRecord(r)
				}
				fmt.Fprintln(w, history.FormatLine(r, history.LineOptions{}))
			}
			if len(c.Events()) == 0 {
				w.Flush()
			}
		}
	}
}

// tailFile prints a recording's events as tail would have.
func tailFile(path string, asJSON bool, stdout, stderr io.Writer) (int, error) {
	rec, err := history.Open(path)
	if err != nil {
		return 0, err
	}
	defer rec.Close()
	rec.Wait()
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	var line []byte
	for i := 0; i < rec.Len(); i++ {
		r, err := rec.Record(i)
		if err != nil {
			continue
		}
		if asJSON {
			line = append(r.AppendJSON(line[:0]), '\n')
			w.Write(line)
		} else {
			fmt.Fprintln(w, history.FormatLine(r, history.LineOptions{}))
		}
	}
	for _, p := range rec.Problems() {
		fmt.Fprintf(stderr, "wsdbg: %s: %v\n", path, p)
	}
	return exitOK, nil
}

const demoHelp = `Usage: wsdbg demo [--serve-only | --tail]

Starts a WebSocket server on 127.0.0.1 that streams a realistic feed and
answers commands, so every kind of failure can be seen without an endpoint,
then opens the debugger against it. Send "help" to list the commands.

  --serve-only   print the URL and serve until interrupted (for other clients)
  --tail         run tail against it instead of the debugger
`

func runDemo(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", demoHelp)
	serveOnly := fs.Bool("serve-only", false, "print the URL and serve until interrupted")
	tail := fs.Bool("tail", false, "run tail against the demo server")
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
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		<-ctx.Done()
		return nil
	case *tail:
		if code := tailLive(conn.Options{URL: srv.URL(), ConnectTimeout: conn.DefaultConnectTimeout}, nil, false, true, nil, stdin, stdout); code != exitOK {
			return errors.New("connection ended abnormally")
		}
		return nil
	}
	if err := uf.validate(); err != nil {
		return err
	}
	return openTUI(conn.Options{URL: srv.URL(), ConnectTimeout: conn.DefaultConnectTimeout, Subprotocols: []string{"wsdbg-demo"}}, &uf, stderr)
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
	fs.StringVar(&uf.theme, "theme", "auto", "colour theme `NAME`: auto, "+strings.Join(themes.Names(), ", "))
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
	fs := newFlagSet("wsdbg", tuiHelp)
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
	rec, err := uf.record.start(opts, dialects)
	if err != nil {
		return err
	}
	ctx := context.Background()
	// In the debugger the user decides when to dial again (/reconnect).
	opts.RedialOnRequest = true
	c := conn.Dial(ctx, opts)
	defer c.Shutdown()
	to := tuiOptions(opts, uf, dialects)
	to.Source = c
	if rec != nil {
		defer func() {
			rec.Close()
			fmt.Fprintln(stderr, "wsdbg: session recorded to", rec.Path())
		}()
		to.Recording = rec.Path()
		to.OnEvent = func(ev conn.Event) { rec.Append(ev) }
	}
	return tui.Run(ctx, to)
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
	fs.BoolVar(&rf.noRedact, "no-redact", false, "keep secrets (Authorization, cookies, tokens) in recordings and exports")
	fs.Var(&rf.redactHeaders, "redact-header", "also redact header `NAME` (repeatable)")
}

func (rf *recordFlags) redactor() history.Redactor {
	return history.Redactor{Disabled: rf.noRedact, ExtraHeaders: rf.redactHeaders}
}

// start opens the recording for a session, or returns nil when off.
func (rf *recordFlags) start(opts conn.Options, dialects *decode.Dialects) (*history.Recorder, error) {
	if rf.off {
		return nil, nil
	}
	path := rf.file
	if path == "" {
		var err error
		if path, err = history.DefaultPath(time.Now(), opts.URL); err != nil {
			return nil, err
		}
	}
	hdr := history.Header{ToolVersion: version, URL: opts.URL, RequestHeaders: opts.Header}
	return history.Create(path, hdr, history.RecordOptions{
		Redactor: rf.redactor(),
		Context:  history.Context{PingsOn: opts.PingInterval > 0, Dialects: dialects},
	})
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
			fmt.Fprintln(stdout, "removed", p)
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
		fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%s\t%s\t%s\n", si.Start.Local().Format("2006-01-02 15:04:05"),
			si.Duration.Round(time.Second), si.In, si.Out, decode.Sanitize(si.Ending()), decode.Sanitize(si.URL), filepath.Base(si.Path))
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

func runExport(args []string, stdout io.Writer) error {
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
	switch *format {
	case "har", "md", "markdown", "ndjson":
	default:
		return usagef("unknown format %q: use har, md or ndjson", *format)
	}
	rec, err := history.Open(positional[0])
	if err != nil {
		return err
	}
	defer rec.Close()
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
	if err := history.Export(bw, rec, *format, rf.redactor()); err != nil {
		return err
	}
	return bw.Flush()
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
	case *speed < history.MinSpeed || *speed > history.MaxSpeed:
		return usagef("--speed must be between %g and %d", history.MinSpeed, history.MaxSpeed)
	case *headless && *to == "":
		return usagef("--tail goes with --to URL")
	case *play && *to != "":
		return usagef("--play replays offline; with --to the messages are sent in time anyway")
	}
	if err := uf.validate(); err != nil {
		return err
	}
	if !*headless && (!isTerminal(os.Stdout) || !isTerminal(os.Stdin)) {
		if *to != "" {
			return usagef("the debugger needs a terminal; add --tail to print the replay instead")
		}
		return usagef("the debugger needs a terminal; use 'wsdbg tail FILE' to print a recording")
	}
	rec, err := history.Open(positional[0])
	if err != nil {
		return err
	}
	defer rec.Close()
	for _, p := range rec.Problems() {
		fmt.Fprintf(stderr, "wsdbg: %s: %v\n", positional[0], p)
	}
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
	rec.Wait()
	var recorded history.Records
	for i := 0; i < rec.Len(); i++ {
		if r, err := rec.Record(i); err == nil {
			recorded = append(recorded, r)
		}
	}
	if !headless {
		return resendInDebugger(recorded, opts, uf, dialects, speed, noGaps, stderr)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	replayed, err := history.ResendTo(ctx, rec, opts, speed, noGaps)
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	out, rerr := uf.record.start(opts, dialects)
	if rerr != nil {
		return rerr
	}
	for _, r := range replayed {
		if out != nil {
			out.AppendRecord(r)
		}
		fmt.Fprintln(w, history.FormatLine(r, history.LineOptions{}))
	}
	if out != nil {
		out.Close()
		fmt.Fprintln(w, "recorded to", out.Path())
	}
	diffs := history.Diff(recorded, replayed)
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

// resendInDebugger opens the debugger on a live connection and, once it is
// open, sends the recorded outgoing messages with their recorded spacing
// (divided by speed, pauses capped with noGaps). Sending stops when the
// connection ends: what a reconnect brings is the user's own session. The
// session is recorded like any other.
func resendInDebugger(recorded history.Records, opts conn.Options, uf *uiFlags, dialects *decode.Dialects, speed float64, noGaps bool, stderr io.Writer) error {
	plan, err := history.PlanResend(recorded, speed, noGaps)
	if err != nil {
		return err
	}

	out, err := uf.record.start(opts, dialects)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts.RedialOnRequest = true
	c := conn.Dial(ctx, opts)
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
			fmt.Fprintln(stderr, "wsdbg: session recorded to", out.Path())
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
	err = tui.Run(ctx, to)
	cancel()
	<-sending
	return err
}
