package conn

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn/internal/wirepeer"
)

func TestCloseAndWaitEndsWithTheConnection(t *testing.T) {
	t.Run("answered", func(t *testing.T) {
		c := Dial(context.Background(), Options{URL: echoServer(t, nil), RedialOnRequest: true})
		defer c.Shutdown()
		next(t, c, EventOpen)
		go func() { // the waiter must not be the only reader
			for range c.Events() {
			}
		}()
		start := time.Now()
		if err := c.closeAndWait(1000, "bye", 3*time.Second); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took > time.Second {
			t.Fatalf("closeAndWait took %v against a server that answers at once", took)
		}
		select {
		case <-c.done:
			t.Fatal("the client finished although it waits for Reconnect")
		default:
		}
	})
	t.Run("unanswered", func(t *testing.T) {
		url := wirepeer.Start(t, func(p *wirepeer.Peer) {
			for { // reads our close frame and says nothing
				if _, err := p.ReadFrame(); err != nil {
					return
				}
			}
		})
		c := Dial(context.Background(), Options{URL: url})
		defer c.Shutdown()
		next(t, c, EventOpen)
		if err := c.closeAndWait(1001, "going away", 300*time.Millisecond); !errors.Is(err, errCloseTimeout) {
			t.Fatalf("closeAndWait = %v, want errCloseTimeout", err)
		}
	})
	t.Run("not connected", func(t *testing.T) {
		c := Dial(context.Background(), Options{URL: refusedURL(t), RedialOnRequest: true})
		defer c.Shutdown()
		next(t, c, EventError)
		if err := c.closeAndWait(1000, "", time.Second); err != nil {
			t.Fatalf("closeAndWait with no connection = %v", err)
		}
	})
}
