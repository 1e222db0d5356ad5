package conn

import (
	"context"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn/internal/peers"
	"github.com/wsdbg/wsdbg/conn/internal/wirepeer"
	"github.com/wsdbg/wsdbg/decode"
)

// The server's misbehaviour as the tap sees it, against the raw-socket peer.

// collect dials url and returns every event until the client finishes.
func collect(t *testing.T, opts Options) []Event {
	t.Helper()
	c := Dial(context.Background(), opts)
	defer c.Shutdown()
	var evs []Event
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				return evs
			}
			evs = append(evs, ev)
		case <-timeout:
			t.Fatalf("the client did not finish; events so far: %v", evs)
		}
	}
}

// closeCodeFrom returns what the peer's script sent on codes, or fails.
func closeCodeFrom(t *testing.T, codes <-chan int) int {
	t.Helper()
	select {
	case code := <-codes:
		return code
	case <-time.After(5 * time.Second):
		t.Fatal("the peer got no close frame")
		return 0
	}
}

func TestLegalCloseCodesAreReportedAndEchoed(t *testing.T) {
	for _, code := range []uint16{1000, 1012, 1013, 1014, 3000, 4000, 4999} {
		t.Run(strconv.Itoa(int(code)), func(t *testing.T) {
			echoed := make(chan int, 1)
			url := wirepeer.Start(t, func(p *wirepeer.Peer) {
				p.WriteClose(code, "bye")
				if got, err := p.ReadClose(); err == nil {
					echoed <- got
				}
			})
			evs := collect(t, Options{URL: url})
			var in, out *Event
			for i, ev := range evs {
				switch {
				case ev.Type == EventError || ev.Type == EventWarning:
					t.Fatalf("a legal close %d was reported as %v: %+v", code, ev.Type, ev.Failure)
				case ev.Type == EventClose && ev.Dir == In:
					in = &evs[i]
				case ev.Type == EventClose && ev.Dir == Out:
					out = &evs[i]
				}
			}
			if in == nil || in.Code != int(code) || in.Reason != "bye" || !in.HasCode {
				t.Fatalf("server's close reported as %+v", in)
			}
			if out == nil || out.Code != int(code) || !out.Final {
				t.Fatalf("the echo was reported as %+v", out)
			}
			if got := closeCodeFrom(t, echoed); got != int(code) {
				t.Fatalf("the server got close %d back, want its own %d", got, code)
			}
		})
	}
}

func TestIllegalCloseIsAnsweredByTheTapsJudgement(t *testing.T) {
	cases := []struct {
		name  string
		write func(p *wirepeer.Peer) error
		cause string
		code  int
	}{
		{"code 1004", func(p *wirepeer.Peer) error { return p.WriteClose(1004, "") }, decode.CauseInvalidCloseCode, 1002},
		{"code 1015", func(p *wirepeer.Peer) error { return p.WriteClose(1015, "") }, decode.CauseInvalidCloseCode, 1002},
		{"code 2999", func(p *wirepeer.Peer) error { return p.WriteClose(2999, "") }, decode.CauseInvalidCloseCode, 1002},
		{"code 5000", func(p *wirepeer.Peer) error { return p.WriteClose(5000, "") }, decode.CauseInvalidCloseCode, 1002},
		{"reason not UTF-8", func(p *wirepeer.Peer) error { return p.WriteInvalidUTF8CloseReason() }, decode.CauseInvalidUTF8Reason, 1007},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			answered := make(chan int, 1)
			url := wirepeer.Start(t, func(p *wirepeer.Peer) {
				if tc.write(p) != nil {
					return
				}
				if got, err := p.ReadClose(); err == nil {
					answered <- got
				}
			})
			evs := collect(t, Options{URL: url})
			var failure *Event
			for i, ev := range evs {
				if ev.Type == EventClose && ev.Dir == In {
					t.Fatalf("an illegal close was reported as a close: %+v", ev)
				}
				if ev.Type == EventError {
					failure = &evs[i]
				}
			}
			if failure == nil {
				t.Fatalf("no error among %v", evs)
			}
			f := failure.Failure
			if f.Kind != decode.KindProtocol || f.Cause != tc.cause || f.Code != tc.code || failure.Code != tc.code {
				t.Fatalf("failure %s/%s code %d, want protocol/%s code %d", f.Kind, f.Cause, f.Code, tc.cause, tc.code)
			}
			if len(failure.Frames) == 0 || failure.Frames[0].Opcode != OpClose || failure.Frames[0].Dir != In {
				t.Fatalf("the server's close frame is not attached: %+v", failure.Frames)
			}
			if got := closeCodeFrom(t, answered); got != tc.code {
				t.Fatalf("the server got close %d, want %d", got, tc.code)
			}
		})
	}
}

