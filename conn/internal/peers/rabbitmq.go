package peers

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	// rabbitStartTimeout bounds a broker's boot: an Erlang node with its
	// plugins takes 5–15 s on a busy machine.
	rabbitStartTimeout = 60 * time.Second
	// rabbitStopTimeout is how long a broker gets for its orderly shutdown
	// (about 4 s here) before it is killed.
	rabbitStopTimeout = 15 * time.Second
)

// RabbitMQStomp returns the ws:// URL, path /ws included, of a RabbitMQ
// broker (Debian's rabbitmq-server) with its rabbitmq_web_stomp plugin:
// STOMP 1.0–1.2 over WebSocket, subprotocols v10.stomp, v11.stomp and
// v12.stomp. The user guest, password guest, may log in to the virtual
// host "/". The broker is a node of its own, in a scratch directory,
// started once per test binary.
func RabbitMQStomp(t testing.TB) string {
	t.Helper()
	return shared(t, "rabbitmq", startRabbitMQ)
}

func startRabbitMQ() (string, error) {
	const server = "/usr/lib/rabbitmq/bin/rabbitmq-server"
	if _, err := os.Stat(server); err != nil {
		return "", errUnavailable{"rabbitmq web-stomp peer not installed: apt-get install rabbitmq-server"}
	}
	epmd, err := exec.LookPath("epmd")
	if err != nil {
		return "", errUnavailable{"rabbitmq web-stomp peer not installed: epmd missing (apt-get install rabbitmq-server)"}
	}
	var lastErr error
	for range portAttempts {
		u, err := runRabbitMQ(server, epmd)
		if err == nil || !errors.Is(err, errPortTaken) {
			return u, err
		}
		lastErr = err
	}
	return "", lastErr
}

// errPortTaken marks a start that failed because another process took one
// of the free ports first; the start is worth retrying.
var errPortTaken = errors.New("a port was taken")

// runRabbitMQ starts an Erlang port mapper and a broker node of their own
// on free loopback ports, so that nothing of the machine's own RabbitMQ
// (its node name, cookie, database, ports) is shared, and waits until the
// web-stomp listener accepts connections.
func runRabbitMQ(server, epmdPath string) (string, error) {
	ports, err := freePorts(4)
	if err != nil {
		return "", err
	}
	epmdPort, amqpPort, distPort, wsPort := ports[0], ports[1], ports[2], ports[3]
	dir, err := os.MkdirTemp("", "wsdbg-rabbitmq-")
	if err != nil {
		return "", err
	}
	conf := fmt.Sprintf(`listeners.tcp.default = 127.0.0.1:%d
stomp.listeners.tcp = none
web_stomp.tcp.ip = 127.0.0.1
web_stomp.tcp.port = %d
log.console = false
log.file.level = info
`, amqpPort, wsPort)
	files := map[string]string{
		"rabbitmq.conf":   conf,
		"enabled_plugins": "[rabbitmq_web_stomp].\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			os.RemoveAll(dir)
			return "", err
		}
	}
	logDir := filepath.Join(dir, "log")

	epmd := exec.Command(epmdPath, "-port", strconv.Itoa(epmdPort), "-address", "127.0.0.1")
	stopWithParent(epmd)
	ep := &process{cmd: epmd, stderr: &syncBuffer{}, exited: make(chan struct{})}
	epmd.Stdout, epmd.Stderr = ep.stderr, ep.stderr
	if err := epmd.Start(); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	go func() { epmd.Wait(); close(ep.exited) }()
	stopEPMD := func() {
		epmd.Process.Kill()
		<-ep.exited
	}

	cmd := exec.Command(server)
	cmd.Env = append(os.Environ(),
		"HOME="+dir, // the Erlang cookie is written there
		"ERL_EPMD_PORT="+strconv.Itoa(epmdPort),
		"RABBITMQ_CONF_ENV_FILE=/dev/null", // ignore /etc/rabbitmq/rabbitmq-env.conf
		"RABBITMQ_NODENAME=wsdbg"+strconv.Itoa(os.Getpid())+"@localhost",
		"RABBITMQ_DIST_PORT="+strconv.Itoa(distPort),
		"RABBITMQ_CONFIG_FILE="+filepath.Join(dir, "rabbitmq.conf"),
		// Nothing of /etc/rabbitmq: no conf.d, no advanced.config.
		"RABBITMQ_CONFIG_FILES="+filepath.Join(dir, "conf.d"),
		"RABBITMQ_ADVANCED_CONFIG_FILE="+filepath.Join(dir, "advanced.config"),
		"RABBITMQ_ENABLED_PLUGINS_FILE="+filepath.Join(dir, "enabled_plugins"),
		"RABBITMQ_MNESIA_BASE="+filepath.Join(dir, "mnesia"),
		"RABBITMQ_LOG_BASE="+logDir,
		"RABBITMQ_PID_FILE="+filepath.Join(dir, "rabbitmq.pid"),
	)
	cmd.Dir = dir // where an Erlang crash dump would land
	stopWithParent(cmd)
	p := &process{cmd: cmd, stderr: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.stderr, p.stderr
	p.stop = func() {
		// The start script answers SIGTERM with the broker's orderly
		// shutdown.
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(rabbitStopTimeout):
			cmd.Process.Kill()
			<-p.exited
		}
		stopEPMD()
		os.RemoveAll(dir)
	}
	if err := cmd.Start(); err != nil {
		stopEPMD()
		os.RemoveAll(dir)
		return "", err
	}
	go func() { cmd.Wait(); close(p.exited) }()

	listen := net.JoinHostPort("127.0.0.1", strconv.Itoa(wsPort))
	deadline := time.Now().Add(rabbitStartTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-p.exited:
			log := rabbitLog(logDir)
			p.stop()
			err := fmt.Errorf("rabbitmq-server exited before listening\n%s%s", p.stderr.String(), log)
			if strings.Contains(log+p.stderr.String(), "eaddrinuse") {
				err = fmt.Errorf("%w: %v", errPortTaken, err)
			}
			return "", err
		default:
		}
		if c, err := net.DialTimeout("tcp", listen, time.Second); err == nil {
			c.Close()
			register(p)
			return "ws://" + listen + "/ws", nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	log := rabbitLog(logDir)
	p.stop()
	return "", fmt.Errorf("rabbitmq web-stomp did not listen on %s within %v\n%s", listen, rabbitStartTimeout, log)
}

// rabbitLog is the tail of the broker's log files, for a failure message.
func rabbitLog(dir string) string {
	const tail = 4096
	files, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	var out string
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if len(b) > tail {
			b = b[len(b)-tail:]
		}
		out += string(b)
	}
	return out
}

// freePorts returns n loopback ports that were free a moment ago, all
// different: each listener stays open until every port is picked.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
