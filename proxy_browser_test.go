package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/history"
)

// unavailable skips a test whose peer is not installed, and fails it when
// CI is set, where every peer must be.
func unavailable(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// chromiumBinary is the headless browser of the browser tests.
func chromiumBinary(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	unavailable(t, "chromium is not installed (apt-get install chromium)")
	return ""
}

// nodeWSUpstream runs Node's ws echo server (conn/testdata/node/server.js,
// which closes with CODE REASON when sent "close CODE REASON") until the
// test ends, and returns its ws:// URL.
func nodeWSUpstream(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		unavailable(t, "the Node ws peer needs node in PATH")
	}
	dir := filepath.Join("conn", "testdata", "node")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "ws")); err != nil {
		unavailable(t, "the Node ws peer is not installed: run npm ci in conn/testdata/node")
	}
	cmd := exec.Command(node, "server.js")
	cmd.Dir = dir
	stdin, _ := cmd.StdinPipe() // the server runs until its stdin closes
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		stdin.Close()
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	port := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if p, ok := strings.CutPrefix(sc.Text(), "LISTENING "); ok {
				port <- p
			}
		}
	}()
	select {
	case p := <-port:
		return "ws://127.0.0.1:" + p
	case <-time.After(10 * time.Second):
		t.Fatal("the Node ws peer did not listen within 10s")
		return ""
	}
}

// browserPage opens a WebSocket to the URL after the page's #, sends three
// messages, and once their echoes are back asks the server to close with
// 4001 "session expired". It writes what it saw into the page, and posts
// that to /report.
const browserPage = `<!doctype html>
<html><head><title>pending</title></head><body><pre id="seen">pending</pre>
<script>
const echoes = [];
const ws = new WebSocket(location.hash.slice(1));
ws.onopen = () => { for (const m of ['one', 'two', 'three']) ws.send(m); };
ws.onmessage = (e) => {
  echoes.push(e.data);
  if (echoes.length === 3) ws.send('close 4001 session expired');
};
ws.onclose = (e) => {
  document.getElementById('seen').textContent =
    JSON.stringify({code: e.code, reason: e.reason, wasClean: e.wasClean, echoes});
  document.title = 'closed';
  fetch('/report', {method: 'POST', body: document.getElementById('seen').textContent});
};
</script></body></html>`

// whatTheBrowserSaw is the page's report.
type whatTheBrowserSaw struct {
	Code     int      `json:"code"`
	Reason   string   `json:"reason"`
	WasClean bool     `json:"wasClean"`
	Echoes   []string `json:"echoes"`
}