// engineIOBody is what an Engine.IO server answers EIO=3 with, after a 101.
const engineIOBody = `{"code":5,"message":"Unsupported protocol version"}`

func TestHTTPResponseAfterTheUpgrade(t *testing.T) {
	response := "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: " +
		strconv.Itoa(len(engineIOBody)) + "\r\n\r\n" + engineIOBody
	cases := []struct {
		name   string
		script func(p *wirepeer.Peer)
	}{
		{"after the 101", func(p *wirepeer.Peer) {
			p.Accept(nil)
			time.Sleep(20 * time.Millisecond) // a read of its own
			p.WriteRaw([]byte(response))
		}},
		{"in the same write as the 101", func(p *wirepeer.Peer) {
			p.WriteRaw(append(p.AcceptText(), response...))
		}},
		{"head and body apart", func(p *wirepeer.Peer) {
			p.Accept(nil)
			head, body, _ := strings.Cut(response, "\r\n\r\n")
			p.WriteRaw([]byte(head + "\r\n\r\n"))
			time.Sleep(50 * time.Millisecond)
			p.WriteRaw([]byte(body))
		}},
		{"split inside HTTP/", func(p *wirepeer.Peer) {
			p.Accept(nil)
			p.WriteRaw([]byte(response[:3]))
			time.Sleep(50 * time.Millisecond)
			p.WriteRaw([]byte(response[3:]))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sent := make(chan []byte, 1)
			url := wirepeer.StartWith(t, wirepeer.Options{ManualHandshake: true}, func(p *wirepeer.Peer) {
				tc.script(p)
				// Whatever the client sends before it hangs up.
				b, err := p.ReadRaw(1)
				if err != nil {
					b = nil
				}
				sent <- b
			})
			evs := collect(t, Options{URL: url})
			var errs []Event
			for _, ev := range evs {
				switch ev.Type {
				case EventError:
					errs = append(errs, ev)
				case EventWarning, EventMessage, EventClose:
					t.Fatalf("the response was taken for frames: %v %+v", ev.Type, ev.Failure)
				}
			}
			if len(errs) != 1 {
				t.Fatalf("%d errors, want 1: %v", len(errs), errs)
			}
			f := errs[0].Failure
			if f.Kind != decode.KindHandshake || f.Cause != decode.CauseHTTPAfterUpgrade || f.Status != 400 || f.Body != engineIOBody {
				t.Fatalf("failure %s/%s status %d body %q", f.Kind, f.Cause, f.Status, f.Body)
			}
			if !strings.HasPrefix(f.Raw, `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n`) ||
				!strings.Contains(f.Message, `\r\n\r\n{"code":5`) {
				t.Fatalf("raw bytes not shown escaped: raw %q message %q", f.Raw, f.Message)
			}
			e := decode.ExplainFailure(*f)
			for _, w := range []string{"wrote an HTTP response after the upgrade", `"HTTP/1.1 400 Bad Request"`, "Unsupported protocol version"} {
				if !strings.Contains(e.Explanation, w) {
					t.Errorf("explanation lacks %q: %s", w, e.Explanation)
				}
			}
			if got := <-sent; len(got) > 0 && gorillaSplitsTheHeader(tc.name) {
				return // gorilla saw "HT" before the tap could tell; its close is harmless
			} else if len(got) > 0 {
				t.Fatalf("the client answered an HTTP response with WebSocket bytes % x", got)
			}
		})
	}
}

// gorillaSplitsTheHeader names the case where the tap cannot keep the
// response's first bytes from gorilla: they arrived before the tap could
// tell them from a frame header.
func gorillaSplitsTheHeader(name string) bool { return name == "split inside HTTP/" }

func TestMalformedResponseHeaderIsQuoted(t *testing.T) {
	for _, line := range []string{"X-Bad(Header): 1", "NoColonHere", "X-Ctl: a\x01b"} {
		t.Run(line, func(t *testing.T) {
			url := wirepeer.StartWith(t, wirepeer.Options{ManualHandshake: true}, func(p *wirepeer.Peer) {
				p.WriteRaw(p.AcceptText(line))
				p.ReadFrame()
			})
			ev, _ := failureFor(t, url, Options{})
			f := ev.Failure
			if ev.Type != EventError || f.Kind != decode.KindHandshake || f.Cause != decode.CauseMalformedHeader {
				t.Fatalf("got %v %s/%s (%s)", ev.Type, f.Kind, f.Cause, f.Message)
			}
			if f.Raw != decode.Sanitize(line) {
				t.Fatalf("offending line %q, want %q", f.Raw, decode.Sanitize(line))
			}
			if e := decode.ExplainFailure(*f); !strings.Contains(e.Explanation, `"`+decode.Sanitize(line)+`"`) || strings.Contains(e.Hint, "ping") {
				t.Fatalf("explanation %q / hint %q", e.Explanation, e.Hint)
			}
		})
	}
}

