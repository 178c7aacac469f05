#!/usr/bin/env bash
# Installs the system packages Fovea needs on Debian 12 (OpenCL loader and headers, PoCL, CLBlast,
# OpenBLAS, zlib, libpng, libjpeg-turbo's TurboJPEG, Open MPI for data-parallel training), the Fashion-MNIST
# data set and python3 (for Scripts/fashion-mnist-folder.py). Uses sudo when not run as root.
set -euo pipefail
packages=(ocl-icd-opencl-dev opencl-headers libclblast-dev pocl-opencl-icd libopenblas-dev zlib1g-dev libpng-dev libturbojpeg0-dev clinfo
          openmpi-bin libopenmpi-dev
          dataset-fashion-mnist python3)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