// runChromium loads browserPage in headless Chromium, pointed at wsURL,
// and returns what the page reported, ending the browser's whole process
// group once it has.
func runChromium(t *testing.T, wsURL string, flags ...string) whatTheBrowserSaw {
	t.Helper()
	browser := chromiumBinary(t)
	reports := make(chan string, 1)
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, browserPage)
		case "/report":
			body, _ := io.ReadAll(io.LimitReader(r.Body, 4096))
			select {
			case reports <- string(body):
			default:
			}
		default:
			http.NotFound(w, r)
		}
	}))
	defer page.Close()

	args := append([]string{"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + t.TempDir()}, flags...)
	cmd := exec.Command(browser, append(args, page.URL+"/#"+wsURL)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	defer func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}()
	select {
	case report := <-reports:
		var saw whatTheBrowserSaw
		if err := json.Unmarshal([]byte(report), &saw); err != nil {
			t.Fatalf("the page reported %q: %v", report, err)
		}
		return saw
	case <-exited:
		t.Fatalf("chromium exited before the page reported; stderr:\n%s", stderr.String())
	case <-time.After(8 * time.Second):
		t.Fatalf("the page did not report within 8s")
	}
	return whatTheBrowserSaw{}
}

// checkBrowserSaw checks that the browser got its echoes and the
// upstream's private close code and reason through the proxy.
func checkBrowserSaw(t *testing.T, saw whatTheBrowserSaw) {
	t.Helper()
	if saw.Code != 4001 || saw.Reason != "session expired" || !saw.WasClean ||
		strings.Join(saw.Echoes, ",") != "one,two,three" {
		t.Fatalf("the browser saw %+v; want the three echoes and a clean close 4001 \"session expired\"", saw)
	}
}

// waitForOutput waits until the proxy's stdout holds want.
func waitForOutput(t *testing.T, p *tailProcess, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(p.out.text(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("the proxy never printed %s:\n%s", want, p.out.text())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Headless Chromium talks to Node's ws server through wsdbg proxy: the
// page gets its echoes and the server's close 4001 with its reason, and
// the recording holds both legs, the browser's Origin and User-Agent as
// sent upstream, and the close explained.
func TestProxyChromiumClient(t *testing.T) {
	chromiumBinary(t)
	upstream := nodeWSUpstream(t)
	dir := t.TempDir()
	p, url := startProxy(t, "--tail", "--json", "--record", filepath.Join(dir, "browser.wsdbg.jsonl"), upstream)
	checkBrowserSaw(t, runChromium(t, url+"/chat?room=1"))
	waitForOutput(t, p, `"type":"close","time"`)
	if took := p.signal(t, syscall.SIGINT, 3*time.Second); took > 2*time.Second {
		t.Errorf("exited %v after ctrl+c", took)
	}

	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 1 {
		t.Fatalf("recordings: %v", files)
	}
	rec, err := history.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	rec.Wait()
	if len(rec.Problems()) != 0 {
		t.Fatalf("recording problems: %v", rec.Problems())
	}
	var open, serverClose, clientClose *history.Record
	messages := map[conn.Leg][]string{}
	for i := range rec.Len() {
		r, err := rec.Record(i)
		if err != nil {
			t.Fatal(err)
		}
		if r.Conn != 1 {
			t.Fatalf("event %d is on connection %d, want 1: %+v", i, r.Conn, r)
		}
		switch {
		case r.Type == conn.EventOpen && r.Leg == conn.LegServer:
			open = &r
		case r.Type == conn.EventMessage && r.Dir == conn.In:
			messages[r.Leg] = append(messages[r.Leg], r.Text)
		case r.Type == conn.EventClose && r.Leg == conn.LegServer && r.Dir == conn.In:
			serverClose = &r
		case r.Type == conn.EventClose && r.Leg == conn.LegClient && r.Dir == conn.In:
			clientClose = &r
		}
	}
	if open == nil || !strings.HasSuffix(open.URL, "/chat?room=1") {
		t.Fatalf("no open of the upstream with the page's path: %+v", open)
	}
	if origin := open.RequestHeaders.Get("Origin"); !strings.HasPrefix(origin, "http://127.0.0.1:") {
		t.Errorf("the upstream request's Origin is %q, want the page's", origin)
	}
	if ua := open.RequestHeaders.Get("User-Agent"); !strings.Contains(ua, "Chrome/") {
		t.Errorf("the upstream request's User-Agent is %q, want the browser's", ua)
	}
	if got := strings.Join(messages[conn.LegClient], ","); got != "one,two,three,close 4001 session expired" {
		t.Errorf("the browser's messages: %q", got)
	}
	if got := strings.Join(messages[conn.LegServer], ","); got != "one,two,three" {
		t.Errorf("the server's messages: %q", got)
	}
	if serverClose == nil || serverClose.Code != 4001 || serverClose.Reason != "session expired" || serverClose.Explanation == "" {
		t.Fatalf("the server's close, explained: %+v", serverClose)
	}
	if clientClose == nil || clientClose.Code != 4001 {
		t.Fatalf("the browser's answering close: %+v", clientClose)
	}
}

// A page can reach the proxy over wss:// with the certificate
// --listen-tls made, Chromium trusting it by its printed SPKI hash.
func TestProxyChromiumOverWSS(t *testing.T) {
	chromiumBinary(t)
	upstream := nodeWSUpstream(t)
	p, url, spki := startProxyWithGeneratedCert(t, "--tail", "--json", "--no-record", upstream)
	checkBrowserSaw(t, runChromium(t, url+"/secure", "--ignore-certificate-errors-spki-list="+spki))
	// Connection 1 was the pinned check of the certificate.
	waitForOutput(t, p, `"conn":2,"leg":"client","dir":"in","code":4001`)
	objs := jsonLines(t, p.out.text())
	open := find(objs, "open", func(o map[string]any) bool { return o["conn"] == 2.0 })
	if open == nil || !strings.HasSuffix(open["url"].(string), "/secure") {
		t.Fatalf("no open of the upstream for the browser: %v", open)
	}
}
