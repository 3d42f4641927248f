#!/usr/bin/env bash
# fuzz.sh: random fuzzing for `make fuzz`, FUZZTIME per target.
#
#   mk/fuzz.sh FUZZTIME ./pkg:FuzzName...
#
# The seed corpora (testdata/fuzz/FuzzX/) run in plain `go test`; this adds
# the random inputs. Two ways a run fails, told apart by Go's own output:
#   - the fuzzer found an input: it wrote it to the package's
#     testdata/fuzz/FuzzX/; its path and content are printed so it can be
#     committed as a seed, and the run fails at once;
#   - a fuzz worker died or hung without an input to show for it (killed
#     under load, out of memory): the target is retried once, and a pass on
#     the retry is reported, not failed.
# A retry that fails only with Go's bare "context deadline exceeded" at the
# end of -fuzztime, no input and no dead worker, is the race in Go's fuzz
# coordinator before Go 1.27 (go.dev/issue/75804): reported, not failed.
set -uo pipefail

GO=${GO:-go}
fuzztime=${1:?usage: mk/fuzz.sh FUZZTIME ./pkg:FuzzName...}
shift

log=$(mktemp)
trap 'rm -f "$log"' EXIT

failed=()
retried=()
raced=()

# fuzz_once runs one target; its output goes to the terminal and to $log.
fuzz_once() {
  local pkg=$1 fn=$2
  "$GO" test -run='^$' -fuzz="^$fn\$" -fuzztime="$fuzztime" "$pkg" 2>&1 | tee "$log"
}

# deadline_race says whether the run in $log failed with nothing but the
# coordinator's own deadline error: no input saved, no worker that died or
# hung, no panic, no failing seed.
deadline_race() {
  grep -q '^[[:space:]]*context deadline exceeded$' "$log" &&
    ! grep -q -e 'Failing input written to ' -e 'terminated unexpectedly' -e 'hung' -e '^panic: ' \
      -e '^failure while testing seed corpus entry' -e '^\(# \|[^ ]*\.go:[0-9]\)' "$log"
}

# report_input prints the input Go saved, and whether it fails on its own.
report_input() {
  local pkg=$1 fn=$2 rel dir path
  rel=$(sed -n 's/^[[:space:]]*Failing input written to //p' "$log" | tail -n1)
  dir=$("$GO" list -f '{{.Dir}}' "$pkg")
  case $rel in
  /*) path=$rel ;;
  *) path=$dir/$rel ;;
  esac
  echo
  echo "=== fuzz $pkg $fn found a failing input"
  echo "=== saved as $path (commit it: it becomes a seed that plain go test runs)"
  echo "--- content:"
  cat "$path"
  echo "--- end of content"
  echo "=== re-run: go test -run='^$fn/$(basename "$path")\$' $pkg"
}

for target in "$@"; do
  pkg=${target%%:*}
  fn=${target##*:}
  echo "fuzz $pkg $fn for $fuzztime"
  fuzz_once "$pkg" "$fn" && continue

  if grep -q '^[[:space:]]*Failing input written to ' "$log"; then
    report_input "$pkg" "$fn"
    failed+=("$pkg:$fn (input found)")
    break
  fi
  if grep -q '^failure while testing seed corpus entry' "$log"; then
    failed+=("$pkg:$fn (a committed seed fails)")
    break
  fi
  echo "fuzz $pkg $fn: failed without an input (a worker died or hung, or the build failed); retrying once"
  if fuzz_once "$pkg" "$fn"; then
    retried+=("$pkg:$fn")
    continue
  fi
  if grep -q '^[[:space:]]*Failing input written to ' "$log"; then
    report_input "$pkg" "$fn"
    failed+=("$pkg:$fn (input found on the retry)")
  elif deadline_race; then
    raced+=("$pkg:$fn")
    continue
  else
    failed+=("$pkg:$fn (failed twice without an input)")
  fi
  break
done

if ((${#retried[@]})); then
  echo "fuzz: passed on the retry after a failure without an input: ${retried[*]}"
fi
if ((${#raced[@]})); then
  echo "fuzz: failed twice with only Go's fuzztime deadline race (go.dev/issue/75804), no input: ${raced[*]}"
fi
if ((${#failed[@]})); then
  echo "fuzz: FAILED: ${failed[*]}"
  exit 1
fi
echo "fuzz: $# targets, $fuzztime each, no failing input"
