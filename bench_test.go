package main

import (
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsdbg/wsdbg/conn/conntest"
)

// BenchmarkFirehoseBareGorilla is the baseline for BenchmarkFirehoseTailJSON:
// a plain gorilla read loop that does nothing with the messages.
func BenchmarkFirehoseBareGorilla(b *testing.B) {
	u := conntest.Firehose(b, b.N)
	b.ResetTimer()
	conntest.BareRead(b, u)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// benchTail runs wsdbg tail with args over a firehose of b.N messages.
func benchTail(b *testing.B, args ...string) {
	u := conntest.Firehose(b, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	args = append(append([]string{"tail", "--json", "--keep-open", "--connect-timeout", "5s"}, args...), u)
	if code := run(args, strings.NewReader(""), io.Discard, io.Discard); code != exitOK {
		b.Fatalf("tail exited %d", code)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkFirehoseTailJSON runs tail --json, tap and explanations
// included, over the same firehose.
func BenchmarkFirehoseTailJSON(b *testing.B) {
	benchTail(b, "--no-record")
}

// BenchmarkFirehoseTailJSONRecorded is BenchmarkFirehoseTailJSON with the
// session recorded, as tail does by default.
func BenchmarkFirehoseTailJSONRecorded(b *testing.B) {
	benchTail(b, "--record", filepath.Join(b.TempDir(), "bench.wsdbg.jsonl"))
}
