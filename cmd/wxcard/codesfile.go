package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// maxCodeLen is the longest code the admin client sends (its id limit);
// WeChat itself refuses codes over 20 bytes, and reports them as failed.
const maxCodeLen = 128

// maxBadLines bounds how many bad lines one error names.
const maxBadLines = 5

// codeList is the codes of an input file, ready to deposit.
type codeList struct {
	// codes are the distinct codes, in the order of the file.
	codes []string
	// repeated counts lines whose code an earlier line already gave: they
	// are not sent again, and count as duplicates.
	repeated int
	// digest is the SHA-256 of the file's bytes: a journal belongs to
	// exactly one file.
	digest string
}

// readCodesFile is readCodes on the file at path; a file that cannot be
// opened is a mistake on the command line of cmd ("codes check").
func readCodesFile(cmd, path, column string) (*codeList, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usagef("%s: %w", cmd, err)
	}
	defer f.Close()
	return readCodes(f, column)
}

// readCodes reads one code per line, or with column set, one CSV column:
// a 1-based number, or a header name (the first row is then the header).
// Surrounding spaces are trimmed and empty lines or cells skipped. A code
// the admin client would refuse (a control character, over 128 bytes)
// fails the whole read, naming the lines, before anything is sent.
func readCodes(r io.Reader, column string) (*codeList, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading the codes: %w", err)
	}
	sum := sha256.Sum256(data)
	list := &codeList{digest: hex.EncodeToString(sum[:])}
	seen := map[string]struct{}{}
	var bad []string
	add := func(line int, code string) {
		code = strings.TrimSpace(code)
		if code == "" {
			return
		}
		if reason := badCode(code); reason != "" {
			if len(bad) < maxBadLines {
				bad = append(bad, fmt.Sprintf("line %d: the code %s", line, reason))
			} else if len(bad) == maxBadLines {
				bad = append(bad, "…")
			}
			return
		}
		if _, dup := seen[code]; dup {
			list.repeated++
			return
		}
		seen[code] = struct{}{}
		list.codes = append(list.codes, code)
	}
	if column == "" {
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		for line := 1; sc.Scan(); line++ {
			add(line, sc.Text())
		}
		if err := sc.Err(); err != nil {
			return nil, usagef("the codes file: %w", err)
		}
	} else if err := readCSVColumn(data, column, add); err != nil {
		return nil, err
	}
	if len(bad) > 0 {
		return nil, usagef("the codes file has codes that cannot be sent (nothing was sent):\n  %s", strings.Join(bad, "\n  "))
	}
	if len(list.codes) == 0 {
		return nil, usagef("the codes file has no codes")
	}
	return list, nil
}

func badCode(code string) string {
	if len(code) > maxCodeLen {
		return "is longer than " + strconv.Itoa(maxCodeLen) + " bytes"
	}
	for i := 0; i < len(code); i++ {
		if code[i] < ' ' || code[i] == 0x7f {
			return "contains a control character"
		}
	}
	return ""
}

func readCSVColumn(data []byte, column string, add func(line int, code string)) error {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	index, byNumber := 0, false
	if n, err := strconv.Atoi(column); err == nil {
		if n < 1 {
			return usagef("--column %s: columns are numbered from 1", column)
		}
		index, byNumber = n-1, true
	}
	for first := true; ; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			if first && !byNumber {
				return usagef("--column %q: the CSV file is empty, so it has no header", column)
			}
			return nil
		}
		if err != nil {
			// A *csv.ParseError names its line.
			return usagef("the CSV file: %w", err)
		}
		line, _ := cr.FieldPos(0) // a record read without error has a field
		if first && !byNumber {
			index = -1
			for i, name := range rec {
				if strings.TrimSpace(strings.TrimPrefix(name, "\uFEFF")) == column {
					index = i
				}
			}
			if index < 0 {
				return usagef("--column %q: the CSV header has no such column", column)
			}
			continue
		}
		if index < len(rec) {
			add(line, rec[index])
		}
	}
}
