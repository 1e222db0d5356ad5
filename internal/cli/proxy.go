package cli

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/history"
	"github.com/wsdbg/wsdbg/themes"
)

// defaultListen is where wsdbg proxy listens unless told otherwise.
const defaultListen = "127.0.0.1:8089"

// proxyCmd holds proxy's flags.
type proxyCmd struct {
	a        *app
	conn     connFlags
	record   recordFlags
	dialects string
	listen   string
	// The listener's TLS: a certificate and key, or one made at start.
	listenCert string
	listenKey  string
	listenTLS  bool
	tail       bool
	asJSON     bool
	theme      string
}

func newProxyCmd(a *app) *cobra.Command {
	p := &proxyCmd{a: a}
	p.record.version = a.version
	cmd := &cobra.Command{
		Use:   "proxy [flags] UPSTREAM_URL",
		Short: "stand between your app and its server: relay, show, record and break the connection",
		Long: `Listens for WebSocket clients (--listen) and relays each one to the
upstream server: point your app at ws://127.0.0.1:8089/... instead of the
real server. The client's path and query are appended to the upstream's;
its Cookie, Authorization, Origin, Sec-WebSocket-Protocol and extensions
are passed on unless -H, --origin or --subprotocol replace them. Frames are
relayed unchanged both ways; every event is explained and recorded as for
a direct connection, one recording per connection.

Without --tail it opens the debugger: a log per connection with both
sides' messages (C→ from the client, ←S from the server), the list of
connections (C) to switch between them, and the composer taking the fault
commands below for the connection shown.

With --tail, one line per event of both sides goes to stdout, and stdin
takes commands that break the newest connection (or the one /conn chose):
  /close client|server CODE [REASON]   send that close to that side
  /drop client|server                  reset that side's TCP connection
  /pause, /resume                      hold and release every frame
  /delay 500ms                         hold every frame that long (0: off)
  /swallow N                           drop the next N messages
  /conn N                              act on connection N from now on

Each connection is recorded to a file of its own (with --record FILE,
connection N goes to FILE with -N before its suffix).

ctrl+c closes every connection with 1001 and exits.`,
		Example: `  wsdbg proxy wss://api.example.com
  wsdbg proxy --tail wss://api.example.com
  wsdbg proxy --tail --json --listen 127.0.0.1:9000 ws://localhost:8080/ws | jq 'select(.leg=="server")'`,
		RunE: func(c *cobra.Command, args []string) error { return p.run(c, args) },
	}
	cmd.Flags().StringVar(&p.listen, "listen", defaultListen, "accept clients on `ADDR`")
	cmd.Flags().StringVar(&p.listenCert, "listen-cert", "", "serve wss:// to clients with the PEM certificate in `FILE` (with --listen-key)")
	cmd.Flags().StringVar(&p.listenKey, "listen-key", "", "the PEM private key of --listen-cert, in `FILE`")
	cmd.Flags().BoolVar(&p.listenTLS, "listen-tls", false, "serve wss:// with a self-signed certificate made at start; its fingerprints go to stderr")
	cmd.Flags().BoolVar(&p.tail, "tail", false, "headless: one line per event on stdout, fault commands on stdin")
	cmd.Flags().BoolVar(&p.asJSON, "json", false, "with --tail, print one JSON object per line")
	cmd.Flags().StringVar(&p.theme, "theme", themes.Auto, "the debugger's colour theme `NAME`: "+strings.Join(themes.Names(), ", "))
	_ = cmd.RegisterFlagCompletionFunc("theme", cobra.FixedCompletions(themes.Names(), cobra.ShellCompDirectiveNoFileComp))
	p.conn.register(cmd)
	p.record.register(cmd)
	registerDialects(cmd, &p.dialects)
	noCompletion(cmd, "listen")
	return cmd
}

// proxyIgnores are connection flags that a relay cannot honour: the
// client decides on compression, pings, reconnects and redirects.
var proxyIgnores = []string{"compress", "ping", "reconnect", "location"}

