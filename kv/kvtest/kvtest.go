package kvtest

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/kv"
)

// Run checks newStore's stores against the contract of kv.Store and, for
// stores that implement it, kv.Locker. newStore is called once per subtest
// and must return an empty store; it registers its own cleanup.
//
// TTL checks use real time with TTLs of a few hundred milliseconds, so the
// suite takes about a second.
func Run(t *testing.T, newStore func(t *testing.T) kv.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s kv.Store)
	}{
		{"MissIsNotAnError", testMiss},
		{"SetGet", testSetGet},
		{"BinaryValues", testBinary},
		{"EmptyAndLargeValues", testSizes},
		{"Overwrite", testOverwrite},
		{"Delete", testDelete},
		{"TTLExpiry", testTTL},
		{"OverwriteReplacesTTL", testOverwriteTTL},
		{"NoAliasing", testNoAliasing},
		{"InvalidArguments", testInvalid},
		{"ContextCancellation", testCancel},
		{"Concurrent", testConcurrent},
		{"Lock/Exclusive", lockTest(testLockExclusive)},
		{"Lock/OwnerOnlyUnlock", lockTest(testLockOwner)},
		{"Lock/Expiry", lockTest(testLockExpiry)},
		{"Lock/InvalidArguments", lockTest(testLockInvalid)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, newStore(t))
		})
	}
}

func lockTest(fn func(t *testing.T, l kv.Locker)) func(t *testing.T, s kv.Store) {
	return func(t *testing.T, s kv.Store) {
		l, ok := s.(kv.Locker)
		if !ok {
			t.Skipf("%T does not implement kv.Locker", s)
		}
		fn(t, l)
	}
}

func testMiss(t *testing.T, s kv.Store) {
	v, ok, err := s.Get(t.Context(), "kvtest:missing")
	require.NoError(t, err)
	assert.False(t, ok)
	assert.Nil(t, v)
}

func testSetGet(t *testing.T, s kv.Store) {
	ctx := t.Context()
	require.NoError(t, s.Set(ctx, "kvtest:a", []byte("alpha"), time.Minute))
	require.NoError(t, s.Set(ctx, "kvtest:b", []byte("beta"), 0))
	for key, want := range map[string]string{"kvtest:a": "alpha", "kvtest:b": "beta"} {
		v, ok, err := s.Get(ctx, key)
		require.NoError(t, err)
		require.True(t, ok, key)
		assert.Equal(t, want, string(v))
	}
	// Keys are exact: no prefix matching, no case folding.
	_, ok, err := s.Get(ctx, "kvtest:A")
	require.NoError(t, err)
	assert.False(t, ok)
}

func testBinary(t *testing.T, s kv.Store) {
	ctx := t.Context()
	all := make([]byte, 512)
	for i := range all {
		all[i] = byte(i)
	}
	require.NoError(t, s.Set(ctx, "kvtest:bin", all, time.Minute))
	v, ok, err := s.Get(ctx, "kvtest:bin")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, all, v)

	// Keys may hold any printable text, including WeChat's own separators.
	key := "wxcard:wx1234:ticket:wx_card/中文 key"
	require.NoError(t, s.Set(ctx, key, []byte("x"), time.Minute))
	v, ok, err = s.Get(ctx, key)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "x", string(v))
}

func testSizes(t *testing.T, s kv.Store) {
	ctx := t.Context()
	require.NoError(t, s.Set(ctx, "kvtest:empty", []byte{}, time.Minute))
	v, ok, err := s.Get(ctx, "kvtest:empty")
	require.NoError(t, err)
	require.True(t, ok, "an empty value is a hit, not a miss")
	assert.Empty(t, v)

	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	require.NoError(t, s.Set(ctx, "kvtest:big", big, time.Minute))
	v, ok, err = s.Get(ctx, "kvtest:big")
	require.NoError(t, err)
	require.True(t, ok)
	assert.True(t, bytes.Equal(big, v))
}

func testOverwrite(t *testing.T, s kv.Store) {
	ctx := t.Context()
	require.NoError(t, s.Set(ctx, "kvtest:o", []byte("first value, longer"), time.Minute))
	require.NoError(t, s.Set(ctx, "kvtest:o", []byte("second"), time.Minute))
	v, ok, err := s.Get(ctx, "kvtest:o")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "second", string(v))
}

