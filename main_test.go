package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsdbg/wsdbg/history"
	"github.com/wsdbg/wsdbg/internal/demo"
)

// wsdbg's exit statuses, as scripts see them.
const (
	exitOK         = 0
	exitFailure    = 1
	exitUsage      = 2
	exitBrokenPipe = 128 + 13 // the reader of stdout went away
)

func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageErrorsExit2WithOneLine(t *testing.T) {
	for _, args := range [][]string{
		{"tail"},
		{"tail", "ftp://example.com"},
		{"tail", "--bogus", "ws://x"},
		{"tail", "--ping", "soon", "ws://x"},
		{"tail", "-H", "no-colon", "ws://x"},
		{"tail", "--proxy", "ftp://p", "ws://x"},
		{"tail", "--cert", "c.pem", "ws://x"},
		{"tail", "ws://a", "ws://b"},
		{"frobnicate"},
		{"demo", "extra"},
	} {
		code, _, stderr := runCLI(t, "", args...)
		if code != exitUsage {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
		if lines := strings.Count(stderr, "\n"); lines != 1 || !strings.HasPrefix(stderr, "wsdbg: ") {
			t.Errorf("%q: stderr %q, want one line", args, stderr)
		}
	}
}

func TestHelpAndVersion(t *testing.T) {
	if code, out, _ := runCLI(t, "", "--version"); code != 0 || !strings.HasPrefix(out, "wsdbg ") {
		t.Fatalf("version: %d %q", code, out)
	}
	for _, args := range [][]string{{"help"}, {"tail", "--help"}, {"help", "tail"}, {"demo", "-h"}} {
		code, out, _ := runCLI(t, "", args...)
		if code != 0 || !strings.Contains(out, "Usage") {
			t.Errorf("%q: %d %q", args, code, out)
		}
	}
	if _, out, _ := runCLI(t, "", "tail", "--help"); !strings.Contains(out, "Examples") || !strings.Contains(out, "--connect-timeout") {
		t.Errorf("tail help lacks examples or flags: %s", out)
	}
}

func startDemo(t *testing.T) string {
	t.Helper()
	srv, err := demo.Start("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv.URL()
}

// jsonLines decodes tail --json output.
func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var objs []map[string]any
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("not JSON: %q: %v", sc.Text(), err)
		}
		if m["type"] == nil || m["time"] == nil {
			t.Fatalf("line lacks type or time: %q", sc.Text())
		}
		objs = append(objs, m)
	}
	return objs
}

func find(objs []map[string]any, typ string, pred func(map[string]any) bool) map[string]any {
	for _, o := range objs {
		if o["type"] == typ && (pred == nil || pred(o)) {
			return o
		}
	}
	return nil
}

func TestTailCleanCloseAfterStdinExits0(t *testing.T) {
	u := startDemo(t)
	code, out, stderr := runCLI(t, "echo hello\n", "tail", "--json", u)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q\n%s", code, stderr, out)
	}
	objs := jsonLines(t, out)
	open := find(objs, "open", nil)
	if open == nil || open["status"] != float64(101) || open["url"] != u {
		t.Fatalf("open = %v", open)
	}
	echo := find(objs, "message", func(m map[string]any) bool { return m["dir"] == "in" && m["text"] == "hello" })
	if echo == nil || echo["opcode"] != "text" || echo["len"] != float64(5) {
		t.Fatalf("no echo in %v", objs)
	}
}

func TestTailServerCloseCodeExits1WithExplanation(t *testing.T) {
	u := startDemo(t)
	code, out, _ := runCLI(t, "close 4403 forbidden here\n", "tail", "--json", "--keep-open", u)
	if code != exitFailure {
		t.Fatalf("exit %d\n%s", code, out)
	}
	cl := find(jsonLines(t, out), "close", func(m map[string]any) bool { return m["dir"] == "in" })
	if cl == nil || cl["code"] != float64(4403) || cl["reason"] != "forbidden here" || cl["name"] == "" || cl["hint"] == "" {
		t.Fatalf("close = %v", cl)
	}
	if _, ok := cl["reconnect"].(bool); !ok {
		t.Fatalf("close lacks reconnect: %v", cl)
	}
}

