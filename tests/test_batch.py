"""Batches: inputs, digests, skipping, the run summary, worker processes, stopping."""

from __future__ import annotations

import json
import os
import signal
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from drumnmf.batch import (
    RUN_FILE,
    OutputOptions,
    collect_inputs,
    settings_digest,
    transcribe_many,
)
from drumnmf.errors import DrumnmfError
from drumnmf.kit import default_kit

from batch_fixtures import FAST, library, outputs, tiny
from synth import place, write_wav


def run_file(out: Path) -> dict:
    return json.loads((out / RUN_FILE).read_text())


# ---------------------------------------------------------------------------- inputs


def test_folders_are_searched_recursively_by_suffix(tmp_path):
    tiny(tmp_path / "lib" / "a" / "x.wav")
    tiny(tmp_path / "lib" / "a" / "b" / "y.WAV")
    (tmp_path / "lib" / "notes.txt").write_text("not audio")
    tiny(tmp_path / "lib" / ".hidden" / "z.wav")
    tiny(tmp_path / "lib" / "._x.wav")
    items = collect_inputs([tmp_path / "lib"])
    assert [i.stem for i in items] == ["a/b/y", "a/x"]
    assert items[1].source == tmp_path / "lib" / "a" / "x.wav"


def test_list_files_comments_relative_paths_and_duplicates(tmp_path):
    one = tiny(tmp_path / "one.wav")
    tiny(tmp_path / "sub" / "two.flac.wav")
    listing = tmp_path / "lists" / "todo.txt"
    listing.parent.mkdir()
    listing.write_text(f"# my songs\n\n../sub\n{one}\n  ../one.wav  \n")
    items = collect_inputs([f"@{listing}", one])
    assert [i.source.name for i in items] == ["two.flac.wav", "one.wav"]
    assert [i.stem for i in items] == ["two.flac", "one"]


def test_same_stems_in_different_folders_are_mirrored(tmp_path):
    a = tiny(tmp_path / "live" / "song.wav")
    b = tiny(tmp_path / "studio" / "song.wav")
    c = tiny(tmp_path / "studio" / "song.flac")
    items = collect_inputs([a, b, c])
    assert [i.stem for i in items] == ["live/song", "studio/song.wav", "studio/song.flac"]
    assert len({i.stem for i in items}) == 3


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda r: [r / "missing.wav"], "does not exist"),
        (lambda r: [f"@{r / 'nolist.txt'}"], "list file .* not found"),
        (lambda r: (r / "empty").mkdir() or [r / "empty"], "no audio files"),
    ],
    ids=["missing", "no-list", "empty-folder"],
)
def test_bad_inputs_are_named(tmp_path, make, match):
    with pytest.raises(DrumnmfError, match=match):
        collect_inputs(make(tmp_path))


def test_output_folder_inside_an_input_folder_is_not_an_input(tmp_path):
    tiny(tmp_path / "a.wav")
    tiny(tmp_path / "out" / "b_chart" / "song.ogg.wav")
    items = collect_inputs([tmp_path], exclude=tmp_path / "out")
    assert [i.stem for i in items] == ["a"]


# ---------------------------------------------------------------------------- digests


def test_settings_digest_follows_config_kit_and_options():
    kit = default_kit()
    base = settings_digest(kit, FAST, OutputOptions())
    assert base == settings_digest(kit, replace(FAST), OutputOptions())
    templates = kit.templates.copy()
    templates[0, 0] += 1e-9
    changed = [
        settings_digest(kit, replace(FAST, seed=1), OutputOptions()),
        settings_digest(replace(kit, templates=templates), FAST, OutputOptions()),
        settings_digest(kit, FAST, OutputOptions(formats=("csv",))),
        settings_digest(kit, FAST, OutputOptions(score=True)),
    ]
    assert len({base, *changed}) == 5


# ---------------------------------------------------------------------------- runs


