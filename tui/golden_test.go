package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/wsdbg/wsdbg/conn"
)

// The golden files under testdata/ are the screen as a 16-colour terminal
// receives it. Regenerate them with: go test ./tui -run TestGolden -update
func TestGolden(t *testing.T) {
	scenes := []struct {
		name string
		keys []string
	}{
		{"log", nil},
		{"inspect-envelope", []string{"k", "k", "enter"}},
		{"filter", []string{"/", "t", "i", "c", "k"}},
		{"help", []string{"?"}},
		{"composer", []string{"i", "e", "r", "r", "o", "r", " ", "4", "0", "0", "1"}},
	}
	for _, size := range [][2]int{{80, 24}, {120, 40}, {60, 15}} {
		for _, sc := range scenes {
			t.Run(fmt.Sprintf("%s-%dx%d", sc.name, size[0], size[1]), func(t *testing.T) {
				m, _ := newTestModel(t, size[0], size[1], Options{RecordPath: "session.jsonl"})
				feed(m, sampleSession()...)
				press(m, sc.keys...)
				golden.RequireEqual(t, screen(m))
			})
		}
	}
}

func TestGoldenMono(t *testing.T) {
	m, _ := newTestModel(t, 80, 24, Options{NoColor: true})
	feed(m, sampleSession()...)
	press(m, "k", "k")
	golden.RequireEqual(t, screen(m))
}

// A message sent in three frames, one per length encoding: the columns of
// the frame table line up and the time column is whole, beside the log
// and on its own.
func TestGoldenFrameTable(t *testing.T) {
	payload := strings.Repeat("fragment ", 70_425/9)
	ev := textOut(2*time.Second, payload)
	ev.Frames = nil
	for k, n := range []int64{125, 300, int64(len(payload)) - 425} {
		f := conn.Frame{
			Time: ev.Time.Add(time.Duration(k-2) * 1500 * time.Microsecond), Dir: conn.Out, FIN: k == 2,
			Opcode: conn.OpContinuation, Masked: true, MaskKey: [4]byte{0x0f, 0x1e, 0x2d, byte(k)}, Length: n,
		}
		switch {
		case n <= 125:
			f.HeaderLen = 6
		case n <= 0xffff:
			f.LenBytes, f.HeaderLen = 2, 8
		default:
			f.LenBytes, f.HeaderLen = 8, 14
		}
		if k == 0 {
			f.Opcode = conn.OpText
		}
		ev.Frames = append(ev.Frames, f)
	}
	for _, size := range [][2]int{{120, 40}, {80, 24}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			m, _ := newTestModel(t, size[0], size[1], Options{})
			feed(m, openEvent(0), ev)
			press(m, "enter")
			out := plainScreen(m)
			for _, want := range []string{"1 0   000 text   0f1e2d00    125 7-bit  6B  -3ms", "3 1   000 cont   0f1e2d02  70000 64-bit 14B +0µs"} {
				if !strings.Contains(out, want) {
					t.Errorf("no frame row %q:\n%s", want, out)
				}
			}
			golden.RequireEqual(t, screen(m))
		})
	}
}

// The inspector's PACKET section for an MQTT 5 PUBLISH with properties,
// beside the log.
func TestGoldenPacket(t *testing.T) {
	m, _ := newTestModel(t, 120, 40, Options{})
	open := openEvent(0)
	open.Subprotocol = "mqtt"
	feed(m, open,
		msgEvent(time.Second, conn.Out, conn.OpBinary, "\x10\x0e\x00\x04MQTT\x05\x02\x00\x3c\x00\x00\x01x"),
		msgEvent(1100*time.Millisecond, conn.In, conn.OpBinary, "\x20\x03\x00\x00\x00"),
		msgEvent(2*time.Second, conn.In, conn.OpBinary,
			"\x32\x26\x00\x0aprices/eur\x00\x07\x15\x01\x01\x03\x00\x10application/json\x7b\x7d"))
	press(m, "enter")
	golden.RequireEqual(t, screen(m))
}