func TestTailNormalClosureExits0(t *testing.T) {
	u := startDemo(t)
	if code, out, _ := runCLI(t, "close 1000 done\n", "tail", "--keep-open", u); code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

func TestTailDropIsAbnormal(t *testing.T) {
	u := startDemo(t)
	code, out, _ := runCLI(t, "drop\n", "tail", "--json", "--keep-open", u)
	if code != exitFailure {
		t.Fatalf("exit %d", code)
	}
	e := find(jsonLines(t, out), "error", nil)
	if e == nil || e["kind"] != "transport" || e["code"] != float64(1006) || e["explanation"] == "" {
		t.Fatalf("error = %v", e)
	}
}

func TestTailErrorEnvelope(t *testing.T) {
	u := startDemo(t)
	_, out, _ := runCLI(t, "error 4001 token expired\n", "tail", "--json", u)
	m := find(jsonLines(t, out), "message", func(m map[string]any) bool { return m["error"] != nil })
	if m == nil {
		t.Fatalf("no envelope in %s", out)
	}
	env := m["error"].(map[string]any)
	if env["code"] != float64(4001) || env["message"] != "token expired" || env["format"] == "" {
		t.Fatalf("envelope = %v", env)
	}
}

func TestTailTextEscapesControlCharacters(t *testing.T) {
	u := startDemo(t)
	_, out, _ := runCLI(t, "escape\n", "tail", u)
	if strings.ContainsAny(out, "\x1b\x07\u202e\u009b") {
		t.Fatalf("raw control characters reached the output: %q", out)
	}
	if !strings.Contains(out, `\x1b`) && !strings.Contains(out, `\e`) {
		t.Fatalf("escape sequences not shown escaped: %q", out)
	}
}

func TestTailRefusedHandshake(t *testing.T) {
	u := startDemo(t)
	code, out, _ := runCLI(t, "", "tail", "--json", strings.Replace(u, "/ws", "/auth", 1))
	if code != exitFailure {
		t.Fatalf("exit %d", code)
	}
	e := find(jsonLines(t, out), "error", nil)
	if e == nil || e["kind"] != "handshake" || e["status"] != float64(401) || e["hint"] == "" {
		t.Fatalf("error = %v", e)
	}
}

func TestTailCurl(t *testing.T) {
	u := startDemo(t)
	httpURL := "http" + strings.TrimPrefix(u, "ws")
	code, out, stderr := runCLI(t, "echo via curl\n", "tail", "curl", httpURL, "-H", "Origin: http://localhost", "--compressed")
	if code != 0 || !strings.Contains(out, "via curl") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if !strings.Contains(stderr, "--compressed") {
		t.Fatalf("ignored curl options not reported: %q", stderr)
	}
}

func TestMain(m *testing.M) {
	// Recordings made by the tests go to a scratch state directory.
	dir, err := os.MkdirTemp("", "wsdbg-state")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_STATE_HOME", dir)
	os.Setenv("WSDBG_DIALECTS", filepath.Join(dir, "none.json"))
	code := m.Run()
	os.RemoveAll(dir)
	if built.path != "" {
		os.RemoveAll(filepath.Dir(built.path))
	}
	os.Exit(code)
}

func TestRecordThenTailExportAndList(t *testing.T) {
	u := startDemo(t)
	file := filepath.Join(t.TempDir(), "s.wsdbg.jsonl")
	code, live, _ := runCLI(t, "echo recorded\nerror 4003 no scope\n", "tail", "--json", "--record", file,
		"-H", "Authorization: Bearer s3cr3t-token-value", u+"?token=abcdef123456")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "s3cr3t") || strings.Contains(string(raw), "abcdef123456") {
		t.Fatalf("secret reached the recording:\n%s", raw)
	}
	info, _ := os.Stat(file)
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("recording mode %v", info.Mode().Perm())
	}
	code, replayed, stderr := runCLI(t, "", "tail", "--json", file)
	if code != 0 || stderr != "" {
		t.Fatalf("tail FILE: exit %d, %q", code, stderr)
	}
	// Every live message is in the recording, in order.
	var liveMsgs, recMsgs []string
	for _, o := range jsonLines(t, live) {
		if o["type"] == "message" {
			liveMsgs = append(liveMsgs, fmt.Sprint(o["dir"], o["text"]))
		}
	}
	for _, o := range jsonLines(t, replayed) {
		if o["type"] == "message" {
			recMsgs = append(recMsgs, fmt.Sprint(o["dir"], o["text"]))
		}
	}
	if strings.Join(liveMsgs, "\n") != strings.Join(recMsgs, "\n") {
		t.Fatalf("recording differs from what tail printed:\n%v\n%v", liveMsgs, recMsgs)
	}
	code, md, _ := runCLI(t, "", "export", file, "--format", "md")
	if code != 0 || !strings.Contains(md, "4003") || strings.Contains(md, "s3cr3t") {
		t.Fatalf("export md: exit %d\n%s", code, md)
	}
	code, har, _ := runCLI(t, "", "export", file, "--format", "har")
	var h map[string]any
	if code != 0 || json.Unmarshal([]byte(har), &h) != nil || h["log"] == nil {
		t.Fatalf("export har: exit %d\n%.300s", code, har)
	}
	if code, _, _ := runCLI(t, "", "export", file, "--format", "pdf"); code != exitUsage {
		t.Fatalf("bad format: exit %d", code)
	}
	code, list, _ := runCLI(t, "", "sessions", "--dir", filepath.Dir(file))
	if code != 0 || !strings.Contains(list, "s.wsdbg.jsonl") || !strings.Contains(list, "1000") {
		t.Fatalf("sessions: exit %d\n%s", code, list)
	}
}

