"""The Dask path against a real LocalCluster, and output folders behind fsspec URLs."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from drumnmf.batch import RUN_FILE, transcribe_many
from drumnmf.cluster import connect, output_store
from drumnmf.errors import DrumnmfError

from batch_fixtures import FAST, library, outputs
from dependencies import require

HAS_DASK = importlib.util.find_spec("distributed") is not None


@pytest.fixture(scope="module")
def client():
    require(HAS_DASK, "dask.distributed is not installed (pip install -e '.[cluster]')")
    from distributed import Client, LocalCluster

    # Two workers as threads of this process: starts in about a second, and they share
    # this process's memory:// file system.
    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    )
    with Client(cluster) as dask_client:
        yield dask_client
    cluster.close()


def memory_files(url: str) -> dict[str, bytes]:
    store = output_store(url)
    root = store.root
    return {
        path[len(root) + 1 :]: bytes(store.fs.cat_file(path))
        for path in sorted(store.fs.find(root))
        if path.endswith((".csv", ".mid"))
    }


def test_dask_run_matches_a_local_run_byte_for_byte(client, tmp_path):
    src = library(tmp_path / "in", 6)
    local = transcribe_many([src], out_dir=tmp_path / "local", config=FAST, progress=False)
    remote = transcribe_many(
        [src], out_dir=tmp_path / "dask", config=FAST, client=client, progress=False
    )
    assert [r.status for r in remote.files] == ["done"] * 6
    assert [r.digest for r in remote.files] == [r.digest for r in local.files]
    assert outputs(tmp_path / "dask") == outputs(tmp_path / "local")
    assert len(outputs(tmp_path / "dask")) == 12
    # Both workers took part.
    assert len(client.nthreads()) == 2  # asks the scheduler (scheduler_info() is a cache)
    again = transcribe_many(
        [src], out_dir=tmp_path / "dask", config=FAST, client=client, progress=False
    )
    assert [r.status for r in again.files] == ["skipped"] * 6


def test_dask_worker_processes_give_the_same_bytes(tmp_path):
    """Workers in their own processes: the kit and settings travel pickled."""
    require(HAS_DASK, "dask.distributed is not installed (pip install -e '.[cluster]')")
    from distributed import Client, LocalCluster

    src = library(tmp_path / "in", 4)
    transcribe_many([src], out_dir=tmp_path / "local", config=FAST, progress=False)
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as dask_client,
    ):
        summary = transcribe_many(
            [src], out_dir=tmp_path / "dask", config=FAST, client=dask_client, progress=False
        )
    assert [r.status for r in summary.files] == ["done"] * 4
    assert outputs(tmp_path / "dask") == outputs(tmp_path / "local")


def test_dask_records_a_bad_file_and_goes_on(client, tmp_path):
    src = library(tmp_path / "in", 2)
    (src / "bad.wav").write_bytes(b"RIFF" + b"\0" * 50)
    summary = transcribe_many(
        [src], out_dir=tmp_path / "out", config=FAST, client=client, progress=False
    )
    assert sorted(r.status for r in summary.files) == ["done", "done", "failed"]
    assert "cannot decode" in summary.failed[0].error


def test_memory_url_output_folder_through_dask(client, tmp_path):
    src = library(tmp_path / "in", 4)
    url = f"memory://drumnmf-tests/{tmp_path.name}/run"
    transcribe_many([src], out_dir=tmp_path / "local", config=FAST, progress=False)
    summary = transcribe_many([src], out_dir=url, config=FAST, client=client, progress=False)
    assert [r.status for r in summary.files] == ["done"] * 4
    assert memory_files(url) == outputs(tmp_path / "local")
    store = output_store(url)
    document = json.loads(store.read_text(RUN_FILE))
    assert document["totals"]["done"] == 4 and document["out_dir"] == url
    again = transcribe_many([src], out_dir=url, config=FAST, progress=False)
    assert [r.status for r in again.files] == ["skipped"] * 4


def test_memory_url_refused_with_worker_processes(tmp_path):
    require(HAS_DASK, "fsspec is not installed (pip install -e '.[cluster]')")
    src = library(tmp_path / "in", 1)
    with pytest.raises(DrumnmfError, match="worker processes do not share"):
        transcribe_many([src], out_dir="memory://drumnmf-tests/jobs", jobs=2, progress=False)


def test_top_level_name():
    import drumnmf

    assert drumnmf.transcribe_many is transcribe_many


def test_file_url_is_a_local_folder(tmp_path):
    require(HAS_DASK, "fsspec is not installed (pip install -e '.[cluster]')")
    src = library(tmp_path / "in", 1)
    summary = transcribe_many([src], out_dir=f"file://{tmp_path / 'out'}", progress=False)
    assert summary.files[0].status == "done"
    assert (tmp_path / "out" / "set0" / "take0000.csv").is_file()


def test_clear_errors_without_dask(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(DrumnmfError, match=r"pip install 'drumnmf\[cluster\]'"):
        connect("tcp://127.0.0.1:8786")


def test_unreachable_scheduler_is_named():
    require(HAS_DASK, "dask.distributed is not installed (pip install -e '.[cluster]')")
    with pytest.raises(DrumnmfError, match="cannot reach the Dask scheduler"):
        connect("tcp://127.0.0.1:9", timeout=1)


def test_unknown_url_protocol_is_named(tmp_path):
    require(HAS_DASK, "fsspec is not installed (pip install -e '.[cluster]')")
    with pytest.raises(DrumnmfError, match="fsspec backend"):
        output_store("nosuchprotocol://bucket/run")
