package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// The deposit journal is a file of JSON lines beside the codes file that
// makes an import resumable. It is only ever appended to, and synced to disk
// (fsync) before the call it announces is made:
//
//	{"op":"start","version":1,"card_id":…,"file_sha256":…,"codes":N,"repeated":R,"chunk_size":100}
//	{"op":"send","chunk":7,"from":700,"to":800}        about to send codes[700:800]
//	{"op":"done","chunk":7,"succeeded":99,"duplicate":1,"recovered":0,"failed":["…"]}
//
// A chunk with a done record is never sent again. A chunk with a send
// record and no done record was perhaps applied by WeChat with its answer
// lost (a crash, a kill, a network failure): it is resolved with
// card/code/checkcode first, the codes found deposited count as succeeded
// ("recovered") and only the others are sent. So every code is deposited
// once, and a code is in exactly one of succeeded, duplicate or failed.
// (Checking rather than sending again keeps the report honest: re-sent
// codes would come back as duplicate_code, as if another import had
// deposited them.)
//
// A done record is written together with the next send record, one fsync
// per call; a done record lost in a crash only costs a checkcode call on
// resume. A torn last line (a crash mid-write) is dropped when the journal
// is opened; a damaged line before it stops the import.

const journalVersion = 1

// journalRecord is any line of the journal.
type journalRecord struct {
	Op string `json:"op"`

	// start
	Version   int    `json:"version,omitempty"`
	CardID    string `json:"card_id,omitempty"`
	FileHash  string `json:"file_sha256,omitempty"`
	Codes     int    `json:"codes,omitempty"`
	Repeated  int    `json:"repeated,omitempty"`
	ChunkSize int    `json:"chunk_size,omitempty"`

	// send and done
	Chunk *int `json:"chunk,omitempty"`
	// send: the codes of the chunk, codes[From:To]
	From int `json:"from,omitempty"`
	To   int `json:"to,omitempty"`
	// done
	Succeeded int      `json:"succeeded,omitempty"`
	Duplicate int      `json:"duplicate,omitempty"`
	Recovered int      `json:"recovered,omitempty"`
	Failed    []string `json:"failed,omitempty"`
}

// chunkResult is what became of one chunk's codes.
type chunkResult struct {
	Succeeded, Duplicate, Recovered int
	Failed                          []string
}

// journalStart identifies an import: a journal resumes only the same file
// into the same card.
type journalStart struct {
	CardID    string
	FileHash  string
	Codes     int
	Repeated  int
	ChunkSize int
}

// journal is an open deposit journal.
type journal struct {
	path   string
	f      *os.File
	unlock func()
	start  journalStart
	done   map[int]chunkResult
	sent   map[int]bool
}

// errJournalForeign is matched when a journal belongs to another import.
var errJournalForeign = errors.New("the journal belongs to another import")

func (s journalStart) chunks() int { return (s.Codes + s.ChunkSize - 1) / s.ChunkSize }

func (s journalStart) bounds(chunk int) (from, to int) {
	from = chunk * s.ChunkSize
	return from, min(from+s.ChunkSize, s.Codes)
}

// openJournal opens (or creates) the journal at path for the import want,
// replays it, and holds an exclusive lock on it until close.
func openJournal(path string, want journalStart) (*journal, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the journal: %w", err)
	}
	unlock, err := lockFile(f)
	if err != nil {
		f.Close()
		return nil, usagef("the journal %s is in use: another wxcard is importing this file", path)
	}
	j := &journal{path: path, f: f, unlock: unlock, done: map[int]chunkResult{}, sent: map[int]bool{}}
	if err := j.replay(want); err != nil {
		j.close()
		return nil, err
	}
	return j, nil
}

func (j *journal) replay(want journalStart) error {
	data, err := os.ReadFile(j.path)
	if err != nil {
		return fmt.Errorf("reading the journal: %w", err)
	}
	good, err := j.parse(data, want)
	if err != nil {
		return err
	}
	if good < len(data) {
		// The tail is a record torn by a crash: it was never synced, so
		// nothing was sent after it.
		if err := j.f.Truncate(int64(good)); err != nil {
			return fmt.Errorf("dropping the journal's torn last line: %w", err)
		}
	}
	if good == 0 {
		j.start = want
		if err := j.append(journalRecord{Op: "start", Version: journalVersion, CardID: want.CardID, FileHash: want.FileHash,
			Codes: want.Codes, Repeated: want.Repeated, ChunkSize: want.ChunkSize}); err != nil {
			return err
		}
		return syncDir(filepath.Dir(j.path))
	}
	return nil
}