func TestTailRecordsByDefault(t *testing.T) {
	u := startDemo(t)
	if code, _, _ := runCLI(t, "echo x\n", "tail", u); code != 0 {
		t.Fatalf("exit %d", code)
	}
	dir, err := history.DefaultDir()
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) == 0 {
		t.Fatalf("no recording in %s", dir)
	}
	if code, _, _ := runCLI(t, "echo y\n", "tail", "--no-record", u); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if after, _ := os.ReadDir(dir); len(after) != len(entries) {
		t.Fatalf("--no-record still recorded")
	}
}

func TestExplain(t *testing.T) {
	code, out, _ := runCLI(t, "", "explain", "1006")
	if code != 0 || !strings.Contains(out, "Abnormal") {
		t.Fatalf("explain 1006: %d %s", code, out)
	}
	code, out, _ = runCLI(t, "", "explain", "4401", "--subprotocol", "graphql-transport-ws")
	if code != 0 || !strings.Contains(out, "graphql") {
		t.Fatalf("explain 4401: %d %s", code, out)
	}
	code, out, _ = runCLI(t, `{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}`, "explain", "-")
	if code != 0 || !strings.Contains(out, "-32601") {
		t.Fatalf("explain -: %d %s", code, out)
	}
	code, out, _ = runCLI(t, "", "explain", "--list", "--json")
	var codes []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &codes) != nil || len(codes) < 16 {
		t.Fatalf("explain --list --json: %d %.200s", code, out)
	}
	if code, _, _ := runCLI(t, "", "explain", "banana"); code != exitUsage {
		t.Fatalf("explain banana: exit %d", code)
	}
}

func TestExplainJSONUsesTheRecordKeys(t *testing.T) {
	code, out, _ := runCLI(t, "", "explain", "--json", "1014")
	var got map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil {
		t.Fatalf("explain --json 1014: %d %s", code, out)
	}
	want := map[string]any{"name": "Bad Gateway", "category": "standard", "reconnect": true, "source": "server", "code": float64(1014)}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v in %s", k, got[k], v, out)
		}
	}
	for _, k := range []string{"explanation", "hint"} {
		if s, _ := got[k].(string); s == "" {
			t.Errorf("no %s in %s", k, out)
		}
	}
	for k := range got {
		if k != strings.ToLower(k) {
			t.Errorf("key %q is not lower-case: %s", k, out)
		}
	}
	code, out, _ = runCLI(t, "", "explain", "--json", "--causes")
	var causes []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &causes) != nil || len(causes) == 0 || causes[0]["cause"] == nil || causes[0]["kind"] == nil {
		t.Fatalf("explain --json --causes: %d %.200s", code, out)
	}
}

