"""Running variants over items: both pickers scored, failures kept, arguments checked."""

import numpy as np
import pytest

from drumnmf.errors import DrumnmfError
from drumnmf.evaluation.experiments.datasets import ExperimentItem, corpus_items, select_items
from drumnmf.evaluation.experiments.runner import run_variants, score
from drumnmf.evaluation.experiments.variants import Variant
from drumnmf.pipeline import TranscribeConfig


def test_run_variants_scores_both_pickers(tiny_corpus):
    items = select_items(corpus_items(tiny_corpus), subsets=("groove/validation/*/drums",))
    variants = (Variant("fast", TranscribeConfig(max_iter=5)),)
    results = run_variants(items, variants, jobs=1)
    assert not results.failures
    assert len(results.runs) == len(items) == 2
    for run in results.runs:
        assert set(run.reference) == {"kick", "snare", "hihat"}
        for cls, times in run.top_k.items():
            assert times.size <= run.reference[cls].size
        assert run.losses.shape == run.elapsed.shape == (5,)
        assert np.all(np.diff(run.elapsed) > 0) and run.elapsed[0] > 0
        assert 0 < run.losses[-1] < 1  # normalized by ||V||^2
    topk = score(results.runs, "topk")
    assert topk.micro_total.f_measure > 0.9  # clean synthetic drums, own kit
    assert score(results.runs, "adaptive").micro_total.f_measure > 0.8


def test_run_variants_reports_unreadable_items(tiny_corpus, tmp_path):
    good = select_items(corpus_items(tiny_corpus), subsets=("mdb",))[0]
    bad = ExperimentItem(
        "x/missing",
        "x",
        tmp_path / "missing.wav",
        good.reference,
        good.kit,
        "validation",
        reference_format="text",
    )
    results = run_variants([good, bad], [Variant("v", TranscribeConfig(max_iter=2))], jobs=1)
    assert [r.item.id for r in results.runs] == [good.id]
    assert [f.item for f in results.failures] == ["x/missing"]


def test_run_variants_checks_its_arguments(tiny_corpus):
    items = corpus_items(tiny_corpus)
    v = Variant("v", TranscribeConfig())
    with pytest.raises(DrumnmfError, match="distinct names"):
        run_variants(items, [v, v])
    with pytest.raises(DrumnmfError, match="jobs"):
        run_variants(items, [v], jobs=0)
    with pytest.raises(DrumnmfError, match="no items"):
        run_variants([], [v])


def test_run_variants_with_five_classes(tiny_corpus):
    items = select_items(corpus_items(tiny_corpus), subsets=("groove/validation/*/drums",))
    variants = (Variant("fast", TranscribeConfig(max_iter=5)),)
    three = run_variants(items, variants, jobs=1)
    five = run_variants(items, variants, jobs=1, classes=5)
    assert all(set(r.reference) == {"kick", "snare", "hihat", "tom", "cymbal"} for r in five.runs)
    scores = score(five.runs, "adaptive")
    assert scores.drums == ("kick", "snare", "hihat", "tom", "cymbal")
    # kick, snare and hi-hat pool the same drums in both vocabularies
    for picker in ("adaptive", "topk"):
        a, b = score(three.runs, picker), score(five.runs, picker)
        for drum in ("kick", "snare", "hihat"):
            assert (a.micro[drum].tp, a.micro[drum].fp, a.micro[drum].fn) == (
                b.micro[drum].tp,
                b.micro[drum].fp,
                b.micro[drum].fn,
            )
    with pytest.raises(DrumnmfError, match="one number of classes"):
        score([*three.runs, *five.runs], "adaptive")
    with pytest.raises(DrumnmfError, match="classes must be one of"):
        run_variants(items, variants, classes=4)
