#!/usr/bin/env bash
# Runs Fovea from this bundle (made by Benchmarks/gpu/make-bundle.sh) on NVIDIA's OpenCL driver, on a machine without
# a Swift toolchain: `fovea devices`, `fovea selftest`, `fovea-bench --quick` (with --pytorch when python3 imports torch)
# and a short LeNet-5 Fashion-MNIST training run. Output goes to the terminal and, when $OUT is set, to
# $OUT/run-on-gpu.log (plus bench.json, bench.svg and the training run's folder).
#
# Usage: run-on-gpu.sh [STEP...]   steps: devices selftest bench train tune (default: devices selftest bench train)
#        run-on-gpu.sh rerun          the short second call after a fix: devices, selftest and train only
# `tune` runs CLBlast's own GEMM tuners on the GPU (M = N = K = FOVEA_TUNE_SIZE, default 4096; the fraction
# FOVEA_TUNE_FRACTION, default 0.01, of each search space) into $OUT/clblast-tuning
# (FOVEA_TIMEOUT_TUNE, default 240 s); the
# steps after it, and later calls whose $OUT holds that folder, pass it to Fovea as FOVEA_CLBLAST_TUNING. Put it before
# bench in a second call: `run-on-gpu.sh tune bench`.
# The whole first call is sized for 8 minutes: every step has a time limit (FOVEA_TIMEOUT_<STEP> seconds: devices 30,
# selftest 150, bench 240, train 90), the bench runs on opencl:0 (and PyTorch CUDA) only, and a driver that lists
# no GPU stops the script within 30 s, with what the loader saw.
# Environment:
#   FOVEA_OPENCL_LIBRARY  the OpenCL driver library to use instead of searching for libnvidia-opencl.so.1
#                         (e.g. PoCL's /usr/lib/x86_64-linux-gnu/libpocl.so.2, to test the bundle on a CPU machine)
#   FOVEA_BENCH_ARGS      extra fovea-bench arguments (e.g. "--suite gemm,conv")
#   FOVEA_TRAIN_STEPS     --max-steps of the training run (default 300)
# Exit status: 3 when no OpenCL driver library is found, 4 when it lists no GPU, 1 when a step failed, else 0.
set -u
bundle=$(cd "$(dirname "$0")" && pwd)
steps=("$@")
[ ${#steps[@]} -eq 0 ] && steps=(devices selftest bench train)
[ "${steps[*]}" = rerun ] && steps=(devices selftest train)

if [ -n "${OUT:-}" ]; then
    mkdir -p "$OUT"
    exec > >(tee -a "$OUT/run-on-gpu.log") 2>&1
fi
echo "== run-on-gpu.sh $(date -u +%FT%TZ) on $(hostname), bundle $bundle ($(cat "$bundle/COMMIT" 2>/dev/null || echo unknown commit))"

candidate_dirs=(/usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/local/cuda/lib64 /usr/local/cuda/compat)
library=${FOVEA_OPENCL_LIBRARY:-}
if [ -z "$library" ]; then
    for dir in "${candidate_dirs[@]}"; do
        for path in "$dir"/libnvidia-opencl.so.1 "$dir"/libnvidia-opencl.so.*; do
            if [ -e "$path" ]; then library=$path; break 2; fi
        done
    done
    if [ -z "$library" ]; then
        library=$(ldconfig -p 2>/dev/null | awk '/libnvidia-opencl\.so/ { print $NF; exit }')
    fi
fi
if [ -z "$library" ] || [ ! -e "$library" ]; then
    echo "run-on-gpu.sh: NVIDIA's OpenCL library (libnvidia-opencl.so.1) was not found${FOVEA_OPENCL_LIBRARY:+ (FOVEA_OPENCL_LIBRARY=$FOVEA_OPENCL_LIBRARY does not exist)}. What is there:"
    for dir in "${candidate_dirs[@]}"; do
        if [ -d "$dir" ]; then
            echo "-- ls $dir (nvidia, libcuda, opencl entries):"
            ls -la "$dir" | grep -i -E "nvidia|libcuda|opencl" || echo "   (none)"
        else
            echo "-- $dir: no such directory"
        fi
    done
    echo "-- ldconfig -p | grep -i opencl:"; ldconfig -p 2>/dev/null | grep -i opencl || echo "   (none)"
    echo "-- ldconfig -p | grep -i nvidia:"; ldconfig -p 2>/dev/null | grep -i nvidia || echo "   (none)"
    echo "-- /etc/OpenCL/vendors:"; ls -la /etc/OpenCL/vendors 2>&1; cat /etc/OpenCL/vendors/*.icd 2>/dev/null; echo
    echo "-- nvidia-smi:"; nvidia-smi 2>&1 | head -15
    exit 3
fi

# An ICD directory naming only this driver; the bundled ocl-icd loader reads OCL_ICD_VENDORS.
work=$(mktemp -d "${TMPDIR:-/tmp}/fovea-gpu.XXXXXX")
icd_name=nvidia.icd
[ -n "${FOVEA_OPENCL_LIBRARY:-}" ] && icd_name=custom.icd
mkdir -p "$work/vendors"
echo "$library" > "$work/vendors/$icd_name"
export OCL_ICD_VENDORS=$work/vendors
export XDG_CACHE_HOME=${XDG_CACHE_HOME:-$work/cache}
# bin/ and lib/ come packed (payload.tar.xz): unpack them next to it, or in the work directory when the bundle is read-only.
root=$bundle
if [ ! -x "$root/bin/fovea" ] && [ -f "$bundle/payload.tar.xz" ]; then
    [ -w "$bundle" ] || root=$work/unpacked
    mkdir -p "$root"
    echo "unpacking payload.tar.xz into $root"
    if command -v xz > /dev/null; then
        xz -dc "$bundle/payload.tar.xz" | tar -C "$root" -xf -
    else
        python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$bundle/payload.tar.xz" "$root"
    fi || { echo "run-on-gpu.sh: could not unpack payload.tar.xz (needs xz or python3)"; exit 1; }
fi
# The driver's own dependencies (libcuda.so.1 ...) usually sit next to it; a system directory is searched anyway, and
# putting one first would hand child processes (python3 for --pytorch) the system's libpython & co.
case "$(dirname "$library")" in
    /lib|/lib64|/usr/lib|/usr/lib64|/lib/x86_64-linux-gnu|/usr/lib/x86_64-linux-gnu) driver_dir= ;;
    *) driver_dir=:$(dirname "$library") ;;
esac
export LD_LIBRARY_PATH=$root/lib$driver_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
echo "OpenCL driver: $library (ICD file $OCL_ICD_VENDORS/$icd_name)"
echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"

# The programs run on this machine's glibc and libstdc++; when those are too old, through the bundled loader and copies.
launcher=()
if ! "$root/bin/fovea" --help > "$work/start.txt" 2>&1; then
    echo "bin/fovea does not start with this system's libraries:"; cat "$work/start.txt"
    echo "falling back to the bundled glibc and GCC runtime (lib/base) through its loader"
    export LD_LIBRARY_PATH=$root/lib:$root/lib/base$driver_dir
    launcher=("$root/lib/base/ld-linux-x86-64.so.2")
fi
fovea=(${launcher[@]+"${launcher[@]}"} "$root/bin/fovea")
fovea_bench=(${launcher[@]+"${launcher[@]}"} "$root/bin/fovea-bench")

# The driver must list a GPU: otherwise stop now, with what the loader and the driver saw. (To try the bundle on a
# CPU's OpenCL driver, set FOVEA_OPENCL_AS=gpu: the device then acts as a GPU.)
timeout 30 "${fovea[@]}" devices > "$work/devices.txt" 2>&1
if ! grep -q " GPU " "$work/devices.txt"; then
    echo "run-on-gpu.sh: $library was found but no OpenCL GPU is listed:"; cat "$work/devices.txt"
    echo "-- ldd $library:"; ldd "$library" 2>&1
    echo "-- nvidia-smi:"; nvidia-smi 2>&1 | head -15
    exit 4
fi

tuning=${OUT:-$work}/clblast-tuning
if ls "$tuning"/*.json > /dev/null 2>&1; then export FOVEA_CLBLAST_TUNING=$tuning; echo "CLBlast tuning: $tuning"; fi
# CLBlast's tuners for single-precision GEMM at 4096 (a sampled fraction of each search space), writing their JSON
# into $tuning, each limited to half of FOVEA_TIMEOUT_TUNE. A shell function, so that FOVEA_CLBLAST_TUNING reaches the
# steps after it.
tune_clblast() {
    local limit=$(( ${FOVEA_TIMEOUT_TUNE:-240} / 2 )) start=$SECONDS status=0 size=${FOVEA_TUNE_SIZE:-4096} fraction=${FOVEA_TUNE_FRACTION:-0.01}
    echo; echo "== tune (at most $((limit * 2)) s): CLBlast's xgemm and xgemm_direct tuners into $tuning"
    mkdir -p "$tuning"
    for tuner in clblast_tuner_xgemm clblast_tuner_xgemm_direct; do
        (cd "$tuning" && timeout --kill-after=5 "$limit" ${launcher[@]+"${launcher[@]}"} "$root/bin/$tuner" \
            -precision 32 -m "$size" -n "$size" -k "$size" -fraction "$fraction" -runs 2 > "$tuner.log" 2>&1) || status=$?
        tail -n 3 "$tuning/$tuner.log"; echo
    done
    if ls "$tuning"/*.json > /dev/null 2>&1; then
        export FOVEA_CLBLAST_TUNING=$tuning
        echo "== tune: exit status $status after $((SECONDS - start)) s; FOVEA_CLBLAST_TUNING=$tuning: $(ls "$tuning"/*.json | xargs -n1 basename | tr '\n' ' ')"
    else
        echo "== tune: no tuner result after $((SECONDS - start)) s (status $status)"; failed+=("tune ($status)")
    fi
}

failed=()
step() {  # name command...   (limited to FOVEA_TIMEOUT_<NAME> seconds)
    local name=$1; shift
    local limit_variable="FOVEA_TIMEOUT_${name^^}" default_limit
    case "$name" in devices) default_limit=30 ;; selftest) default_limit=150 ;; bench) default_limit=240 ;; *) default_limit=90 ;; esac
    local limit=${!limit_variable:-$default_limit}
    echo; echo "== $name (at most $limit s): $*"
    local start=$SECONDS
    timeout --kill-after=5 "$limit" "$@"
    local status=$?
    [ $status -eq 124 ] && echo "== $name: stopped after its $limit s"
    echo "== $name: exit status $status after $((SECONDS - start)) s"
    [ $status -eq 0 ] || failed+=("$name ($status)")
}

for name in "${steps[@]}"; do
    case "$name" in
        devices) step devices "${fovea[@]}" devices --require-opencl ;;
        tune) tune_clblast ;;
        selftest) step selftest "${fovea[@]}" selftest --device opencl ;;
        bench)
            bench_args=(--quick --backend opencl:0)
            if command -v python3 > /dev/null && python3 -c "import torch" > /dev/null 2>&1; then
                bench_args+=(--pytorch --pytorch-script "$bundle/pytorch_bench.py")
            else
                echo "(python3 with torch not found: fovea-bench runs without --pytorch)"
            fi
            [ -n "${OUT:-}" ] && bench_args+=(--json "$OUT/bench.json" --svg "$OUT/bench.svg")
            # shellcheck disable=SC2206
            step bench "${fovea_bench[@]}" "${bench_args[@]}" ${FOVEA_BENCH_ARGS:-} ;;
        train)
            run_dir=${OUT:-$work}/train-lenet5-fashion-mnist
            step train "${fovea[@]}" train --model lenet5 --data fashion-mnist --data-dir "$bundle/data" --epochs 1 \
                --max-steps "${FOVEA_TRAIN_STEPS:-300}" --device opencl --out "$run_dir" ;;
        *) echo "run-on-gpu.sh: unknown step '$name' (devices, selftest, bench, train)"; failed+=("$name (unknown)") ;;
    esac
done

echo
if [ ${#failed[@]} -eq 0 ]; then echo "== all steps succeeded: ${steps[*]}"; exit 0; fi
echo "== failed: ${failed[*]}"
exit 1