func TestReplayToLiveEndpoint(t *testing.T) {
	u := startDemo(t)
	file := filepath.Join(t.TempDir(), "r.wsdbg.jsonl")
	if code, _, _ := runCLI(t, "echo one\necho two\n", "tail", "--record", file, u); code != 0 {
		t.Fatalf("recording exit %d", code)
	}
	again := filepath.Join(t.TempDir(), "again.wsdbg.jsonl")
	code, out, stderr := runCLI(t, "", "replay", file, "--to", u, "--no-gaps", "--tail", "--record", again)
	// The demo's ticks differ between runs, so the replies need not all
	// match; the echoes must have come back and the new session recorded.
	if !strings.Contains(out, "one") || !strings.Contains(out, "two") || !strings.Contains(out, again) {
		t.Fatalf("exit %d, stderr %q\n%s", code, stderr, out)
	}
	if _, err := os.Stat(again); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := runCLI(t, "", "replay", file, "--speed", "100"); code != exitUsage {
		t.Fatalf("bad speed: exit %d", code)
	}
	// Without --tail the replay opens the debugger, which needs a terminal.
	if code, _, stderr := runCLI(t, "", "replay", file, "--to", u); code != exitUsage || !strings.Contains(stderr, "--tail") {
		t.Fatalf("--to without a terminal: exit %d, %q", code, stderr)
	}
	if code, _, _ := runCLI(t, "", "replay", file, "--tail"); code != exitUsage {
		t.Fatalf("--tail without --to: exit %d", code)
	}
}

// startEcho serves a WebSocket endpoint that sends back every message and
// nothing else, so that a replay against it is predictable.
func startEcho(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(echoHandler)
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"
}

// A replay whose replies all match exits 0; one whose replies differ
// exits 1 and names the difference.
func TestReplayToLiveEndpointExitStatus(t *testing.T) {
	u := startEcho(t)
	file := filepath.Join(t.TempDir(), "r.wsdbg.jsonl")
	if code, _, _ := runCLI(t, "same\n", "tail", "--record", file, u); code != 0 {
		t.Fatalf("recording exit %d", code)
	}
	code, out, stderr := runCLI(t, "", "replay", file, "--to", u, "--no-gaps", "--tail", "--no-record")
	if code != 0 || !strings.Contains(out, "every reply matched the recording") {
		t.Fatalf("same replies: exit %d, stderr %q\n%s", code, stderr, out)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	// The recorded echo, the last "same", changed: the live one no longer
	// matches it.
	echo := strings.LastIndex(string(raw), `"text":"same"`)
	if echo < 0 {
		t.Fatalf("no echo in the recording:\n%s", raw)
	}
	edited := string(raw[:echo]) + `"text":"other"` + string(raw[echo+len(`"text":"same"`):])
	changed := filepath.Join(t.TempDir(), "changed.wsdbg.jsonl")
	if err := os.WriteFile(changed, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCLI(t, "", "replay", changed, "--to", u, "--no-gaps", "--tail", "--no-record")
	if code != exitFailure || !strings.Contains(out, "differs: reply 1: payload differs") {
		t.Fatalf("different replies: exit %d\n%s", code, out)
	}
}

// A server that answers the close after stdin ends with an error code has
// not ended cleanly.
func TestTailCloseAnsweredWithAnErrorExits1(t *testing.T) {
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		ws.SetCloseHandler(func(int, string) error {
			return ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(1011, "crashed"))
		})
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	u := "ws" + strings.TrimPrefix(srv.URL, "http")
	code, out, _ := runCLI(t, "bye\n", "tail", "--no-record", u)
	if code != exitFailure || !strings.Contains(out, "1011") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

// A usage error names the command once and points at its help.
func TestUsageErrorNamesTheCommandOnce(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--bogus", "ws://x"}, "wsdbg: flag provided but not defined: -bogus (see wsdbg --help)\n"},
		{[]string{"tail", "--bogus", "ws://x"}, "wsdbg: tail: flag provided but not defined: -bogus (see wsdbg tail --help)\n"},
	} {
		code, _, stderr := runCLI(t, "", tc.args...)
		if code != exitUsage || stderr != tc.want {
			t.Errorf("%q: exit %d, stderr %q, want %q", tc.args, code, stderr, tc.want)
		}
	}
}

func TestCurlHelp(t *testing.T) {
	for _, args := range [][]string{{"help", "curl"}, {"curl", "--help"}, {"curl", "-h"}, {"tail", "curl", "--help"}} {
		code, out, stderr := runCLI(t, "", args...)
		if code != 0 || stderr != "" || !strings.Contains(out, "Copy as") || !strings.Contains(out, "-u/--user") || !strings.Contains(out, "--connect-timeout") {
			t.Errorf("%q: exit %d, stderr %q\n%s", args, code, stderr, out)
		}
	}
}

// curl's -u user:password is sent as Basic authorization, as curl would.
func TestTailCurlUserSendsBasicAuthorization(t *testing.T) {
	got := make(chan string, 1)
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("Authorization")
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	code, out, stderr := runCLI(t, "", "tail", "--no-record", "curl", srv.URL+"/ws", "-u", "alice:s3cret")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q\n%s", code, stderr, out)
	}
	if auth := <-got; auth != "Basic YWxpY2U6czNjcmV0" {
		t.Fatalf("Authorization = %q", auth)
	}
}

