package conn

import (
	"bytes"
	"compress/flate"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// deflateMessage compresses payload as a permessage-deflate sender does,
// the final empty stored block removed; with w reused, later messages may
// refer to earlier ones (context takeover).
func deflateMessage(t testing.TB, w *flate.Writer, buf *bytes.Buffer, payload []byte) []byte {
	t.Helper()
	buf.Reset()
	if _, err := w.Write(payload); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return bytes.Clone(bytes.TrimSuffix(buf.Bytes(), []byte("\x00\x00\xff\xff")))
}

// A message that inflates far past the limit is cut there without being
// inflated whole when no later message may refer to it (the bytes after
// the limit's are not even read: here they are not deflate), and is still
// inflated whole, for the next message's sake, with context takeover.
func TestInflateDecompressionBomb(t *testing.T) {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	bomb := deflateMessage(t, w, &buf, make([]byte, 16<<20))
	next := deflateMessage(t, w, &buf, []byte(strings.Repeat("\x00", 100)+"after"))

	plain := &inflater{}
	if out := plain.inflate(append(bytes.Clone(bomb), "\xff\xff not deflate"...), 1024); len(out) != 1024 {
		t.Fatalf("without context takeover: %d bytes, want 1024: the message was inflated whole", len(out))
	}

	takeover := &inflater{contextTakeover: true}
	if out := takeover.inflate(bomb, 1024); len(out) != 1024 {
		t.Fatalf("with context takeover: %d bytes, want 1024", len(out))
	}
	if out := takeover.inflate(next, 1024); !bytes.HasSuffix(out, []byte("after")) || len(takeover.window) > deflateWindow {
		t.Fatalf("the message after the bomb inflated to %q (window %d bytes)", out, len(takeover.window))
	}
}

// Any bytes inflate to at most the limit, or to nothing, and the window
// kept stays one LZ77 window; a message that inflates within the limit
// gives what an inflater of its own gives.
func FuzzInflate(f *testing.F) {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestSpeed)
	first := deflateMessage(f, w, &buf, []byte(`{"op":"join","room":7}`))
	second := deflateMessage(f, w, &buf, []byte(`{"op":"join","room":8}`))
	bomb := deflateMessage(f, w, &buf, make([]byte, 1<<20))
	f.Add(first, second, true)
	f.Add(first, second, false)
	f.Add(bomb, second, true)
	f.Add([]byte{}, []byte("\xff\xff\xff"), false)
	f.Add([]byte("\x00\x00\xff\xff"), []byte("\x02\x00"), true)
	const limit = 64
	f.Fuzz(func(t *testing.T, a, b []byte, contextTakeover bool) {
		in := &inflater{contextTakeover: contextTakeover}
		outA := in.inflate(a, limit)
		outB := in.inflate(b, limit)
		for _, out := range [][]byte{outA, outB} {
			if len(out) > limit {
				t.Fatalf("inflated %d bytes past the limit of %d", len(out), limit)
			}
		}
		if len(in.window) > deflateWindow {
			t.Fatalf("a window of %d bytes is kept", len(in.window))
		}
		if outA == nil || len(outA) >= limit {
			return
		}
		alone, err := io.ReadAll(flate.NewReader(io.MultiReader(bytes.NewReader(a), bytes.NewReader(deflateTail))))
		if err != nil || !bytes.Equal(alone, outA) {
			t.Fatalf("inflated %q, an inflater of its own %q (%v)", outA, alone, err)
		}
	})
}

// The upstream's choice is refused unless the client offered it, and
// permessage-deflate is on only when the answer names it, with the
// context takeover its own parameters give.
func FuzzRelayNegotiation(f *testing.F) {
	f.Add("chat, superchat", "permessage-deflate; client_max_window_bits", "chat", "permessage-deflate; client_no_context_takeover", true)
	f.Add("", "permessage-deflate", "", "permessage-deflate;server_no_context_takeover; Client_No_Context_Takeover", true)
	f.Add("", "x-webkit-deflate-frame", "", `x-webkit-deflate-frame; note="permessage-deflate"`, true)
	f.Add("a", "", "b", "", true)
	f.Add("", "", "", "permessage-deflate", false)
	f.Fuzz(func(t *testing.T, offeredProto, offeredExt, chosenProto, chosenExt string, validAccept bool) {
		client := http.Header{}
		client.Set("Sec-WebSocket-Protocol", offeredProto)
		client.Set("Sec-WebSocket-Extensions", offeredExt)
		key := "dGhlIHNhbXBsZSBub25jZQ=="
		resp := &http.Response{StatusCode: 101, Header: http.Header{}}
		resp.Header.Set("Upgrade", "websocket")
		resp.Header.Set("Connection", "Upgrade")
		if validAccept {
			resp.Header.Set("Sec-WebSocket-Accept", acceptKey(key))
		}
		if chosenProto != "" {
			resp.Header.Set("Sec-WebSocket-Protocol", chosenProto)
		}
		resp.Header.Set("Sec-WebSocket-Extensions", chosenExt)
		f, refused := checkRelayNegotiation(resp, client, key)
		if !validAccept && !refused {
			t.Fatal("a wrong Sec-WebSocket-Accept was taken")
		}
		if refused && f.Message == "" {
			t.Fatal("refused without a message")
		}
		var offeredNames []string
		for _, e := range splitTokens([]string{offeredExt}) {
			offeredNames = append(offeredNames, extensionName(e))
		}
		if !refused {
			if chosenProto != "" && !slices.Contains(splitTokens([]string{offeredProto}), chosenProto) {
				t.Fatalf("subprotocol %q taken, offered %q", chosenProto, offeredProto)
			}
			for _, e := range splitTokens([]string{chosenExt}) {
				if !slices.Contains(offeredNames, extensionName(e)) {
					t.Fatalf("extension %q taken, offered %q", e, offeredExt)
				}
			}
		}
		answer := deflateAnswerOf([]string{chosenExt})
		named := false
		for _, e := range splitTokens([]string{chosenExt}) {
			named = named || extensionName(e) == "permessage-deflate"
		}
		if answer.on != named {
			t.Fatalf("%q: deflate %v", chosenExt, answer.on)
		}
		if !answer.on && (answer.clientTakeover || answer.serverTakeover) {
			t.Fatalf("%q: takeover without deflate", chosenExt)
		}
		if answer.on && !refused && !slices.Contains(offeredNames, "permessage-deflate") {
			t.Fatalf("deflate on, offered %q", offeredExt)
		}
	})
}

func TestDeflateAnswerParameters(t *testing.T) {
	for _, tc := range []struct {
		answer                             string
		on, clientTakeover, serverTakeover bool
	}{
		{"permessage-deflate", true, true, true},
		{"permessage-deflate; Client_No_Context_Takeover", true, false, true},
		{"permessage-deflate;server_no_context_takeover ;client_max_window_bits=10", true, true, false},
		{`x-webkit-deflate-frame; note="permessage-deflate; client_no_context_takeover"`, false, false, false},
		{"x-permessage-deflate", false, false, false},
	} {
		got := deflateAnswerOf([]string{tc.answer})
		if got != (deflateAnswer{tc.on, tc.clientTakeover, tc.serverTakeover}) {
			t.Errorf("%q: %+v", tc.answer, got)
		}
	}
}
