package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testStart() journalStart {
	return journalStart{CardID: "pCard", FileHash: "abc", Codes: 250, Repeated: 1, ChunkSize: 100}
}

func TestJournalReplaysWhatWasWritten(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "j")
	j, err := openJournal(path, testStart())
	require.NoError(t, err)
	require.NoError(t, j.append(sendRecord(j.start, 0)))
	require.NoError(t, j.append(doneRecord(0, chunkResult{Succeeded: 98, Duplicate: 1, Failed: []string{"F"}}), sendRecord(j.start, 1)))
	require.NoError(t, j.close())

	j, err = openJournal(path, testStart())
	require.NoError(t, err)
	defer j.close()
	assert.Equal(t, map[int]chunkResult{0: {Succeeded: 98, Duplicate: 1, Failed: []string{"F"}}}, j.done)
	assert.Equal(t, map[int]bool{0: true, 1: true}, j.sent, "chunk 1 was sent and not answered")
}

func TestJournalIsExclusive(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "j")
	j, err := openJournal(path, testStart())
	require.NoError(t, err)
	defer j.close()
	_, err = openJournal(path, testStart())
	assert.ErrorIs(t, err, errUsage)
	assert.ErrorContains(t, err, "another wxcard is importing this file")
}

func TestJournalDropsATornLastLine(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "j")
	j, err := openJournal(path, testStart())
	require.NoError(t, err)
	require.NoError(t, j.append(sendRecord(j.start, 0)))
	require.NoError(t, j.close())
	whole, err := os.ReadFile(path)
	require.NoError(t, err)

	for name, tail := range map[string]string{
		"unterminated":    `{"op":"done","chunk":0,"succ`,
		"terminated junk": "{\"op\":\"done\",\"ch\x00\n",
	} {
		t.Run(name, func(t *testing.T) {
			require.NoError(t, os.WriteFile(path, append(bytes.Clone(whole), tail...), 0o600))
			j, err := openJournal(path, testStart())
			require.NoError(t, err)
			assert.Empty(t, j.done)
			assert.True(t, j.sent[0])
			require.NoError(t, j.append(doneRecord(0, chunkResult{Succeeded: 100})))
			require.NoError(t, j.close())
			j, err = openJournal(path, testStart())
			require.NoError(t, err)
			assert.Equal(t, 100, j.done[0].Succeeded, "the record after the torn one reads back")
			require.NoError(t, j.close())
		})
	}
}

func TestJournalRefusesDamage(t *testing.T) {
	t.Parallel()
	start := `{"op":"start","version":1,"card_id":"pCard","file_sha256":"abc","codes":250,"repeated":1,"chunk_size":100}` + "\n"
	for name, tc := range map[string]struct {
		content string
		want    string
	}{
		"no start":        {`{"op":"send","chunk":0,"to":100}` + "\n", "does not begin with a start record"},
		"other version":   {strings.Replace(start, `"version":1`, `"version":9`, 1), "another version of wxcard"},
		"other card":      {strings.Replace(start, "pCard", "pOther", 1), "import into card pOther"},
		"other file":      {strings.Replace(start, "abc", "def", 1), "the codes file changed"},
		"junk in between": {start + "garbage\n" + `{"op":"send","chunk":0,"to":100}` + "\n", "damaged at line 2"},
		"chunk too far":   {start + `{"op":"send","chunk":3,"from":300,"to":400}` + "\n", "names no chunk"},
		"no chunk":        {start + `{"op":"done"}` + "\n", "names no chunk"},
		"wrong bounds":    {start + `{"op":"send","chunk":2,"from":200,"to":300}` + "\n", "not its chunk's"},
		"done twice":      {start + `{"op":"done","chunk":1}` + "\n" + `{"op":"done","chunk":1}` + "\n", "done twice"},
		"unknown op":      {start + `{"op":"undo","chunk":1}` + "\n", "unknown record"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "j")
			require.NoError(t, os.WriteFile(path, []byte(tc.content), 0o600))
			_, err := openJournal(path, testStart())
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			after, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, tc.content, string(after), "a refused journal is left as it was")
		})
	}
}

// FuzzJournal: no journal content makes opening it panic, and whatever is
// accepted names only chunks of the import.
func FuzzJournal(f *testing.F) {
	start := `{"op":"start","version":1,"card_id":"pCard","file_sha256":"abc","codes":250,"repeated":1,"chunk_size":100}` + "\n"
	f.Add(start)
	f.Add(start + `{"op":"send","chunk":0,"to":100}` + "\n" + `{"op":"done","chunk":0,"succeeded":100}` + "\n")
	f.Add(start + `{"op":"send","chunk":2,"from":200,"to":250}` + "\n" + `{"op":"done","chunk":2,"failed":["x"]}`)
	f.Add("")
	f.Add("{\n}\n")
	f.Fuzz(func(t *testing.T, content string) {
		path := filepath.Join(t.TempDir(), "j")
		require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
		j, err := openJournal(path, testStart())
		if err != nil {
			return
		}
		defer j.close()
		for n := range j.done {
			assert.True(t, n >= 0 && n < 3)
		}
		for n := range j.sent {
			assert.True(t, n >= 0 && n < 3)
		}
	})
}
