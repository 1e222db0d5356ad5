// Command recbench measures how fast wsdbg reads a large recording: it
// writes one of the given size (typical market-data messages, each with its
// frame) and times `wsdbg tail --json FILE` and `wsdbg tail FILE` into
// /dev/null, in a process of their own.
//
//	go build -o /tmp/wsdbg . && go run ./internal/cmd/recbench -wsdbg /tmp/wsdbg [-mb 1024] [-rounds 3]
//
// -mb 64 makes a run short enough for CI. Browsing the recording in the
// debugger is timed by a benchmark of package tui on a file kept with -file:
//
//	go run ./internal/cmd/recbench -wsdbg /tmp/wsdbg -file /tmp/big.jsonl
//	WSDBG_RECORDING=/tmp/big.jsonl go test ./tui -run '^$' -bench BrowseRecording -benchtime 1x
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/history"
)

func main() {
	bin := flag.String("wsdbg", "wsdbg", "the wsdbg binary to measure")
	mb := flag.Int("mb", 1024, "size of the recording in MiB")
	rounds := flag.Int("rounds", 3, "runs of each measurement; the best is reported")
	keep := flag.String("file", "", "write the recording here and keep it (default: a temporary file)")
	flag.Parse()

	path := *keep
	if path == "" {
		dir, err := os.MkdirTemp("", "recbench-")
		check(err)
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "big"+history.FileSuffix)
	}
	start := time.Now()
	events := write(path, int64(*mb)<<20)
	st, err := os.Stat(path)
	check(err)
	fmt.Printf("recording: %d events, %d MiB, written in %s\n", events, st.Size()>>20, time.Since(start).Round(time.Millisecond))

	for _, args := range [][]string{{"tail", "--json", path}, {"tail", path}} {
		best := time.Duration(1 << 62)
		for range *rounds {
			cmd := exec.Command(*bin, args...)
			cmd.Stderr = os.Stderr
			t := time.Now()
			check(cmd.Run())
			best = min(best, time.Since(t))
		}
		fmt.Printf("wsdbg %-12s %8s  %9.0f events/s\n", args[0]+" "+args[1], best.Round(time.Millisecond), float64(events)/best.Seconds())
	}
}

// write fills path with messages until it holds size bytes.
func write(path string, size int64) int {
	w, err := history.Create(path, history.Header{URL: "wss://stream.example.com/ws", Start: time.Unix(1.7e9, 0)},
		history.WriterOptions{})
	check(err)
	t0 := time.Unix(1.7e9, 0).UTC()
	n := 0
	for written := int64(0); written < size; n++ {
		at := t0.Add(time.Duration(n) * time.Millisecond)
		payload := fmt.Appendf(nil, `{"type":"tick","symbol":"BTC-USD","price":"%d.%02d","size":"0.0042","seq":%d,"side":"buy"}`,
			97000+n%1000, n%100, n)
		ev := conn.Event{Type: conn.EventMessage, Time: at, Dir: conn.In, Opcode: conn.OpText, Payload: payload, FrameCount: 1,
			Frames: []conn.Frame{{Time: at, Dir: conn.In, FIN: true, Opcode: conn.OpText, Length: int64(len(payload)), HeaderLen: 2}}}
		check(w.Append(ev))
		written += int64(len(payload)) + 245 // the line's other keys, roughly
	}
	check(w.Close())
	return n
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "recbench:", err)
		os.Exit(1)
	}
}
