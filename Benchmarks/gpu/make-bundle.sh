#!/usr/bin/env bash
# Builds a self-contained bundle of `fovea` and `fovea-bench` for a Linux machine without a Swift toolchain (an NVIDIA
# GPU host reached through its OpenCL driver): bundle/ at the repository root, run there with bundle/run-on-gpu.sh.
#
#   bin/       fovea, fovea-bench (release, --static-swift-stdlib, stripped), CLBlast's tuners clblast_tuner_xgemm and
#              clblast_tuner_xgemm_direct (from clblast-utils, installed here when missing)
#   lib/       every shared library ldd names outside glibc and the GCC runtime: the OpenCL ICD loader (libOpenCL.so.1),
#              CLBlast, OpenBLAS, libgfortran, libquadmath, zlib ...; run-on-gpu.sh puts it on LD_LIBRARY_PATH
#   lib/base/  glibc (with its loader), libstdc++ and libgcc_s from this machine: NOT used normally (the target's own
#              are newer or the same on any recent distribution); run-on-gpu.sh falls back to them, through the bundled
#              loader, only when ldd reports a missing library or symbol version there
#   data/      Fashion-MNIST's four .gz files (for a short training run; the script fails without them)
#   pytorch_bench.py, run-on-gpu.sh
#
# bin/ and lib/ are then packed into payload.tar.xz (xz -9, one thread: its 64 MiB window stores the Swift runtime and
# ICU data that both static binaries carry only once), which run-on-gpu.sh unpacks on its first run: the whole bundle
# stays under the 64 MiB a device session can carry (about 53 MiB, against about 190 MiB unpacked).
#
# Usage: Benchmarks/gpu/make-bundle.sh [--unpacked] [OUTPUT_DIR]   (default: <repo>/bundle; --unpacked keeps bin/ and lib/)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
pack=1
if [ "${1:-}" = "--unpacked" ]; then pack=0; shift; fi
out=${1:-$repo/bundle}
cd "$repo"

swift build -c release --static-swift-stdlib --product fovea
swift build -c release --static-swift-stdlib --product fovea-bench
bin_dir=$(swift build -c release --static-swift-stdlib --show-bin-path)

rm -rf "$out"
mkdir -p "$out/bin" "$out/lib/base" "$out/data"
for program in fovea fovea-bench; do
    cp "$bin_dir/$program" "$out/bin/"
    strip "$out/bin/$program" 2>/dev/null || true
done
# CLBlast's own GEMM tuners (Debian's clblast-utils), for run-on-gpu.sh's `tune` step.
if ! command -v clblast_tuner_xgemm > /dev/null; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends clblast-utils
fi
cp "$(command -v clblast_tuner_xgemm)" "$(command -v clblast_tuner_xgemm_direct)" "$out/bin/"

# Base libraries: glibc's pieces, its loader, and the GCC runtime.
is_base() {
    case "$1" in
        libc.so.*|libm.so.*|libpthread.so.*|libdl.so.*|librt.so.*|libresolv.so.*|libutil.so.*|ld-linux*|libmvec.so.*) return 0 ;;
        libstdc++.so.*|libgcc_s.so.*) return 0 ;;
        *) return 1 ;;
    esac
}
copy_library() {  # name path
    local target=$out/lib
    if is_base "$1"; then target=$out/lib/base; fi
    [ -e "$target/$1" ] || cp -L "$2" "$target/$1"
}
# A library ldd cannot find would be missing on the GPU machine too: stop here, naming it.
for program in "$out"/bin/*; do
    if ldd "$program" | grep -q "not found"; then
        echo "make-bundle.sh: $program needs libraries ldd cannot find:"; ldd "$program" | grep "not found"; exit 1
    fi
done
for program in "$out"/bin/*; do
    while read -r name arrow path _; do
        if [ "$arrow" = "=>" ] && [ -f "$path" ]; then copy_library "$name" "$path"
        elif [[ "$name" == /* ]] && [ -f "$name" ]; then copy_library "$(basename "$name")" "$name"   # the loader
        fi
    done < <(ldd "$program")
done
# Libraries the bundled ones need in turn (libgfortran -> libquadmath ...), and glibc pieces the ICD driver may want.
for library in "$out"/lib/*.so*; do
    while read -r name arrow path _; do
        if [ "$arrow" = "=>" ] && [ -f "$path" ]; then copy_library "$name" "$path"; fi
    done < <(ldd "$library" 2>/dev/null)
done
for name in libpthread.so.0 libdl.so.2 librt.so.1 libm.so.6; do
    path=$(ldconfig -p | awk -v n="$name" '$1 == n && /x86-64/ { print $NF; exit }')
    if [ -n "$path" ]; then copy_library "$name" "$path"; fi
done

if ! ls /usr/share/datasets/fashion-mnist/*.gz > /dev/null 2>&1; then
    echo "make-bundle.sh: Fashion-MNIST is not in /usr/share/datasets/fashion-mnist (run Scripts/install-deps.sh): the training step needs it"
    exit 1
fi
cp /usr/share/datasets/fashion-mnist/*.gz "$out/data/"
cp Benchmarks/pytorch_bench.py "$out/"
cp Benchmarks/gpu/run-on-gpu.sh "$out/"
chmod +x "$out/run-on-gpu.sh"
git rev-parse HEAD > "$out/COMMIT" 2>/dev/null || true
du -sh "$out"/bin/* "$out"/lib/* "$out"/data 2>/dev/null | sort -h | tail -12
if [ $pack = 1 ]; then
    echo "packing bin/ and lib/ into payload.tar.xz (about 2 minutes)"
    tar -C "$out" -cf - bin lib | xz -9 -T1 > "$out/payload.tar.xz"
    rm -rf "$out/bin" "$out/lib"
fi

echo "bundle: $out ($(du -sh "$out" | cut -f1))"
