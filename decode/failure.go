package decode

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// CauseInfo names one failure cause, for listings such as
// `wsdbg explain --list`.
type CauseInfo struct {
	Kind  string `json:"kind"`
	Cause string `json:"cause"`
	Name  string `json:"name"`
	Code  int    `json:"code,omitempty"` // the close code it maps to, 0 where none applies
}

// failureInfo is the fixed part of a failure's explanation; ExplainFailure
// sharpens it with the Failure's context.
type failureInfo struct {
	kind        string
	cause       string
	name        string
	explanation string
	hint        string
	reconnect   bool
	code        int
	source      string
}

// Causes lists every failure cause ExplainFailure knows, grouped by kind.
func Causes() []CauseInfo {
	out := make([]CauseInfo, len(failureTable))
	for i, f := range failureTable {
		out[i] = CauseInfo{Kind: f.kind, Cause: f.cause, Name: f.name, Code: f.code}
	}
	return out
}

func lookupFailure(cause string) (failureInfo, bool) {
	for _, f := range failureTable {
		if f.cause == cause {
			return f, true
		}
	}
	return failureInfo{}, false
}

// serverToClient names the client where an explanation of a frame names
// the server that sent it.
var serverToClient = strings.NewReplacer("The server", "The client", "the server", "the client",
	"server's", "client's", "from the server", "from the client")

// FromProxiedClient turns ex, the explanation of f, into that of the same
// failure committed by the application connected to wsdbg proxy: the
// table tells protocol violations and oversized messages as a server's,
// and its hints are advice about servers. What happened reads the same
// with the sides swapped; what to do is the application's to change.
// Other kinds of failure are returned as they are.
func FromProxiedClient(f Failure, ex Explanation) Explanation {
	switch f.Kind {
	case KindProtocol:
		ex.Hint = "Fix the application's WebSocket code or library that wrote this frame. wsdbg relays it as sent; " +
			"a server that checks it closes the connection with 1002 (1007 for text that is not UTF-8)."
	case KindLimit:
		ex.Hint = "The message was relayed whole; only what wsdbg shows of it stopped at --max-message. " +
			"Raise --max-message to see all of it."
	default:
		return ex
	}
	ex.Name = serverToClient.Replace(ex.Name)
	ex.Explanation = serverToClient.Replace(ex.Explanation)
	ex.Source = SourceClient
	return ex
}

// ExplainFailure explains a handshake, transport, TLS, protocol or limit
// failure, sharpened with whatever context the Failure carries.
func ExplainFailure(f Failure) Explanation {
	info, ok := lookupFailure(f.Cause)
	if !ok {
		return explainUnknownFailure(f)
	}
	e := Explanation{
		Name:        info.name,
		Category:    info.kind,
		Explanation: info.explanation,
		Hint:        info.hint,
		Reconnect:   info.reconnect,
		Source:      info.source,
		Code:        info.code,
	}
	if f.Kind != "" {
		e.Category = f.Kind
	}
	if f.Code != 0 {
		e.Code = f.Code
	}
	switch f.Cause {
	case CauseHTTPStatus:
		if f.Status != 0 {
			explainHTTPStatus(&e, f)
		}
	case CauseRedirect:
		explainRedirect(&e, f)
	case CauseInvalidUpgrade:
		addHeader(&e, f, "Upgrade")
	case CauseInvalidConnection:
		addHeader(&e, f, "Connection")
	case CauseUnofferedSubproto, CauseUnofferedExtension:
		if f.Chosen != "" {
			e.Explanation += fmt.Sprintf(" It chose %s; the client offered %s.", quote(f.Chosen), listOrNone(f.Offered))
		}
	case CauseBadCompressionParam:
		addHeader(&e, f, "Sec-Websocket-Extensions")
	case CauseBadURL:
		if f.URL != "" {
			e.Explanation += fmt.Sprintf(" The URL was %s.", quote(f.URL))
		}
	case CauseProxyRefused:
		if f.Status != 0 {
			e.Explanation += fmt.Sprintf(" It answered %d %s.", f.Status, statusText(f.Status))
		}
	case CauseTLSUnknownAuthority, CauseTLSNameMismatch, CauseTLSExpired, CauseTLSNotYetValid:
		explainCertificate(&e, f)
	case CauseReservedOpcode:
		if f.Opcode != 0 {
			e.Explanation += fmt.Sprintf(" The opcode was 0x%X.", f.Opcode)
		}
	case CauseOversizedControl:
		if f.Length > 0 {
			e.Explanation += fmt.Sprintf(" This one declared %d bytes.", f.Length)
		}
	case CauseMessageTooBig, CauseInflateTooBig, CauseResponseTooBig:
		explainLimit(&e, f)
	case CauseMalformedHeader:
		if f.Raw != "" {
			e.Explanation += " The offending line is " + quote(f.Raw) + "."
		}
	case CauseHTTPAfterUpgrade:
		explainHTTPAfterUpgrade(&e, f)
	case CauseSlowUpgrade:
		explainSlowUpgrade(&e, f)
	case CauseEOFWithoutClose, CauseConnReset, CauseBrokenPipe:
		// These are 1006 seen from the transport: the same diagnosis
		// applies as to a 1006 close.
		diagnoseAbnormal(&e, CloseContext{IdleSeconds: f.IdleSeconds, PingsOn: f.PingsOn, Proxy: f.Proxy, EarlierDrops: f.EarlierDrops})
	case CauseWriteTimeout, CauseNotReading, CauseUnsentDropped:
		explainWaiting(&e, f)
	}
	return e
}

