package store

import (
	"errors"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// DiskFullMessage says what happened and what to do when the state
// database cannot grow. Nothing already written is damaged: SQLite rolls
// the failed transaction back.
const DiskFullMessage = "the disk holding Bulkhead's state database is full: free some space, then try again"

// errNoRoom marks a database that would not open on a disk with no room:
// SQLite then says only "disk I/O error" (its shared-memory file cannot
// grow).
var errNoRoom = errors.New("its disk has no room left")

// DiskFull reports whether err comes from a full disk under the state
// database.
func DiskFull(err error) bool {
	var se *sqlite.Error
	return errors.Is(err, errNoRoom) || errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_FULL
}