def test_failures_are_recorded_and_the_others_go_on(tmp_path):
    good = tiny(tmp_path / "in" / "good.wav")
    (tmp_path / "in" / "corrupt.wav").write_bytes(b"RIFF" + b"\0" * 100)
    write_wav(tmp_path / "in" / "silent.wav", np.zeros(4410, np.float32))
    out = tmp_path / "out"
    summary = transcribe_many([tmp_path / "in"], out_dir=out, config=FAST, progress=False)
    status = {Path(r.source).name: r.status for r in summary.files}
    assert status == {"corrupt.wav": "failed", "good.wav": "done", "silent.wav": "failed"}
    errors = {Path(r.source).name: r.error for r in summary.failed}
    assert "cannot decode" in errors["corrupt.wav"] and "corrupt.wav" in errors["corrupt.wav"]
    assert "silent" in errors["silent.wav"]
    # Nothing written for the failed files; the good one complete.
    assert sorted(p.name for p in out.iterdir()) == [RUN_FILE, "good.csv", "good.json", "good.mid"]
    document = run_file(out)
    assert document["totals"]["done"] == 1 and document["totals"]["failed"] == 2
    assert document["finished"] is True and document["interrupted"] is False
    entry = next(f for f in document["files"] if f["status"] == "done")
    assert entry["input"] == str(good) and entry["audio_seconds"] == pytest.approx(0.3)
    stored = json.loads((out / "good.json").read_text())["batch"]
    assert stored["digest"] == entry["digest"] and len(entry["digest"]) == 64
    assert stored["settings_digest"] == document["settings_digest"]


def test_rerun_skips_up_to_date_files_and_redoes_changed_ones(tmp_path):
    src = library(tmp_path / "in", 4)
    out = tmp_path / "out"
    first = transcribe_many([src], out_dir=out, config=FAST, progress=False)
    assert [r.status for r in first.files] == ["done"] * 4
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*.csv")}

    again = transcribe_many([src], out_dir=out, config=FAST, progress=False)
    assert [r.status for r in again.files] == ["skipped"] * 4
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*.csv")} == before

    # Same bytes, new modification time: hashed again, still up to date.
    touched = next(src.rglob("take0000.wav"))
    os.utime(touched, ns=(1, 1))
    # New content: redone; a deleted output: redone.
    changed = next(src.rglob("take0001.wav"))
    tiny(changed, 9)
    (out / "set2" / "take0002.mid").unlink()
    third = transcribe_many([src], out_dir=out, config=FAST, progress=False)
    status = {Path(r.source).name: r.status for r in third.files}
    assert status == {
        "take0000.wav": "skipped",
        "take0001.wav": "done",
        "take0002.wav": "done",
        "take0003.wav": "skipped",
    }
    # Other settings, or force: everything redone.
    other = transcribe_many([src], out_dir=out, config=replace(FAST, seed=3), progress=False)
    assert [r.status for r in other.files] == ["done"] * 4
    forced = transcribe_many(
        [src], out_dir=out, config=replace(FAST, seed=3), force=True, progress=False
    )
    assert [r.status for r in forced.files] == ["done"] * 4


def test_without_json_the_run_summary_remembers(tmp_path):
    src = library(tmp_path / "in", 2)
    out = tmp_path / "out"
    options = OutputOptions(formats=("csv",))
    kwargs = {"out_dir": out, "config": FAST, "options": options, "progress": False}
    assert [r.status for r in transcribe_many([src], **kwargs).files] == ["done"] * 2
    assert [r.status for r in transcribe_many([src], **kwargs).files] == ["skipped"] * 2
    assert not list(out.rglob("*.json"))[1:]  # only drumnmf-run.json


def test_jobs_two_gives_byte_identical_outputs(tmp_path):
    src = library(tmp_path / "in", 6)
    one = transcribe_many([src], out_dir=tmp_path / "j1", config=FAST, progress=False)
    two = transcribe_many([src], out_dir=tmp_path / "j2", config=FAST, jobs=2, progress=False)
    assert [r.status for r in one.files] == [r.status for r in two.files] == ["done"] * 6
    assert [r.digest for r in one.files] == [r.digest for r in two.files]
    a, b = outputs(tmp_path / "j1"), outputs(tmp_path / "j2")
    assert len(a) == 12 and a == b


def test_bad_jobs_and_client_with_jobs(tmp_path):
    tiny(tmp_path / "a.wav")
    with pytest.raises(DrumnmfError, match="jobs must be a whole number >= 1"):
        transcribe_many([tmp_path / "a.wav"], out_dir=tmp_path / "o", jobs=0)
    with pytest.raises(DrumnmfError, match="not both"):
        transcribe_many([tmp_path / "a.wav"], out_dir=tmp_path / "o", jobs=2, client=object())


