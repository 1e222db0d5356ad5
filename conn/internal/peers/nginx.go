package peers

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/template"
	"time"
)

// portAttempts is how often a start is retried when another process took
// the free port between our probe and nginx's bind.
const portAttempts = 3

// startNginx runs nginx in the foreground with a configuration generated
// from testdata/nginx/nginx.conf.tmpl into a scratch directory, proxying to
// upstream (host:port), and returns its ws:// URL.
func startNginx(upstream string) (string, error) {
	nginx, err := exec.LookPath("nginx")
	if err != nil {
		// Debian installs it outside an ordinary user's PATH.
		if _, serr := os.Stat("/usr/sbin/nginx"); serr != nil {
			return "", errUnavailable{"nginx peer not installed: apt-get install nginx"}
		}
		nginx = "/usr/sbin/nginx"
	}
	tmpl, err := template.ParseFiles(filepath.Join(testdata("nginx"), "nginx.conf.tmpl"))
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "wsdbg-nginx-")
	if err != nil {
		return "", err
	}
	// Run as root, nginx's workers drop to an unprivileged user that must
	// still reach the temporary-file directories inside.
	if err := os.Chmod(dir, 0o755); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	for range portAttempts {
		u, err := runNginx(nginx, tmpl, dir, upstream)
		if err == nil || !strings.Contains(err.Error(), "Address already in use") {
			return u, err
		}
	}
	return "", fmt.Errorf("no free port after %d attempts", portAttempts)
}

func runNginx(nginx string, tmpl *template.Template, dir, upstream string) (string, error) {
	listen, err := freePort()
	if err != nil {
		return "", err
	}
	conf := filepath.Join(dir, "nginx.conf")
	f, err := os.Create(conf)
	if err != nil {
		return "", err
	}
	err = tmpl.Execute(f, struct{ Listen, Upstream, Dir string }{listen, upstream, dir})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	errorLog := filepath.Join(dir, "error.log")
	cmd := exec.Command(nginx, "-p", dir, "-c", conf, "-e", errorLog)
	stopWithParent(cmd)
	p := &process{cmd: cmd, stderr: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.stderr, p.stderr
	p.stop = func() {
		cmd.Process.Signal(os.Interrupt) // fast shutdown
		p.await()
		os.RemoveAll(dir)
	}
	if err := cmd.Start(); err != nil {
		return "", err
	}
	go func() { cmd.Wait(); close(p.exited) }()

	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-p.exited:
			log, _ := os.ReadFile(errorLog)
			return "", fmt.Errorf("nginx exited before listening\n%s%s", p.stderr.String(), log)
		default:
		}
		if c, err := net.DialTimeout("tcp", listen, time.Second); err == nil {
			c.Close()
			register(p)
			return "ws://" + listen, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	<-p.exited
	return "", fmt.Errorf("nginx did not listen on %s within %v", listen, startTimeout)
}

// freePort returns a loopback host:port that was free a moment ago.
func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}
