"""Static figures (matplotlib) and ``drumnmf plot``."""

from __future__ import annotations

import struct
import subprocess
import sys

import numpy as np
import pytest

from drumnmf.errors import DrumnmfError

matplotlib = pytest.importorskip("matplotlib", reason="figures need the [plot] extra")

from test_report import synthetic_transcription  # noqa: E402

from drumnmf.cli import main  # noqa: E402
from drumnmf.display import images, plots  # noqa: E402

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
        "import sys, drumnmf, drumnmf.pipeline, drumnmf.display.plots, drumnmf.display.report;"
        "import drumnmf.cli;"
        "drumnmf.cli.build_parser();"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported at start-up'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


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
        (
            ["plot", "losses", "AUDIO", "--out", "regular.txt/a.png"],
            "'regular.txt' is a file, not a folder",
        ),
        (["plot", "losses", "AUDIO", "--solver", "mur"], "runs both solvers; drop --solver"),
        (["plot", "decomposition", "AUDIO", "--picker", "topk"], "--picker topk needs --k"),
        (
            ["plot", "templates", "--kit", "missing.kit.json", "--out", "k.png"],
            "kit file not found",
        ),
    ],
)
def test_cli_errors(song, tmp_path, monkeypatch, capsys, argv, match):
    _, audio, _, _ = song
    monkeypatch.chdir(tmp_path)
    (tmp_path / "regular.txt").write_text("not a folder")
    assert main([audio if a == "AUDIO" else a for a in argv]) == 2
    assert match in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["regular.txt"]  # nothing written


# ----------------------------------------------------------------------------- QA fixes


def test_every_template_panel_has_its_frequency_axis():
    from drumnmf.kit import default_kit

    kit = default_kit()
    assert kit.n_drums == 5  # two rows: the kick panel has the crash panel below it
    fig = plots.plot_templates(kit, dpi=DPI, name="default.kit.json")
    fig.canvas.draw()
    panels = [ax for ax in fig.axes if ax.axison]
    assert len(panels) == 5
    for ax in panels:
        assert ax.get_xlabel() == "frequency (Hz)", ax.get_title()
        labels = [t.get_text() for t in ax.get_xticklabels() if t.get_visible() and t.get_text()]
        assert "1k" in labels, (ax.get_title(), labels)
    assert "default.kit.json" in fig.get_suptitle()


def _axes_for(fig, drum):
    return next(ax for ax in fig.axes if ax.get_ylabel() == drum)


def test_activations_reference_lines_and_matches(transcription):
    onsets = transcription.onsets
    reference = {
        "kick": onsets["kick"] + 0.02,  # all matched
        "snare": onsets["snare"][::2] + 0.2,  # none matched
    }
    fig = plots.plot_activations(transcription, reference, dpi=DPI)
    kick, snare, hihat = (_axes_for(fig, d) for d in ("kick", "snare", "hihat"))
    lines = [c for c in kick.collections if c.get_label() == "reference onset"]
    assert len(lines) == 1
    segments = lines[0].get_segments()
    assert len(segments) == onsets["kick"].size
    assert all(seg[0][1] == 0 and seg[1][1] == 1 for seg in segments)  # full height
    assert lines[0].get_alpha() < 0.5 and lines[0].get_zorder() < kick.lines[0].get_zorder()

    def count(ax, prefix):
        return sum(len(ln.get_xdata()) for ln in ax.lines if ln.get_label().startswith(prefix))

    assert count(kick, "detected, matched (≤ 50 ms)") == onsets["kick"].size
    assert count(kick, "detected, unmatched") == 0
    assert count(snare, "detected, matched") == 0
    assert count(snare, "detected, unmatched") == onsets["snare"].size
    # A drum the reference lacks: all its detections are false positives.
    assert count(hihat, "detected, unmatched") == onsets["hihat"].size
    assert count(hihat, "detected onset") == 0
    assert any("0 reference, 0 matched" in t.get_text() for t in hihat.texts)
    plain = plots.plot_activations(transcription, None, dpi=DPI)
    assert count(_axes_for(plain, "hihat"), "detected onset") == onsets["hihat"].size
    assert any(f"{onsets['kick'].size} matched" in t.get_text() for t in kick.texts)


def _with_features(transcription):
    from dataclasses import replace

    from drumnmf.features import log_filterbank

    settings = transcription.kit.settings
    filters = log_filterbank(settings, bands_per_octave=12)
    features = (filters @ transcription.spectrogram).astype(np.float32)
    fact = replace(
        transcription.factorization,
        templates=(filters @ transcription.kit.templates).astype(np.float32),
    )
    return replace(transcription, features=features, factorization=fact), filters