func TestSlowUpgradeResponseIsATimeout(t *testing.T) {
	url := wirepeer.StartWith(t, wirepeer.Options{ManualHandshake: true}, func(p *wirepeer.Peer) {
		p.WriteSlowly(p.AcceptText(), 25*time.Millisecond)
	})
	ev, _ := failureFor(t, url, Options{ConnectTimeout: 400 * time.Millisecond})
	f := ev.Failure
	if ev.Type != EventError || f.Kind != decode.KindTimeout || f.Cause != decode.CauseSlowUpgrade || f.TimeoutSeconds != 0.4 {
		t.Fatalf("got %v %s/%s timeout %v (%s)", ev.Type, f.Kind, f.Cause, f.TimeoutSeconds, f.Message)
	}
	if f.Length < 5 || f.Length > 30 {
		t.Fatalf("%d bytes reported as arrived, want about 16", f.Length)
	}
	e := decode.ExplainFailure(*f)
	if !strings.Contains(e.Explanation, "did not complete within --connect-timeout") ||
		!strings.Contains(e.Explanation, decode.HumanSize(f.Length)+" of the response had arrived") {
		t.Fatalf("explanation %q", e.Explanation)
	}
}

func TestDeflateBombStopsAtMaxMessage(t *testing.T) {
	const maxMessage = 1 << 20
	bomb := wirepeer.DeflateBomb(64 << 20)
	// One message in two fragments, each inflating to less than the
	// limit and together to more.
	half := wirepeer.DeflateBomb(maxMessage * 3 / 4)
	cases := []struct {
		name  string
		write func(p *wirepeer.Peer) error
	}{
		{"one frame", func(p *wirepeer.Peer) error { return p.WriteCompressed(bomb) }},
		{"fragments", func(p *wirepeer.Peer) error {
			both := append(append([]byte(nil), half...), 0x00, 0x00, 0xff, 0xff)
			both = append(both, half...)
			if err := p.WriteFrame(wirepeer.FrameSpec{RSV: wirepeer.RSV1, Opcode: wirepeer.OpBinary, Payload: both[:len(both)/2]}); err != nil {
				return err
			}
			return p.WriteFrame(wirepeer.FrameSpec{FIN: true, Opcode: wirepeer.OpContinuation, Payload: both[len(both)/2:]})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			answered := make(chan int, 1)
			url := wirepeer.StartWith(t, wirepeer.Options{ManualHandshake: true}, func(p *wirepeer.Peer) {
				if p.AcceptDeflate() != nil || tc.write(p) != nil {
					return
				}
				if got, err := p.ReadClose(); err == nil {
					answered <- got
				}
			})
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			evs := collect(t, Options{URL: url, Compress: true, MaxMessage: maxMessage})
			runtime.ReadMemStats(&after)
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 2*maxMessage+8<<20 {
				t.Errorf("reading the bomb allocated %d MiB; the limit is 1 MiB", grew>>20)
			}
			var failure *Event
			for i, ev := range evs {
				if ev.Type == EventMessage && ev.Dir == In {
					t.Fatalf("the bomb was delivered: %d bytes", len(ev.Payload))
				}
				if ev.Type == EventError {
					failure = &evs[i]
				}
			}
			if failure == nil {
				t.Fatalf("no error among %v", evs)
			}
			f := failure.Failure
			if f.Kind != decode.KindLimit || f.Cause != decode.CauseInflateTooBig || f.Code != 1009 || f.Limit != maxMessage {
				t.Fatalf("failure %s/%s code %d limit %d (%s)", f.Kind, f.Cause, f.Code, f.Limit, f.Message)
			}
			if e := decode.ExplainFailure(*f); !strings.Contains(e.Explanation, "inflated past") || !strings.Contains(e.Explanation, "1 MiB") {
				t.Fatalf("explanation %q", e.Explanation)
			}
			if got := closeCodeFrom(t, answered); got != 1009 {
				t.Fatalf("the server got close %d, want 1009", got)
			}
		})
	}
}

func TestCompressedMessageUnderTheLimitIsDelivered(t *testing.T) {
	text := strings.Repeat("compressible ", 4096)
	url := wirepeer.StartWith(t, wirepeer.Options{ManualHandshake: true}, func(p *wirepeer.Peer) {
		if p.AcceptDeflate() != nil || p.WriteCompressed(wirepeer.Deflate([]byte(text))) != nil {
			return
		}
		p.ReadClose()
	})
	c := Dial(context.Background(), Options{URL: url, Compress: true, MaxMessage: int64(len(text))})
	defer c.Shutdown()
	ev := next(t, c, EventMessage, EventError)
	if ev.Type != EventMessage || string(ev.Payload) != text || ev.FrameCount != 1 {
		t.Fatalf("got %v %d bytes in %d frames (%+v)", ev.Type, len(ev.Payload), ev.FrameCount, ev.Failure)
	}
}

