# Shared by the benchmark scripts in tests/bench: sourced, not run.

# start_server SERVER_BIN WORK: starts nbo-server on a fresh $WORK/data with
# ports picked by the kernel, stops it when the script exits, and sets PID,
# GRPC and METRICS (the gRPC and metrics ports) once it listens.
start_server() {
  local server_bin=$1 work=$2
  "$server_bin" --data_dir="$work/data" --grpc_addr=127.0.0.1:0 \
    --metrics_addr=127.0.0.1:0 --port_file="$work/ports.json" --drain=0s \
    > "$work/server.log" 2>&1 &
  PID=$!
  trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null || true' EXIT
  for _ in $(seq 1 200); do [ -s "$work/ports.json" ] && break; sleep 0.05; done
  [ -s "$work/ports.json" ] || {
    echo "nbo-server did not start; see $work/server.log" >&2
    exit 1
  }
  GRPC=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['grpc'])" "$work/ports.json")
  METRICS=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['metrics'])" "$work/ports.json")
}