func testDelete(t *testing.T, s kv.Store) {
	ctx := t.Context()
	require.NoError(t, s.Set(ctx, "kvtest:d", []byte("x"), time.Minute))
	require.NoError(t, s.Set(ctx, "kvtest:keep", []byte("y"), time.Minute))
	require.NoError(t, s.Delete(ctx, "kvtest:d"))
	_, ok, err := s.Get(ctx, "kvtest:d")
	require.NoError(t, err)
	assert.False(t, ok)
	require.NoError(t, s.Delete(ctx, "kvtest:d"), "deleting a missing key is not an error")
	_, ok, err = s.Get(ctx, "kvtest:keep")
	require.NoError(t, err)
	assert.True(t, ok, "Delete removes only its key")
}

func testTTL(t *testing.T, s kv.Store) {
	ctx := t.Context()
	const short = 300 * time.Millisecond
	setAt := time.Now()
	require.NoError(t, s.Set(ctx, "kvtest:short", []byte("x"), short))
	_, ok, err := s.Get(ctx, "kvtest:short")
	require.NoError(t, err)
	// On a loaded machine (-race, 2 shared cores) the Get can come after
	// the TTL; presence is only a fact while the TTL cannot have run out.
	if time.Since(setAt) < short {
		require.True(t, ok, "present before its TTL")
	}
	require.NoError(t, s.Set(ctx, "kvtest:long", []byte("y"), time.Hour))
	require.NoError(t, s.Set(ctx, "kvtest:forever", []byte("z"), 0))
	require.Eventually(t, func() bool {
		_, ok, err := s.Get(ctx, "kvtest:short")
		return err == nil && !ok
	}, 3*time.Second, 20*time.Millisecond, "gone after its TTL")
	for _, k := range []string{"kvtest:long", "kvtest:forever"} {
		_, ok, err := s.Get(ctx, k)
		require.NoError(t, err)
		assert.True(t, ok, k)
	}
}

func testOverwriteTTL(t *testing.T, s kv.Store) {
	ctx := t.Context()
	require.NoError(t, s.Set(ctx, "kvtest:t", []byte("x"), 100*time.Millisecond))
	require.NoError(t, s.Set(ctx, "kvtest:t", []byte("y"), time.Hour))
	time.Sleep(250 * time.Millisecond)
	v, ok, err := s.Get(ctx, "kvtest:t")
	require.NoError(t, err)
	require.True(t, ok, "the second Set's TTL applies")
	assert.Equal(t, "y", string(v))
}

func testNoAliasing(t *testing.T, s kv.Store) {
	ctx := t.Context()
	in := []byte("original")
	require.NoError(t, s.Set(ctx, "kvtest:alias", in, time.Minute))
	copy(in, "XXXXXXXX")
	v, _, err := s.Get(ctx, "kvtest:alias")
	require.NoError(t, err)
	assert.Equal(t, "original", string(v), "Set must copy its input")
	copy(v, "YYYYYYYY")
	v2, _, err := s.Get(ctx, "kvtest:alias")
	require.NoError(t, err)
	assert.Equal(t, "original", string(v2), "Get must return a copy")
}

func testInvalid(t *testing.T, s kv.Store) {
	ctx := t.Context()
	assert.ErrorIs(t, s.Set(ctx, "kvtest:neg", []byte("x"), -time.Second), kv.ErrInvalidArgument)
	assert.ErrorIs(t, s.Set(ctx, "", []byte("x"), time.Second), kv.ErrInvalidArgument)
	_, _, err := s.Get(ctx, "")
	assert.ErrorIs(t, err, kv.ErrInvalidArgument)
	assert.ErrorIs(t, s.Delete(ctx, ""), kv.ErrInvalidArgument)
	long := string(bytes.Repeat([]byte("k"), kv.MaxKeyLen+1))
	assert.ErrorIs(t, s.Set(ctx, long, []byte("x"), time.Second), kv.ErrInvalidArgument)
	_, ok, err := s.Get(ctx, "kvtest:neg")
	require.NoError(t, err)
	assert.False(t, ok, "a rejected Set stores nothing")
}

func testCancel(t *testing.T, s kv.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, _, err := s.Get(ctx, "kvtest:c")
	assert.ErrorIs(t, err, context.Canceled, "Get")
	assert.ErrorIs(t, s.Set(ctx, "kvtest:c", []byte("x"), time.Minute), context.Canceled, "Set")
	assert.ErrorIs(t, s.Delete(ctx, "kvtest:c"), context.Canceled, "Delete")
	if l, ok := s.(kv.Locker); ok {
		_, err := l.TryLock(ctx, "kvtest:c:lock", "me", time.Second)
		assert.ErrorIs(t, err, context.Canceled, "TryLock")
	}
	_, found, err := s.Get(t.Context(), "kvtest:c")
	require.NoError(t, err)
	assert.False(t, found, "a cancelled Set stores nothing")
}

