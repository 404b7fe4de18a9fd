"""Static figures (matplotlib) and ``drumnmf plot``."""

from __future__ import annotations

import struct
import subprocess
import sys

import numpy as np
import pytest

from drumnmf.errors import DrumnmfError

matplotlib = pytest.importorskip("matplotlib", reason="figures need the [plot] extra")

from drumnmf import plots  # noqa: E402
from drumnmf.cli import main  # noqa: E402
from test_report import synthetic_transcription  # noqa: E402

from synth import SR, groove, place, write_hits, write_wav  # noqa: E402

DPI = 40  # small images: fast tests


def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def transcription():
    return synthetic_transcription(4.0)


def _draw(name, transcription, path):
    if name == "decomposition":
        return plots.plot_decomposition(transcription, path, dpi=DPI)
    if name == "templates":
        return plots.plot_templates(transcription.kit, path, dpi=DPI)
    if name == "losses":
        curves = {"NeNMF": transcription.factorization, "MUR": np.geomspace(1e3, 1e1, 100)}
        return plots.plot_losses(curves, path, dpi=DPI)
    reference = {k: v + 0.01 for k, v in transcription.onsets.items()}
    return plots.plot_activations(transcription, reference, path, dpi=DPI, start=0.5, end=3)


FIGURES = ("decomposition", "templates", "losses", "activations")


@pytest.mark.parametrize("name", FIGURES)
def test_figure_writes_png_of_the_figure_size(tmp_path, transcription, name):
    path = tmp_path / f"{name}.png"
    fig = _draw(name, transcription, path)
    width, height = fig.get_size_inches() * DPI
    assert png_size(path) == (round(width), round(height))
    assert path.stat().st_size > 2000  # drawn, not blank
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no temporary left


@pytest.mark.parametrize("name", FIGURES)
def test_figure_writes_svg(tmp_path, transcription, name):
    path = tmp_path / f"{name}.svg"
    _draw(name, transcription, path)
    text = path.read_text()
    assert "<svg" in text and "</svg>" in text


def test_figures_do_not_touch_pyplot(transcription):
    from matplotlib._pylab_helpers import Gcf
    from matplotlib.figure import Figure

    before = Gcf.get_num_fig_managers()
    for name in FIGURES:
        assert isinstance(_draw(name, transcription, None), Figure)
    assert Gcf.get_num_fig_managers() == before


def test_default_figure_sizes(tmp_path, transcription):
    fig = plots.plot_decomposition(transcription)
    assert tuple(fig.get_size_inches()) == (12.0, 7.0)
    fig = plots.plot_activations(transcription)
    assert tuple(fig.get_size_inches()) == (12.0, 1.5 * 3 + 1.0)


def test_core_does_not_import_matplotlib():
    code = (
        "import sys, drumnmf, drumnmf.pipeline, drumnmf.plots, drumnmf.report, drumnmf.cli;"
        "drumnmf.cli.build_parser();"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported at start-up'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ----------------------------------------------------------------------------- colours


def test_colors_are_per_name_and_distinct():
    a = plots.drum_colors(["kick", "snare", "hihat"])
    b = plots.drum_colors(["hihat", "crash", "kick", "BD"])
    assert a["kick"] == b["kick"] and a["hihat"] == b["hihat"]
    assert len(set(a.values())) == 3
    assert b["BD"] != b["kick"]  # an alias of a drum already there: still told apart
    assert plots.drum_colors(["BD"])["BD"] == a["kick"]
    c = plots.drum_colors(["kick", "gong", "bongo", "udu", "cajon"])
    assert len(set(c.values())) == 5
    assert plots.drum_colors(["gong"]) == {"gong": c["gong"]}  # stable for unknown names
    assert all(v.startswith("#") and len(v) == 7 for v in c.values())


# ----------------------------------------------------------------------------- helpers


def test_log_frequency_image_keeps_short_hits_and_places_tones():
    sr, n_bins, n_frames = 22050, 257, 1000
    V = np.full((n_bins, n_frames), 1e-6)
    V[20, 333] = 1.0  # one loud frame: survives max-pooling to 100 columns
    image, edges, step = plots.log_frequency_image(V, sr, n_rows=64, max_columns=100)
    assert image.shape == (64, 100) and step == 10 and edges.size == 65
    assert image.max() == pytest.approx(1.0) and image.min() >= 0
    row, col = np.unravel_index(np.argmax(image), image.shape)
    assert col == 333 // step
    freq = 20 * sr / 2 / (n_bins - 1)
    assert edges[row] <= freq * 1.05 and edges[row + 1] >= freq * 0.95


def test_log_frequency_image_rejects_bad_input():
    with pytest.raises(DrumnmfError, match="shape"):
        plots.log_frequency_image(np.zeros(10), 22050)
    with pytest.raises(DrumnmfError, match="fmin"):
        plots.log_frequency_image(np.ones((5, 5)), 22050, fmin=20000)
    image, _, _ = plots.log_frequency_image(np.zeros((5, 5)), 22050)
    assert not image.any()


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda t: plots.plot_templates(t.kit, "kit.jpg"), r"end the name in \.png"),
        (lambda t: plots.plot_decomposition(t, start=100.0), r"start must be in \[0, "),
        (lambda t: plots.plot_decomposition(t, start=-1.0), r"start must be in \[0, "),
        (lambda t: plots.plot_activations(t, start=2.0, end=1.0), "end must be after start"),
        (lambda t: plots.plot_losses({}), "no loss curves"),
        (lambda t: plots.plot_losses({"MUR": []}), "is empty"),
        (lambda t: plots.plot_losses({"MUR": [1.0, 0.0]}), "positive and finite"),
        (lambda t: plots.plot_activations(t, {"kick": [-1.0]}), "finite times >= 0"),
    ],
)
def test_bad_input(transcription, call, match):
    with pytest.raises(DrumnmfError, match=match):
        call(transcription)


