//go:build !js && !wasip1

package kv

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/wxcard/wxcard/kv/internal/args"
)

// ErrFileInUse is wrapped by OpenFile's error when another process has the
// file open: bbolt allows one process per file, and failing after a short
// wait is clearer than hanging.
var ErrFileInUse = errors.New("kv: file is in use by another process")

// File is a Store and Locker in a bbolt file. Values survive restarts. The
// file belongs to one process at a time (its goroutines share it freely);
// for several processes use Redis.
type File struct {
	db  *bolt.DB
	now func() time.Time
}

var (
	valuesBucket = []byte("values")
	locksBucket  = []byte("locks")
)

// FileOption configures OpenFile.
type FileOption func(*fileOptions) error

type fileOptions struct {
	wait time.Duration
}

// WithOpenWait sets how long OpenFile waits for another process to close
// the file before it fails with ErrFileInUse (default 1 s).
func WithOpenWait(d time.Duration) FileOption {
	return func(o *fileOptions) error {
		if d <= 0 || d > time.Minute {
			return fmt.Errorf("%w: open wait must be in (0, 1m], got %s", ErrInvalidArgument, d)
		}
		o.wait = d
		return nil
	}
}

// OpenFile opens or creates a store file at path (mode 0600).
func OpenFile(path string, opts ...FileOption) (*File, error) {
	o := fileOptions{wait: time.Second}
	for _, opt := range opts {
		if opt == nil {
			return nil, fmt.Errorf("%w: nil FileOption", ErrInvalidArgument)
		}
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if path == "" {
		return nil, fmt.Errorf("%w: empty path", ErrInvalidArgument)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: o.wait})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("kv: open %s: %w (waited %s)", path, ErrFileInUse, o.wait)
	}
	if err != nil {
		return nil, fmt.Errorf("kv: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(valuesBucket); err != nil {
			return err
		}
		_, err := tx.CreateBucketIfNotExists(locksBucket)
		return err
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("kv: open %s: %w", path, err)
	}
	return &File{db: db, now: time.Now}, nil
}

// Close closes the file; later calls fail with ErrClosed.
func (f *File) Close() error { return f.db.Close() }

// A record is an 8-byte big-endian expiry in unix nanoseconds (0: never)
// followed by the value.
const recordHeader = 8

func (f *File) record(value []byte, ttl time.Duration) []byte {
	rec := make([]byte, recordHeader+len(value))
	if ttl > 0 {
		binary.BigEndian.PutUint64(rec, uint64(f.now().Add(ttl).UnixNano()))
	}
	copy(rec[recordHeader:], value)
	return rec
}

func (f *File) live(rec []byte, now time.Time) ([]byte, bool) {
	if len(rec) < recordHeader {
		return nil, false
	}
	exp := binary.BigEndian.Uint64(rec)
	if exp != 0 && now.UnixNano() >= int64(exp) {
		return nil, false
	}
	return rec[recordHeader:], true
}

func (f *File) view(ctx context.Context, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return mapClosed(f.db.View(fn))
}

func (f *File) update(ctx context.Context, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return mapClosed(f.db.Update(fn))
}

func mapClosed(err error) error {
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return fmt.Errorf("%w: %w", ErrClosed, err)
	}
	return err
}

// Get implements Store.
func (f *File) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if err := args.CheckKey(key); err != nil {
		return nil, false, err
	}
	var out []byte
	var ok bool
	err := f.view(ctx, func(tx *bolt.Tx) error {
		v, live := f.live(tx.Bucket(valuesBucket).Get([]byte(key)), f.now())
		if live {
			// bbolt's slices are only valid inside the transaction.
			out, ok = append([]byte{}, v...), true
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("kv: file get: %w", err)
	}
	return out, ok, nil
}

// Set implements Store. Expired records are swept from time to time by
// Set itself.
func (f *File) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := args.CheckSet(key, ttl); err != nil {
		return err
	}
	err := f.update(ctx, func(tx *bolt.Tx) error {
		return f.put(tx.Bucket(valuesBucket), key, f.record(value, ttl))
	})
	if err != nil {
		return fmt.Errorf("kv: file set: %w", err)
	}
	return nil
}

// put stores record under key in b and, every sweepEvery puts, sweeps b.
// Locks are swept like values: a user of locks alone (events' dedup marks)
// would otherwise grow the file forever.
func (f *File) put(b *bolt.Bucket, key string, record []byte) error {
	if err := b.Put([]byte(key), record); err != nil {
		return err
	}
	if b.Sequence()%sweepEvery == 0 {
		if err := f.sweep(b); err != nil {
			return err
		}
	}
	_, err := b.NextSequence()
	return err
}

func (f *File) sweep(b *bolt.Bucket) error {
	now := f.now()
	var dead [][]byte
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if _, live := f.live(v, now); !live {
			dead = append(dead, append([]byte{}, k...))
		}
	}
	for _, k := range dead {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// Delete implements Store.
func (f *File) Delete(ctx context.Context, key string) error {
	if err := args.CheckKey(key); err != nil {
		return err
	}
	err := f.update(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket(valuesBucket).Delete([]byte(key))
	})
	if err != nil {
		return fmt.Errorf("kv: file delete: %w", err)
	}
	return nil
}

// TryLock implements Locker. Locks are kept apart from values.
func (f *File) TryLock(ctx context.Context, key, owner string, ttl time.Duration) (bool, error) {
	if err := args.CheckLock(key, owner, ttl); err != nil {
		return false, err
	}
	var acquired bool
	err := f.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(locksBucket)
		if _, held := f.live(b.Get([]byte(key)), f.now()); held {
			return nil
		}
		acquired = true
		return f.put(b, key, f.record([]byte(owner), ttl))
	})
	if err != nil {
		return false, fmt.Errorf("kv: file lock: %w", err)
	}
	return acquired, nil
}

// Unlock implements Locker.
func (f *File) Unlock(ctx context.Context, key, owner string) (bool, error) {
	if err := args.CheckLock(key, owner, time.Second); err != nil {
		return false, err
	}
	var released bool
	err := f.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(locksBucket)
		v, held := f.live(b.Get([]byte(key)), f.now())
		if !held || string(v) != owner {
			return nil
		}
		released = true
		return b.Delete([]byte(key))
	})
	if err != nil {
		return false, fmt.Errorf("kv: file unlock: %w", err)
	}
	return released, nil
}
