# shellcheck shell=bash
# Running sluiced from the demo, the benchmarks and the lab tests: start it in a network
# namespace and wait until it forwards, wait for its VRRP states, stop it
# (SIGTERM, SIGKILL after 5 s). Every wait is bounded.
#
# Sourced; set SLUICED to the binary first.

# sluiced_start PIDVAR NS LOG ARG...: runs $SLUICED ARG... in network
# namespace NS (- for this one), its output in LOG, and sets the variable
# named PIDVAR (an array element too) to its pid, whatever happens next, so
# that the caller can stop it. Returns once it logs that it is running (0),
# or when it has exited or has not said so within $SLUICED_START_S seconds,
# 5 by default (1; the log says why). With SLUICED_NICE set, it runs at that
# nice value, all its threads.
sluiced_start() {
  # Prefixed locals: PIDVAR names the caller's variable, which a local of
  # the same name would hide.
  local _ss_pidvar=$1 _ss_ns=$2 _ss_log=$3 _ss_pid _
  shift 3
  local _ss_run=("$SLUICED" "$@")
  [ -z "${SLUICED_NICE:-}" ] || _ss_run=(nice -n "$SLUICED_NICE" "${_ss_run[@]}")
  # `ip netns exec` and nice exec sluiced: $! is sluiced itself, to signal
  # and wait.
  if [ "$_ss_ns" = - ]; then
    "${_ss_run[@]}" >"$_ss_log" 2>&1 &
  else
    ip netns exec "$_ss_ns" "${_ss_run[@]}" >"$_ss_log" 2>&1 &
  fi
  _ss_pid=$!
  printf -v "$_ss_pidvar" '%s' "$_ss_pid"
  for _ in $(seq $((${SLUICED_START_S:-5} * 10))); do
    grep -qs "sluiced: running" "$_ss_log" && return 0
    kill -0 "$_ss_pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# sluiced_stop PID [SIGNAL]: sends SIGNAL (TERM by default), waits up to 5 s
# for it to end, then kills it. An empty PID is nothing to stop.
sluiced_stop() {
  local pid=$1 _
  [ -n "$pid" ] || return 0
  kill "-${2:-TERM}" "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  { wait "$pid"; } 2>/dev/null || true
}

# sluiced_vrrp_states NS: the states of the VRRP instances of the sluiced in
# NS, in config order ("MASTER BACKUP"), from its default API socket.
sluiced_vrrp_states() {
  curl -s --max-time 3 --unix-socket "/run/sluice/sluice-$1.sock" http://sluice/v1/vrrp 2>/dev/null |
    python3 -c 'import json,sys; print(" ".join(i["state"] for i in json.load(sys.stdin)["instances"]))' \
      2>/dev/null
}

# sluiced_wait_states NS STATE: true once every instance in NS is in STATE
# (at most 10 s); otherwise says what it saw and returns 1.
sluiced_wait_states() {
  local states _
  for _ in $(seq 100); do
    states=$(sluiced_vrrp_states "$1")
    if [ -n "$states" ] && [ -z "$(tr ' ' '\n' <<<"$states" | grep -v "^$2\$")" ]; then return 0; fi
    sleep 0.1
  done
  echo "VRRP states in $1: '$states', want all $2"
  return 1
}
