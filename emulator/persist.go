package emulator

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// The snapshot is a bbolt file. The in-memory state stays the source of
// truth for every read; the file gets, after each request that may change
// state, only the records that request touched, in one transaction whose
// commit fsyncs before the answer leaves. A write therefore costs what it
// changes, not what is stored.
//
// Records, one bucket per kind (keys are length-prefixed parts, so no
// separator can be forged by a code or nonce):
//
//	meta        "state"                → version, clock offset, dev app
//	apps        appid                  → the app without its collections
//	cards       appid,card_id          → the card without codes and user cards
//	codes       appid,card_id,code     → deposited code: "0" unclaimed, "1" claimed
//	user_cards  appid,card_id,seq      → user card (seq = place in the card's order)
//	tokens      token                  → access token record
//	encrypted   appid,encrypt_code     → the code it stands for
//	nonces      appid,nonce_str        → when the nonce may be forgotten
//	qrcodes     appid,ticket           → QR code
//	activations appid,activate_ticket  → activation form submission
//
// The meta and app records are small and compared with what was last
// written; collection entries are written when a handler marks them
// (Emulator.touch). See the package doc for how to add a kind of state.

const (
	bucketMeta        = "meta"
	bucketApps        = "apps"
	bucketCards       = "cards"
	bucketCodes       = "codes"
	bucketUserCards   = "user_cards"
	bucketTokens      = "tokens"
	bucketEncrypted   = "encrypted"
	bucketNonces      = "nonces"
	bucketQRCodes     = "qrcodes"
	bucketActivations = "activations"
)

// snapshotLockWait is how long opening a snapshot waits for another
// process's lock before reporting it busy.
const snapshotLockWait = 200 * time.Millisecond

// ErrSnapshotInUse is returned by New when another process holds the
// snapshot file.
var ErrSnapshotInUse = errors.New("emulator: the snapshot file is in use by another process")

// ErrInvalidSnapshot is returned (wrapped, with the first problem found) by
// New when a snapshot does not hold together: dangling references, null
// entries, duplicate ids, keys that disagree with their records.
var ErrInvalidSnapshot = errors.New("emulator: invalid snapshot")

// entity names one collection entry that a request changed.
type entity struct {
	bucket    string
	app, card string
	key       string
}

// collection is a kind of state stored one record per entry.
type collection struct {
	bucket string
	// encode returns the entry's stored form, or ok=false when the entry no
	// longer exists (the record is deleted).
	encode func(st *state, en entity) (val []byte, ok bool, err error)
	// decode puts one stored entry into st (apps and cards are loaded
	// first).
	decode func(st *state, en entity, val []byte) error
	// each calls put for every entry of st, for an import.
	each func(st *state, put func(entity) error) error
}

// appMap is a collection held in a map of each app, with JSON records.
func appMap[V any](bucket string, field func(*appState) map[string]V) collection {
	return collection{
		bucket: bucket,
		encode: func(st *state, en entity) ([]byte, bool, error) {
			a := st.Apps[en.app]
			if a == nil {
				return nil, false, nil
			}
			v, ok := field(a)[en.key]
			if !ok {
				return nil, false, nil
			}
			b, err := json.Marshal(v)
			return b, true, err
		},
		decode: func(st *state, en entity, val []byte) error {
			a := st.Apps[en.app]
			if a == nil {
				return fmt.Errorf("%s entry %q of unknown app %q", bucket, en.key, en.app)
			}
			var v V
			if err := json.Unmarshal(val, &v); err != nil {
				return fmt.Errorf("%s entry %q: %w", bucket, en.key, err)
			}
			field(a)[en.key] = v
			return nil
		},
		each: func(st *state, put func(entity) error) error {
			for id, a := range st.Apps {
				for k := range field(a) {
					if err := put(entity{bucket: bucket, app: id, key: k}); err != nil {
						return err
					}
				}
			}
			return nil
		},
	}
}

