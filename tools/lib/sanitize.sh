# Fuzzing and sanitizer runs for tools/test.sh (docs/testing.md). Source it
# after tools/lib/common.sh; do not run it.

# The targets of tests/fuzz; each has its seed corpus in
# tests/fuzz/corpus/<target>/.
NBO_FUZZ_TARGETS=(
  csv_reader_fuzzer customers_csv_fuzzer products_csv_fuzzer
  transactions_csv_fuzzer spark_factor_fuzzer publish_fuzzer
  path_matcher_fuzzer query_binding_fuzzer json_body_fuzzer
  json_writer_fuzzer
)
# Each target's share, in percent, of a run budgeted in executions: about
# inversely to its cost, so that no target dominates the wall time. The
# publish target writes to RocksDB and runs 5-8 times slower than the
# readers.
NBO_FUZZ_SHARES=(18 14 10 9 18 5 7 6 6 7)

# Sanitizer options for every process a sanitized test starts (the
# integration tests run the real binaries, which inherit them). A finding
# stops the process with an error, so the test that caused it fails.
NBO_ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:check_initialization_order=1"
NBO_UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
# Third-party leaks only (tests/lsan.supp says which and why).
NBO_LSAN_OPTIONS="suppressions=$NBO_ROOT/tests/lsan.supp"

# nbo_fuzz_build DIR: builds every fuzz target in DIR with clang
# (-DNBO_FUZZ=ON: libFuzzer, ASan and UBSan; no tests).
nbo_fuzz_build() {
  local dir="$1"
  CXX=clang++ nbo_build "$dir" -DCMAKE_CXX_COMPILER=clang++ -DNBO_FUZZ=ON \
    -DNBO_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo -- fuzz_targets
}

# nbo_fuzz_run DIR MODE AMOUNT: runs every target of DIR over its seed
# corpus and what earlier runs found (DIR/corpus/<target>/; the seeds in the
# source tree are never written). MODE "time": AMOUNT seconds per target,
# one process each; MODE "runs": AMOUNT executions in total, split over
# the targets by NBO_FUZZ_SHARES and, per target, over one process per
# core. Processes
# run one per core at a time. Prints executions and time per target and in
# total. Fails, printing the end of the log and the crashing input's path
# (in DIR/artifacts/), if any target crashes, leaks, times out (10 s on one
# input) or breaks one of its properties.
nbo_fuzz_run() {
  local dir="$1" mode="$2" amount="$3"
  local cores jobs=() target i
  cores=$(nproc)
  local logs="$dir/fuzz-logs"
  rm -rf "$logs"
  mkdir -p "$logs" "$dir/artifacts"
  local t
  for ((t = 0; t < ${#NBO_FUZZ_TARGETS[@]}; t++)); do
    target=${NBO_FUZZ_TARGETS[$t]}
    mkdir -p "$dir/corpus/$target"
    if [ "$mode" = time ]; then
      jobs+=("$target 0 -max_total_time=$amount")
    else
      for ((i = 0; i < cores; i++)); do
        jobs+=("$target $i -runs=$(( amount * NBO_FUZZ_SHARES[t] / 100 / cores ))")
      done
    fi
  done
  nbo_log "fuzzing ${#NBO_FUZZ_TARGETS[@]} targets ($mode $amount), $cores at a time"
  local started=$SECONDS running=0 failed=0 job index limit
  for job in "${jobs[@]}"; do
    if [ "$running" -ge "$cores" ]; then
      wait -n || failed=1
      running=$((running - 1))
    fi
    read -r target index limit <<<"$job"
    nbo_fuzz_one "$dir" "$target" "$index" "$limit" &
    running=$((running + 1))
  done
  while [ "$running" -gt 0 ]; do
    wait -n || failed=1
    running=$((running - 1))
  done
  nbo_fuzz_report "$logs" "$((SECONDS - started))"
  if [ "$failed" -ne 0 ]; then
    echo "error: a fuzz target failed; inputs that crashed: $dir/artifacts/" >&2
    return 1
  fi
}

# nbo_fuzz_one DIR TARGET INDEX LIMIT: one libFuzzer process (a helper of
# nbo_fuzz_run). Its log is DIR/fuzz-logs/TARGET.INDEX.log.
nbo_fuzz_one() {
  local dir="$1" target="$2" index="$3" limit="$4"
  local log="$dir/fuzz-logs/$target.$index.log"
  # The spark reader's 4 KiB buffer: longer inputs put line breaks across
  # its refills.
  local max_len=4096
  [ "$target" = spark_factor_fuzzer ] && max_len=16384
  # RocksDB's background threads allocate during most publish inputs, and
  # each such input would cost a scan of the whole heap for leaks; leaks
  # are still checked at exit, and in the ASan suite's serving tests.
  local leaks=1
  [ "$target" = publish_fuzzer ] && leaks=0
  if ! ASAN_OPTIONS="$NBO_ASAN_OPTIONS" UBSAN_OPTIONS="$NBO_UBSAN_OPTIONS" \
      "$dir/tests/fuzz/$target" "$limit" -seed=$((index + 1)) \
      -max_len=$max_len -detect_leaks=$leaks -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$dir/artifacts/$target-" \
      "$dir/corpus/$target" "$NBO_ROOT/tests/fuzz/corpus/$target" \
      >"$log" 2>&1; then
    echo "error: $target failed; the end of $log:" >&2
    tail -n 40 "$log" >&2
    return 1
  fi
}

# nbo_fuzz_report LOG_DIR SECONDS: executions per target from libFuzzer's
# final stats, and the total.
nbo_fuzz_report() {
  local logs="$1" seconds="$2"
  awk '
    FNR == 1 { split(FILENAME, parts, "/"); name = parts[length(parts)]
               sub(/\.[0-9]+\.log$/, "", name) }
    /^stat::number_of_executed_units:/ { runs[name] += $2; total += $2 }
    /^stat::average_exec_per_sec:/ { rate[name] += $2 }
    END {
      for (name in runs)
        printf "  %-26s %10d executions  %7d/s\n", name, runs[name],
               rate[name] | "sort"
      close("sort")
      printf "  %-26s %10d executions  in '"$seconds"' s\n", "total", total
    }' "$logs"/*.log >&2
}

# nbo_asan_suite DIR: builds everything with AddressSanitizer and
# UndefinedBehaviorSanitizer (UBSan findings are fatal,
# -fno-sanitize-recover) and runs the default suite (unit and integration
# tests) under them. Nothing of ours is suppressed (tests/lsan.supp: one
# leak inside Debian's libcares).
nbo_asan_suite() {
  local dir="$1"
  nbo_build "$dir" -DNBO_SANITIZE=address,undefined \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo --
  nbo_log "ASan + UBSan: unit and integration tests"
  ASAN_OPTIONS="$NBO_ASAN_OPTIONS" UBSAN_OPTIONS="$NBO_UBSAN_OPTIONS" \
    LSAN_OPTIONS="$NBO_LSAN_OPTIONS" \
    ctest --test-dir "$dir" -L 'unit|integration' --output-on-failure -j "$(nproc)"
}
