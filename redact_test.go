package main

import (
	"encoding/base64"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/history"
	"github.com/wsdbg/wsdbg/internal/demo"
	"github.com/wsdbg/wsdbg/internal/export"
)

// The secrets of TestSecretsAreRedactedEverywhere, each in one of the
// places credentials travel.
const (
	secretBearer    = "AUTHSECRET1"
	secretCookie    = "COOKIESECRET2"
	secretQuery     = "QUERYSECRET3"
	secretAPIKey    = "APIKEYSECRET4"
	secretProxy     = "PROXYSECRET5"
	secretSubproto  = "SUBPROTOSECRET6"
	secretCustom    = "CUSTOMSECRET7"
	secretSetCookie = "SETCOOKIESECRET8"
	secretPayload   = "PAYLOADSECRET9"
)

var allSecrets = []string{secretBearer, secretCookie, secretQuery, secretAPIKey, secretProxy,
	secretSubproto, secretCustom, secretSetCookie, secretPayload}

const bearerSubprotocol = "base64url.bearer.authorization.k8s.io." + secretSubproto

// startSecretServer serves /ws, which takes the bearer subprotocol, answers
// with a session cookie and the custom token header, and echoes; and
// /refused, which answers 401 with the same headers.
func startSecretServer(t *testing.T) string {
	t.Helper()
	up := websocket.Upgrader{Subprotocols: []string{bearerSubprotocol}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := http.Header{"Set-Cookie": {"sid=" + secretSetCookie + "; Path=/; HttpOnly"},
			"X-Custom-Token": {r.Header.Get("X-Custom-Token")}}
		if r.URL.Path == "/refused" {
			for k, v := range h {
				w.Header()[k] = v
			}
			w.Header().Set("Www-Authenticate", `Bearer realm="test"`)
			http.Error(w, "token rejected", http.StatusUnauthorized)
			return
		}
		c, err := up.Upgrade(w, r, h)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			op, p, err := c.ReadMessage()
			if err != nil {
				return
			}
			if c.WriteMessage(op, p) != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

// startAuthProxy is an HTTP CONNECT proxy that wants user:secretProxy.
func startAuthProxy(t *testing.T) string {
	t.Helper()
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte("user:"+secretProxy))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect || r.Header.Get("Proxy-Authorization") != want {
			w.WriteHeader(http.StatusProxyAuthRequired)
			return
		}
		up, err := net.Dial("tcp", r.Host)
		if err != nil {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		down, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			up.Close()
			return
		}
		io.WriteString(down, "HTTP/1.1 200 Connection established\r\n\r\n")
		go func() { io.Copy(up, down); up.Close() }()
		io.Copy(down, up)
		down.Close()
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	t.Cleanup(srv.Close)
	return "http://user:" + secretProxy + "@" + strings.TrimPrefix(srv.URL, "http://")
}

// secretArgs are the connection flags carrying every secret.
func secretArgs(proxy string) []string {
	return []string{
		"-H", "Authorization: Bearer " + secretBearer,
		"-H", "Cookie: session=" + secretCookie + "; theme=dark",
		"-H", "X-Custom-Token: " + secretCustom,
		"--subprotocol", "channel.k8s.io", "--subprotocol", bearerSubprotocol,
		"--proxy", proxy,
	}
}

const secretStdin = "hello\n{\"op\":\"auth\",\"token\":\"" + secretPayload + "\"}\n"

// TestSecretsAreRedactedEverywhere connects through an authenticating
// proxy with a credential in every place one travels, then looks for each
// secret in every output: tail's text and JSON, the recordings, the HAR,
// NDJSON and Markdown exports, bug reports and the repro commands.
func TestSecretsAreRedactedEverywhere(t *testing.T) {
	base := startSecretServer(t)
	proxy := startAuthProxy(t)
	query := "?token=" + secretQuery + "&api_key=" + secretAPIKey + "&room=1"
	dir := t.TempDir()
	outputs := map[string]string{}
	read := func(name, path string) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		outputs[name] = string(data)
	}
	tail := func(name string, extra ...string) (stdout, stderr string) {
		file := filepath.Join(dir, name+".wsdbg.jsonl")
		args := append(append([]string{"tail", "--record", file}, secretArgs(proxy)...), extra...)
		code, stdout, stderr := runCLI(t, secretStdin, args...)
		if !strings.Contains(stdout, "hello") && !strings.Contains(stdout, "401") {
			t.Fatalf("%s: exit %d, stderr %q\n%s", name, code, stderr, stdout)
		}
		outputs[name+" stdout"] = stdout
		read(name+" recording", file)
		return stdout, stderr
	}
	tail("tail", base+"/ws"+query)
	tail("tail --json", "--json", base+"/ws"+query)
	tail("tail refused", base+"/refused"+query)
	tail("tail --json refused", "--json", base+"/refused"+query)

	// What the debugger holds is unredacted; its bug reports, its repro
	// commands and exports of an unredacted recording must still hide it all.
	raw := filepath.Join(dir, "raw.wsdbg.jsonl")
	if _, stderr := tail("raw", "--json", "--no-redact", base+"/ws"+query); !strings.Contains(stderr, "--no-redact") {
		t.Errorf("--no-redact is not said on stderr: %q", stderr)
	}
	rawRefused := filepath.Join(dir, "raw-refused.wsdbg.jsonl")
	tail("raw-refused", "--json", "--no-redact", base+"/refused"+query)
	for _, src := range []string{raw, rawRefused} {
		for _, format := range []string{"har", "md", "ndjson"} {
			code, out, stderr := runCLI(t, "", "export", src, "--format", format)
			if code != 0 {
				t.Fatalf("export %s: exit %d, %s", format, code, stderr)
			}
			outputs["export "+format+" of "+filepath.Base(src)] = out
		}
		rec, err := history.Open(src)
		if err != nil {
			t.Fatal(err)
		}
		rec.Wait()
		for i := range rec.Len() {
			outputs["bug report "+filepath.Base(src)] += export.BugReport(rec, i, i, history.Redactor{})
		}
		rec.Close()
	}
	// The options secretArgs gives the connection.
	opts := conn.Options{
		URL: base + "/ws" + query,
		Header: http.Header{
			"Authorization":  {"Bearer " + secretBearer},
			"Cookie":         {"session=" + secretCookie + "; theme=dark"},
			"X-Custom-Token": {secretCustom},
		},
		Subprotocols: []string{"channel.k8s.io", bearerSubprotocol},
		Proxy:        proxy,
	}
	sent := []export.SentMessage{{Payload: []byte("hello")}, {Payload: []byte(`{"op":"auth","token":"` + secretPayload + `"}`)}}
	outputs["repro commands"] = export.ReproScript(opts, sent, history.Redactor{})

	for name, out := range outputs {
		if strings.HasPrefix(name, "raw") {
			continue
		}
		for _, secret := range allSecrets {
			if secret == secretPayload && (strings.HasPrefix(name, "tail") || strings.HasPrefix(name, "export ndjson") || strings.HasPrefix(name, "export har")) {
				continue // payloads are kept as sent where they can be sent again
			}
			if strings.Contains(out, secret) {
				t.Errorf("%s leaks %s:\n%s", name, secret, out)
			}
		}
	}
	if !strings.Contains(outputs["tail stdout"], "subprotocol base64url.bearer.authorization.k8s.io.[redacted:15]") {
		t.Errorf("tail does not show the redacted subprotocol:\n%s", outputs["tail stdout"])
	}
	if !strings.Contains(outputs["export har of raw-refused.wsdbg.jsonl"], `"status": 401`) {
		t.Errorf("the refused upgrade is not in the HAR:\n%s", outputs["export har of raw-refused.wsdbg.jsonl"])
	}

	// With --no-redact every secret is there, and stderr says so.
	for _, name := range []string{"raw stdout", "raw recording"} {
		for _, secret := range []string{secretBearer, secretCookie, secretQuery, secretAPIKey, secretSubproto, secretCustom, secretSetCookie} {
			if !strings.Contains(outputs[name], secret) {
				t.Errorf("--no-redact: %s lacks %s", name, secret)
			}
		}
	}
	code, out, stderr := runCLI(t, "", "export", raw, "--format", "md", "--no-redact")
	if code != 0 || !strings.Contains(out, secretBearer) || !strings.Contains(stderr, "--no-redact") {
		t.Errorf("export --no-redact: exit %d, stderr %q\n%s", code, stderr, out)
	}
	if repro := export.ReproScript(opts, sent, history.Redactor{Disabled: true}); !strings.Contains(repro, secretProxy) || !strings.Contains(repro, secretSubproto) {
		t.Errorf("unredacted repro commands lack secrets:\n%s", repro)
	}
}

