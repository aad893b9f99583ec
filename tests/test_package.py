"""PKG-1: the package a wheel built from this checkout installs, outside the checkout.

Builds the wheel (setuptools, no network), installs it into a fresh virtualenv (without its
dependencies: the test lends it this virtualenv's site-packages, but not the editable
install), and imports every room and reads an ABI there, from a folder that is not the
repository. Also checks the wheel's metadata declares the dependencies and extras.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ROOMS = ("client", "models", "evm", "sim", "tooling")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from a copy of what it is made of (setuptools writes build/ where it builds)."""
    source, out = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("wheel")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for name in ("computerwa", "interfaces"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    command = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(out), "."]
    subprocess.run(command, check=True, capture_output=True, cwd=source)
    (built,) = out.glob("computerwa-*.whl")
    return built


def test_the_wheel_holds_every_room_and_the_abis(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for room in ROOMS:
        assert f"computerwa/{room}/__init__.py" in names
    for path in (ROOT / "computerwa").rglob("*.py"):
        assert path.relative_to(ROOT).as_posix() in names, f"{path} is not in the wheel"
    for path in (ROOT / "interfaces").rglob("*"):
        if path.is_file():
            relative = path.relative_to(ROOT / "interfaces").as_posix()
            assert f"computerwa/abi/{relative}" in names, f"{relative} is not in the wheel"


def test_the_wheel_declares_its_dependencies_and_extras(wheel):
    metadata = next(n for n in zipfile.ZipFile(wheel).namelist() if n.endswith("METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    requires = [line for line in text.splitlines() if line.startswith("Requires-Dist:")]
    assert any("eth-account" in line for line in requires)
    for extra in ("evm", "sim", "tooling", "dev"):
        assert f"Provides-Extra: {extra}" in text


def test_the_installed_wheel_imports_outside_the_checkout(wheel, tmp_path):
    home = tmp_path / "venv"
    venv.create(home, with_pip=True)
    python = home / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)], check=True)
    # the dependencies, from this virtualenv: a .pth path (its own .pth files, the editable
    # install of the checkout among them, are not read)
    target = Path(
        subprocess.check_output(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], text=True
        ).strip()
    )
    (target / "zz_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    script = (
        "import computerwa, computerwa.client, computerwa.models.revenue, computerwa.models.settlement\n"
        "import computerwa.evm.codec, computerwa.sim.regions, computerwa.tooling\n"
        "from computerwa.client import Voucher, sign_voucher, Domain\n"
        "from computerwa.client.abi import load_abi, abi_names\n"
        f"assert computerwa.__file__.startswith({str(home)!r}), computerwa.__file__\n"
        "assert 'Settlement' in abi_names() and any(i.get('name') == 'settle' for i in load_abi('Settlement'))\n"
        "from computerwa.client.abi import load_typed_data\n"
        "assert 'computerwa.ethpm' not in abi_names()\n"
        "assert load_typed_data('Voucher')['domain']['name'] == 'ComputeRWA Settlement'\n"
        "import importlib.resources as r, json\n"
        "package = json.loads((r.files('computerwa.abi') / 'computerwa.ethpm.json').read_text())\n"
        "assert package['manifest'] == 'ethpm/3' and 'Settlement' in package['contractTypes']\n"
        "print('ok')\n"
    )
    result = subprocess.run([python, "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
