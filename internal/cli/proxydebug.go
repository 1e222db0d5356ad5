package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/history"
	"github.com/wsdbg/wsdbg/tui"
)

// debugRelay shows the relay in the debugger until the user quits, which
// closes every connection (both sides with 1001) and finishes their
// recordings.
func (p *proxyCmd) debugRelay(relay *conn.Relay, opts conn.Options, listen string) error {
	a := p.a
	// bubbletea turns SIGINT and SIGTERM into a quit by itself; SIGHUP, the
	// terminal going away, would kill the program without a goodbye.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hangup := make(chan os.Signal, 1)
	signal.Notify(hangup, syscall.SIGHUP)
	defer signal.Stop(hangup)
	go func() {
		select {
		case <-hangup:
			cancel()
		case <-ctx.Done():
		}
	}()

	recs := &proxyRecordings{p: p, upstream: opts, writers: map[int]*history.Writer{}, stderr: a.stderr, quiet: true}
	feed := &relayFeed{relay: relay, recs: recs, events: make(chan conn.Event), stop: make(chan struct{})}
	to := debuggerOptions(opts, &uiFlags{record: p.record, theme: p.theme}, opts.Dialects)
	to.Title = "wsdbg proxy"
	to.Source = feed
	to.Proxy = &tui.Proxy{Relay: relay, Listen: listen}
	if !p.record.off {
		to.Proxy.Recording = recs.state
	}
	prog, err := tui.NewProgram(ctx, to)
	if err != nil {
		return err
	}
	feed.prog.Store(prog)
	err = prog.Run()
	// The debugger waits for the relay on quitting; after a second quit
	// or a hangup it may not have.
	relay.Shutdown()
	close(feed.stop)
	feed.wg.Wait()
	recs.closeAll()
	for _, note := range recs.notes {
		fmt.Fprint(a.stderr, note)
	}
	return err
}

// relayFeed is the debugger's Source on a proxy: it takes the relay's
// events, records each to its connection's file, and hands them over; once
// the relay is done with a connection, it finishes the recording and says
// so with ended.
type relayFeed struct {
	relay  *conn.Relay
	recs   *proxyRecordings
	events chan conn.Event
	stop   chan struct{} // closed when the debugger takes no more
	prog   atomic.Pointer[tui.Program]
	once   sync.Once
	wg     sync.WaitGroup
}

// Events implements tui.Source.
func (f *relayFeed) Events() <-chan conn.Event {
	f.once.Do(func() {
		f.wg.Add(1)
		go f.run()
	})
	return f.events
}

func (f *relayFeed) run() {
	defer f.wg.Done()
	defer close(f.events)
	var batch []conn.Event
	for {
		select {
		case <-f.relay.EventsReady():
		case <-f.stop:
			return
		}
		var finished bool
		batch, finished = f.relay.TakeEvents(batch)
		for i := range batch {
			ev := &batch[i]
			if w := f.recs.writer(ev); w != nil {
				w.Append(*ev)
			}
			select {
			case f.events <- *ev:
			case <-f.stop:
				return
			}
		}
		for _, n := range f.relay.Ended() {
			f.recs.finish(n)
			if prog := f.prog.Load(); prog != nil {
				// Send waits for the program, which may be waiting for
				// this feed's next event.
				go prog.Send(tui.ProxyConnEndedMsg{Conn: n})
			}
		}
		if finished {
			return
		}
	}
}
