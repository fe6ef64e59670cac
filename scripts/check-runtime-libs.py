#!/usr/bin/env python3
"""Checks that the runtime image can load the binary: every shared library the binary loads
(`ldd`: its own and those of the libraries it loads; Swift's runtime and Foundation left out,
the release build links them statically, but not what they load, such as libxml2 for
FoundationXML) must come from a package in deploy/runtime-packages.txt or their dependencies.

    python3 scripts/check-runtime-libs.py .build/debug/manualbot

The packages are looked up in this machine's dpkg database (the build machine has the same
libraries installed, as dependencies of the -dev packages), so it runs offline, in seconds.
Written after the image check found a container that could not start: the S3 client's
XMLParser needs libxml2, which no listed package brought in.
"""
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Swift's runtime and Foundation: shared in a debug build, static in the release image.
SWIFT_RUNTIME = re.compile(r"^(libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime|libXCTest|libTesting)")


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def loaded(binary: str) -> dict[str, str]:
    """soname → path of every library the dynamic loader would load for `binary`."""
    libraries = {}
    for line in run("ldd", binary).splitlines():
        match = re.match(r"\s*(\S+) => (\S+)", line)
        if match:
            libraries[match.group(1)] = match.group(2)
        elif "not found" in line:
            libraries[line.split()[0]] = ""
    return libraries


def owner(path: str) -> str | None:
    for candidate in (path, str(Path(path).resolve())):
        result = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
        if result.returncode == 0:
            return result.stdout.split(":")[0].strip()
    return None


def dependency_closure(roots: list[str]) -> set[str]:
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        package = todo.pop()
        if package in seen:
            continue
        seen.add(package)
        result = subprocess.run(["dpkg-query", "-W", "-f=${Depends}, ${Pre-Depends}", package],
                                capture_output=True, text=True)
        if result.returncode != 0:
            continue  # not installed here: its own dependencies cannot be followed
        for clause in result.stdout.split(","):
            # "a (>= 1) | b": any alternative will do; follow the first one that is installed.
            for alternative in clause.split("|"):
                name = alternative.strip().split(" ")[0].split(":")[0]
                if name:
                    todo.append(name)
                    break
    return seen


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    binary = sys.argv[1]
    if shutil.which("dpkg") is None or shutil.which("ldd") is None:
        print("check-runtime-libs: skipped (no dpkg/ldd: not a Debian-family machine)", file=sys.stderr)
        return 0
    listed = [line.split("#")[0].strip() for line in (REPO / "deploy/runtime-packages.txt").read_text().splitlines()]
    listed = [name for name in listed if name]
    available = dependency_closure(listed + ["libc6", "libgcc-s1", "libstdc++6"])
    problems = []
    for soname, path in sorted(loaded(binary).items()):
        if SWIFT_RUNTIME.match(soname) or soname.startswith("ld-linux"):
            continue
        package = owner(path) if path else None
        if package is None:
            problems.append(f"{soname}: {path or 'not found'} belongs to no Debian package")
        elif package not in available:
            problems.append(f"{soname}: from package {package}, which deploy/runtime-packages.txt does not bring in")
    if problems:
        for problem in problems:
            print(f"check-runtime-libs: {problem}", file=sys.stderr)
        return 1
    print(f"check-runtime-libs: every library {Path(binary).name} needs comes with deploy/runtime-packages.txt", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
