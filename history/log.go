package history

import "fmt"

// Log is a sequence of records read by index: a *Recording, Records, or a
// view over a live session's events. Exports and replays read one.
type Log interface {
	Len() int
	Record(i int) (Record, error)
}

// Records is a Log over records in memory.
type Records []Record

// Len is the number of records.
func (rs Records) Len() int { return len(rs) }

// Record returns record i.
func (rs Records) Record(i int) (Record, error) {
	if i < 0 || i >= len(rs) {
		return Record{}, fmt.Errorf("no record %d (there are %d)", i, len(rs))
	}
	return rs[i], nil
}

// EachRecord calls fn for every record of log that can be read, in order,
// and returns how many could not be.
func EachRecord(log Log, fn func(Record)) (unreadable int) {
	for i := 0; i < log.Len(); i++ {
		rec, err := log.Record(i)
		if err != nil {
			unreadable++
			continue
		}
		fn(rec)
	}
	return unreadable
}
