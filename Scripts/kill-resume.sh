#!/usr/bin/env bash
# Kills `fovea train` with SIGKILL at random moments, N times, resuming after each kill, then checks that the run
# finished with a test result and that every checkpoint pair in it belongs to one step (same checkpoint_id).
# Usage: Scripts/kill-resume.sh [N] [FOVEA]   (defaults: 20 kills, .build/debug/fovea)
set -uo pipefail
cd "$(dirname "$0")/.."
kills="${1:-20}"
fovea="${2:-.build/debug/fovea}"
run=$(mktemp -d)/iris
options=(--model mlp --data csv:data/iris.csv --hidden 16 --epochs 60 --batch-size 8 --device cpu)
"$fovea" train "${options[@]}" --out "$run" > /dev/null 2>&1 &
resumes=0
for i in $(seq 1 "$kills"); do
    sleep "0.$((RANDOM % 9 + 1))"
    kill -9 $! 2> /dev/null; wait $! 2> /dev/null
    if [ -f "$run/config.json" ]; then
        "$fovea" train --resume "$run" > "$run.log" 2>&1 &
        resumes=$((resumes + 1))
    else
        "$fovea" train "${options[@]}" --out "$run" --overwrite > "$run.log" 2>&1 &
    fi
done
wait $!; status=$?
[ $status -eq 0 ] || { echo "kill-resume: the last resume failed ($status):"; cat "$run.log"; exit 1; }
tail -n 1 "$run/metrics.jsonl" | grep -q test_accuracy || { echo "kill-resume: no test result in $run/metrics.jsonl"; exit 1; }
python3 - "$run/checkpoints" "$kills" "$resumes" <<'PY'
import json, os, struct, sys
folder = sys.argv[1]
def metadata(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        return json.loads(f.read(n)).get("__metadata__", {})
names = sorted(os.listdir(folder))
stray = [n for n in names if n.startswith(".") or n.endswith(".prev")]
models = [n for n in names if n.endswith(".safetensors") and ".optim." not in n]
torn = [m for m in models if metadata(os.path.join(folder, m)).get("checkpoint_id")
        != metadata(os.path.join(folder, m.replace(".safetensors", ".optim.safetensors"))).get("checkpoint_id")]
print(f"kill-resume: {sys.argv[2]} kills, {sys.argv[3]} resumes; {len(models)} checkpoint pairs, torn: {torn or 'none'}, stray files: {stray or 'none'}")
sys.exit(1 if torn else 0)
PY
