package history

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode/protocol"
)

// Payload redacts string values of JSON object keys that look like
// credentials ({"token": "..."}, {"Authorization": "Bearer ..."}), also
// after a packet's prefix (Socket.IO's 40/admin,{"token":"..."}), and the
// passcode of a STOMP CONNECT, keeping the payload's own formatting.
// Anything else is returned as it is.
func (r Redactor) Payload(s string) string {
	if r.Disabled {
		return s
	}
	if masked, ok := protocol.MaskSTOMPPasscode(s, maskWhole); ok {
		return masked
	}
	if !strings.Contains(s, "{") || !mayHoldSecretKey(s) {
		return s
	}
	if out, ok := r.jsonPayload(s); ok {
		return out
	}
	if i := strings.IndexAny(s, "{["); i > 0 {
		if out, ok := r.jsonPayload(s[i:]); ok {
			return s[:i] + out
		}
	}
	return s
}

// BinaryPayload redacts the password of an MQTT CONNECT that starts a
// binary message; any other message is returned as it is.
func (r Redactor) BinaryPayload(p []byte) []byte {
	if r.Disabled {
		return p
	}
	masked, _ := protocol.MaskMQTTPassword(p, maskWhole)
	return masked
}

// MessagePayload redacts a message's payload as a recording stores it:
// Payload for text, BinaryPayload for binary and for text that is not
// UTF-8 (recorded in base64). It returns p itself when nothing is hidden.
func (r Redactor) MessagePayload(op conn.Opcode, p []byte) []byte {
	if r.Disabled || len(p) == 0 {
		return p
	}
	if op == conn.OpBinary || !utf8.Valid(p) {
		return r.BinaryPayload(p)
	}
	s := unsafe.String(unsafe.SliceData(p), len(p)) // read only; a masked payload is a new string
	out := r.Payload(s)
	if unsafe.StringData(out) == unsafe.StringData(s) && len(out) == len(s) {
		return p
	}
	return []byte(out)
}

// binaryPayload is BinaryPayload for a record's base64; ok is false when
// there is nothing to redact.
func binaryPayload(b64 string) (string, bool) {
	if !mayHoldBinarySecret(b64) {
		return b64, false
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return b64, false
	}
	masked := Redactor{}.BinaryPayload(raw)
	if bytes.Equal(masked, raw) {
		return b64, false
	}
	return base64.StdEncoding.EncodeToString(masked), true
}

// mayHoldBinarySecret is the cheap test before binaryPayload decodes a
// message: base64 starting with "E" is a first byte of 0x10 to 0x13,
// which an MQTT CONNECT's is.
func mayHoldBinarySecret(b64 string) bool { return strings.HasPrefix(b64, "E") }

// mayHoldSTOMPPasscode is the cheap test for a STOMP CONNECT with a
// passcode.
func mayHoldSTOMPPasscode(s string) bool {
	return (strings.HasPrefix(s, "CONNECT") || strings.HasPrefix(s, "STOMP")) && strings.Contains(s, "passcode:")
}

// jsonPayload is Payload for text that is JSON from its start; ok is
// false when it is not.
func (r Redactor) jsonPayload(s string) (string, bool) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	type level struct {
		object    bool
		expectKey bool
	}
	var (
		stack  []level
		key    string
		b      strings.Builder
		copied int64
	)
	for {
		before := dec.InputOffset()
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return s, false
		}
		top := len(stack) - 1
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, level{object: true, expectKey: true})
			case '[':
				stack = append(stack, level{})
			default:
				stack = stack[:top]
				if top > 0 && stack[top-1].object {
					stack[top-1].expectKey = true
				}
			}
			continue
		case string:
			if top >= 0 && stack[top].object && stack[top].expectKey {
				key = t
				stack[top].expectKey = false
				continue
			}
			if top >= 0 && stack[top].object && isSecretKey(key) && t != "" && !isMasked(t) {
				end := dec.InputOffset()
				quote := before + int64(strings.IndexByte(s[before:end], '"'))
				b.WriteString(s[copied:quote])
				b.WriteString(strconv.Quote(r.headerValue("Authorization", t)))
				copied = end
			}
		}
		if top >= 0 && stack[top].object {
			stack[top].expectKey = true
		}
	}
	if copied == 0 {
		return s, true
	}
	b.WriteString(s[copied:])
	return b.String(), true
}

// mayHoldSecretKey is the cheap test before Payload parses a message: it
// reports whether some "key": in s is named like a credential. Ordinary
// traffic passes it without allocating.
func mayHoldSecretKey(s string) bool {
	var lower [32]byte
	for i := 0; i < len(s); {
		colon := strings.IndexByte(s[i:], ':')
		if colon < 0 {
			return false
		}
		end := i + colon
		i = end + 1
		for end > 0 && (s[end-1] == ' ' || s[end-1] == '\t') {
			end--
		}
		if end == 0 || s[end-1] != '"' {
			continue
		}
		start := strings.LastIndexByte(s[:end-1], '"')
		if start < 0 {
			continue
		}
		key := s[start+1 : end-1]
		if len(key) > len(lower) {
			if isSecretKey(key) {
				return true
			}
			continue
		}
		for k := 0; k < len(key); k++ {
			c := key[k]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			lower[k] = c
		}
		if isSecretLowerKey(lower[:len(key)]) {
			return true
		}
	}
	return false
}

// secretLowerNames are the whole names isSecretKey takes for credentials,
// in lower case: isSecretName's and secretHeaders'.
var secretLowerNames = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range []string{"auth", "authorization", "key", "sig", "jwt", "pwd", "pass", "sid", "code_verifier"} {
		m[n] = true
	}
	for n := range secretHeaders {
		m[strings.ToLower(n)] = true
	}
	return m
}()

