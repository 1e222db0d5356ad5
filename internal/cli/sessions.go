package cli

import (
	"fmt"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/history"
)

// sessionsCmd holds sessions' flags.
type sessionsCmd struct {
	a       *app
	dir     string
	prune   bool
	maxAge  time.Duration
	maxSize int64
}

func newSessionsCmd(a *app) *cobra.Command {
	s := &sessionsCmd{a: a}
	cmd := &cobra.Command{
		Use:         "sessions [--dir DIR]",
		Short:       "list (or prune) recorded sessions",
		Annotations: map[string]string{formsAnnotation: "sessions --prune [--max-age D] [--max-size BYTES]"},
		Long: `Lists recorded sessions: start time, URL, duration, messages received and
sent, and how each ended. --prune deletes the oldest recordings beyond an
age or a total size.`,
		Example: `  wsdbg sessions
  wsdbg sessions --prune --max-age 720h --max-size 1000000000`,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE:              func(_ *cobra.Command, args []string) error { return s.run(args) },
	}
	fs := cmd.Flags()
	fs.StringVar(&s.dir, "dir", "", "recordings `DIR` (default: the state directory)")
	fs.BoolVar(&s.prune, "prune", false, "delete old recordings")
	fs.DurationVar(&s.maxAge, "max-age", 30*24*time.Hour, "with --prune: delete recordings older than `D`")
	fs.Int64Var(&s.maxSize, "max-size", 1<<30, "with --prune: keep at most `BYTES` of recordings, newest first")
	_ = cmd.MarkFlagDirname("dir")
	noCompletion(cmd, "max-age", "max-size")
	return cmd
}

func (s *sessionsCmd) run(positional []string) error {
	stdout := s.a.stdout
	if len(positional) > 0 {
		return usagef("sessions takes no arguments")
	}
	dir := s.dir
	if dir == "" {
		var err error
		if dir, err = history.DefaultDir(); err != nil {
			return err
		}
	}
	if s.prune {
		removed, err := history.Prune(dir, s.maxAge, s.maxSize)
		for _, p := range removed {
			fmt.Fprintln(stdout, "removed", decode.Sanitize(p))
		}
		return err
	}
	list, err := history.List(dir)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		fmt.Fprintln(stdout, "no recordings in", dir)
		return nil
	}
	w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "STARTED\tDURATION\tIN\tOUT\tENDING\tURL\tFILE")
	for _, si := range list {
		name := decode.Sanitize(filepath.Base(si.Path))
		if si.Problem != "" {
			fmt.Fprintf(w, "-\t-\t-\t-\tunreadable: %s\t-\t%s\n", decode.Sanitize(si.Problem), name)
			continue
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%s\t%s\t%s\n", si.Start.Local().Format("2006-01-02 15:04:05"),
			si.Duration.Round(time.Second), si.In, si.Out, decode.Sanitize(si.Ending()), decode.Sanitize(si.URL), name)
	}
	return w.Flush()
}