// collections lists every kind of state kept one record per entry. Cards
// come first: codes and user cards are loaded into them.
func collections() []collection {
	return []collection{
		{
			bucket: bucketCards,
			encode: func(st *state, en entity) ([]byte, bool, error) {
				cd := st.card(en.app, en.card)
				if cd == nil {
					return nil, false, nil
				}
				b, err := json.Marshal(cardRecord{card: cd})
				return b, true, err
			},
			decode: func(st *state, en entity, val []byte) error {
				a := st.Apps[en.app]
				if a == nil {
					return fmt.Errorf("card %q of unknown app %q", en.card, en.app)
				}
				var cd *card
				if err := json.Unmarshal(val, &cd); err != nil {
					return fmt.Errorf("card %q: %w", en.card, err)
				}
				a.Cards[en.card] = cd
				return nil
			},
			each: func(st *state, put func(entity) error) error {
				for id, a := range st.Apps {
					for cid := range a.Cards {
						if err := put(entity{bucket: bucketCards, app: id, card: cid}); err != nil {
							return err
						}
					}
				}
				return nil
			},
		},
		{
			bucket: bucketCodes,
			encode: func(st *state, en entity) ([]byte, bool, error) {
				cd := st.card(en.app, en.card)
				if cd == nil {
					return nil, false, nil
				}
				claimed, ok := cd.Deposited[en.key]
				if !ok {
					return nil, false, nil
				}
				if claimed {
					return []byte{'1'}, true, nil
				}
				return []byte{'0'}, true, nil
			},
			decode: func(st *state, en entity, val []byte) error {
				cd := st.card(en.app, en.card)
				if cd == nil {
					return fmt.Errorf("code %q of unknown card %q", en.key, en.card)
				}
				if len(val) != 1 || (val[0] != '0' && val[0] != '1') {
					return fmt.Errorf("code %q: bad record", en.key)
				}
				if cd.Deposited == nil {
					cd.Deposited = map[string]bool{}
				}
				cd.Deposited[en.key] = val[0] == '1'
				return nil
			},
			each: func(st *state, put func(entity) error) error {
				for id, a := range st.Apps {
					for cid, cd := range a.Cards {
						for code := range cd.Deposited {
							if err := put(entity{bucket: bucketCodes, app: id, card: cid, key: code}); err != nil {
								return err
							}
						}
					}
				}
				return nil
			},
		},
		{
			bucket: bucketUserCards,
			encode: func(st *state, en entity) ([]byte, bool, error) {
				cd := st.card(en.app, en.card)
				seq := seqOf(en.key)
				if cd == nil || seq < 0 || seq >= len(cd.UserCardOrder) {
					return nil, false, nil
				}
				u := cd.UserCards[cd.UserCardOrder[seq]]
				if u == nil {
					return nil, false, nil
				}
				b, err := json.Marshal(u)
				return b, true, err
			},
			decode: func(st *state, en entity, val []byte) error {
				cd := st.card(en.app, en.card)
				if cd == nil {
					return fmt.Errorf("user card of unknown card %q", en.card)
				}
				// Keys sort by seq within a card, so the order rebuilds by
				// appending; a gap means a lost record.
				if seq := seqOf(en.key); seq != len(cd.UserCardOrder) {
					return fmt.Errorf("card %q: user card %d is missing", en.card, len(cd.UserCardOrder))
				}
				var u *userCard
				if err := json.Unmarshal(val, &u); err != nil {
					return fmt.Errorf("user card of card %q: %w", en.card, err)
				}
				if u == nil {
					return fmt.Errorf("card %q: null user card", en.card)
				}
				if cd.UserCards == nil {
					cd.UserCards = map[string]*userCard{}
				}
				if cd.UserCards[u.Code] != nil {
					return fmt.Errorf("card %q: user card code %q appears twice", en.card, u.Code)
				}
				u.seq = len(cd.UserCardOrder)
				cd.UserCards[u.Code] = u
				cd.UserCardOrder = append(cd.UserCardOrder, u.Code)
				return nil
			},
			each: func(st *state, put func(entity) error) error {
				for id, a := range st.Apps {
					for cid, cd := range a.Cards {
						for seq := range cd.UserCardOrder {
							if err := put(entity{bucket: bucketUserCards, app: id, card: cid, key: seqKey(seq)}); err != nil {
								return err
							}
						}
					}
				}
				return nil
			},
		},
		{
			bucket: bucketTokens,
			encode: func(st *state, en entity) ([]byte, bool, error) {
				t := st.Tokens[en.key]
				if t == nil {
					return nil, false, nil
				}
				b, err := json.Marshal(t)
				return b, true, err
			},
			decode: func(st *state, en entity, val []byte) error {
				var t *tokenRecord
				if err := json.Unmarshal(val, &t); err != nil {
					return fmt.Errorf("token record: %w", err)
				}
				st.Tokens[en.key] = t
				return nil
			},
			each: func(st *state, put func(entity) error) error {
				for v := range st.Tokens {
					if err := put(entity{bucket: bucketTokens, key: v}); err != nil {
						return err
					}
				}
				return nil
			},
		},
		appMap(bucketEncrypted, func(a *appState) map[string]codeRef { return a.Encrypted }),
		appMap(bucketNonces, func(a *appState) map[string]int64 { return a.Nonces }),
		appMap(bucketQRCodes, func(a *appState) map[string]*qrCode { return a.QRCodes }),
		appMap(bucketActivations, func(a *appState) map[string]*activation { return a.ActivateTickets }),
	}
}