def test_decomposition_shows_the_factorized_bands(transcription):
    t, filters = _with_features(transcription)
    fig = plots.plot_decomposition(t, dpi=DPI, start=1.0, end=2.0)
    ax_v = next(ax for ax in fig.axes if ax.get_title().startswith("V:"))
    assert "12 bands/octave log-frequency" in ax_v.get_title()
    centres = plots.row_frequencies(t)
    assert centres.size == filters.shape[0] == t.features.shape[0]
    mesh = ax_v.collections[0]
    n_shown = int(np.sum(centres >= images.FMIN))
    assert mesh.get_array().shape[0] == n_shown  # one image row per factorized band
    # The brightest cell of the image is the brightest band of the factorized matrix.
    lo, hi = ax_v.get_ylim()
    assert 10**lo < centres[centres >= images.FMIN][0] and 10**hi > centres[-1]
    ax_w = next(ax for ax in fig.axes if ax.get_title() == "W: templates")
    assert "band centre" in ax_w.get_ylabel()
    hits = sum(int(np.sum((v >= 1.0) & (v <= 2.0))) for v in t.onsets.values())
    total = sum(t.n_onsets.values())
    assert f"{hits} hits in 1–2 s (of {total} in" in fig.get_suptitle()


def test_row_frequencies_refuses_a_mismatch(transcription):
    from dataclasses import replace

    t = replace(transcription, features=np.ones((7, transcription.spectrogram.shape[1])))
    with pytest.raises(DrumnmfError, match="has 7 rows but its settings give"):
        plots.row_frequencies(t)


def test_losses_panels_per_unit_and_time(transcription):
    fact = transcription.factorization
    curves = {"NeNMF": fact, "MUR": np.geomspace(1e3, 1e1, 40)}
    fig = plots.plot_losses(
        curves,
        seconds={"MUR": np.linspace(0.01, 0.4, 40)},
        units={"NeNMF": "NeNMF outer iterations (10 OGM steps per block)"},
        norm=1e4,
        dpi=DPI,
    )
    xlabels = [ax.get_xlabel() for ax in fig.axes]
    assert xlabels == [
        "NeNMF outer iterations (10 OGM steps per block)",
        "iterations",
        "elapsed time (s)",
    ]
    assert len(fig.axes) == 3
    assert "/ ||V||²_F" in fig.axes[0].get_ylabel()
    mur = fig.axes[1].lines[0]
    assert np.allclose(mur.get_ydata(), np.geomspace(1e3, 1e1, 40) / 1e4)
    with pytest.raises(DrumnmfError, match="seconds of 'MUR' must be 40 non-decreasing"):
        plots.plot_losses(curves, seconds={"MUR": [1.0, 0.5]})
    with pytest.raises(DrumnmfError, match=r"seconds/units given for \['X'\]"):
        plots.plot_losses(curves, units={"X": "sweep"})
    with pytest.raises(DrumnmfError, match="norm must be"):
        plots.plot_losses(curves, norm=0.0)


def test_cli_losses_run_the_pipeline(song, tmp_path, monkeypatch):
    from drumnmf.pipeline import TranscribeConfig, transcribe

    _, audio, kit_path, _ = song
    seen = {}

    def fake(losses, path, **kwargs):
        seen.update(losses=losses, **kwargs)

    monkeypatch.setattr(plots, "plot_losses", fake)
    argv = ["plot", "losses", audio, "--kit", str(kit_path), "--iterations", "4"]
    assert main([*argv, "--harmonic-rank", "2", "--out", str(tmp_path / "new" / "l.png")]) == 0
    assert (tmp_path / "new").is_dir()  # the output folder is created
    for label, solver in (("MUR", "mur"), ("NeNMF", "nenmf")):
        config = TranscribeConfig(solver=solver, harmonic_rank=2, max_iter=4)
        expected = transcribe(audio, kit=kit_path, config=config)
        got = seen["losses"][label]
        assert got.templates.shape[0] == expected.factorized.shape[0] < 200  # bands, not bins
        np.testing.assert_allclose(got.losses, expected.factorization.losses, rtol=1e-5)
        times = seen["seconds"][label]
        assert times.size == 4 and np.all(np.diff(times) >= 0)
        V = np.asarray(expected.factorized, dtype=np.float64)
        assert seen["norm"] == pytest.approx(float(np.vdot(V, V)), rel=1e-6)
    assert seen["units"]["MUR"] == "MUR sweeps"


def test_cli_decomposition_takes_pipeline_flags(song, tmp_path, monkeypatch):
    _, audio, kit_path, _ = song
    seen = {}
    monkeypatch.setattr(plots, "plot_decomposition", lambda t, path, **kw: seen.update(t=t))
    argv = ["plot", "decomposition", audio, "--kit", str(kit_path), "--bands-per-octave", "6"]
    assert main([*argv, "--percussive-frames", "0", "--out", str(tmp_path / "d.png")]) == 0
    t = seen["t"]
    assert t.config.bands_per_octave == 6 and t.config.percussive_frames == 0
    assert t.factorized.shape[0] == plots.row_frequencies(t).size < 100


@pytest.mark.parametrize("figure", FIGURES)
def test_cli_figure_help_has_an_example(figure, capsys):
    with pytest.raises(SystemExit):
        main(["plot", figure, "--help"])
    text = capsys.readouterr().out
    assert f"example:\n  drumnmf plot {figure} " in text
