// Package history is the recording format and the store of past sessions.
//
// A Record is one event as one line of JSON: `tail --json` prints it, a
// Writer appends it to a crash-safe recording file (a header line, then one
// record per line), and NDJSON exports are made of it. FromEvent makes a
// record of a conn.Event; Recording.Event turns a loaded one back.
//
// Open loads a recording (or a Chrome DevTools HAR file, or `tail --json`
// output) as a Recording, indexed in the background and read by index; a
// Recording, like Records in memory, is a Log, which is what exports and
// replays read. List and Prune look after the recordings in a directory
// (DefaultDir).
//
// Secrets in headers, URLs, subprotocols and JSON payloads are redacted
// (see Redactor) before anything reaches a file.
package history
