// Command wsbench measures wsdbg's throughput against an honest baseline:
// a firehose server, a bare gorilla read loop and wsdbg each run in a
// process of their own, in alternating rounds of the same run, so that no
// client shares its CPU with the server.
//
//	go run ./internal/cmd/wsbench [-n 500000] [-rounds 3] [-linear] [-proxy]
//
// It prints messages per second, CPU seconds and peak resident memory for
// each client, and the ratio of wsdbg's rate to the bare loop's. With
// -linear every client also reads ten times as many messages, and the
// table gives how many times longer that took: 10 for a cost that grows
// linearly. wscat is measured too when it is on PATH. With -proxy it
// measures the bare loop direct and through `wsdbg proxy --tail --json
// --no-record`, and the CPU an idle proxied connection costs the proxy.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gorilla/websocket"
)

// message is the 100-byte text message the firehose sends.
var message = func() []byte {
	m := []byte(`{"type":"tick","seq":12345,"symbol":"BTC-USD","price":"64123.55","ts":"2026-11-22T02:10:00Z"}`)
	return append(m, strings.Repeat(" ", 100-len(m))...)
}()

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "serve":
			serve()
			return
		case "bare":
			bare(os.Args[2])
			return
		}
	}
	n := flag.Int("n", 500000, "messages per run")
	rounds := flag.Int("rounds", 3, "rounds of every client, alternating")
	linear := flag.Bool("linear", false, "also run every client on 10×n messages and report the time ratio")
	viaProxy := flag.Bool("proxy", false, "measure the bare loop direct and through wsdbg proxy instead")
	flag.Parse()
	if err := compare(*n, *rounds, *linear, *viaProxy); err != nil {
		fmt.Fprintln(os.Stderr, "wsbench:", err)
		os.Exit(1)
	}
}

// serve runs the firehose: every connection gets ?n= messages as fast as
// the socket takes them, then a normal closure. It prints its address.
func serve() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(l.Addr().String())
	up := websocket.Upgrader{}
	pm, _ := websocket.NewPreparedMessage(websocket.TextMessage, message)
	http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		if r.URL.Query().Has("idle") {
			// A connection that carries nothing until the client ends it.
			for {
				if _, _, err := ws.ReadMessage(); err != nil {
					return
				}
			}
		}
		for range n {
			if ws.WritePreparedMessage(pm) != nil {
				return
			}
		}
		ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""))
		ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
	}))
}

