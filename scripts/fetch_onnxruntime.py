#!/usr/bin/env python3
"""Fetch the ONNX Runtime shared library detrigger loads at run time.

No registry ships ONNX Runtime as a system or Rust-linkable library, but the
PyPI wheel `onnxruntime==1.31.1` carries `libonnxruntime.so.1.31.1`. This
script downloads that one pinned wheel with pip (the machine's package
registry), checks its hash where it is known, extracts the one library file
and prints its path. `build.rs` runs it during `cargo build`; run it by hand
if that was skipped:

    python3 scripts/fetch_onnxruntime.py --dest target/onnxruntime

The library is cached: a second run with the same --dest does nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import platform
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

VERSION = "1.31.1"
LIBRARY = f"libonnxruntime.so.{VERSION}"
MEMBER = f"onnxruntime/capi/{LIBRARY}"
# SHA-256 of the library inside the manylinux x86_64 wheels of this version
# (the same file in every CPython variant of the wheel).
KNOWN_SHA256 = {"x86_64": "fc44112fbe06d7d689c57e11d3862031f64711007e4ee020f8eed5185fd2c1d3"}


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path) -> None:
    expected = KNOWN_SHA256.get(platform.machine())
    if expected and sha256(path) != expected:
        path.unlink()
        sys.exit(f"fetch_onnxruntime: {path} does not have the expected SHA-256; removed it")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dest", type=Path, default=Path("target") / "onnxruntime", help="directory for the library")
    args = parser.parse_args()
    if sys.platform != "linux":
        sys.exit(
            "fetch_onnxruntime: only Linux wheels are handled here; on other systems point ORT_DYLIB_PATH "
            "at an ONNX Runtime 1.31 library, or build with the `download-binaries` feature"
        )

    target = args.dest.resolve() / LIBRARY
    if target.exists():
        verify(target)
        print(target)
        return

    args.dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        command = [
            sys.executable, "-m", "pip", "download", f"onnxruntime=={VERSION}",
            "--no-deps", "--only-binary=:all:", "--disable-pip-version-check", "--quiet", "--dest", tmp,
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"fetch_onnxruntime: pip could not download onnxruntime=={VERSION}:\n{result.stderr.strip()}")
        wheels = sorted(Path(tmp).glob(f"onnxruntime-{VERSION}-*.whl"))
        if not wheels:
            sys.exit(f"fetch_onnxruntime: pip finished but left no onnxruntime-{VERSION} wheel in {tmp}")
        with zipfile.ZipFile(wheels[0]) as wheel:
            partial = target.with_suffix(".partial")
            with wheel.open(MEMBER) as source, open(partial, "wb") as sink:
                while block := source.read(1 << 20):
                    sink.write(block)
        # Rename last, so an interrupted run never leaves a truncated library
        # where the loader would find it.
        partial.rename(target)
    verify(target)
    print(target)


if __name__ == "__main__":
    main()