// seqKey is a user card's place in its card's order as a key that sorts.
func seqKey(seq int) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(seq))
	return string(b[:])
}

func seqOf(key string) int {
	if len(key) != 8 {
		return -1
	}
	v := binary.BigEndian.Uint64([]byte(key))
	if v > 1<<40 {
		return -1
	}
	return int(v)
}

// The records of the meta, apps and cards buckets: the state types with
// their collections masked. A masking field sits shallower than the field
// it hides, so encoding/json takes it, and omitempty drops it.
type (
	mask       *struct{}
	metaRecord struct {
		*state
		Apps   mask `json:"apps,omitempty"`
		Tokens mask `json:"tokens,omitempty"`
	}
	appRecord struct {
		*appState
		Cards           mask `json:"cards,omitempty"`
		Nonces          mask `json:"nonces,omitempty"`
		QRCodes         mask `json:"qrcodes,omitempty"`
		Encrypted       mask `json:"encrypted,omitempty"`
		ActivateTickets mask `json:"activate_tickets,omitempty"`
	}
	cardRecord struct {
		*card
		Deposited     mask `json:"deposited,omitempty"`
		UserCards     mask `json:"user_cards,omitempty"`
		UserCardOrder mask `json:"user_card_order,omitempty"`
		Holders       mask `json:"holders,omitempty"`
	}
)

// card returns a card of an app, or nil.
func (st *state) card(appID, cardID string) *card {
	a := st.Apps[appID]
	if a == nil {
		return nil
	}
	return a.Cards[cardID]
}

// entityKey encodes en's parts, each prefixed by its length.
func entityKey(en entity) []byte {
	var b []byte
	for _, part := range []string{en.app, en.card, en.key} {
		b = binary.AppendUvarint(b, uint64(len(part)))
		b = append(b, part...)
	}
	return b
}

func parseEntityKey(bucket string, k []byte) (entity, error) {
	parts := [3]string{}
	for i := range parts {
		n, w := binary.Uvarint(k)
		if w <= 0 || uint64(len(k)-w) < n {
			return entity{}, fmt.Errorf("%s: malformed key", bucket)
		}
		parts[i] = string(k[w : w+int(n)])
		k = k[w+int(n):]
	}
	if len(k) != 0 {
		return entity{}, fmt.Errorf("%s: malformed key", bucket)
	}
	return entity{bucket: bucket, app: parts[0], card: parts[1], key: parts[2]}, nil
}

// snapshotDB is the open snapshot file and what was last written to it.
type snapshotDB struct {
	db   *bolt.DB
	path string
	// savedMeta and savedApps are the records as last committed, so a
	// save writes only those that differ.
	savedMeta []byte
	savedApps map[string][]byte
	// pending holds the entries changed since the last commit.
	pending map[entity]struct{}
	colls   map[string]collection
}

// snapshotPaths resolves WithSnapshotFile's path: a path ending in .json
// names the JSON snapshot of earlier versions, which is imported once into
// the .db file beside it.
func snapshotPaths(path string) (dbPath, legacyJSON string) {
	if strings.HasSuffix(path, ".json") {
		return strings.TrimSuffix(path, ".json") + ".db", path
	}
	return path, ""
}

