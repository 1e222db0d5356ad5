package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/decode/protocol"
	"github.com/wsdbg/wsdbg/history"
	"github.com/wsdbg/wsdbg/themes"
)

// Flag groups: help, docs/flags.md and completion list a command's flags
// under these headings, its own flags first.
const (
	groupAnnotation = "wsdbg_group"
	groupConnection = "Connection flags"
	groupProtocol   = "Protocol flags"
	groupRecording  = "Recording flags"
)

// inGroup files the flags named under a help heading.
func inGroup(fs *pflag.FlagSet, group string, names ...string) {
	for _, n := range names {
		if err := fs.SetAnnotation(n, groupAnnotation, []string{group}); err != nil {
			panic(err) // a flag name misspelt here
		}
	}
}

// connFlags are the flags shared by every command that connects.
type connFlags struct {
	headers      headerList
	subprotocols []string
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
	protocol     string
	idFields     []string
	opening      openingFlags
	// set is the flag set the flags were registered on, which tells the
	// flags given from those left at their defaults.
	set *pflag.FlagSet
}

// openingFlags say what the protocol's opening packet (--connect) carries.
type openingFlags struct {
	connect     bool
	namespace   string
	payload     string
	clientID    string
	user        string
	password    string
	keepAlive   time.Duration
	mqttVersion string
	vhost       string
}

// openingDetailFlags are the flags that only shape --connect's packet.
var openingDetailFlags = []string{"namespace", "connect-payload", "client-id", "user", "password", "keep-alive", "mqtt-version", "vhost"}

func (cf *connFlags) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.VarP(&cf.headers, "header", "H", "request header `'Name: value'` (repeatable)")
	fs.StringArrayVar(&cf.subprotocols, "subprotocol", nil, "offer subprotocol `P` (repeatable)")
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
	fs.BoolVarP(&cf.location, "location", "L", false, "follow redirects on the upgrade")
	fs.StringVar(&cf.protocol, "protocol", "", "decode messages as protocol `NAME` ("+strings.Join(protocol.Names, ", ")+
		") or none, which also stops the automatic heartbeats; default: detect it")
	op := &cf.opening
	fs.BoolVar(&op.connect, "connect", false, "send the protocol's opening packet once connected: Socket.IO's namespace CONNECT, "+
		"graphql's connection_init, MQTT's or STOMP's CONNECT")
	fs.StringVar(&op.namespace, "namespace", "", "Socket.IO namespace `NS` for --connect (default: the main one, /)")
	fs.StringVar(&op.payload, "connect-payload", "", "`JSON` object --connect sends: Socket.IO's auth, graphql's connection_init payload")
	fs.StringVar(&op.clientID, "client-id", "", "MQTT client id `ID` for --connect (default: a random wsdbg-…)")
	fs.StringVar(&op.user, "user", "", "user `NAME` for --connect: MQTT's user name, STOMP's login")
	fs.StringVar(&op.password, "password", "", "password `SECRET` for --connect: MQTT's password, STOMP's passcode (redacted in the output)")
	fs.DurationVar(&op.keepAlive, "keep-alive", time.Minute, "MQTT keep-alive and STOMP heart-beat `D` for --connect (0: off)")
	fs.StringVar(&op.mqttVersion, "mqtt-version", "3.1.1", "MQTT version `V` of --connect's CONNECT: 3.1.1 or 5")
	fs.StringVar(&op.vhost, "vhost", "/", "STOMP virtual `HOST` for --connect")
	fs.StringArrayVar(&cf.idFields, "id-field", nil, "link JSON requests and replies by the id at dotted `PATH`, "+
		"tried before id, request_id, requestId, ref and nonce (repeatable)")
	cf.set = fs
	inGroup(fs, groupConnection, "header", "subprotocol", "origin", "insecure", "cacert", "cert", "key",
		"proxy", "compress", "connect-timeout", "ping", "max-message", "reconnect", "location", "id-field")
	inGroup(fs, groupProtocol, append([]string{"protocol", "connect"}, openingDetailFlags...)...)
	_ = cmd.RegisterFlagCompletionFunc("mqtt-version", cobra.FixedCompletions([]string{"3.1.1", "5"}, cobra.ShellCompDirectiveNoFileComp))
	noCompletion(cmd, "namespace", "connect-payload", "client-id", "user", "password", "keep-alive", "vhost")
	_ = cmd.RegisterFlagCompletionFunc("protocol", cobra.FixedCompletions(append([]string{conn.ProtocolNone}, protocol.Names...),
		cobra.ShellCompDirectiveNoFileComp))
	for _, name := range []string{"cacert", "cert", "key"} {
		_ = cmd.MarkFlagFilename(name, "pem", "crt", "key")
	}
	noCompletion(cmd, "header", "subprotocol", "origin", "proxy", "connect-timeout", "ping", "max-message", "id-field")
}

