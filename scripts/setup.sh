#!/usr/bin/env bash
# Installs what the pipeline needs on a fresh Debian machine that has only Node/npm:
#   bash scripts/setup.sh          npm packages (Deno comes with them), ffmpeg, libjpeg-turbo
#   bash scripts/setup.sh --test   also PostgreSQL, Chromium, Jupyter, Tesseract and scikit-learn for the tests,
#                                  notebooks and the quality benchmark
# Safe to rerun: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
case "${1:-}" in
  --test) want_test=1 ;;
  -h | --help)
    sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'
    printf '\nOptions:\n  --test       also what the tests need\n  -h, --help   show this help\n'
    exit 0
    ;;
  "") ;;
  *) echo "error: unknown option '$1' (see --help)" >&2; exit 64 ;;
esac

apt_missing=()
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || apt_missing+=(ffmpeg)
# JPEGs decode twice as fast through the system's libjpeg-turbo (sharp is the fallback)
compgen -G "/usr/lib/*/libturbojpeg.so.0" >/dev/null || apt_missing+=(libturbojpeg0)
if ((want_test)); then
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || apt_missing+=(postgresql)
  command -v chromium >/dev/null || apt_missing+=(chromium)
  # the optional OCR extra (FEATURE_EXTRAS=ocr) and its tests
  command -v tesseract >/dev/null && [[ -n $(compgen -G "/usr/share/tesseract-ocr/*/tessdata/eng.traineddata") ]] ||
    apt_missing+=(tesseract-ocr tesseract-ocr-eng)
  command -v jupyter-nbconvert >/dev/null || apt_missing+=(jupyter-nbconvert jupyter-client)
  /usr/bin/python3 -c "import nbclient, ipykernel" 2>/dev/null || apt_missing+=(python3-nbclient python3-ipykernel)
  # the classic peer and the scorer of deno task bench quality (scikit-learn beside the product)
  /usr/bin/python3 -c "import sklearn" 2>/dev/null || apt_missing+=(python3-sklearn)
fi

if ((${#apt_missing[@]})); then
  echo "setup: installing Debian packages: ${apt_missing[*]}"
  if [[ $(id -u) == 0 ]]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "setup: need root to install: apt-get install ${apt_missing[*]}" >&2
    exit 1
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
fi

# npm packages, Deno included (node_modules/.bin/deno). onnxruntime-node's install step would download
# CUDA libraries from outside the npm registry: its CPU and WebGPU build ships in the package, so the step
# is skipped unless the user asks for it (ONNXRUNTIME_NODE_INSTALL=cuda12 bash scripts/setup.sh).
ort_install="${ONNXRUNTIME_NODE_INSTALL:-skip}"
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: installing npm packages (onnxruntime-node install step: $ort_install)"
  ONNXRUNTIME_NODE_INSTALL="$ort_install" npm ci --no-audit --no-fund --loglevel=error
elif [[ $ort_install != skip ]] &&
  ! compgen -G "node_modules/onnxruntime-node/bin/napi-v6/linux/*/libonnxruntime_providers_cuda.so" >/dev/null; then
  # Installed before without the CUDA provider: run onnxruntime-node's install step alone.
  echo "setup: installing onnxruntime-node's $ort_install binaries"
  ONNXRUNTIME_NODE_INSTALL="$ort_install" npm rebuild onnxruntime-node --loglevel=error
fi

# Deno itself comes from npm, into .tools/ (not node_modules: deno task would take its bin for a script).
DENO_VERSION=2.9.6
if ! deno --version 2>/dev/null | grep -q "deno $DENO_VERSION"; then
  if ! .tools/node_modules/.bin/deno --version 2>/dev/null | grep -q "deno $DENO_VERSION"; then
    echo "setup: installing Deno $DENO_VERSION from npm into .tools/"
    npm install --prefix .tools --no-save --no-audit --no-fund --loglevel=error "deno@$DENO_VERSION"
  fi
  export PATH="$PWD/.tools/node_modules/.bin:$PATH"
fi
if ((want_test)) && command -v deno >/dev/null; then
  deno jupyter --install >/dev/null 2>&1 || true # the notebooks' Deno kernel
fi
echo "setup: ok"