// explainUnknownFailure covers causes this version does not know, from the
// kind alone, so that nothing is ever left unexplained.
func explainUnknownFailure(f Failure) Explanation {
	e := Explanation{Name: "Connection failed", Category: f.Kind, Code: f.Code,
		Explanation: "The connection failed.", Hint: "Read the error text for details."}
	for _, info := range failureTable {
		if info.kind == f.Kind {
			e.Source = info.source
			e.Reconnect = info.reconnect
			break
		}
	}
	if f.Kind != "" {
		e.Explanation = fmt.Sprintf("The connection failed at the %s stage.", Sanitize(f.Kind))
	}
	if f.Message != "" {
		e.Explanation += " The error was: " + Sanitize(f.Message)
	}
	return e
}

func addHeader(e *Explanation, f Failure, name string) {
	if v, ok := f.Header[name]; ok {
		e.Explanation += fmt.Sprintf(" The server sent %s: %s.", name, quote(v))
	}
}

func listOrNone(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = quote(s)
	}
	return strings.Join(quoted, ", ")
}

func explainRedirect(e *Explanation, f Failure) {
	if f.Status != 0 {
		e.Name = fmt.Sprintf("Upgrade redirected: %d %s", f.Status, statusText(f.Status))
	}
	if f.Location == "" {
		return
	}
	loc := f.Location
	// A relative Location is resolved against the URL that was dialled.
	if base, err := url.Parse(f.URL); err == nil && f.URL != "" {
		if ref, err := url.Parse(loc); err == nil {
			loc = base.ResolveReference(ref).String()
		}
	}
	loc = Sanitize(loc)
	e.Explanation += fmt.Sprintf(" It points to %s.", loc)
	target := loc
	if rest, ok := strings.CutPrefix(loc, "https://"); ok {
		target = "wss://" + rest
	} else if rest, ok := strings.CutPrefix(loc, "http://"); ok {
		target = "ws://" + rest
	}
	e.Hint = fmt.Sprintf("Rerun with `-L` to follow it, or connect to %s directly.", target)
	if strings.Contains(strings.ToLower(loc), "login") || strings.Contains(strings.ToLower(loc), "signin") {
		e.Hint += " It looks like a login page: the request was probably not authenticated."
	}
}

