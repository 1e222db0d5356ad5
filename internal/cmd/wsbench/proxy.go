package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

// proxyProcess is `wsdbg proxy --tail --json --no-record` running in a
// process of its own, its output going to /dev/null.
type proxyProcess struct {
	cmd *exec.Cmd
	url string // where it listens, ws://host:port
}

var relayingLine = regexp.MustCompile(`relaying (ws://\S+)`)

func startProxy(wsdbg, upstream string) (*proxyProcess, error) {
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	defer devNull.Close()
	cmd := exec.Command(wsdbg, "proxy", "--tail", "--json", "--no-record", "--listen", "127.0.0.1:0", upstream)
	cmd.Stdout = devNull
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(stderr).ReadString('\n')
	m := relayingLine.FindStringSubmatch(line)
	if err != nil || m == nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("wsdbg proxy did not start: %q %v", line, err)
	}
	go func() { // keep reading so that the proxy never blocks on stderr
		buf := make([]byte, 4096)
		for {
			if _, err := stderr.Read(buf); err != nil {
				return
			}
		}
	}()
	return &proxyProcess{cmd: cmd, url: m[1]}, nil
}

// stop ends the proxy with ctrl+c and returns the CPU time it used.
func (p *proxyProcess) stop() time.Duration {
	p.cmd.Process.Signal(syscall.SIGINT)
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
		<-done
	}
	ps := p.cmd.ProcessState
	return ps.UserTime() + ps.SystemTime()
}

// compareProxy measures the bare reader direct and through wsdbg proxy,
// rounds times alternating, and an idle proxied connection's CPU use.
func compareProxy(wsdbg, self, addr string, n, rounds int) error {
	direct := fmt.Sprintf("ws://%s/?n=%d", addr, n)
	var directRuns, proxiedRuns []result
	var proxyCPU []time.Duration
	for round := range rounds {
		r, err := run([]string{self, "bare", direct})
		if err != nil {
			return fmt.Errorf("bare direct, round %d: %w", round+1, err)
		}
		directRuns = append(directRuns, r)
		p, err := startProxy(wsdbg, "ws://"+addr)
		if err != nil {
			return err
		}
		r, err = run([]string{self, "bare", fmt.Sprintf("%s/?n=%d", p.url, n)})
		cpu := p.stop()
		if err != nil {
			return fmt.Errorf("bare through the proxy, round %d: %w", round+1, err)
		}
		proxiedRuns = append(proxiedRuns, r)
		proxyCPU = append(proxyCPU, cpu)
	}
	fmt.Printf("%d × %d-byte text messages on loopback; server, reader and wsdbg proxy in separate processes; %d rounds\n\n",
		n, len(message), rounds)
	d, pr := median(directRuns), median(proxiedRuns)
	fmt.Printf("bare reader direct:            %6.0fk msgs/s\n", rate(n, d)/1000)
	fmt.Printf("bare reader through the proxy: %6.0fk msgs/s (proxy CPU %s per run, median)\n",
		rate(n, pr)/1000, medianDuration(proxyCPU).Round(time.Millisecond))
	fmt.Printf("ratio proxied / direct:        %6.2f\n\n", rate(n, pr)/rate(n, d))
	return idleProxy(wsdbg, addr)
}

func medianDuration(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[len(s)/2]
}

// idleWindow is how long an idle proxied connection is watched.
const idleWindow = 3 * time.Second

// idleProxy opens a connection through the proxy that carries nothing and
// reports the CPU time the proxy's process used over idleWindow, from
// /proc/PID/stat.
func idleProxy(wsdbg, addr string) error {
	p, err := startProxy(wsdbg, "ws://"+addr)
	if err != nil {
		return err
	}
	defer p.stop()
	ws, _, err := websocket.DefaultDialer.Dial(p.url+"/?idle=1", nil)
	if err != nil {
		return fmt.Errorf("idle connection: %w", err)
	}
	defer ws.Close()
	time.Sleep(200 * time.Millisecond) // let the upgrade's work settle
	before, err := cpuTicks(p.cmd.Process.Pid)
	if err != nil {
		fmt.Printf("idle proxied connection: not measured (%v)\n", err)
		return nil
	}
	time.Sleep(idleWindow)
	after, _ := cpuTicks(p.cmd.Process.Pid)
	// Clock ticks are 10 ms on Linux (USER_HZ 100).
	fmt.Printf("idle proxied connection: %d ms of CPU over %s\n", (after-before)*10, idleWindow)
	return nil
}

// cpuTicks is the user and system time a process has used, in clock
// ticks, from /proc/PID/stat.
func cpuTicks(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name, in parentheses, may hold spaces: count from after it.
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("unexpected /proc stat: %q", s)
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return utime + stime, nil
}
