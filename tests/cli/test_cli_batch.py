"""``drumnmf transcribe`` over folders and lists, as a real subprocess: resume, signals, Dask."""

from __future__ import annotations

import importlib.util
import json
import signal
import subprocess
import sys
import time

import pytest

from batch_fixtures import library, outputs, tiny
from dependencies import require

FAST = ("--iterations", "3", "--inner-iterations", "3", "--harmonic-rank", "2")


def drumnmf(*args):
    return subprocess.run(
        [sys.executable, "-m", "drumnmf", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def summary(out):
    return json.loads((out / "drumnmf-run.json").read_text())


def test_folder_and_list_with_jobs_then_skip_and_force(tmp_path):
    src = library(tmp_path / "lib", 4)
    extra = tiny(tmp_path / "other" / "take0000.wav", 5)
    listing = tmp_path / "list.txt"
    listing.write_text(f"{extra}\n")
    out = tmp_path / "out"
    result = drumnmf("transcribe", src, f"@{listing}", "-o", out, "--jobs", "2", *FAST)
    assert result.returncode == 0, result.stderr
    assert "5 done, 0 skipped" in result.stderr
    stems = sorted(f["outputs"] for f in summary(out)["files"])
    # A folder's files keep their path below it, a listed file its name.
    assert stems == [
        "set0/take0000",
        "set0/take0003",
        "set1/take0001",
        "set2/take0002",
        "take0000",
    ]
    assert all((out / f"{s}.mid").is_file() for s in stems)
    again = drumnmf("transcribe", src, "--list", listing, "-o", out, *FAST)
    assert again.returncode == 0 and "0 done, 5 skipped" in again.stderr, again.stderr
    forced = drumnmf("transcribe", src, "--list", listing, "-o", out, "--force", *FAST)
    assert forced.returncode == 0 and "5 done, 0 skipped" in forced.stderr, forced.stderr


def test_failures_give_status_1_and_one_line_each(tmp_path):
    src = library(tmp_path / "lib", 2)
    (src / "broken.wav").write_bytes(b"RIFF" + b"\0" * 60)
    (src / "empty.flac").write_bytes(b"")
    result = drumnmf("transcribe", src, "-o", tmp_path / "out", *FAST)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("drumnmf: error:")]
    assert len(errors) == 2
    assert any("broken.wav" in e for e in errors) and any("empty.flac" in e for e in errors)
    assert "2 of 4 file(s) failed" in result.stderr


def test_one_file_keeps_its_outputs(tmp_path):
    song = tiny(tmp_path / "song.wav")
    result = drumnmf("transcribe", song, "-o", tmp_path / "out", *FAST)
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["song.csv", "song.json", "song.mid"]


def test_batch_refuses_one_recording_options(tmp_path):
    src = library(tmp_path / "lib", 2)
    beats = tmp_path / "beats.txt"
    beats.write_text("0.5\n1.0\n")
    result = drumnmf("transcribe", src, "-o", tmp_path / "out", "--beats", beats)
    assert result.returncode == 2 and "--beats FILE applies to one recording" in result.stderr
    result = drumnmf("transcribe", "-o", tmp_path / "out")
    assert result.returncode == 2 and "nothing to transcribe" in result.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_stops_cleanly_and_the_next_run_continues(tmp_path, sig):
    n = 80
    src = library(tmp_path / "lib", n)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "drumnmf", "transcribe", src, "-o", out, *FAST]
    process = subprocess.Popen(
        list(map(str, command)), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while len(list(out.rglob("take*.json"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted; run the same command again" in stderr
    first = summary(out)
    assert first["interrupted"] is True and first["finished"] is True
    done_first = {f["outputs"] for f in first["files"] if f["status"] == "done"}
    assert 3 <= len(done_first) < n
    assert first["totals"]["pending"] == n - len(done_first)
    assert not list(out.rglob("*.tmp"))
    # Exactly the finished files have outputs, and each of them all three.
    for suffix in (".csv", ".mid", ".json"):
        written = {p.relative_to(out).with_suffix("").as_posix() for p in out.rglob("take*")}
        assert written == done_first
        assert all((out / f"{s}{suffix}").is_file() for s in done_first)

    result = drumnmf("transcribe", src, "-o", out, *FAST)
    assert result.returncode == 0, result.stderr
    second = summary(out)
    done_second = {f["outputs"] for f in second["files"] if f["status"] == "done"}
    skipped = {f["outputs"] for f in second["files"] if f["status"] == "skipped"}
    assert skipped == done_first and done_first.isdisjoint(done_second)
    assert len(done_first | done_second) == n and second["totals"]["pending"] == 0


def test_scheduler_option_runs_on_a_dask_cluster(tmp_path):
    require(
        importlib.util.find_spec("distributed"),
        "dask.distributed is not installed (pip install -e '.[cluster]')",
    )
    from distributed import LocalCluster

    src = library(tmp_path / "lib", 4)
    local = drumnmf("transcribe", src, "-o", tmp_path / "local", *FAST)
    assert local.returncode == 0, local.stderr
    # The scheduler and two workers live in this process, on TCP; the command is a client.
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        protocol="tcp://",
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        address = cluster.scheduler_address
        result = drumnmf("transcribe", src, "-o", tmp_path / "dask", "--scheduler", address, *FAST)
    assert result.returncode == 0, result.stderr
    assert "4 done" in result.stderr
    assert outputs(tmp_path / "dask") == outputs(tmp_path / "local")
    bad = drumnmf("transcribe", src, "-o", tmp_path / "x", "--scheduler", address, "-j", "2")
    assert bad.returncode == 2 and "not both" in bad.stderr
