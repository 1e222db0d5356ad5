package decode

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Close code categories.
const (
	CategoryStandard   = "standard"   // defined by RFC 6455 or the IANA registry, legal on the wire
	CategoryLocalOnly  = "local-only" // a stand-in an endpoint reports, never sent
	CategoryReserved   = "reserved"   // 1004: reserved, never sent
	CategoryRegistered = "registered" // 3000–3999: registered with IANA
	CategoryPrivate    = "private"    // 4000–4999: meaning set by the service
	CategoryInvalid    = "invalid"    // never valid in a close frame
)

// Who sends a close code.
const (
	SourceEither = "either peer"
	SourceServer = "server"
	SourceClient = "client"
	SourceLocal  = "local only"
	SourceNobody = "never sent"
	SourceApp    = "application"
)

// CodeInfo describes one close code, or one range of codes, for listings
// such as `wsdbg explain --list`.
type CodeInfo struct {
	First     int    `json:"first"`
	Last      int    `json:"last"` // equal to First for a single code
	Name      string `json:"name"`
	Category  string `json:"category"`
	Source    string `json:"source"`
	OnWire    bool   `json:"on_wire"` // whether a close frame may carry it
	Reconnect bool   `json:"reconnect"`
	Meaning   string `json:"meaning"`           // what it means
	Causes    string `json:"causes,omitempty"`  // what usually leads to it
	Hint      string `json:"hint"`              // what to do
	Dialect   string `json:"dialect,omitempty"` // set for a convention's meaning of a private code, "" for the standard
}