// openSnapshot opens (creating it if needed) the snapshot at path and
// loads it into e.st. It removes temporary files an earlier version left
// behind when killed mid-write.
func (e *Emulator) openSnapshot(path string) error {
	dbPath, legacy := snapshotPaths(path)
	_, statErr := os.Stat(dbPath)
	fresh := errors.Is(statErr, fs.ErrNotExist)
	var imported *state
	if fresh && legacy != "" {
		st, err := readJSONSnapshot(legacy)
		if err != nil {
			return err
		}
		imported = st
	}
	db, err := openBolt(dbPath, &bolt.Options{
		Timeout:      snapshotLockWait,
		FreelistType: bolt.FreelistMapType,
		// The freelist stays on disk (NoFreelistSync would save a page
		// per commit, but rebuilds the freelist at open in a goroutine of
		// bbolt's own, where a damaged page panics beyond any recover).
	})
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return fmt.Errorf("%w: %s", ErrSnapshotInUse, dbPath)
	case errors.Is(err, ErrInvalidSnapshot):
		return err
	case err != nil:
		return fmt.Errorf("emulator: open snapshot %s: %w", filepath.Base(dbPath), err)
	}
	// Under the lock: no other emulator of this version is writing here.
	removeStaleTemps(filepath.Dir(dbPath))
	s := &snapshotDB{db: db, path: dbPath, savedApps: map[string][]byte{}, pending: map[entity]struct{}{}, colls: map[string]collection{}}
	for _, c := range collections() {
		s.colls[c.bucket] = c
	}
	if imported != nil {
		e.st = *imported
		if err := s.importAll(&e.st); err != nil {
			db.Close()
			os.Remove(dbPath)
			return err
		}
		e.imported = legacy
	} else if err := s.load(&e.st); err != nil {
		db.Close()
		return fmt.Errorf("%w: %s: %w", ErrInvalidSnapshot, filepath.Base(dbPath), err)
	}
	e.snap = s
	return nil
}

// openBolt is bolt.Open with its panics (a damaged meta or freelist page)
// turned into errors.
func openBolt(path string, opts *bolt.Options) (db *bolt.DB, err error) {
	defer func() {
		if p := recover(); p != nil {
			db, err = nil, fmt.Errorf("%w: %s: the file is damaged: %v", ErrInvalidSnapshot, filepath.Base(path), p)
		}
	}()
	return bolt.Open(path, 0o600, opts)
}

// removeStaleTemps deletes the temporary files of the JSON snapshot writer
// of earlier versions: a kill between write and rename left them behind.
func removeStaleTemps(dir string) {
	matches, _ := filepath.Glob(filepath.Join(dir, ".emulator-snapshot-*"))
	for _, m := range matches {
		os.Remove(m)
	}
}

// readJSONSnapshot reads and validates a JSON snapshot of earlier versions;
// a missing file is an empty state.
func readJSONSnapshot(path string) (*state, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("emulator: read snapshot: %w", err)
	}
	var st state
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("%w: %s is not valid JSON: %w", ErrInvalidSnapshot, filepath.Base(path), err)
	}
	if st.Version != snapshotVersion {
		return nil, fmt.Errorf("%w: %s has version %d, want %d", ErrInvalidSnapshot, filepath.Base(path), st.Version, snapshotVersion)
	}
	if err := st.validate(); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalidSnapshot, filepath.Base(path), err)
	}
	for _, a := range st.Apps {
		for _, cd := range a.Cards {
			for seq, code := range cd.UserCardOrder {
				cd.UserCards[code].seq = seq
			}
		}
	}
	st.fill()
	return &st, nil
}

// load reads every bucket into st and checks the whole; an empty file
// leaves st as it is.
func (s *snapshotDB) load(st *state) (err error) {
	// bbolt panics on some corrupted pages instead of returning an error;
	// a damaged file must give a clear error, not a stack trace.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the file is damaged: %v", p)
		}
	}()
	return s.db.View(func(tx *bolt.Tx) error {
		mb := tx.Bucket([]byte(bucketMeta))
		if mb == nil || mb.Get([]byte("state")) == nil {
			return nil
		}
		loaded := state{}
		meta := mb.Get([]byte("state"))
		if err := json.Unmarshal(meta, &loaded); err != nil {
			return fmt.Errorf("meta record: %w", err)
		}
		if loaded.Version != snapshotVersion {
			return fmt.Errorf("version %d, want %d", loaded.Version, snapshotVersion)
		}
		loaded.Apps = map[string]*appState{}
		loaded.Tokens = map[string]*tokenRecord{}
		if b := tx.Bucket([]byte(bucketApps)); b != nil {
			err := b.ForEach(func(k, v []byte) error {
				var a *appState
				if err := json.Unmarshal(v, &a); err != nil {
					return fmt.Errorf("app %q: %w", k, err)
				}
				if a == nil {
					return fmt.Errorf("app %q is null", k)
				}
				a.fillMaps()
				loaded.Apps[string(k)] = a
				return nil
			})
			if err != nil {
				return err
			}
		}
		for _, c := range collections() {
			b := tx.Bucket([]byte(c.bucket))
			if b == nil {
				continue
			}
			err := b.ForEach(func(k, v []byte) error {
				en, err := parseEntityKey(c.bucket, k)
				if err != nil {
					return err
				}
				return c.decode(&loaded, en, v)
			})
			if err != nil {
				return err
			}
		}
		if err := loaded.validate(); err != nil {
			return err
		}
		loaded.fill()
		*st = loaded
		s.savedMeta = append([]byte(nil), meta...)
		if b := tx.Bucket([]byte(bucketApps)); b != nil {
			b.ForEach(func(k, v []byte) error {
				s.savedApps[string(k)] = append([]byte(nil), v...)
				return nil
			})
		}
		return nil
	})
}

