#!/usr/bin/env bash
# Builds one libFuzzer target of Tests/Fuzz (with address sanitizer) and runs it for SECONDS on its seed corpus.
# Usage: Scripts/fuzz.sh safetensors|idx|csv|anymap|png|jpeg SECONDS
# New inputs the fuzzer finds go to .build-fuzz/corpus/TARGET (the committed seeds stay as they are);
# a crash leaves crash-* in .build-fuzz/ and exits non-zero: add that input to Tests/Fuzz/Corpus/TARGET as a regression case.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
    safetensors) product=FuzzSafetensors ;;
    idx) product=FuzzIDX ;;
    csv) product=FuzzCSV ;;
    anymap) product=FuzzAnymap ;;
    png) product=FuzzPNG ;;
    jpeg) product=FuzzJPEG ;;
    *) echo "usage: Scripts/fuzz.sh safetensors|idx|csv|anymap|png|jpeg SECONDS" >&2; exit 2 ;;
esac
seconds="${2:-60}"
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "fuzz.sh: SECONDS must be a whole number, got '$seconds'" >&2; exit 2; }
scratch="$PWD/.build-fuzz"
# One -sanitize=fuzzer,address: swiftc keeps only the last -sanitize= it is given, and SwiftPM's --sanitize=address
# after --sanitize=fuzzer would silently drop the coverage instrumentation of some modules.
swift build --package-path Tests/Fuzz --scratch-path "$scratch" --product "$product" \
    --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld -Xlinker --allow-multiple-definition
mkdir -p "$scratch/corpus/$1"
cd "$scratch"
"$scratch/debug/$product" -max_total_time="$seconds" -rss_limit_mb=4096 -max_len=65536 -print_final_stats=1 \
    "$scratch/corpus/$1" "$OLDPWD/Tests/Fuzz/Corpus/$1"