// standardCodes holds 1000–1015 (RFC 6455 §7.4.1 and the IANA registry).
var standardCodes = []CodeInfo{
	{First: 1000, Name: "Normal Closure", Category: CategoryStandard, Source: SourceEither, OnWire: true,
		Meaning: "The peer closed on purpose: the work the connection was opened for is done.",
		Causes:  "a client or server calling close() normally, a finished stream, a logout.",
		Hint:    "Nothing is wrong. Do not reconnect automatically: the peer ended the session on purpose, so open a new one only when there is new work. If the close was unexpected, the reason text and the last messages say why."},
	{First: 1001, Name: "Going Away", Category: CategoryStandard, Source: SourceEither, OnWire: true, Reconnect: true,
		Meaning: "The endpoint is going away.",
		Causes:  "a server shutting down or being redeployed, a browser tab closing or navigating away.",
		Hint:    "Reconnect after a short delay with backoff; during a rolling deploy the next attempt usually reaches a healthy instance."},
	{First: 1002, Name: "Protocol Error", Category: CategoryStandard, Source: SourceEither, OnWire: true,
		Meaning: "The endpoint received something that breaks the WebSocket protocol.",
		Causes:  "reserved bits set without an extension, an unknown opcode, a fragmented or oversized control frame, wrong masking, a continuation with nothing to continue, an illegal close code.",
		Hint:    "Do not reconnect blindly: the same bytes will fail again. Look at the frames just before the close and fix the sender's framing (or the proxy that rewrote it)."},
	{First: 1003, Name: "Unsupported Data", Category: CategoryStandard, Source: SourceEither, OnWire: true,
		Meaning: "The endpoint received a kind of message it does not accept.",
		Causes:  "binary where only text is expected, or the other way round.",
		Hint:    "Send the message type the other side expects (text or binary). Reconnecting does not help until the sender changes."},
	{First: 1004, Name: "Reserved", Category: CategoryReserved, Source: SourceNobody,
		Meaning: "Reserved by RFC 6455 with no meaning; no endpoint may send it.",
		Causes:  "a broken or experimental implementation.",
		Hint:    "Treat it as a protocol error by the peer and report it; reconnecting will not change the peer's code."},
	{First: 1005, Name: "No Status Received", Category: CategoryLocalOnly, Source: SourceLocal, Reconnect: true,
		Meaning: "The close frame carried no status code, so there is none to report. This is a stand-in an endpoint reports locally; it is never sent.",
		Causes:  "the peer closing with an empty close frame (close() with no code), which is legal and often harmless.",
		Hint:    "Usually benign. If the connection should have stayed open, reconnect with backoff and check the server's logs for why it closed."},
	{First: 1006, Name: "Abnormal Closure", Category: CategoryLocalOnly, Source: SourceLocal, Reconnect: true,
		Meaning: "The connection ended without a close frame: the TCP connection was closed or reset underneath. This is a stand-in an endpoint reports locally; it is never sent.",
		Causes:  "a proxy or load balancer killing an idle connection, a server crash or deploy, a network change (Wi-Fi, VPN, NAT expiry), a firewall.",
		Hint:    "Reconnect with exponential backoff and jitter. If drops come after a fixed quiet period, turn on pings (`--ping 20s`) or raise the proxy's idle timeout."},
	{First: 1007, Name: "Invalid Frame Payload Data", Category: CategoryStandard, Source: SourceEither, OnWire: true,
		Meaning: "A message's content did not match its type.",
		Causes:  "a text message or close reason that is not valid UTF-8, or data corrupted by a bad compression setup.",
		Hint:    "Fix the sender's encoding, or send such data as binary. Reconnecting does not help: the same message fails again."},
	{First: 1008, Name: "Policy Violation", Category: CategoryStandard, Source: SourceEither, OnWire: true,
		Meaning: "The endpoint refused a message or the connection because it breaks a policy. It is the generic code for refusals that fit no other code or whose details are hidden.",
		Causes:  "failed authentication, a disallowed origin, forbidden content, an exceeded quota.",
		Hint:    "Read the reason text and check the server's rules (credentials, origin, size, rate). Do not reconnect unchanged: the same request is refused again."},
	{First: 1009, Name: "Message Too Big", Category: CategoryStandard, Source: SourceEither, OnWire: true,
		Meaning: "A message (or a single frame) was larger than the endpoint will process.",
		Causes:  "a payload over the receiver's configured size limit.",
		Hint:    "Send smaller messages (split or paginate) or raise the receiver's limit (wsdbg's own is `--max-message`). Reconnecting does not help: the same message is too big again."},
	{First: 1010, Name: "Mandatory Extension", Category: CategoryStandard, Source: SourceClient, OnWire: true,
		Meaning: "The client closed because the server did not agree to an extension the client requires.",
		Causes:  "a client insisting on an extension such as permessage-deflate that the server (or a proxy) does not negotiate.",
		Hint:    "Enable the extension on the server or stop requiring it in the client. Reconnecting does not help: the negotiation ends the same way."},
	{First: 1011, Name: "Internal Error", Category: CategoryStandard, Source: SourceServer, OnWire: true, Reconnect: true,
		Meaning: "The server hit an unexpected condition and gave up on the connection.",
		Causes:  "an unhandled exception, a failing database or upstream service.",
		Hint:    "Check the server's logs for that moment. Reconnect with backoff: the fault may be temporary."},
	{First: 1012, Name: "Service Restart", Category: CategoryStandard, Source: SourceServer, OnWire: true, Reconnect: true,
		Meaning: "The server is restarting and expects clients to come back.",
		Causes:  "a deploy or a planned restart.",
		Hint:    "Reconnect after a short randomised delay (a few seconds) so that clients do not all return at once."},
	{First: 1013, Name: "Try Again Later", Category: CategoryStandard, Source: SourceServer, OnWire: true, Reconnect: true,
		Meaning: "The server cannot serve the connection right now.",
		Causes:  "overload or rate limiting.",
		Hint:    "Reconnect with exponential backoff and jitter, and open connections less often."},
	{First: 1014, Name: "Bad Gateway", Category: CategoryStandard, Source: SourceServer, OnWire: true, Reconnect: true,
		Meaning: "A gateway or proxy in front of the service got an invalid response from the server behind it. Some libraries (gorilla/websocket among them) wrongly reject this code as invalid.",
		Causes:  "an upstream service that is down, restarting or misbehaving.",
		Hint:    "Check the health of the service behind the gateway. Reconnect with backoff."},
	{First: 1015, Name: "TLS Handshake Failure", Category: CategoryLocalOnly, Source: SourceLocal,
		Meaning: "The TLS handshake failed, so the WebSocket never started. This is a stand-in an endpoint reports locally; it is never sent.",
		Causes:  "an untrusted or expired certificate, a host name the certificate does not cover, no common TLS version or cipher.",
		Hint:    "Read the TLS error: trust a private CA with `--cacert`, or skip verification for testing with `--insecure`. Reconnecting does not help until the certificate or the trust changes."},
}