func (p *proxyCmd) run(cmd *cobra.Command, positional []string) error {
	a := p.a
	for _, name := range proxyIgnores {
		if cmd.Flags().Changed(name) {
			return usagef("--%s does not apply to proxy: the client connected to it decides that", name)
		}
	}
	if p.asJSON && !p.tail {
		return usagef("--json goes with --tail")
	}
	if _, _, err := net.SplitHostPort(p.listen); err != nil {
		return usagef("--listen %s: want HOST:PORT, such as 127.0.0.1:8089", decode.Sanitize(p.listen))
	}
	if !p.tail {
		if _, err := themes.Parse(p.theme); err != nil {
			return usagef("--theme: unknown theme %q (one of %s)", p.theme, strings.Join(themes.Names(), ", "))
		}
	}
	opts, err := connectArgs(&p.conn, positional, a.stderr)
	if err != nil {
		return err
	}
	if opts.Dialects, err = loadDialects(p.dialects); err != nil {
		return usageError{err.Error()}
	}
	relay, err := conn.NewRelay(opts)
	if err != nil {
		return usageError{err.Error()}
	}
	// What was asked is checked before the terminal is: a wrong URL says
	// so wherever it is run.
	if !p.tail && (!isTerminal(os.Stdout) || !isTerminal(os.Stdin)) {
		return usagef("the debugger needs a terminal; use 'wsdbg proxy --tail' in scripts and pipes")
	}
	p.record.announce(a.stderr)
	tlsCfg, err := p.listenerTLS(a.stderr)
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", p.listen)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", p.listen, err)
	}
	scheme := "ws"
	if tlsCfg != nil {
		scheme = "wss"
		l = tls.NewListener(l, tlsCfg)
	}
	// A client refusing the certificate shows as a TLS handshake error.
	srv := &http.Server{Handler: relay, ReadHeaderTimeout: opts.ConnectTimeout,
		ErrorLog: log.New(sanitizedLines{a.stderr}, "wsdbg: ", 0)}
	go srv.Serve(l)
	defer srv.Close()
	listening := scheme + "://" + l.Addr().String()
	if !p.tail {
		return p.debugRelay(relay, opts, listening)
	}
	fmt.Fprintf(a.stderr, "wsdbg: relaying %s to %s\n", listening, decode.Sanitize(p.record.redactor().URL(opts.URL)))
	return statusError(p.tailRelay(relay, opts))
}

// tailRelay prints and records the relay's events, and carries out stdin's
// commands, until a quit signal. It returns the exit status.
func (p *proxyCmd) tailRelay(relay *conn.Relay, opts conn.Options) int {
	a := p.a
	quit := watchQuit()
	defer quit.stop()
	brokenPipe := make(chan os.Signal, 1)
	signal.Notify(brokenPipe, syscall.SIGPIPE)
	defer signal.Stop(brokenPipe)

	t := newTailSession(nil, p.record.redactor(), p.asJSON, a.stdout)
	recs := proxyRecordings{p: p, upstream: opts, writers: map[int]*history.Writer{}, stderr: a.stderr}
	defer recs.closeAll()
	commands := make(chan string)
	go readCommands(a.stdin, commands)
	chosen := 0 // the connection commands act on; 0: the newest open
	var batch []conn.Event
	shuttingDown := false
	for {
		select {
		case sig := <-quit:
			if shuttingDown {
				t.flush()
				return signalStatus(sig)
			}
			shuttingDown = true
			go relay.Shutdown()
		case line, ok := <-commands:
			if !ok {
				commands = nil // stdin ended: the proxy goes on
				continue
			}
			if err := relay.Command(line, &chosen); err != nil {
				fmt.Fprintln(a.stderr, "wsdbg:", decode.Sanitize(err.Error()))
			}
		case <-relay.EventsReady():
			var finished bool
			batch, finished = relay.TakeEvents(batch)
			for i := range batch {
				ev := &batch[i]
				t.rec = recs.writer(ev)
				t.show(ev)
			}
			t.rec = nil
			t.flush()
			for _, n := range relay.Ended() {
				recs.finish(n)
			}
			if t.outErr != nil && !t.outReported {
				t.outReported = true
				if !errors.Is(t.outErr, syscall.EPIPE) {
					fmt.Fprintln(a.stderr, "wsdbg: writing the output:", decode.Sanitize(t.outErr.Error()))
				}
				if !shuttingDown {
					shuttingDown = true
					go relay.Shutdown()
				}
			}
			if finished {
				if t.outErr != nil {
					if errors.Is(t.outErr, syscall.EPIPE) {
						return exitBrokenPipe
					}
					return exitFailure
				}
				return exitOK
			}
		}
	}
}

