package peers

import (
	"net"
	"net/url"
	"os"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	code := m.Run()
	StopAll()
	os.Exit(code)
}

func TestStopAllEndsEveryServer(t *testing.T) {
	urls := []string{PythonWebsockets(t), Nginx(t), Phoenix(t), RabbitMQStomp(t), ActionCable(t)}
	addrs := make([]string, len(urls))
	for i, u := range urls {
		pu, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		addrs[i] = pu.Host
		c, err := net.DialTimeout("tcp", addrs[i], time.Second)
		if err != nil {
			t.Fatalf("%s not listening: %v", u, err)
		}
		c.Close()
	}
	StopAll()
	for _, a := range addrs {
		if c, err := net.DialTimeout("tcp", a, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still accepts connections after StopAll", a)
		}
	}
}
