package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/history"
)

// openRecording opens the recording a command names: a file, a pipe, or
// "-" for standard input. A missing file is the user's error; hint is
// added to its message.
func openRecording(arg string, stdin io.Reader, hint string) (*history.Recording, error) {
	if arg == "-" {
		return history.OpenReader("standard input", stdin)
	}
	if _, err := os.Stat(arg); errors.Is(err, fs.ErrNotExist) {
		return nil, usagef("no such file: %s%s", decode.Sanitize(arg), hint)
	}
	return history.Open(arg)
}

// reportProblems names, on stderr, each problem found in a recording.
func reportProblems(stderr io.Writer, name string, problems []history.Problem) {
	for _, p := range problems {
		fmt.Fprintf(stderr, "wsdbg: %s: %s\n", decode.Sanitize(name), decode.Sanitize(p.Error()))
	}
}

// nothingReadable reports whether a recording with problems has no event
// that can be read (a recording without events or problems is just empty).
func nothingReadable(rec *history.Recording) bool {
	rec.Wait()
	for i := 0; i < rec.Len(); i++ {
		if _, err := rec.Record(i); err == nil {
			return false
		}
	}
	return len(rec.Problems()) > 0
}

// readRecords is every event of a recording that can be read.
func readRecords(rec *history.Recording) history.Records {
	rec.Wait()
	var records history.Records
	for i := 0; i < rec.Len(); i++ {
		if r, err := rec.Record(i); err == nil {
			records = append(records, r)
		}
	}
	return records
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
