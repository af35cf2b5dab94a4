"""The build step that makes the browser bundle: everything else is in pyproject.toml.

The voting pages' script, ``src/tellers/web/static/tellers/tellers.js``, is a build
artefact of ``js/`` (esbuild through ``js/build.mjs``) and is not kept in git. Before
setuptools copies the package into a wheel (or an editable install), ``build_py``
runs ``npm ci`` in ``js/`` when ``node_modules`` is older than the lock file, then
``node build.mjs`` when the bundle is missing or older than any of its sources. The
sdist carries ``js/`` (MANIFEST.in), so a wheel is built from it the same way.
Building needs Node.js 18 or later with npm; without them the build stops and says so.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BUNDLE = Path("src", "tellers", "web", "static", "tellers", "tellers.js")
NODE_MAJOR = 18


class BundleError(RuntimeError):
    """Why the browser bundle cannot be built."""


def _newest(paths: list[Path]) -> float:
    return max((p.stat().st_mtime for p in paths if p.is_file()), default=0.0)


def _sources(js: Path) -> list[Path]:
    return [js / "build.mjs", js / "package.json", js / "package-lock.json",
            *sorted((js / "src").rglob("*"))]  # fmt: skip


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BundleError(
            f"building Tellers needs {name} to make the browser bundle from js/ "
            f"(Node.js {NODE_MAJOR} or later with npm; on Debian: apt-get install nodejs npm)"
        )
    return found


def _check_node(node: str) -> None:
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
    match = re.match(r"v(\d+)\.", version.strip())
    if not match or int(match.group(1)) < NODE_MAJOR:
        raise BundleError(
            f"building the browser bundle needs Node.js {NODE_MAJOR} or later; "
            f"{node} is {version.strip() or 'of unknown version'}"
        )


def _run(argv: list[str], cwd: Path) -> None:
    done = subprocess.run(argv, cwd=cwd)
    if done.returncode != 0:
        raise BundleError(f"`{' '.join(argv)}` in {cwd} exited {done.returncode}")


def build_bundle(root: Path = ROOT) -> Path:
    """Make ``root``'s browser bundle if it is missing or stale; return its path."""
    js, bundle = root / "js", root / BUNDLE
    if not (js / "build.mjs").is_file():
        if bundle.is_file():  # a tree without the sources but with the artefact
            return bundle
        raise BundleError(f"no {BUNDLE} and no js/ sources to build it from in {root}")
    sources = _sources(js)
    if bundle.is_file() and bundle.stat().st_mtime >= _newest(sources):
        return bundle
    node = _tool("node")
    _check_node(node)
    stamp = js / "node_modules" / ".package-lock.json"  # npm rewrites it at each install
    if not stamp.is_file() or stamp.stat().st_mtime < (js / "package-lock.json").stat().st_mtime:
        _run([_tool("npm"), "ci", "--no-audit", "--no-fund", "--prefer-offline",
              "--loglevel=error"], js)  # fmt: skip
    _run([node, "build.mjs"], js)
    if not bundle.is_file():
        raise BundleError(f"js/build.mjs ran but made no {BUNDLE}")
    return bundle


def bundle_command() -> int:
    """``make bundle``: build the bundle if needed; 1 with the reason on stderr if it cannot."""
    try:
        build_bundle()
    except BundleError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


class BuildPyWithBundle(build_py):  # type: ignore[misc]
    """``build_py`` that makes the browser bundle first, so that it is package data."""

    def run(self) -> None:
        try:
            build_bundle()
        except BundleError as exc:
            raise SystemExit(f"error: {exc}") from None
        self.__dict__.pop("data_files", None)  # listed before the bundle existed: list again
        super().run()


if __name__ == "__main__":
    setup(cmdclass={"build_py": BuildPyWithBundle})
