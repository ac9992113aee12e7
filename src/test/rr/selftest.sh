#!/bin/bash
# Self-test of the rr stand-in (src/test/rr/rr): record, ps, dump, replay under
# gdb/MI, replay behind gdbserver (-s PORT) with a separate gdb, and error cases.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RR="$here/rr"
work="$(mktemp -d "${TMPDIR:-/tmp}/rr-selftest.XXXXXX")"
server_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null || true
  rm -rf -- "$work"
}
trap cleanup EXIT
export _RR_TRACE_DIR="$work/traces"

fails=0
ok()   { printf 'ok   %s\n' "$1"; }
bad()  { printf 'FAIL %s\n' "$1"; fails=$((fails + 1)); }
check() { local name="$1"; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
has()  { grep -q -- "$2" <<<"$1"; }

gcc -g -O0 -o "$work/target" "$here/target.c"
mkdir "$work/run"; cd "$work/run"
echo "recorded-log-line" > in-rr-nondet.log
echo "snapshot" > in-rr-snp

# --- record -----------------------------------------------------------------
st=0
printf 'abc\nde\nq\n' | "$RR" record -n -o "$work/rec" "$work/target" 7 "x y'z" >"$work/rec.out" 2>"$work/rec.err" || st=$?
check "record exits with the program's status" test "$st" = 7
check "record passes output through" grep -qx 'lines=2 total=495' "$work/rec.out"
check "record prints nothing when stdout is not a tty" test "$(grep -c 'Saving execution' "$work/rec.out" || true)" = 0
check "trace has version 85" test "$(head -n1 "$work/rec/version")" = 85
check "trace saved stdin" test "$(cat "$work/rec/stdin")" = $'abc\nde\nq'
check "trace snapshot of *-rr-nondet.log" test -f "$work/rec/files/in-rr-nondet.log"
check "trace snapshot of *-rr-snp" test -f "$work/rec/files/in-rr-snp"
# the user's files must not be touched by replays: change them now
echo "changed-after-record" > in-rr-nondet.log

# default trace dir + latest-trace
printf 'q\n' | "$RR" record "$work/target" 0 >/dev/null
check "default trace dir ROOT/target-0" test -d "$_RR_TRACE_DIR/target-0"
check "latest-trace symlink" test "$(readlink "$_RR_TRACE_DIR/latest-trace")" = target-0
printf 'q\n' | "$RR" "$work/target" 0 >/dev/null   # rr PROGRAM == rr record PROGRAM
check "rr PROGRAM records (target-1)" test -d "$_RR_TRACE_DIR/target-1"
out="$("$RR" record -p 1 "$work/target" 0 </dev/null)"
check "record -p FD prints the trace dir" has "$out" "^$_RR_TRACE_DIR/target-2\$"

# killed by a signal: rr re-raises it; ps shows -SIG
st=0; ( "$RR" record -o "$work/sig" "$work/target" -1 </dev/null >/dev/null 2>&1 ) 2>/dev/null || st=$?
check "record re-raises the fatal signal (134)" test "$st" = 134

# --- ps / dump --------------------------------------------------------------
ps="$("$RR" ps "$work/rec")"
check "ps header" test "$(head -n1 <<<"$ps")" = $'PID\tPPID\tEXIT\tCMD'
check "ps line" has "$ps" $'^[0-9]\\+\t--\t7\t'"$work/target 7 x y'z\$"
check "ps exit of a signalled process" has "$("$RR" ps "$work/sig")" $'\t--\t-6\t'
dump="$("$RR" dump "$work/rec")"
check "dump frame shape" has "$dump" $'^  real_time:[0-9]*\\.[0-9]\\{6\\} global_time:1, event:`SYSCALL: execve\' (state:EXITING_SYSCALL) tid:[0-9]*, ticks:0$'
last="$(grep global_time <<<"$dump" | tail -n 1 | sed -E 's/^.*global_time:([0-9]+),.*$/\1/')"
check "last global_time like diverge.py reads it" test "$last" = 3
check "dump end" has "$("$RR" dump "$work/rec" end)" "global_time:3, event:\`EXIT'"
check "dump of latest trace by default" has "$("$RR" dump)" "global_time:1,"

# --- replay under gdb (MI, batch) --------------------------------------------
mi="$(timeout 60 "$RR" replay "$work/rec" -- --interpreter=mi3 -nx -batch \
      -ex 'break report' -ex 'continue' -ex 'print total' -ex 'print checksum' \
      -ex 'show prompt' -ex 'continue' </dev/null 2>&1)"
check "gdb starts stopped at the program's first instruction" has "$mi" '^\*stopped,.*func="_start"'
check "breakpoint reached" has "$mi" '^\*stopped,reason="breakpoint-hit",.*func="report"'
check "variable depends on recorded stdin" has "$mi" '~"\$1 = 495\\n"'
check "prompt is (rr)" has "$mi" '^=cmd-param-changed,param="prompt",value="(rr) "'
check "replay reads the snapshot, not the changed file" has "$mi" '^log=recorded-log-line'
check "replay exit code" has "$mi" 'exit-code="07"'
check "user file untouched" test "$(cat in-rr-nondet.log)" = changed-after-record

# rr-style options: -i mi forwarded, user -ex before start, -ex continue gets start first
mi2="$(timeout 60 "$RR" replay -i mi -o -nx "$work/rec" -- -batch -ex 'break report' -ex 'continue' -ex 'print lines' -ex 'run' -ex 'print lines' </dev/null 2>&1)"
check "-i mi and -o forwarded" has "$mi2" '^\^done\|^~"\$1 = 2\\n"'
check "run restarts the replay from the beginning" test "$(grep -c '^\*stopped,reason="breakpoint-hit"' <<<"$mi2")" = 2
check "second run sees the same input" has "$mi2" '~"\$2 = 2\\n"'

# --tty routes the program's output
timeout 60 "$RR" replay --tty "$work/tty.out" "$work/rec" -- -nx -batch -ex continue </dev/null >/dev/null 2>&1 || true
check "--tty FILE gets the replayed output" grep -qx 'lines=2 total=495' "$work/tty.out"

# autopilot
ap="$(timeout 60 "$RR" replay -a "$work/rec" 2>&1)"; st=$?
check "autopilot prints the replayed output" has "$ap" '^lines=2 total=495$'
check "autopilot exits 0" test "$st" = 0

# --- replay -s PORT + separate gdb -------------------------------------------
"$RR" replay -s 0 "$work/rec" >"$work/srv.out" 2>"$work/srv.err" &
server_pid=$!
for _ in $(seq 100); do grep -q 'target extended-remote' "$work/srv.err" && break; sleep 0.1; done
check "-s prints rr's hint" grep -q "^  gdb '-l' '10000' '-ex' 'set sysroot /' '-ex' 'target extended-remote 127.0.0.1:[0-9]*' $work/target\$" "$work/srv.err"
check "-s hint header" test "$(head -n1 "$work/srv.err")" = "Launch gdb with"
port="$(sed -n "s/.*target extended-remote 127\.0\.0\.1:\([0-9]*\)'.*/\1/p" "$work/srv.err")"
rmi="$(timeout 60 gdb -nx -batch -i=mi3 -l 10000 -ex 'set sysroot /' -ex "target extended-remote 127.0.0.1:$port" \
        -ex 'break report' -ex continue -ex 'print total' -ex continue "$work/target" </dev/null 2>&1)"
check "remote: stopped at start" has "$rmi" '^\*stopped,frame={.*func="_start"'
check "remote: breakpoint + stdin-dependent value" has "$rmi" '~"\$1 = 495\\n"'
st=0; timeout 30 bash -c "wait $server_pid" 2>/dev/null || true
for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
check "-s server ends when the session ends" bash -c "! kill -0 $server_pid 2>/dev/null"
check "-s replay output in server's stdout" grep -qx 'lines=2 total=495' "$work/srv.out"
server_pid=""

# SIGTERM while waiting for a connection
"$RR" replay -s 0 "$work/rec" >/dev/null 2>"$work/srv2.err" &
server_pid=$!
for _ in $(seq 100); do grep -q 'target extended-remote' "$work/srv2.err" && break; sleep 0.1; done
kill -TERM "$server_pid"; st=0; wait "$server_pid" || st=$?
check "-s dies of SIGTERM (143)" test "$st" = 143
server_pid=""
no_leftover_procs() {
  local p
  for p in /proc/[0-9]*; do
    [[ "$(cat "$p/cmdline" 2>/dev/null | tr "\\0" " ")" == *"$work/target"* ]] || continue
    [[ "$(cat "$p/comm" 2>/dev/null)" == gdbserver || "$(readlink "$p/exe" 2>/dev/null)" == "$work/target" ]] && return 1
  done
  return 0
}
check "no gdbserver or replayed program left" no_leftover_procs

# --- errors -----------------------------------------------------------------
st=0; err="$("$RR" replay "$work/nope" 2>&1)" || st=$?
check "missing trace: exit 65" test "$st" = 65
check "missing trace: rr's message" has "$err" "^rr: Trace file \`$work/nope/version' not found. There is no trace there.\$"
st=0; "$RR" ps "$work/nope" >/dev/null 2>&1 || st=$?; check "ps missing trace: 65" test "$st" = 65
mkdir "$work/bad"; echo 84 > "$work/bad/version"
st=0; err="$("$RR" replay "$work/bad" 2>&1)" || st=$?
check "incompatible version: 65 + message" bash -c "[ $st = 65 ] && grep -q 'has an incompatible version 84; expected' <<<\"\$0\"" "$err"
st=0; err="$("$RR" replay --bogus "$work/rec" 2>&1)" || st=$?
check "unknown option: usage + 1" bash -c "[ $st = 1 ] && grep -q '^Invalid option --bogus' <<<\"\$0\" && grep -q 'rr replay \[OPTION\]' <<<\"\$0\"" "$err"
st=0; "$RR" --bogus >/dev/null 2>&1 || st=$?; check "unknown global option: 1" test "$st" = 1
st=0; "$RR" >/dev/null 2>&1 || st=$?; check "no command: 1" test "$st" = 1
st=0; err="$("$RR" replay -d /nonexistent/gdb "$work/rec" 2>&1)" || st=$?
check "missing gdb: clear message + 1" bash -c "[ $st = 1 ] && grep -q 'Failed to exec /nonexistent/gdb' <<<\"\$0\"" "$err"
st=0; err="$("$RR" record -o "$work/rec" "$work/target" 2>&1 </dev/null)" || st=$?
check "record -o existing dir: 1 + message" bash -c "[ $st = 1 ] && grep -q \"Trace directory \\\`$work/rec' already exists.\" <<<\"\$0\"" "$err"
st=0; "$RR" replay -k "$work/rec" >/dev/null 2>&1 || st=$?; check "-k without -s: 4" test "$st" = 4
check "--version" test "$("$RR" --version)" = "rr version 5.7.0"

sleep 1.2  # scratch dirs are removed when their gdb exits
check "no scratch dirs left" bash -c "! ls -d ${TMPDIR:-/tmp}/rr-replay.* >/dev/null 2>&1"

if (( fails )); then echo "selftest: $fails FAILED"; exit 1; fi
echo "selftest: all passed"
