# Shared by the benchmark scripts in tests/bench: sourced, not run.

# start_server SERVER_BIN WORK [FLAG...]: starts nbo-server on a fresh
# $WORK/data with ports picked by the kernel and FLAGs appended, stops it
# (and any server started before) when the script exits, and sets PID, GRPC
# and METRICS (the gRPC and metrics ports) once it listens.
SERVER_PIDS=()
start_server() {
  local server_bin=$1 work=$2
  shift 2
  rm -f "$work/ports.json"
  "$server_bin" --data_dir="$work/data" --grpc_addr=127.0.0.1:0 \
    --metrics_addr=127.0.0.1:0 --port_file="$work/ports.json" --drain=0s \
    "$@" > "$work/server.log" 2>&1 &
  PID=$!
  SERVER_PIDS+=("$PID")
  trap 'for p in "${SERVER_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; true' EXIT
  for _ in $(seq 1 200); do [ -s "$work/ports.json" ] && break; sleep 0.05; done
  [ -s "$work/ports.json" ] || {
    echo "nbo-server did not start; see $work/server.log" >&2
    exit 1
  }
  GRPC=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['grpc'])" "$work/ports.json")
  METRICS=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['metrics'])" "$work/ports.json")
}

# parse_bench_args LINES ARG...: sets CUSTOMERS, DURATION, CONCURRENCY,
# ROUNDS, BUILD and WORK from --customers=N, --duration=S, --concurrency=C,
# --rounds=R, --build=DIR and --work=DIR (the caller sets the defaults
# first); anything else prints the lines LINES ("2,12") of the script, its
# usage, and exits 2.
parse_bench_args() {
  local lines=$1 arg
  shift
  for arg in "$@"; do
    case "$arg" in
      --customers=*) CUSTOMERS="${arg#*=}" ;;
      --duration=*) DURATION="${arg#*=}" ;;
      --concurrency=*) CONCURRENCY="${arg#*=}" ;;
      --rounds=*) ROUNDS="${arg#*=}" ;;
      --build=*) BUILD="${arg#*=}" ;;
      --work=*) WORK="${arg#*=}" ;;
      *) sed -n "${lines}p" "$0" >&2; exit 2 ;;
    esac
  done
}