// trigramHash folds three bytes into an index of secretTrigrams.
func trigramHash(a, b, c byte) int { return (int(a)*31*31 + int(b)*31 + int(c)) & 4095 }

// secretTrigrams marks the first three letters of every credential name
// and name part: a name without any of them is no credential's, which
// rules out ordinary keys in a few nanoseconds. (No credential name is
// shorter than three letters.)
var secretTrigrams = func() (t [4096]bool) {
	mark := func(n string) {
		if len(n) >= 3 {
			t[trigramHash(n[0], n[1], n[2])] = true
		}
	}
	for n := range secretLowerNames {
		mark(n)
	}
	for _, p := range secretNameParts {
		mark(p)
	}
	mark("key") // the _key and -key suffixes
	return t
}()

// isSecretLowerKey is isSecretKey for a name already in lower case,
// without allocating.
func isSecretLowerKey(n []byte) bool {
	hit := false
	for i := 0; i+3 <= len(n) && !hit; i++ {
		hit = secretTrigrams[trigramHash(n[i], n[i+1], n[i+2])]
	}
	if !hit {
		return false
	}
	name := string(n) // at most 32 bytes, not kept: copied on the stack
	if secretLowerNames[name] {
		return true
	}
	for _, part := range secretNameParts {
		if strings.Contains(name, part) {
			return true
		}
	}
	return strings.HasSuffix(name, "_key") || strings.HasSuffix(name, "-key")
}

// secretNameParts make any name that contains them a credential's.
var secretNameParts = []string{"token", "secret", "passw", "signature", "session", "sessid", "apikey", "api_key", "api-key", "credential"}

func isSecretKey(name string) bool {
	return isSecretName(name) || secretHeaders[http.CanonicalHeaderKey(name)]
}

// isSecretName reports whether a query parameter or JSON key name looks
// like it holds a credential.
func isSecretName(name string) bool {
	n := strings.ToLower(name)
	switch n {
	case "auth", "authorization", "key", "sig", "jwt", "pwd", "pass", "sid", "code_verifier":
		return true
	}
	for _, part := range secretNameParts {
		if strings.Contains(n, part) {
			return true
		}
	}
	return strings.HasSuffix(n, "_key") || strings.HasSuffix(n, "-key")
}

// mask replaces a secret by a marker with its length.
func mask(secret string) string {
	return "[redacted:" + strconv.Itoa(utf8.RuneCountInString(secret)) + "]"
}

// isMasked reports whether v is already a mask, so that redacting twice
// changes nothing.
func isMasked(v string) bool {
	n, ok := strings.CutPrefix(v, "[redacted:")
	if !ok {
		return false
	}
	n, ok = strings.CutSuffix(n, "]")
	if !ok {
		return false
	}
	_, err := strconv.Atoi(n)
	return err == nil
}

// maskCredential keeps an auth scheme ("Bearer", "Basic", "AWS4-HMAC-SHA256")
// and masks what follows it.
func maskCredential(v string) string {
	if isMasked(v) {
		return v
	}
	if scheme, rest, ok := strings.Cut(v, " "); ok && isAuthScheme(scheme) {
		rest = strings.TrimSpace(rest)
		if rest == "" || isMasked(rest) {
			return v
		}
		return scheme + " " + mask(rest)
	}
	return mask(v)
}

// authSchemes are the HTTP authentication schemes kept visible; an unknown
// first word may be part of the secret and is masked with it.
var authSchemes = []string{"Basic", "Bearer", "Digest", "Negotiate", "NTLM", "Token", "OAuth",
	"AWS4-HMAC-SHA256", "HOBA", "Mutual", "SCRAM-SHA-1", "SCRAM-SHA-256", "vapid", "JWT", "ApiKey", "Key"}

func isAuthScheme(s string) bool {
	for _, scheme := range authSchemes {
		if strings.EqualFold(s, scheme) {
			return true
		}
	}
	return false
}

// maskCookies masks the values of "name=value; name2=value2", keeping names.
func maskCookies(v string) string {
	parts := strings.Split(v, ";")
	for i, p := range parts {
		lead := p[:len(p)-len(strings.TrimLeft(p, " "))]
		name, value, ok := strings.Cut(strings.TrimLeft(p, " "), "=")
		switch {
		case !ok && strings.TrimSpace(name) == "":
			continue
		case !ok:
			parts[i] = lead + maskCredential(name)
		case value != "" && !isMasked(value):
			parts[i] = lead + name + "=" + mask(value)
		}
	}
	return strings.Join(parts, ";")
}

func maskParams(query string) string {
	parts := strings.Split(query, "&")
	changed := false
	for i, p := range parts {
		name, value, ok := strings.Cut(p, "=")
		if !ok || value == "" || isMasked(value) {
			continue
		}
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if !isSecretName(name) {
			continue
		}
		if v, err := url.QueryUnescape(value); err == nil {
			value = v
		}
		parts[i] = p[:strings.IndexByte(p, '=')+1] + mask(value)
		changed = true
	}
	if !changed {
		return query
	}
	return strings.Join(parts, "&")
}

// maskUserinfo masks the password in scheme://user:password@host.
func maskUserinfo(base string) string {
	i := strings.Index(base, "://")
	if i < 0 {
		return base
	}
	authority := base[i+3:]
	if slash := strings.IndexByte(authority, '/'); slash >= 0 {
		authority = authority[:slash]
	}
	at := strings.LastIndexByte(authority, '@')
	if at < 0 {
		return base
	}
	user, password, ok := strings.Cut(authority[:at], ":")
	if !ok || password == "" || isMasked(password) {
		return base
	}
	if p, err := url.PathUnescape(password); err == nil {
		password = p
	}
	return base[:i+3] + user + ":" + mask(password) + base[i+3+at:]
}