func explainCertificate(e *Explanation, f Failure) {
	switch f.Cause {
	case CauseTLSUnknownAuthority:
		if f.CertIssuer != "" {
			e.Explanation += fmt.Sprintf(" It was issued by %s.", quote(f.CertIssuer))
		}
	case CauseTLSNameMismatch:
		if len(f.CertDNSNames) > 0 {
			e.Explanation += " It covers: " + strings.Join(sanitizeAll(f.CertDNSNames), ", ") + "."
		} else if f.CertSubject != "" {
			e.Explanation += fmt.Sprintf(" Its subject is %s and it lists no DNS names.", quote(f.CertSubject))
		}
	case CauseTLSExpired:
		if f.CertNotAfter != "" {
			e.Explanation += " It expired at " + Sanitize(f.CertNotAfter) + "."
		}
	case CauseTLSNotYetValid:
		if f.CertNotBefore != "" {
			e.Explanation += " It is valid from " + Sanitize(f.CertNotBefore) + "."
		}
	}
}

func sanitizeAll(items []string) []string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = Sanitize(s)
	}
	return out
}

func explainLimit(e *Explanation, f Failure) {
	switch {
	case f.Length > 0 && f.Limit > 0:
		e.Explanation += fmt.Sprintf(" It was %s; the limit is %s.", exactSize(f.Length), exactSize(f.Limit))
	case f.Limit > 0:
		e.Explanation += fmt.Sprintf(" The limit is %s.", exactSize(f.Limit))
	}
}

// explainWaiting says how long the stuck write had made no progress and
// what had not gone out.
func explainWaiting(e *Explanation, f Failure) {
	if f.StalledSeconds > 0 {
		e.Explanation += fmt.Sprintf(" Nothing went out for %s.", humanSeconds(f.StalledSeconds))
	}
	if f.Waiting <= 0 {
		return
	}
	what, plural := fmt.Sprintf("%d messages (%s)", f.Waiting, HumanSize(f.WaitingBytes)), true
	if f.Waiting == 1 {
		what, plural = "1 message ("+HumanSize(f.WaitingBytes)+")", false
	}
	switch {
	case f.Cause == CauseWriteTimeout:
		e.Explanation += " " + what + " had not gone out."
	case f.Cause == CauseNotReading && plural:
		e.Explanation += " " + what + " are waiting."
	case f.Cause == CauseNotReading:
		e.Explanation += " " + what + " is waiting."
	case plural:
		e.Explanation += " " + what + " were dropped."
	default:
		e.Explanation += " " + what + " was dropped."
	}
}

// explainHTTPAfterUpgrade quotes the response a server wrote after its 101:
// its status line and body say why it refused after all.
func explainHTTPAfterUpgrade(e *Explanation, f Failure) {
	if f.Status != 0 {
		e.Name = fmt.Sprintf("HTTP response after the upgrade: %d %s", f.Status, statusText(f.Status))
		// Whether retrying helps depends on the status as it would for a
		// refused upgrade; the rest of that explanation does not apply,
		// since this server accepted the request.
		var refused Explanation
		explainHTTPStatus(&refused, f)
		e.Reconnect = refused.Reconnect
	}
	if line := firstLine(f.Raw); line != "" {
		e.Explanation += " Its status line is " + quote(line) + "."
	}
	if body := strings.TrimSpace(f.Body); body != "" {
		e.Explanation += " The body is " + quote(truncate(body, 200)) + "."
	}
	if eio, ok := engineIOError(strings.TrimSpace(f.Body)); ok {
		e.Explanation += " It is an Engine.IO error: " + eio
		e.Hint = "Connect with the EIO version the server supports: ?EIO=4&transport=websocket for Socket.IO 3 and later, EIO=3 for Socket.IO 2."
	}
}

// firstLine is raw up to its first line break; raw is sanitised, so the
// break is the escape text \r\n or \n.
func firstLine(raw string) string {
	for _, end := range []string{`\r\n`, `\n`} {
		if i := strings.Index(raw, end); i >= 0 {
			raw = raw[:i]
		}
	}
	return raw
}

func explainSlowUpgrade(e *Explanation, f Failure) {
	if f.TimeoutSeconds > 0 {
		e.Explanation += fmt.Sprintf(" The timeout was %s", time.Duration(f.TimeoutSeconds*float64(time.Second)))
		if f.Length > 0 {
			e.Explanation += fmt.Sprintf("; %s of the response had arrived", exactSize(f.Length))
		}
		e.Explanation += "."
	} else if f.Length > 0 {
		e.Explanation += fmt.Sprintf(" %s of the response had arrived.", exactSize(f.Length))
	}
}