// registeredCodes are the IANA registrations in 3000–3999 that are known
// for certain; the rest of the range is named by whoever registered it.
var registeredCodes = []CodeInfo{
	{First: 3000, Name: "Unauthorized", Category: CategoryRegistered, Source: SourceApp, OnWire: true,
		Meaning: "The endpoint must be authenticated before it can do this, like HTTP 401.",
		Causes:  "missing, expired or invalid credentials.",
		Hint:    "Get valid credentials first; reconnecting with the same ones is refused again."},
	{First: 3003, Name: "Forbidden", Category: CategoryRegistered, Source: SourceApp, OnWire: true,
		Meaning: "The endpoint is authenticated but not allowed to do this, like HTTP 403.",
		Causes:  "missing permissions for the account or token.",
		Hint:    "Grant the needed permission or use another account; reconnecting unchanged is refused again."},
	{First: 3008, Name: "Timeout", Category: CategoryRegistered, Source: SourceApp, OnWire: true, Reconnect: true,
		Meaning: "The endpoint timed out waiting for the other side, like HTTP 408.",
		Causes:  "a request or an expected message that did not arrive in time.",
		Hint:    "Reconnect; if it repeats, find out what the peer was waiting for."},
}

// codeRanges covers every code the tables above do not.
var codeRanges = []CodeInfo{
	{First: 0, Last: 999, Name: "Unused", Category: CategoryInvalid, Source: SourceNobody,
		Meaning: "RFC 6455 defines no status codes below 1000; none of them is valid in a close frame.",
		Causes:  "a bug in the peer, or a number that is not a close code at all.",
		Hint:    "Treat it as a protocol error by the peer (1002) and report it."},
	{First: 1016, Last: 2999, Name: "Reserved for future use", Category: CategoryInvalid, Source: SourceNobody,
		Meaning: "Reserved for later revisions of RFC 6455 and for extensions. Nothing in this range is assigned, so it is never valid in a close frame.",
		Causes:  "a broken or experimental peer.",
		Hint:    "Treat it as a protocol error by the peer (1002) and report it."},
	{First: 3000, Last: 3999, Name: "Registered", Category: CategoryRegistered, Source: SourceApp, OnWire: true,
		Meaning: "Registered with IANA, first come first served, for libraries, frameworks and applications; the registrant defines the meaning.",
		Hint:    "Look up the code in the IANA WebSocket Close Code Number registry, or in the documentation of the library the server uses."},
	{First: 4000, Last: 4999, Name: "Private", Category: CategoryPrivate, Source: SourceApp, OnWire: true,
		Meaning: "For private use: the meaning is set by the service, not by any standard.",
		Hint:    "Check the service's documentation or the close reason; describe the service's codes in a dialect file so wsdbg can name them."},
	{First: 5000, Last: 65535, Name: "Out of range", Category: CategoryInvalid, Source: SourceNobody,
		Meaning: "RFC 6455 assigns nothing from 5000 up; these codes are never valid in a close frame.",
		Causes:  "a bug in the peer, often an application error number sent as a close code.",
		Hint:    "Treat it as a protocol error by the peer (1002) and report it."},
}

// conventionDialect is the Dialect of an explanation that gives a private
// code the meaning of the common convention (4000–4003), because no
// subprotocol, host or dialect file says what the service means by it.
const conventionDialect = "common convention"