def test_missing_output_folder(tmp_path, transcription):
    with pytest.raises(DrumnmfError, match="does not exist"):
        plots.plot_templates(transcription.kit, tmp_path / "nope" / "kit.png", dpi=DPI)


def test_without_matplotlib(monkeypatch, tmp_path, transcription, capsys):
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(DrumnmfError, match=r"pip install 'drumnmf\[plot\]'"):
        plots.plot_templates(transcription.kit)
    assert main(["plot", "templates", "--out", str(tmp_path / "kit.png")]) == 2
    assert "pip install 'drumnmf[plot]'" in capsys.readouterr().err


# ----------------------------------------------------------------------------- command line


@pytest.fixture(scope="module")
def song(tmp_path_factory):
    folder = tmp_path_factory.mktemp("plot-cli")
    from drumnmf.kit import calibrate, save_kit

    kit_path = folder / "my.kit.json"
    save_kit(calibrate(write_hits(folder)), kit_path)
    events = groove(3.0)
    audio = write_wav(folder / "song.wav", place(events, 3.0), SR)
    reference = folder / "song.txt"
    reference.write_text("".join(f"{t:.4f}\t{d}\n" for d, times in events.items() for t in times))
    return folder, audio, kit_path, reference


def test_cli_templates_default_name(song, monkeypatch, capsys):
    folder, _, kit_path, _ = song
    monkeypatch.chdir(folder)
    assert main(["plot", "templates", "--kit", str(kit_path)]) == 0
    assert (folder / "my.templates.png").stat().st_size > 0
    assert "wrote my.templates.png" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("figure", "extra"),
    [
        ("decomposition", ["--start", "0.5", "--end", "2.5"]),
        ("activations", ["--reference", "REF"]),
        ("losses", ["--harmonic-rank", "2", "--iterations", "5"]),
    ],
)
def test_cli_figures(song, tmp_path, figure, extra):
    _, audio, kit_path, reference = song
    out = tmp_path / f"{figure}.svg"
    extra = [str(reference) if a == "REF" else a for a in extra]
    if figure != "losses":
        extra += ["--harmonic-rank", "4", "--iterations", "3"]
    assert main(["plot", figure, audio, "--kit", str(kit_path), "--out", str(out), *extra]) == 0
    assert "<svg" in out.read_text()


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["plot", "decomposition", "AUDIO", "--out", "x.jpg"], "must end in .png"),
        (["plot", "decomposition", "missing.wav"], "audio file not found"),
        (["plot", "activations", "AUDIO", "--start", "2", "--end", "1"], "must be after --start"),
        (["plot", "activations", "AUDIO", "--start", "-1"], "--start must be >= 0"),
        (["plot", "losses", "AUDIO", "--out", "no/such/dir/x.png"], "does not exist"),
        (
            ["plot", "templates", "--kit", "missing.kit.json", "--out", "k.png"],
            "kit file not found",
        ),
    ],
)
def test_cli_errors(song, tmp_path, monkeypatch, capsys, argv, match):
    _, audio, _, _ = song
    monkeypatch.chdir(tmp_path)
    assert main([audio if a == "AUDIO" else a for a in argv]) == 2
    assert match in capsys.readouterr().err
    assert not list(tmp_path.iterdir())  # nothing written
