"""The authority's workspace under two editors and under a crash.

Every edit re-reads pola.toml and pola-keys.json and replaces them under the workspace's
lock, so two authority commands at once never lose each other's change; an edit that
writes both files writes pola-keys.json first, so one that dies between the two is
completed by running it again (never "already in the pola" for a half-made change).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_workspace import R, S, agency_keys, ws  # noqa: F401 - fixtures

from sandi._internal import fs as _fs
from sandi.authority import keysfile as wj
from sandi.authority.requests import enrollment
from sandi.authority.workspace import Workspace
from sandi.keys.keystore import AgencyKey
from sandi.pola.classification import Classification

SLOW = 0.05  # seconds between an editor's read and its replace: a wide race window


def _slowed(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    real: Callable[[Path], Any] = getattr(wj, name)

    def slow(path: Path) -> Any:
        data = real(path)
        time.sleep(SLOW)
        return data
    monkeypatch.setattr(wj, name, slow)


def _together(jobs: list[Callable[[], object]]) -> None:
    errors: list[BaseException] = []

    def run(job: Callable[[], object]) -> None:
        try:
            job()
        except BaseException as exc:  # reported below, on the test's thread
            errors.append(exc)
    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_rules_added_at_once_are_all_kept(ws: Workspace,  # noqa: F811
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    _slowed(monkeypatch, "read_source")
    rules = [("allow", "setda", "bkpsdmd", R), ("allow", "inspektorat", "bkpsdmd", R),
             ("deny", "setda", "inspektorat", S), ("allow", "bkpsdmd", "setda", S)]
    before = len(ws.build().body.rules)
    # one Workspace object per editor, as two commands would have
    _together([lambda r=r: Workspace(ws.path).add_rule(*r) for r in rules])
    assert len(ws.build().body.rules) == before + len(rules)


def test_agencies_enrolled_at_once_are_all_kept(ws: Workspace,  # noqa: F811
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    _slowed(monkeypatch, "read_keys")
    new = ["dinkes", "dishub", "bappeda"]
    requests = {a: enrollment(AgencyKey.generate(a, 1, pq=True)) for a in new}
    _together([lambda a=a: Workspace(ws.path).add_agency(
        requests[a], name=a, abbrev=a.upper(), groups=["dinas"]) for a in new])
    body = ws.build().body
    assert {a.id for a in body.agencies} >= set(new)
    assert set(ws.agency_keys()) >= set(new)


class Died(Exception):
    """The process ended here (kill -9, power cut) in the middle of an edit."""


def _dying_on_write(monkeypatch: pytest.MonkeyPatch, n: int) -> list[Path]:
    """Make the n-th atomic write of the edit die before it happens."""
    real = _fs.atomic_write
    written: list[Path] = []

    def write(path: Any, data: bytes, **kw: Any) -> None:
        if len(written) + 1 == n:
            raise Died(path)
        real(path, data, **kw)
        written.append(Path(path))
    monkeypatch.setattr(_fs, "atomic_write", write)
    return written


def test_an_enrollment_that_died_between_its_two_files_completes_when_run_again(
        ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    request = enrollment(AgencyKey.generate("dinkes", 1, pq=True))

    def enroll() -> None:
        ws.add_agency(request, name="Dinas Kesehatan", abbrev="DINKES", groups=["dinas"])
    with monkeypatch.context() as m:
        written = _dying_on_write(m, 2)
        with pytest.raises(Died):
            enroll()
        assert written == [ws.keys_path]  # the keys first
    enroll()  # the rerun completes it
    assert "dinkes" in {a.id for a in ws.build().body.agencies}
    assert "dinkes" in ws.agency_keys()


def test_a_removal_that_died_between_its_two_files_completes_when_run_again(
        ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    with monkeypatch.context() as m:
        _dying_on_write(m, 2)
        with pytest.raises(Died):
            ws.remove_agency("bkpsdmd")
    ws.remove_agency("bkpsdmd")  # the rerun completes it
    assert "bkpsdmd" not in {a.id for a in ws.build().body.agencies}
    assert "bkpsdmd" not in ws.agency_keys()


def test_control_without_a_crash_the_edits_are_as_before(ws: Workspace) -> None:  # noqa: F811
    ws.add_rule("allow", "setda", "inspektorat", Classification.TERBATAS)
    assert any(r.source == "setda" and r.target == "inspektorat" for r in ws.build().body.rules)