// importAll writes every record of st in one transaction.
func (s *snapshotDB) importAll(st *state) error {
	for _, c := range collections() {
		err := c.each(st, func(en entity) error {
			s.pending[en] = struct{}{}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return s.commit(st)
}

// touch records that a collection entry changed; the next save writes it.
func (s *snapshotDB) touch(en entity) {
	s.pending[en] = struct{}{}
}

// commit writes the meta and app records that differ from the last
// commit and every pending entry, in one fsynced transaction. On failure
// nothing is forgotten: the next commit writes it all again.
func (s *snapshotDB) commit(st *state) error {
	meta, err := json.Marshal(metaRecord{state: st})
	if err != nil {
		return fmt.Errorf("emulator: encode snapshot: %w", err)
	}
	apps := make(map[string][]byte, len(st.Apps))
	for id, a := range st.Apps {
		b, err := json.Marshal(appRecord{appState: a})
		if err != nil {
			return fmt.Errorf("emulator: encode snapshot: %w", err)
		}
		if !bytes.Equal(b, s.savedApps[id]) {
			apps[id] = b
		}
	}
	metaChanged := !bytes.Equal(meta, s.savedMeta)
	if !metaChanged && len(apps) == 0 && len(s.pending) == 0 {
		return nil
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		if metaChanged {
			b, err := tx.CreateBucketIfNotExists([]byte(bucketMeta))
			if err != nil {
				return err
			}
			if err := b.Put([]byte("state"), meta); err != nil {
				return err
			}
		}
		if len(apps) > 0 {
			b, err := tx.CreateBucketIfNotExists([]byte(bucketApps))
			if err != nil {
				return err
			}
			for id, rec := range apps {
				if err := b.Put([]byte(id), rec); err != nil {
					return err
				}
			}
		}
		buckets := map[string]*bolt.Bucket{}
		for _, en := range s.sortedPending() {
			b := buckets[en.bucket]
			if b == nil {
				var err error
				if b, err = tx.CreateBucketIfNotExists([]byte(en.bucket)); err != nil {
					return err
				}
				buckets[en.bucket] = b
			}
			val, ok, err := s.colls[en.bucket].encode(st, en)
			if err != nil {
				return err
			}
			if !ok {
				if err := b.Delete(entityKey(en)); err != nil {
					return err
				}
				continue
			}
			if err := b.Put(entityKey(en), val); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("emulator: write snapshot: %w", err)
	}
	if metaChanged {
		s.savedMeta = meta
	}
	for id, rec := range apps {
		s.savedApps[id] = rec
	}
	clear(s.pending)
	return nil
}

// sortedPending lists the pending entries in bucket and key order: bbolt
// fills its pages best, and fastest, when keys arrive in order.
func (s *snapshotDB) sortedPending() []entity {
	type keyed struct {
		en  entity
		key string
	}
	all := make([]keyed, 0, len(s.pending))
	for en := range s.pending {
		all = append(all, keyed{en, string(entityKey(en))})
	}
	slices.SortFunc(all, func(a, b keyed) int {
		return cmp.Or(strings.Compare(a.en.bucket, b.en.bucket), strings.Compare(a.key, b.key))
	})
	list := make([]entity, len(all))
	for i, k := range all {
		list[i] = k.en
	}
	return list
}

func (s *snapshotDB) close() error { return s.db.Close() }