// helpFlags returns the flags a help text lists under "Flags:", and
// complains about flag listings elsewhere.
func helpFlags(t *testing.T, help string) map[string][]string {
	t.Helper()
	before, after, ok := strings.Cut(help, "\nFlags")
	if !ok {
		t.Fatalf("no Flags section:\n%s", help)
	}
	for _, line := range strings.Split(before, "\n") {
		if strings.HasPrefix(line, "  -") {
			t.Errorf("flag listed outside the Flags section: %q", line)
		}
	}
	listed := map[string][]string{}
	for _, line := range strings.Split(after, "\n")[1:] {
		fields := strings.Fields(line)
		for i, f := range fields {
			if strings.HasPrefix(f, "--") {
				listed[f] = append(listed[f], strings.Join(fields[i+1:], " "))
				break
			}
		}
	}
	return listed
}

func TestHelpListsEachFlagOnce(t *testing.T) {
	for _, args := range [][]string{{"tail", "--help"}, {"demo", "--help"}, {"replay", "--help"}, {"ws://x", "--help"}, {"curl", "--help"}, {"explain", "--help"}, {"sessions", "--help"}, {"export", "--help"}} {
		code, out, _ := runCLI(t, "", args...)
		if code != 0 {
			t.Fatalf("%q: exit %d", args, code)
		}
		for name, lines := range helpFlags(t, out) {
			if len(lines) != 1 {
				t.Errorf("%q lists %s %d times", args, name, len(lines))
			}
			if name == "--theme" && strings.Count(lines[0], "auto") != 2 { // "auto, dark, ..." and "(default auto)"
				t.Errorf("%q: --theme %s", args, lines[0])
			}
		}
	}
}

// demo rejects the flags a mode makes no use of before it starts anything.
func TestDemoRejectsFlagsItDoesNotUse(t *testing.T) {
	for _, args := range [][]string{
		{"demo", "--tail", "--theme", "dark"},
		{"demo", "--serve-only", "--record", "x.jsonl"},
		{"demo", "--serve-only", "--dialects", "d.json"},
		{"demo", "--serve-only", "--tail"},
	} {
		code, out, stderr := runCLI(t, "", args...)
		if code != exitUsage || out != "" || !strings.HasPrefix(stderr, "wsdbg: demo: ") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out, stderr)
		}
	}
}

