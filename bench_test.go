package main

import (
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/conn/conntest"
	"github.com/wsdbg/wsdbg/history"
)

// BenchmarkFirehoseBareGorilla is the baseline for BenchmarkFirehoseTailJSON:
// a plain gorilla read loop that does nothing with the messages.
func BenchmarkFirehoseBareGorilla(b *testing.B) {
	u := conntest.Firehose(b, b.N)
	b.ResetTimer()
	conntest.BareRead(b, u)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkFirehoseTailJSON runs tail --json, tap and explanations
// included, over the same firehose.
func BenchmarkFirehoseTailJSON(b *testing.B) {
	u := conntest.Firehose(b, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	opts := conn.Options{URL: u, ConnectTimeout: 5 * time.Second}
	if code := tailLive(opts, true, true, nil, history.Redactor{}, strings.NewReader(""), io.Discard, io.Discard); code != exitOK {
		b.Fatalf("tail exited %d", code)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkFirehoseTailJSONRecorded is BenchmarkFirehoseTailJSON with the
// session recorded, as tail does by default.
func BenchmarkFirehoseTailJSONRecorded(b *testing.B) {
	u := conntest.Firehose(b, b.N)
	opts := conn.Options{URL: u, ConnectTimeout: 5 * time.Second}
	rec, err := history.Create(filepath.Join(b.TempDir(), "bench.wsdbg.jsonl"), history.Header{URL: u}, history.WriterOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer rec.Close()
	b.ReportAllocs()
	b.ResetTimer()
	if code := tailLive(opts, true, true, rec, history.Redactor{}, strings.NewReader(""), io.Discard, io.Discard); code != exitOK {
		b.Fatalf("tail exited %d", code)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