// readCommands delivers stdin's lines until it ends.
func readCommands(stdin io.Reader, lines chan<- string) {
	defer close(lines)
	sc := bufio.NewScanner(stdin)
	for sc.Scan() {
		lines <- sc.Text()
	}
}

// proxyRecordings records each proxied connection to a file of its own.
// In the debugger, what it has to say waits in notes until the screen is
// gone, and mu guards what the screen asks about a recording.
type proxyRecordings struct {
	p        *proxyCmd
	upstream conn.Options
	writers  map[int]*history.Writer
	stderr   io.Writer
	failed   map[int]bool

	quiet    bool
	notes    []string
	mu       sync.Mutex
	finished map[int]recordingDone
}

// recordingDone is what became of a finished connection's recording.
type recordingDone struct {
	path   string
	failed bool
}

// say tells the user something about the recordings: on stderr now, or
// once the debugger has ended.
func (r *proxyRecordings) say(format string, args ...any) {
	if r.quiet {
		r.notes = append(r.notes, fmt.Sprintf(format, args...))
		return
	}
	fmt.Fprintf(r.stderr, format, args...)
}

// state says where connection n is recorded and whether that failed.
func (r *proxyRecordings) state(n int) (path string, failed bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if w, ok := r.writers[n]; ok {
		return w.Path(), w.Err() != nil
	}
	if d, ok := r.finished[n]; ok {
		return d.path, d.failed
	}
	return "", r.failed[n]
}

// writer is the recording of ev's connection, started at its first
// event; nil when not recording.
func (r *proxyRecordings) writer(ev *conn.Event) *history.Writer {
	if r.p.record.off {
		return nil
	}
	if w, ok := r.writers[ev.Conn]; ok {
		return w
	}
	if r.failed[ev.Conn] {
		return nil
	}
	opts := r.upstream
	if ev.URL != "" {
		opts.URL = ev.URL
	}
	rf := r.p.record
	if rf.file != "" {
		ext := filepath.Ext(rf.file)
		if strings.HasSuffix(rf.file, history.FileSuffix) {
			ext = history.FileSuffix
		}
		rf.file = strings.TrimSuffix(rf.file, ext) + "-" + strconv.Itoa(ev.Conn) + ext
	}
	w, err := rf.start(opts)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		if r.failed == nil {
			r.failed = map[int]bool{}
		}
		r.failed[ev.Conn] = true
		r.say("wsdbg: connection #%d is not recorded: %s\n", ev.Conn, decode.Sanitize(err.Error()))
		return nil
	}
	r.writers[ev.Conn] = w
	return w
}

// finish closes connection n's recording and says where it is.
func (r *proxyRecordings) finish(n int) {
	if w, ok := r.writers[n]; ok {
		w.Close()
		r.say("wsdbg: #%d %s\n", n, w.Summary())
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.finished == nil {
			r.finished = map[int]recordingDone{}
		}
		r.finished[n] = recordingDone{path: w.Path(), failed: w.Err() != nil}
		delete(r.writers, n)
	}
}

func (r *proxyRecordings) closeAll() {
	for n := range r.writers {
		r.finish(n)
	}
}
