// Package history keeps what happened on a connection: it records events to
// crash-safe JSON Lines files, loads recordings (and Chrome DevTools HAR
// files) back as events, replays them in time or against a live endpoint,
// exports them as HAR, Markdown or NDJSON, formats the one-line view that
// `wsdbg tail` prints, and copies text to the clipboard.
//
// One schema serves `tail --json`, recordings and NDJSON exports: see Record.
// Secrets in headers, URLs and subprotocols are redacted (see Redactor)
// before anything reaches a file, an export or a bug report.
package history
