"""scripts/system-packages.sh: silent when the programs are there, installs them as
root with apt-get, and otherwise stops with the one command to run."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "system-packages.sh"
BASH = "/bin/bash"


def run(
    tmp_path: Path, purpose: str, *, present: set[str], path: str
) -> subprocess.CompletedProcess[str]:
    """Run the script with each program at a path of its own under tmp_path."""
    env = {"PATH": path, "HOME": str(tmp_path)}
    for name in ("chromium", "dovecot", "initdb"):
        program = tmp_path / "bin" / name
        if name in present:
            program.parent.mkdir(exist_ok=True)
            program.write_text("#!/bin/sh\n")
            program.chmod(0o755)
        env[f"CONCORD_{name.upper()}"] = str(program)
    return subprocess.run(  # noqa: S603 - our own script
        [BASH, str(SCRIPT), purpose], env=env, capture_output=True, text=True, timeout=30
    )


def test_nothing_to_do_when_the_programs_are_there(tmp_path: Path) -> None:
    done = run(tmp_path, "test", present={"chromium", "dovecot"}, path=str(tmp_path / "none"))
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_without_apt_get_it_says_which_command_to_run(tmp_path: Path) -> None:
    done = run(tmp_path, "test", present=set(), path=str(tmp_path / "none"))
    assert done.returncode == 2
    assert done.stdout == ""
    assert "sudo apt-get install -y chromium dovecot-imapd\n" in done.stderr
    assert "postgresql" not in done.stderr


def test_ci_also_wants_postgresql(tmp_path: Path) -> None:
    done = run(tmp_path, "ci", present={"chromium"}, path=str(tmp_path / "none"))
    assert done.returncode == 2
    assert "sudo apt-get install -y postgresql dovecot-imapd\n" in done.stderr


def test_an_unknown_purpose_is_refused(tmp_path: Path) -> None:
    done = run(tmp_path, "everything", present=set(), path=str(tmp_path / "none"))
    assert done.returncode == 64
    assert "usage:" in done.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="the script installs only when run as root")
def test_as_root_it_installs_them_with_apt_get(tmp_path: Path) -> None:
    # A stand-in apt-get that logs its calls and "installs" by creating the programs.
    fake = tmp_path / "fakebin"
    fake.mkdir()
    log = tmp_path / "apt.log"
    (fake / "apt-get").write_text(
        "#!/bin/bash\n"
        f'echo "$DEBIAN_FRONTEND $*" >> {log}\n'
        'if [ "$1" = install ]; then\n'
        f"  mkdir -p {tmp_path}/bin\n"
        f"  for p in chromium dovecot; do printf '#!/bin/sh\\n' > {tmp_path}/bin/$p;"
        f" chmod +x {tmp_path}/bin/$p; done\n"
        "fi\n"
    )
    (fake / "apt-get").chmod(0o755)
    done = run(tmp_path, "test", present=set(), path=f"{fake}:/usr/bin:/bin")
    assert done.returncode == 0, done.stderr
    assert log.read_text().splitlines() == [
        "noninteractive update -qq",
        "noninteractive install -y -qq chromium dovecot-imapd",
    ]
    again = run(tmp_path, "test", present={"chromium", "dovecot"}, path=f"{fake}:/usr/bin:/bin")
    assert (again.returncode, again.stdout) == (0, "")
    assert len(log.read_text().splitlines()) == 2