func TestLongFragmentedMessageCountsEveryFrame(t *testing.T) {
	const frames = 5000
	url := wirepeer.Start(t, func(p *wirepeer.Peer) {
		if p.WriteFragments("hello", frames) != nil {
			return
		}
		p.WriteText("after")
		p.ReadClose()
	})
	c := Dial(context.Background(), Options{URL: url})
	defer c.Shutdown()
	ev := next(t, c, EventMessage)
	if string(ev.Payload) != "hello" || ev.FrameCount != frames || len(ev.Frames) != maxMessageFrames {
		t.Fatalf("message %q: %d frames counted, %d kept", ev.Payload, ev.FrameCount, len(ev.Frames))
	}
	first, last := ev.Frames[0], ev.Frames[len(ev.Frames)-1]
	if first.Opcode != OpText || first.FIN || last.Opcode != OpContinuation || !last.FIN {
		t.Fatalf("first frame %+v, last %+v", first, last)
	}
	after := next(t, c, EventMessage)
	if string(after.Payload) != "after" || after.FrameCount != 1 || len(after.Frames) != 1 {
		t.Fatalf("the next message is %q in %d/%d frames", after.Payload, after.FrameCount, len(after.Frames))
	}
}

func TestQueueCountsLongMessagesWaitingTogether(t *testing.T) {
	var q frameQueue
	push := func(n int) {
		for i := range n {
			op := OpContinuation
			if i == 0 {
				op = OpBinary
			}
			q.push(Frame{Opcode: op, FIN: i == n-1})
		}
	}
	push(maxMessageFrames + 10)
	q.push(Frame{Opcode: OpPing, FIN: true})
	push(3)
	push(2 * maxMessageFrames)
	for i, want := range []int{maxMessageFrames + 10, 3, 2 * maxMessageFrames} {
		fs, count := q.takeMessage()
		if count != want || len(fs) != min(want, maxMessageFrames) || !fs[len(fs)-1].FIN {
			t.Fatalf("message %d: %d frames counted, %d kept; want %d", i, count, len(fs), want)
		}
	}
	if _, ok := q.takeControl(OpPing); !ok {
		t.Fatal("the ping between the messages was lost")
	}
}

func TestPongsFollowTheirPings(t *testing.T) {
	u := peers.NodeWS(t)
	// Pings every 100 ms: often enough for many pongs, and a liveness
	// window (300 ms) that a busy test machine does not miss.
	c := Dial(context.Background(), Options{URL: u, PingInterval: 100 * time.Millisecond})
	defer c.Shutdown()
	next(t, c, EventOpen)
	pings := map[string]time.Time{}
	pongs := 0
	end := time.After(2500 * time.Millisecond)
	for {
		select {
		case ev := <-c.Events():
			if ev.Type == EventError {
				t.Fatalf("error: %+v", ev.Failure)
			}
			if ev.Type != EventMessage {
				continue
			}
			switch {
			case ev.Dir == Out && ev.Opcode == OpPing:
				pings[string(ev.Payload)] = ev.Time
			case ev.Dir == In && ev.Opcode == OpPong:
				sent, ok := pings[string(ev.Payload)]
				if !ok {
					t.Fatalf("pong %q came before its ping", ev.Payload)
				}
				if ev.Time.Before(sent) {
					t.Fatalf("pong %q is timed %v before its ping", ev.Payload, sent.Sub(ev.Time))
				}
				pongs++
			}
		case <-end:
			if pongs < 10 {
				t.Fatalf("only %d pongs in 2.5 s of pings every 100 ms", pongs)
			}
			return
		}
	}
}

// A 101 whose header the tap and the client both accept leads to frames;
// this checks that wirepeer's AcceptText is a correct 101.
func TestAcceptTextIsACorrect101(t *testing.T) {
	url := wirepeer.StartWith(t, wirepeer.Options{ManualHandshake: true}, func(p *wirepeer.Peer) {
		p.WriteRaw(p.AcceptText("X-Fine: yes"))
		p.WriteText("hi")
		p.ReadClose()
	})
	c := Dial(context.Background(), Options{URL: url})
	defer c.Shutdown()
	open := next(t, c, EventOpen)
	if open.ResponseHeader.Get("X-Fine") != "yes" || open.Status != http.StatusSwitchingProtocols {
		t.Fatalf("open %+v", open)
	}
	if ev := next(t, c, EventMessage); string(ev.Payload) != "hi" {
		t.Fatalf("message %q", ev.Payload)
	}
}