// options validates the flags and the URL into connection options.
func (cf *connFlags) options(url string) (conn.Options, error) {
	o := conn.Options{
		URL: url, Header: http.Header{}, Subprotocols: cf.subprotocols, Origin: cf.origin,
		Insecure: cf.insecure, CACertFile: cf.cacert, CertFile: cf.cert, KeyFile: cf.key,
		Proxy: cf.proxy, Compress: cf.compress, ConnectTimeout: cf.timeout, PingInterval: cf.ping,
		MaxMessage: cf.maxMessage, Reconnect: cf.reconnect, FollowRedirects: cf.location, Protocol: cf.protocol,
		IDFields: cf.idFields,
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
	o.Protocol = cf.protocol
	o.IDFields = cf.idFields
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
	case o.Protocol != "" && o.Protocol != conn.ProtocolNone && !protocol.Known(o.Protocol):
		return usagef("--protocol %s is not one wsdbg knows: use one of %s, or none", decode.Sanitize(o.Protocol), strings.Join(protocol.Names, ", "))
	}
	return cf.opening.apply(o, cf.set)
}

// apply checks the --connect flags and sets o.Opening from them. set
// tells which flags were given; nil when none were.
func (of *openingFlags) apply(o *conn.Options, set *pflag.FlagSet) error {
	if !of.connect {
		for _, name := range openingDetailFlags {
			if set != nil && set.Changed(name) {
				return usagef("--%s shapes the opening packet: add --connect to send it", name)
			}
		}
		return nil
	}
	if o.Protocol == conn.ProtocolNone {
		return usagef("--connect sends a protocol's opening packet, which --protocol none turns off")
	}
	switch name := conn.OpeningProtocol(*o, ""); name {
	case "":
		return usagef("--connect needs a protocol: give --protocol NAME (socket.io, graphql-transport-ws, graphql-ws, mqtt or stomp)")
	case protocol.EngineIO:
		return usagef("--connect: Engine.IO has no opening packet of its own; for Socket.IO's namespace CONNECT give --protocol socket.io")
	case protocol.Phoenix:
		return usagef("--connect: a Phoenix socket has no opening packet; join a channel by sending phx_join")
	case protocol.ActionCable:
		return usagef("--connect: an ActionCable server opens with its welcome; subscribe by sending a subscribe command")
	}
	op := &conn.Opening{Namespace: of.namespace, ClientID: of.clientID, User: of.user, Password: of.password,
		KeepAlive: of.keepAlive, Host: of.vhost}
	if of.payload != "" {
		if !json.Valid([]byte(of.payload)) || !strings.HasPrefix(strings.TrimSpace(of.payload), "{") {
			return usagef("--connect-payload must be a JSON object, such as '{\"token\":\"...\"}'")
		}
		op.Payload = json.RawMessage(strings.TrimSpace(of.payload))
	}
	switch of.mqttVersion {
	case "3.1.1":
		op.MQTTVersion = 4
	case "5":
		op.MQTTVersion = 5
	default:
		return usagef("--mqtt-version %s: wsdbg sends 3.1.1 or 5", decode.Sanitize(of.mqttVersion))
	}
	switch {
	case of.keepAlive < 0:
		return usagef("--keep-alive must not be negative")
	case strings.ContainsAny(of.namespace, ",\n\x00"):
		return usagef("--namespace must not hold a comma or a line break: Socket.IO ends the namespace at the comma")
	case strings.ContainsAny(of.user+of.password+of.vhost, "\r\n\x00"):
		return usagef("--user, --password and --vhost must not hold a line break or NUL: a STOMP header cannot carry them")
	case max(len(of.clientID), len(of.user), len(of.password)) > protocol.MQTTStringMax:
		return usagef("--client-id, --user and --password carry at most 65535 bytes: an MQTT string's length is two bytes")
	}
	o.Opening = op
	return nil
}

