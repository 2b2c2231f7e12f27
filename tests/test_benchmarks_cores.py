"""The cores benchmark: both kinds of work timed alone and beside a busy process."""

from __future__ import annotations

import os

import pytest

from benchmarks import cores


def test_measure_times_work_alone_and_beside_a_busy_process():
    calls = []
    figures = cores.measure(lambda: calls.append(os.getpid()), repeats=2)
    assert calls == [os.getpid()] * 5  # a warm-up, then alone and beside, twice, here
    assert figures["alone_s"] >= 0
    assert figures["beside_s"] >= 0


def test_cores_smoke(capsys: pytest.CaptureFixture[str]):
    assert cores.main(["--repeats", "1", "--size", "2000"]) == 0
    printed = capsys.readouterr().out
    assert "python loop" in printed
    assert "string hashing" in printed
    assert "slowdown x" in printed
