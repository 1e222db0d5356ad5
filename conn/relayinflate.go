package conn

import (
	"bytes"
	"compress/flate"
	"io"
)

// deflateTail ends a permessage-deflate message for the inflater: the
// empty stored block the sender removed (RFC 7692 §7.2.2), then a final
// empty block so that the stream ends.
var deflateTail = []byte("\x00\x00\xff\xff\x01\x00\x00\xff\xff")

// deflateWindow is the largest LZ77 window permessage-deflate allows.
const deflateWindow = 32 << 10

// inflater inflates one direction's compressed messages for display, the
// relay passing them on as they are. With context takeover each message
// may refer to the ones before it, so the last window of output is kept.
type inflater struct {
	contextTakeover bool
	window          []byte
	reader          io.ReadCloser
	// lost is set once a message could not be inflated whole: with
	// context takeover, the ones after it cannot be either.
	lost bool
	buf  []byte
}

// inflate returns the first limit bytes of compressed's inflated
// message, or nil when it cannot be inflated. Without context takeover it
// stops at the limit; with it the whole message is inflated, for the
// window the next one may refer to.
func (in *inflater) inflate(compressed []byte, limit int64) []byte {
	if in.lost && in.contextTakeover {
		return nil
	}
	in.lost = false
	src := io.MultiReader(bytes.NewReader(compressed), bytes.NewReader(deflateTail))
	var dict []byte
	if in.contextTakeover {
		dict = in.window
	}
	if in.reader == nil {
		in.reader = flate.NewReaderDict(src, dict)
	} else {
		in.reader.(flate.Resetter).Reset(src, dict)
	}
	if in.buf == nil {
		in.buf = make([]byte, deflateWindow)
	}
	var out []byte
	for {
		n, err := in.reader.Read(in.buf)
		if n > 0 {
			chunk := in.buf[:n]
			if keep := min(int64(n), limit-int64(len(out))); keep > 0 {
				out = append(out, chunk[:keep]...)
			}
			if in.contextTakeover {
				in.window = append(in.window, chunk...)
				if over := len(in.window) - deflateWindow; over > 0 {
					in.window = append(in.window[:0], in.window[over:]...)
				}
			}
		}
		if err == io.EOF {
			break
		}
		if !in.contextTakeover && int64(len(out)) >= limit && err == nil {
			// Nothing after the limit is shown, and no later message
			// refers to it: a decompression bomb is not inflated whole.
			break
		}
		if err != nil {
			in.lost = true
			return nil
		}
	}
	if out == nil {
		out = []byte{}
	}
	return out
}