// headerList gathers -H values into a header.
type headerList struct{ h http.Header }

func (l *headerList) String() string { return "" }
func (l *headerList) Type() string   { return "header" }
func (l *headerList) Set(v string) error {
	name, value, err := parseHeader(v)
	if err != nil {
		return err
	}
	if l.h == nil {
		l.h = http.Header{}
	}
	l.h.Add(name, value)
	return nil
}

// connectArgs turns positional arguments into options: a URL, or a pasted
// curl command.
func connectArgs(cf *connFlags, positional []string, stderr io.Writer) (conn.Options, error) {
	if len(positional) > 0 && positional[0] == "curl" {
		o, ignored, err := parseCurl(positional[1:])
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

// recordFlags choose where (and whether) a session is recorded.
type recordFlags struct {
	version       string // the program's, written in the recording's header
	file          string
	off           bool
	noRedact      bool
	redactHeaders []string
}

func (rf *recordFlags) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&rf.file, "record", "", "record the session to `FILE` (default: a new file in the state directory)")
	fs.BoolVar(&rf.off, "no-record", false, "do not record the session")
	rf.registerRedaction(cmd, "keep secrets (Authorization, cookies, tokens) in the output, recordings and exports")
	inGroup(fs, groupRecording, "record", "no-record", "no-redact", "redact-header")
	_ = cmd.MarkFlagFilename("record", "jsonl")
}

// registerRedaction adds the flags that choose what is redacted.
func (rf *recordFlags) registerRedaction(cmd *cobra.Command, noRedactUsage string) {
	cmd.Flags().BoolVar(&rf.noRedact, "no-redact", false, noRedactUsage)
	cmd.Flags().StringArrayVar(&rf.redactHeaders, "redact-header", nil, "also redact header `NAME` (repeatable)")
	noCompletion(cmd, "redact-header")
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
	hdr := history.Header{ToolVersion: rf.version, URL: opts.URL, RequestHeaders: opts.Header}
	rec, err := history.Create(path, hdr, history.WriterOptions{Redactor: rf.redactor()})
	if err != nil {
		return nil, fmt.Errorf("%w%s", err, hint)
	}
	return rec, nil
}

// uiFlags are the flags of the commands that open the debugger.
type uiFlags struct {
	record   recordFlags
	theme    string
	dialects string
}

func (uf *uiFlags) register(cmd *cobra.Command, version string) {
	uf.record.version = version
	uf.record.register(cmd)
	cmd.Flags().StringVar(&uf.theme, "theme", themes.Auto, "colour theme `NAME`: "+strings.Join(themes.Names(), ", "))
	_ = cmd.RegisterFlagCompletionFunc("theme", cobra.FixedCompletions(themes.Names(), cobra.ShellCompDirectiveNoFileComp))
	registerDialects(cmd, &uf.dialects)
}

func (uf *uiFlags) validate() error {
	if _, err := themes.Parse(uf.theme); err != nil {
		return usagef("--theme: unknown theme %q (one of %s)", uf.theme, strings.Join(themes.Names(), ", "))
	}
	return nil
}

// registerDialects adds --dialects, read by loadDialects.
func registerDialects(cmd *cobra.Command, file *string) {
	cmd.Flags().StringVar(file, "dialects", "", "read your services' codes and error shapes from `FILE`")
	_ = cmd.MarkFlagFilename("dialects", "json")
}

// noCompletion says that the flags take values no shell can guess.
func noCompletion(cmd *cobra.Command, names ...string) {
	for _, n := range names {
		_ = cmd.RegisterFlagCompletionFunc(n, cobra.NoFileCompletions)
	}
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