// parse replays data and returns how many of its bytes are whole records.
func (j *journal) parse(data []byte, want journalStart) (int, error) {
	good := 0
	for lineNo := 1; good < len(data); lineNo++ {
		end := bytes.IndexByte(data[good:], '\n')
		if end < 0 {
			return good, nil // torn: never terminated
		}
		line := data[good : good+end]
		var rec journalRecord
		if err := json.Unmarshal(line, &rec); err != nil {
			if good+end+1 == len(data) {
				return good, nil // torn last line
			}
			return 0, fmt.Errorf("the journal %s is damaged at line %d; move it away to start over (codes already deposited are then reported as duplicates)", j.path, lineNo)
		}
		if err := j.apply(lineNo, rec, want); err != nil {
			return 0, err
		}
		good += end + 1
	}
	return good, nil
}

func (j *journal) apply(lineNo int, rec journalRecord, want journalStart) error {
	damaged := func(why string) error {
		return fmt.Errorf("the journal %s is damaged at line %d: %s", j.path, lineNo, why)
	}
	if lineNo == 1 {
		if rec.Op != "start" {
			return damaged("it does not begin with a start record")
		}
		if rec.Version != journalVersion {
			return usagef("the journal %s was written by another version of wxcard (journal version %d)", j.path, rec.Version)
		}
		got := journalStart{CardID: rec.CardID, FileHash: rec.FileHash, Codes: rec.Codes, Repeated: rec.Repeated, ChunkSize: rec.ChunkSize}
		if got.CardID != want.CardID {
			return fmt.Errorf("%w: %s is an import into card %s, not %s; finish it with that card, or pass --restart to start over", errJournalForeign, j.path, got.CardID, want.CardID)
		}
		if got != want {
			return fmt.Errorf("%w: the codes file changed since %s was started; restore the file to finish that import, or pass --restart to start over (codes already deposited are then reported as duplicates)", errJournalForeign, j.path)
		}
		j.start = got
		return nil
	}
	if rec.Chunk == nil || *rec.Chunk < 0 || *rec.Chunk >= j.start.chunks() {
		return damaged("a record names no chunk of this import")
	}
	n := *rec.Chunk
	switch rec.Op {
	case "send":
		if from, to := j.start.bounds(n); rec.From != from || rec.To != to {
			return damaged("a send record's codes are not its chunk's")
		}
		j.sent[n] = true
	case "done":
		if _, dup := j.done[n]; dup {
			return damaged("a chunk is done twice")
		}
		j.done[n] = chunkResult{Succeeded: rec.Succeeded, Duplicate: rec.Duplicate, Recovered: rec.Recovered, Failed: rec.Failed}
	default:
		return damaged("unknown record " + rec.Op)
	}
	return nil
}

// append writes records as one write and syncs them to disk.
func (j *journal) append(recs ...journalRecord) error {
	var buf bytes.Buffer
	for _, r := range recs {
		b, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("journal record: %w", err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	if _, err := j.f.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("writing the journal: %w", err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("syncing the journal: %w", err)
	}
	for _, r := range recs {
		if r.Op == "send" && r.Chunk != nil {
			j.sent[*r.Chunk] = true
		}
	}
	return nil
}

func sendRecord(s journalStart, chunk int) journalRecord {
	from, to := s.bounds(chunk)
	return journalRecord{Op: "send", Chunk: &chunk, From: from, To: to}
}

func doneRecord(chunk int, r chunkResult) journalRecord {
	return journalRecord{Op: "done", Chunk: &chunk, Succeeded: r.Succeeded, Duplicate: r.Duplicate, Recovered: r.Recovered, Failed: r.Failed}
}

func (j *journal) close() error {
	j.unlock()
	return j.f.Close()
}

// syncDir makes a file's creation durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("syncing %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", dir, err)
	}
	return nil
}