// conventionCodes lists the common convention's private codes, in order.
func conventionCodes() []CodeInfo {
	var rows []CodeInfo
	for code := 4000; code <= 4999; code++ {
		entry, ok := sessionAuthDialect.closeCodes[code]
		if !ok {
			continue
		}
		rows = append(rows, CodeInfo{First: code, Name: entry.Name, Category: CategoryPrivate, Source: entry.Source,
			OnWire: true, Reconnect: entry.Reconnect, Meaning: conventionMeaning(code, entry), Hint: entry.Hint,
			Dialect: conventionDialect})
	}
	return rows
}

// conventionMeaning says what the convention makes of a code, as a
// convention and not a standard.
func conventionMeaning(code int, entry codeEntry) string {
	return fmt.Sprintf("A private code; by a common convention (not a standard), %d means %s", code, entry.Meaning)
}

// Codes returns the whole close code table: 1000–1015 one by one, the
// known registered codes, every range, and the common convention's
// private codes, ordered by code.
func Codes() []CodeInfo {
	var all []CodeInfo
	all = append(all, codeRanges[0])
	all = append(all, standardCodes...)
	all = append(all, codeRanges[1], codeRanges[2])
	all = append(all, registeredCodes...)
	all = append(all, codeRanges[3])
	all = append(all, conventionCodes()...)
	all = append(all, codeRanges[4:]...)
	for i := range all {
		if all[i].Last == 0 {
			all[i].Last = all[i].First
		}
	}
	return all
}