// The debugger, run as a user runs it against the demo server with a
// bearer token and a token in the query, never draws either (nor sets the
// window title to them), with the handshake open in the inspector; with
// --no-redact it shows them.
func TestDebuggerScreenIsRedacted(t *testing.T) {
	bin := wsdbgBinary(t)
	srv, err := demo.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, keep := range []bool{false, true} {
		name := "redacted"
		args := []string{"--no-record", "-H", "Authorization: Bearer " + secretBearer, srv.URL() + "?token=" + secretQuery + "&room=1"}
		if keep {
			name, args = "--no-redact", append([]string{"--no-redact"}, args...)
		}
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(bin, args...)
			cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir(), "TERM=xterm-256color")
			term := startInTerminal(t, cmd, 30, 140)
			scr := &term.scr

			scr.waitFor(t, "welcome")
			for _, k := range []string{"g", "\r"} { // the open row, in the inspector
				term.press(t, k)
			}
			scr.waitFor(t, "REQUEST HEADERS")
			if keep {
				scr.waitFor(t, "Bearer "+secretBearer)
				scr.waitFor(t, "token="+secretQuery)
			} else {
				scr.waitFor(t, "Bearer [redacted:11]")
				scr.waitFor(t, "token=[redacted:12]&room=1")
			}
			term.tty.Write([]byte("q"))
			select {
			case <-term.done:
			case <-time.After(5 * time.Second):
				t.Fatalf("wsdbg did not quit\n%s", scr.text())
			}
			if keep {
				return
			}
			scr.mu.Lock()
			raw := scr.out.String()
			scr.mu.Unlock()
			for _, secret := range []string{secretBearer, secretQuery} {
				if strings.Contains(raw, secret) {
					t.Errorf("the terminal received %s:\n%s", secret, scr.text())
				}
			}
		})
	}
}