@pytest.mark.parametrize("jobs", [1, 2])
def test_interrupted_run_resumes_with_every_file_done_once(tmp_path, jobs):
    """SIGINT after 20 files: those finished are kept, the rest done by the next run.

    The same with 1,000 files is ``benchmarks/batch.py --resume``.
    """
    n = 60
    src = library(tmp_path / "in", n)
    out = tmp_path / "out"
    seen: list[str] = []

    def interrupt_at_20(record):
        seen.append(record.stem)
        if len(seen) == 20:
            os.kill(os.getpid(), signal.SIGINT)

    first = transcribe_many(
        [src], out_dir=out, config=FAST, jobs=jobs, progress=False, callback=interrupt_at_20
    )
    assert first.interrupted
    done_first = {r.stem for r in first.with_status("done")}
    assert 20 <= len(done_first) < n and not first.failed
    assert run_file(out)["interrupted"] is True
    assert not list(out.rglob("*.tmp"))
    # Every output JSON belongs to a finished file, and every finished file has all three.
    assert {p.relative_to(out).with_suffix("").as_posix() for p in out.rglob("*.json")} == {
        *done_first,
        "drumnmf-run",
    }
    second = transcribe_many([src], out_dir=out, config=FAST, jobs=jobs, progress=False)
    assert not second.interrupted
    done_second = {r.stem for r in second.with_status("done")}
    assert {r.stem for r in second.with_status("skipped")} == done_first
    assert done_first.isdisjoint(done_second) and len(done_first | done_second) == n
    assert run_file(out)["totals"] == {**run_file(out)["totals"], "pending": 0, "failed": 0}


def test_score_report_chart_and_note_map_per_file(tmp_path):
    from drumnmf.io.notemaps import load_note_map

    from synth import groove

    song = tmp_path / "in" / "a" / "song.wav"
    song.parent.mkdir(parents=True)
    write_wav(song, place(groove(6.0), 6.0))
    options = OutputOptions(
        score=True,
        report=True,
        chart=True,
        tempo_map=True,
        note_map=load_note_map("roland-td17"),
    )
    out = tmp_path / "out"
    first = transcribe_many([tmp_path / "in"], out_dir=out, options=options, progress=False)
    assert [r.status for r in first.files] == ["done"], first.failed
    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert set(options.outputs("a/song")) <= names
    assert {"a/song.html", "a/song.musicxml", "a/song_chart/notes.mid"} <= names
    again = transcribe_many([tmp_path / "in"], out_dir=out, options=options, progress=False)
    assert [r.status for r in again.files] == ["skipped"]
    # Another note map is another setting.
    other = replace(options, note_map=load_note_map("gm"))
    third = transcribe_many([tmp_path / "in"], out_dir=out, options=other, progress=False)
    assert [r.status for r in third.files] == ["done"]


def test_progress_bar_shows_files_audio_hours_and_time_left(tmp_path, capsys):
    src = library(tmp_path / "in", 3)
    transcribe_many([src], out_dir=tmp_path / "out", config=FAST, progress=True)
    err = capsys.readouterr().err
    assert "3/3 files" in err and "audio h" in err and "<00:00" in err
    transcribe_many([src], out_dir=tmp_path / "out", config=FAST, progress=True)
    assert capsys.readouterr().err == ""  # nothing to do: no bar


def test_forkserver_workers_when_threads_run(tmp_path, monkeypatch):
    """With another thread alive the workers come from a forkserver: same bytes."""
    import pickle
    import threading

    import drumnmf.batch as batch

    src = library(tmp_path / "in", 4)
    options = OutputOptions(note_map=None, score=True)
    task = batch.FileTask(default_kit(), FAST, options, str(tmp_path), "x")
    assert pickle.loads(pickle.dumps(task)).options == options
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    import multiprocessing

    assert batch._process_context(multiprocessing).get_start_method() == "forkserver"
    kwargs = {"config": FAST, "options": options, "progress": False}
    served = transcribe_many([src], out_dir=tmp_path / "fs", jobs=2, **kwargs)
    transcribe_many([src], out_dir=tmp_path / "one", **kwargs)
    assert [r.status for r in served.files] == ["done"] * 4, [r.error for r in served.files]
    assert outputs(tmp_path / "fs") == outputs(tmp_path / "one")


def test_a_file_that_kills_its_worker_fails_alone(tmp_path, monkeypatch):
    """A worker dying (out of memory, a crash) breaks the pool: the files it held are
    retried one at a time, and only the one that kills its worker again is failed."""
    import threading

    import drumnmf.batch_task as batch_task

    src = library(tmp_path / "in", 8)
    original = batch_task._transcribe_and_write

    def crash_on_take0005(item, *args):
        if item.stem.endswith("take0005"):
            os._exit(1)
        return original(item, *args)

    # Forked workers inherit the patch (the forkserver would not).
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setattr(batch_task, "_transcribe_and_write", crash_on_take0005)
    summary = transcribe_many([src], out_dir=tmp_path / "out", config=FAST, jobs=2, progress=False)
    status = {Path(r.source).stem: r.status for r in summary.files}
    assert status.pop("take0005") == "failed"
    assert set(status.values()) == {"done"}
    assert "worker process died" in summary.failed[0].error