func testConcurrent(t *testing.T, s kv.Store) {
	ctx := t.Context()
	const workers, ops = 8, 50
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			own := "kvtest:w" + strconv.Itoa(w)
			for i := 0; i < ops; i++ {
				val := []byte(fmt.Sprintf("%d-%d", w, i))
				if err := s.Set(ctx, own, val, time.Minute); err != nil {
					errs <- err
					return
				}
				got, ok, err := s.Get(ctx, own)
				if err != nil || !ok || !bytes.Equal(got, val) {
					errs <- fmt.Errorf("worker %d op %d: got %q ok=%v err=%v", w, i, got, ok, err)
					return
				}
				if err := s.Set(ctx, "kvtest:shared", val, time.Minute); err != nil {
					errs <- err
					return
				}
				if _, _, err := s.Get(ctx, "kvtest:shared"); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	v, ok, err := s.Get(ctx, "kvtest:shared")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Regexp(t, `^\d+-\d+$`, string(v), "a shared key holds one whole write, never a mix")
}

func testLockExclusive(t *testing.T, l kv.Locker) {
	ctx := t.Context()
	const contenders = 32
	var wins atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < contenders; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			ok, err := l.TryLock(ctx, "kvtest:lock:x", "owner-"+strconv.Itoa(i), 5*time.Second)
			assert.NoError(t, err)
			if ok {
				wins.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	assert.EqualValues(t, 1, wins.Load(), "exactly one contender gets the lock")
	requireTryLock(t, l, "kvtest:lock:other", "owner-0", time.Second, true, "locks on different keys are independent")
}

func testLockOwner(t *testing.T, l kv.Locker) {
	const key = "kvtest:lock:o"
	requireTryLock(t, l, key, "alice", 5*time.Second, true, "a free lock is taken")
	requireTryLock(t, l, key, "alice", 5*time.Second, false, "a held lock is not re-entrant")

	requireUnlock(t, l, key, "bob", false, "only the owner can unlock")
	requireTryLock(t, l, key, "bob", 5*time.Second, false, "a foreign unlock leaves the lock held")

	requireUnlock(t, l, key, "alice", true, "the owner releases the lock")
	requireUnlock(t, l, key, "alice", false, "a second unlock releases nothing")

	requireTryLock(t, l, key, "bob", 5*time.Second, true, "free again after the owner's unlock")
}

func testLockExpiry(t *testing.T, l kv.Locker) {
	ctx := t.Context()
	const key = "kvtest:lock:e"
	requireTryLock(t, l, key, "alice", 150*time.Millisecond, true, "a free lock is taken")
	require.Eventually(t, func() bool {
		ok, err := l.TryLock(ctx, key, "bob", 5*time.Second)
		return err == nil && ok
	}, 3*time.Second, 20*time.Millisecond, "an expired lock can be taken")
	requireUnlock(t, l, key, "alice", false, "the expired owner cannot release the new owner's lock")
	requireTryLock(t, l, key, "carol", 5*time.Second, false, "bob still holds it")
}

// requireTryLock takes key for owner and requires that it errs not and
// that it gets the lock exactly when want says so.
func requireTryLock(t *testing.T, l kv.Locker, key, owner string, ttl time.Duration, want bool, why string) {
	t.Helper()
	ok, err := l.TryLock(t.Context(), key, owner, ttl)
	require.NoError(t, err, why)
	require.Equal(t, want, ok, why)
}

// requireUnlock releases key for owner and requires that it errs not and
// that it releases the lock exactly when want says so.
func requireUnlock(t *testing.T, l kv.Locker, key, owner string, want bool, why string) {
	t.Helper()
	released, err := l.Unlock(t.Context(), key, owner)
	require.NoError(t, err, why)
	require.Equal(t, want, released, why)
}

func testLockInvalid(t *testing.T, l kv.Locker) {
	ctx := t.Context()
	_, err := l.TryLock(ctx, "kvtest:lock:i", "", time.Second)
	assert.ErrorIs(t, err, kv.ErrInvalidArgument, "empty owner")
	_, err = l.TryLock(ctx, "kvtest:lock:i", "me", 0)
	assert.ErrorIs(t, err, kv.ErrInvalidArgument, "zero ttl")
	_, err = l.TryLock(ctx, "", "me", time.Second)
	assert.ErrorIs(t, err, kv.ErrInvalidArgument, "empty key")
	_, err = l.Unlock(ctx, "kvtest:lock:i", "")
	assert.ErrorIs(t, err, kv.ErrInvalidArgument, "empty owner on unlock")
}