// bare is the baseline: gorilla's read loop with the read buffer wsdbg
// uses, doing nothing with the messages.
func bare(url string) {
	d := websocket.Dialer{ReadBufferSize: 32 << 10}
	ws, _, err := d.Dial(url, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer ws.Close()
	n := 0
	for {
		if _, _, err := ws.ReadMessage(); err != nil {
			break
		}
		n++
	}
	fmt.Println(n)
}

type client struct {
	name string
	argv func(url string) []string
}

type result struct {
	wall, cpu time.Duration
	maxRSS    int64 // peak resident set, in bytes
}

func compare(n, rounds int, linear, viaProxy bool) error {
	dir, err := os.MkdirTemp("", "wsbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	self, err := os.Executable()
	if err != nil {
		return err
	}
	wsdbg := filepath.Join(dir, "wsdbg")
	build := exec.Command("go", "build", "-o", wsdbg, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build wsdbg (run wsbench from the repository's root): %w", err)
	}

	srv := exec.Command(self, "serve")
	out, err := srv.StdoutPipe()
	if err != nil {
		return err
	}
	srv.Stderr = os.Stderr
	if err := srv.Start(); err != nil {
		return err
	}
	defer srv.Process.Kill()
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		return fmt.Errorf("firehose server: %w", err)
	}
	urlFor := func(n int) string { return fmt.Sprintf("ws://%s/?n=%d", strings.TrimSpace(addr), n) }
	if viaProxy {
		return compareProxy(wsdbg, self, strings.TrimSpace(addr), n, rounds)
	}

	clients := []client{
		{"bare gorilla", func(u string) []string { return []string{self, "bare", u} }},
		{"wsdbg tail --json", func(u string) []string { return []string{wsdbg, "tail", "--keep-open", "--json", "--no-record", u} }},
		{"wsdbg tail", func(u string) []string { return []string{wsdbg, "tail", "--keep-open", "--no-record", u} }},
		{"wsdbg tail --json (recording)", func(u string) []string {
			return []string{wsdbg, "tail", "--keep-open", "--json", "--record", filepath.Join(dir, "rec-"+strconv.FormatInt(time.Now().UnixNano(), 36)+".jsonl"), u}
		}},
	}
	if path, err := exec.LookPath("wscat"); err == nil {
		clients = append(clients, client{"wscat", func(u string) []string { return []string{path, "-c", u} }})
	}

	results, err := measure(clients, urlFor(n), rounds)
	if err != nil {
		return err
	}
	var longer map[string][]result
	if linear {
		if longer, err = measure(clients, urlFor(10*n), rounds); err != nil {
			return err
		}
	}

	return report(clients, results, longer, n, rounds)
}

// measure runs every client on url, rounds times, alternating.
func measure(clients []client, url string, rounds int) (map[string][]result, error) {
	results := map[string][]result{}
	for round := range rounds {
		for _, c := range clients {
			r, err := run(c.argv(url))
			if err != nil {
				return nil, fmt.Errorf("%s, round %d: %w", c.name, round+1, err)
			}
			results[c.name] = append(results[c.name], r)
		}
	}
	return results, nil
}

// run times one client process to its end. Its output goes straight to
// /dev/null, not through a pipe this process would have to drain.
func run(argv []string) (result, error) {
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return result{}, err
	}
	defer devNull.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout = devNull
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return result{}, fmt.Errorf("%v: %s", err, stderr.String())
	}
	ps := cmd.ProcessState
	return result{wall: wall, cpu: ps.UserTime() + ps.SystemTime(), maxRSS: peakRSS(ps)}, nil
}

func rate(n int, r result) float64 { return float64(n) / r.wall.Seconds() }

func median(rs []result) result {
	s := append([]result(nil), rs...)
	sort.Slice(s, func(i, j int) bool { return s[i].wall < s[j].wall })
	return s[len(s)/2]
}

func maxRSS(rs []result) int64 {
	var m int64
	for _, r := range rs {
		m = max(m, r.maxRSS)
	}
	return m
}

func medianCPU(rs []result) time.Duration {
	s := make([]time.Duration, len(rs))
	for i, r := range rs {
		s[i] = r.cpu
	}
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// report prints the table: each client's rate, CPU time, peak memory and
// ratio to the bare loop, and with longer runs the time they took.
func report(clients []client, results, longer map[string][]result, n, rounds int) error {
	linear := longer != nil
	fmt.Printf("%d × %d-byte text messages on loopback; server, baseline and wsdbg in separate processes; %d rounds\n\n",
		n, len(message), rounds)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := "client\tmsgs/s (median)\tmsgs/s (each round)\tCPU s (median)\tpeak RSS MB (max)\tratio to bare\t"
	if linear {
		header += "time 10n / n\t"
	}
	fmt.Fprintln(tw, header)
	baseRate := rate(n, median(results["bare gorilla"]))
	for _, c := range clients {
		rs := results[c.name]
		var each []string
		for _, r := range rs {
			each = append(each, fmt.Sprintf("%.0fk", rate(n, r)/1000))
		}
		m := median(rs)
		fmt.Fprintf(tw, "%s\t%.0fk\t%s\t%.2f\t%.1f\t%.2f\t", c.name, rate(n, m)/1000, strings.Join(each, " "),
			medianCPU(rs).Seconds(), float64(maxRSS(rs))/(1<<20), rate(n, m)/baseRate)
		if linear {
			fmt.Fprintf(tw, "%.2f (%.1f MB)\t", median(longer[c.name]).wall.Seconds()/m.wall.Seconds(),
				float64(maxRSS(longer[c.name]))/(1<<20))
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}
