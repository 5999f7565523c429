echo hello from $(uname -r) in $(pwd); id; ls build/bin 2>&1 | head -3; echo to-stderr >&2; exit 3