// demo --tail records where --record says and explains with --dialects.
func TestDemoTailHonoursRecordAndDialects(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "demo.wsdbg.jsonl")
	dialects := filepath.Join(dir, "dialects.json")
	if err := os.WriteFile(dialects, []byte(`{"dialects":[{"name":"acme","close_codes":{"4321":{"name":"Acme quota spent","meaning":"the quota is spent.","hint":"Wait."}}}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCLI(t, "echo recorded in the demo\nclose 4321 quota\n", "demo", "--tail", "--record", file, "--dialects", dialects)
	if code != exitFailure || !strings.Contains(out, "Acme quota spent") {
		t.Fatalf("exit %d, stderr %q\n%s", code, stderr, out)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "recorded in the demo") || !strings.Contains(string(raw), `"code":4321`) {
		t.Fatalf("recording lacks the session:\n%s", raw)
	}
}

// tail shows a text message that is not valid UTF-8 as text with the bad
// bytes escaped, as the README promises.
func TestTailShowsInvalidUTF8AsEscapedText(t *testing.T) {
	u := startDemo(t)
	_, out, _ := runCLI(t, "badutf8\n", "tail", "--no-record", u)
	if !strings.Contains(out, `caf\xc3( \xff\xfe is not UTF-8`) {
		t.Fatalf("invalid UTF-8 not shown as escaped text:\n%s", out)
	}
}

// A stdin line longer than --max-message is not sent cut or dropped
// silently: tail says so and exits 1.
func TestTailStdinLineTooLongFails(t *testing.T) {
	u := startEcho(t)
	code, out, stderr := runCLI(t, "short\n"+strings.Repeat("x", 100)+"\n", "tail", "--no-record", "--max-message", "64", u)
	if code != exitFailure || !strings.Contains(stderr, "longer than --max-message") || !strings.Contains(out, "short") {
		t.Fatalf("exit %d, stderr %q\n%s", code, stderr, out)
	}
}

// --send hex and --send base64 read stdin's lines as binary messages; a
// line that is not in the form is named and ends tail with status 1.
func TestTailSendsBinaryFromHexAndBase64Lines(t *testing.T) {
	got := make(chan []byte, 8)
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		for {
			op, p, err := ws.ReadMessage()
			if err != nil {
				return
			}
			if op == websocket.BinaryMessage {
				got <- p
			}
		}
	}))
	defer srv.Close()
	u := "ws" + strings.TrimPrefix(srv.URL, "http")
	for _, tc := range []struct {
		form, stdin string
		want        []byte
	}{
		{"hex", "10 0c 00 04 4d 51 54 54\n", []byte{0x10, 0x0c, 0x00, 0x04, 'M', 'Q', 'T', 'T'}},
		{"hex", "c000\n", []byte{0xc0, 0x00}},
		{"base64", "AAH/\n", []byte{0x00, 0x01, 0xff}},
		{"base64", "AAE\n", []byte{0x00, 0x01}},
	} {
		code, out, stderr := runCLI(t, tc.stdin, "tail", "--no-record", "--send", tc.form, u)
		if code != exitOK {
			t.Fatalf("--send %s: exit %d, stderr %q\n%s", tc.form, code, stderr, out)
		}
		select {
		case p := <-got:
			if !bytes.Equal(p, tc.want) {
				t.Errorf("--send %s %q: server got % x, want % x", tc.form, tc.stdin, p, tc.want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("--send %s: nothing reached the server", tc.form)
		}
		if !strings.Contains(out, "binary") {
			t.Errorf("--send %s: the sent message is not shown as binary:\n%s", tc.form, out)
		}
	}
	code, _, stderr := runCLI(t, "0a0b\nzz\n", "tail", "--no-record", "--send", "hex", u)
	if code != exitFailure || !strings.Contains(stderr, "line 2 is not hex") {
		t.Errorf("a bad hex line: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, "", "tail", "--send", "octal", u); code != exitUsage || !strings.Contains(stderr, "text, hex, base64") {
		t.Errorf("--send octal: exit %d, stderr %q", code, stderr)
	}
}
