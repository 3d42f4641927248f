package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// devAppFile is the small file beside the snapshot that names the dev app,
// so a tool can find its credentials while an emulator holds the
// snapshot's lock.
type devAppFile struct {
	AppID  string `json:"appid"`
	Secret string `json:"secret"`
}

func devAppPath(dbPath string) string { return dbPath + ".devapp" }

// writeDevApp replaces the dev-app file atomically (mode 0600). Its
// temporary file is named like the snapshot writer's of earlier versions,
// so one left by a kill is removed at the next open.
func writeDevApp(dbPath, appID, secret string) error {
	data, err := json.Marshal(devAppFile{appID, secret})
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dbPath), ".emulator-snapshot-devapp-*")
	if err != nil {
		return fmt.Errorf("emulator: write dev app file: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), devAppPath(dbPath))
	}
	if err != nil {
		return fmt.Errorf("emulator: write dev app file: %w", err)
	}
	return nil
}

// ReadDevApp returns the dev app kept with the snapshot at path (as given
// to WithSnapshotFile), without opening the snapshot, so it works while an
// emulator runs on it; a JSON snapshot of earlier versions not yet
// imported is read directly. It fails with an error wrapping
// fs.ErrNotExist when there is no snapshot.
func ReadDevApp(path string) (appID, secret string, err error) {
	dbPath, legacy := snapshotPaths(path)
	data, err := os.ReadFile(devAppPath(dbPath))
	if err == nil {
		var f devAppFile
		if err := json.Unmarshal(data, &f); err != nil || f.AppID == "" || f.Secret == "" {
			return "", "", fmt.Errorf("%w: %s is damaged", ErrInvalidSnapshot, filepath.Base(devAppPath(dbPath)))
		}
		return f.AppID, f.Secret, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", "", fmt.Errorf("emulator: read dev app: %w", err)
	}
	if _, err := os.Stat(dbPath); err == nil {
		return "", "", fmt.Errorf("emulator: %s has no dev app file beside it: %w", filepath.Base(dbPath), fs.ErrNotExist)
	}
	if legacy == "" {
		return "", "", fmt.Errorf("emulator: no snapshot at %s: %w", dbPath, fs.ErrNotExist)
	}
	st, err := readJSONSnapshot(legacy)
	if err != nil {
		return "", "", err
	}
	if st == nil {
		return "", "", fmt.Errorf("emulator: no snapshot at %s: %w", path, fs.ErrNotExist)
	}
	a := st.Apps[st.DevApp]
	if a == nil {
		return "", "", fmt.Errorf("%w: %s names no dev app", ErrInvalidSnapshot, filepath.Base(legacy))
	}
	return a.AppID, a.Secret, nil
}