// ValidOnWire reports whether a close code may be sent in a close frame.
func ValidOnWire(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// lookupCodeInfo finds the most specific row for a code.
func lookupCodeInfo(code int) (CodeInfo, bool) {
	for _, table := range [][]CodeInfo{standardCodes, registeredCodes} {
		for _, c := range table {
			if c.First == code {
				c.Last = code
				return c, true
			}
		}
	}
	for _, r := range codeRanges {
		if code >= r.First && code <= r.Last {
			return r, true
		}
	}
	return CodeInfo{}, false
}

// ExplainClose explains a close code (RFC 6455 §7.4, the IANA registry, and
// the dialect picked by ctx for private and registered codes).
func ExplainClose(code int, reason string, ctx CloseContext) Explanation {
	info, ok := lookupCodeInfo(code)
	if !ok {
		return Explanation{
			Name:        "Not a close code",
			Category:    CategoryInvalid,
			Explanation: fmt.Sprintf("%d does not fit in the 16 bits a close code has.", code),
			Hint:        "Treat it as a protocol error by the peer (1002).",
			Source:      SourceNobody,
			Code:        code,
		}
	}
	e := Explanation{
		Name:        info.Name,
		Category:    info.Category,
		Explanation: info.Meaning,
		Hint:        info.Hint,
		Reconnect:   info.Reconnect,
		Source:      info.Source,
		Code:        code,
	}
	if info.Causes != "" {
		e.Explanation += " Usual causes: " + info.Causes
	}
	if info.First != info.Last {
		e.Name = info.Name + " (" + strconv.Itoa(info.First) + "–" + strconv.Itoa(info.Last) + ")"
	}

	if code == 1009 && ctx.Remote {
		e.Explanation += " The server sent it: a message the client sent was over the server's limit."
		e.Hint = "Send smaller messages (split or paginate) or raise the server's limit. wsdbg's `--max-message` only limits what wsdbg receives, so it does not help here."
	}

	d, _ := connectionDialect(ctx.Subprotocol, ctx.Host, ctx.Dialects)
	switch {
	case d != nil && applyDialect(&e, d, code):
	case d == nil && applyConvention(&e, code, reason):
	case code >= 4000 && code <= 4999:
		explainUnknownPrivate(&e, code, reason, d)
	case info.Category == CategoryRegistered && info.First != info.Last && reason != "":
		e.Explanation += " The close reason, " + quote(reason) + ", is the best clue to what the sender meant."
	}
	if code == 4406 && e.Dialect == "" {
		explainSubprotocolRefusal(&e, ctx, reason)
	}
	if code == 1000 && ctx.Remote && reason == rabbitMQSTOMPEnded {
		explainRabbitMQSTOMPEnded(&e)
	}

	if code == 1006 {
		diagnoseAbnormal(&e, ctx)
	}
	if ctx.Remote && sentIllegally(code) {
		e.Explanation += " The peer sent this code in a close frame, which RFC 6455 forbids: that is itself a protocol error (1002)."
		e.Reconnect = false
	}
	return e
}

// sentIllegally reports codes a peer must never put in a close frame. 1005
// and 1006 are left out because they are what a receiver reports for an
// empty close frame and for no close frame.
func sentIllegally(code int) bool {
	return code != 1005 && code != 1006 && !ValidOnWire(code)
}

// applyDialect fills in the dialect's meaning for code and reports whether
// the dialect knew it.
func applyDialect(e *Explanation, d *dialect, code int) bool {
	entry, owner, ok := d.closeCode(code)
	if !ok {
		return false
	}
	e.Dialect = owner.name
	if code >= 1000 && code <= 2999 {
		// A protocol can say how it uses a standard code; it cannot
		// redefine it.
		e.Explanation += " " + owner.title + ": " + entry.Meaning
		if entry.Hint != "" {
			e.Hint = entry.Hint
		}
		return true
	}
	e.Name = entry.Name
	e.Explanation = owner.title + " says: " + entry.Meaning
	e.Hint = entry.Hint
	e.Reconnect = entry.Reconnect
	if entry.Source != "" {
		e.Source = entry.Source
	}
	return true
}

// applyConvention gives a private code the common convention's meaning
// when no dialect applies, marked as a convention, with what the other
// widespread convention would make of it. It reports whether the
// convention defines the code.
func applyConvention(e *Explanation, code int, reason string) bool {
	entry, ok := sessionAuthDialect.closeCodes[code]
	if !ok {
		return false
	}
	e.Name = entry.Name
	e.Dialect = conventionDialect
	e.Explanation = conventionMeaning(code, entry)
	if alt, ok := errorEnvelopeDialect.closeCodes[code]; ok && alt.Name == entry.Name {
		e.Explanation += fmt.Sprintf(" The error-envelope convention agrees (%s).", strings.TrimSuffix(alt.Meaning, "."))
	} else if ok {
		e.Explanation += fmt.Sprintf(" Services that follow the error-envelope convention mean %s by it instead (%s).",
			quote(alt.Name), strings.TrimSuffix(alt.Meaning, "."))
	}
	e.Explanation += " Each service decides what its private codes mean: its documentation, or a dialect file, has the last word."
	if reason != "" {
		e.Explanation += " The close reason, " + quote(reason) + ", is the best clue to what this service means."
	}
	e.Hint = entry.Hint
	e.Reconnect = entry.Reconnect
	e.Source = entry.Source
	return true
}

// explainSubprotocolRefusal sharpens a 4406 that no dialect defines: servers
// that need a subprotocol (graphql-ws among them) close with it when the
// client offered none, or none they speak.
func explainSubprotocolRefusal(e *Explanation, ctx CloseContext, reason string) {
	aboutSubprotocol := strings.Contains(strings.ToLower(reason), "subprotocol")
	const offer = "Offer the subprotocol the server speaks with `--subprotocol` (a graphql-ws server wants `--subprotocol graphql-transport-ws`), then reconnect."
	switch {
	case ctx.OfferedKnown && len(ctx.Offered) == 0 && aboutSubprotocol:
		e.Explanation += " The close reason says the subprotocol was not acceptable, and the client offered none: the server requires one."
		e.Hint = offer
	case ctx.OfferedKnown && len(ctx.Offered) == 0:
		e.Explanation += " The client offered no subprotocol; servers that require one close with 4406 (Not Acceptable), as graphql-ws servers do."
		e.Hint = "If the server needs a subprotocol, offer it with `--subprotocol` (a graphql-ws server wants `--subprotocol graphql-transport-ws`). Otherwise check the close reason and the service's documentation."
	case ctx.OfferedKnown && aboutSubprotocol:
		e.Explanation += " The close reason says the subprotocol was not acceptable: the server speaks none of those offered (" + listOrNone(ctx.Offered) + ")."
		e.Hint = "Offer a subprotocol the server supports with `--subprotocol` (graphql-ws servers want graphql-transport-ws), then reconnect."
	case ctx.OfferedKnown:
	case aboutSubprotocol:
		e.Explanation += " The close reason says the subprotocol was not acceptable: the server wants one it speaks, and none such was offered."
		e.Hint = offer
	default:
		e.Hint += " If the server closed over the subprotocol (graphql-ws servers send 4406 when none they speak was offered), offer one with `--subprotocol`."
	}
}

// explainUnknownPrivate explains a 4000–4999 code no dialect defines:
// what the known protocol says instead, or the common conventions, never
// one meaning asserted as fact.
func explainUnknownPrivate(e *Explanation, code int, reason string, d *dialect) {
	e.Name = "Private code " + strconv.Itoa(code)
	if d != nil {
		e.Explanation += " " + d.about
		if rel, ok := d.relatedMeaning(code); ok {
			e.Explanation += " " + rel
		}
	} else if conv := commonConventions(code); conv != "" {
		e.Explanation += " " + conv
	}
	if reason != "" {
		e.Explanation += " The close reason, " + quote(reason) + ", is the best clue to what this service means."
	}
}

// commonConventions names what widespread conventions would make of a
// private code, as possibilities rather than facts.
func commonConventions(code int) string {
	var options []string
	for _, d := range []*dialect{errorEnvelopeDialect} {
		if entry, ok := d.closeCodes[code]; ok {
			options = append(options, fmt.Sprintf("%s in the %s convention (%s)", quote(entry.Name), d.name, strings.TrimSuffix(entry.Meaning, ".")))
		}
	}
	if status := code - 4000; status >= 400 && status <= 599 && http.StatusText(status) != "" {
		options = append(options, quote(http.StatusText(status))+", if the service follows the common habit of 4000 plus an HTTP status")
	}
	switch len(options) {
	case 0:
		return ""
	case 1:
		return "A common convention reads it as " + options[0] + "."
	}
	s := "Common conventions differ: "
	for i, o := range options {
		if i > 0 {
			s += "; or "
		}
		s += o
	}
	return s + "."
}

// quote puts sanitised text in double quotes, for sentences.
func quote(s string) string {
	return `"` + Sanitize(s) + `"`
}

// rabbitMQSTOMPEnded is the close reason RabbitMQ's Web-STOMP gives
// whenever the STOMP session behind a WebSocket ends, normally or not.
const rabbitMQSTOMPEnded = "STOMP died"

func explainRabbitMQSTOMPEnded(e *Explanation) {
	e.Explanation += ` RabbitMQ's Web-STOMP closes with the reason "STOMP died" whenever its STOMP session ends: after the client's DISCONNECT, which is the normal end, or on a failure that ends the session, such as an AMQP channel error (not_found for a queue or exchange that does not exist, access_refused). Web-STOMP can close before it delivers the frames queued just before, so a RECEIPT or an ERROR frame may never arrive.`
	e.Hint = `If the client sent no DISCONNECT, the session failed: check the destination of the last SUBSCRIBE or SEND, and the broker's log, which records each "STOMP error frame sent" with its reason.`
}

// AnswerToClose turns the explanation of a close code into that of a
// close frame answering another close with the same code (or none): RFC
// 6455 §5.5.1 asks the side that receives a close to send one back,
// usually echoing the code. Such an answer completes the closing
// handshake and says nothing of its own about why the connection ended,
// so the code's meaning is told as the answered close's, not the
// sender's. sender is "client" or "server"; answered says which close it
// answers: "the server's close".
func AnswerToClose(code Explanation, sender, answered string) Explanation {
	ex := code
	ex.Source = sender
	ex.Explanation = fmt.Sprintf("The %s's answer to %s, which completes the closing handshake "+
		"(RFC 6455 §5.5.1). It echoes the code it received, so it gives no reason of its own: "+
		"why the connection ended is told on %s.", sender, answered, answered)
	ex.Hint = fmt.Sprintf("Nothing to do about the answer; read %s.", answered)
	return ex
}
